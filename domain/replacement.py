"""PUT semantics: what a whole replacement does to a stored message.

SETU's usage note on PUT (2025) says an optional element left out of a PUT is
not overwritten. We apply that at every level of nesting: objects merge key by
key, recursively; anything else (a text, a number, a boolean, an array) that
the replacement carries replaces the stored value whole. So a PUT that omits
``positionProfile/positionPeriod/end`` keeps the stored end, and a PUT that
carries ``periodicPlanningLine`` replaces the whole list of periodic lines.
An element can therefore not be removed by a PUT; that is the standard's
choice, not ours (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_replacement(stored: Mapping[str, Any], received: Mapping[str, Any]) -> dict[str, Any]:
    """The message that results from applying ``received`` (a PUT body) to ``stored``."""
    merged: dict[str, Any] = dict(stored)
    for key, value in received.items():
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = merge_replacement(old, value)
        else:
            merged[key] = value
    return merged
