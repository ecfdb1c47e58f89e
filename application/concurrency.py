"""Optimistic concurrency: the version a command expects (If-Match), and re-running a command that lost a race."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

T = TypeVar("T")

Expected = int | Collection[int] | None
"""The version(s) a command expects the resource to be at (If-Match); None means any."""

COMMAND_ATTEMPTS = 100
"""A command that lost a race (another writer saved first) is re-run from fresh state,
after a random pause whose ceiling doubles with each attempt (up to RETRY_PAUSE_CAP), so
racing writers spread out; many writers on one hot resource all get their turn."""

RETRY_PAUSE_CAP = 0.05


def matches_expected(version: int, expected: Expected) -> bool:
    """Whether a resource at ``version`` is where the command expects it."""
    if expected is None:
        return True
    if isinstance(expected, int):
        return version == expected
    return version in expected


def expected_text(expected: Expected) -> str:
    """The expected version(s) in words, for the refusal."""
    if isinstance(expected, int) or expected is None:
        return str(expected)
    return " or ".join(str(v) for v in sorted(expected))


def retrying(command: Callable[[], T]) -> T:
    """Run ``command`` until it does not lose a race (``IntegrityError``), pausing ever longer between tries."""
    for attempt in range(1, COMMAND_ATTEMPTS + 1):
        try:
            return command()
        except IntegrityError:
            if attempt == COMMAND_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, min(RETRY_PAUSE_CAP, 0.0005 * 2 ** min(attempt, 10))))
    raise AssertionError("unreachable")
