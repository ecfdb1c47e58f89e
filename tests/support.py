"""Helpers shared by the tests: where the official SETU material lives, a test application.

The official files stay in ``../shared/setu-spec`` (beside the checkout); set
``SETU_SPEC_DIR`` to read them elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from eventsourcing.persistence import DatetimeAsISO
from freezegun.api import FakeDatetime

from setu_planning.application.app import PlanningApplication

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ("PlanningRequest", "PlanningAssignment", "PlanningConstraints")
VERSIONS = ("1.0", "2.0")


def spec_location() -> Path:
    configured = os.environ.get("SETU_SPEC_DIR")
    if configured:
        return Path(configured)
    return PROJECT_ROOT.parent / "shared" / "setu-spec"


def example_path(spec: Path, message: str, version: str, fmt: str) -> Path:
    """Path of an official example, e.g. v2.0/PlanningRequest/PlanningRequest_Example_v2.0.json."""
    return spec / f"v{version}" / message / f"{message}_Example_v{version}.{fmt}"


def schema_path(spec: Path, message: str, version: str) -> Path:
    """Path of the official JSON Schema (YAML) of a message version."""
    suffix = "yaml" if version == "2.0" else "yml"
    return spec / f"v{version}" / message / f"{message}_v{version}.{suffix}"


def xsd_path(spec: Path, message: str, version: str) -> Path:
    return spec / f"v{version}" / message / f"{message}_v{version}.xsd"


class FakeDatetimeAsISO(DatetimeAsISO):
    """Under freezegun, event timestamps are FakeDatetime objects: store them as the ISO datetimes they stand for."""

    type = FakeDatetime
    name = "datetime_iso"


class TestPlanningApplication(PlanningApplication):
    """The real application, able to store events created under freeze_time."""

    __test__ = False

    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        transcoder.register(FakeDatetimeAsISO())


def eventually(check, what: str, timeout: float = 30.0, pause: float = 0.02):
    """Poll ``check()`` until it returns something true, and return that; else fail the test.

    A check that raises counts as not yet (the thing polled may be starting);
    the failure says what was last seen. No timing is asserted: ``timeout``
    only bounds a wait for something that should happen.
    """
    import time

    import pytest

    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            found = check()
        except Exception as error:  # noqa: BLE001 - not there yet
            found, last = None, error
        else:
            last = found
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what} (last seen: {last!r})")
        time.sleep(pause)
