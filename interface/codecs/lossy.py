"""What a rendering loses: a report of what SETU 1.0 or XML drops or merges of a stored message.

The library keeps messages in the v2.0 JSON shape; a counterparty that speaks
1.0, or XML, receives a rendering that cannot always carry everything:

* 1.0 has no ``streetName``/``houseNumber``/``houseNumberAddition``: they are
  merged into ``positionLocation/line`` (a house number survives only as text);
* 1.0 wraps some arrays in ``item`` and needs at least one: an empty array is
  dropped; XML has no empty array either (no element reads back as absent);
* some values the v2.0 JSON Schema allows are outside 1.0's enumerations: they
  are sent as they are, and a strict 1.0 receiver refuses them.

:func:`rendering_report` says which, for embedding code and for deliveries
(recorded with the delivery as its warning; a party with ``lossy = "refuse"``
gets a failed delivery instead).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .versions import V1_VALUE_RESTRICTIONS, _values

MERGED, DROPPED, OUTSIDE = "merged", "dropped", "outside-1.0-values"
_ADDRESS = ("houseNumber", "houseNumberAddition")


@dataclass(frozen=True)
class Loss:
    """One element a rendering cannot carry as such."""

    path: str
    what: str  # MERGED | DROPPED | OUTSIDE
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "what": self.what, "detail": self.detail}


@dataclass(frozen=True)
class RenderingReport:
    """What rendering one message (or line) as ``version`` / ``fmt`` loses; empty when nothing."""

    message: str
    version: str
    fmt: str  # "json" | "xml"
    losses: tuple[Loss, ...] = ()

    @property
    def lossless(self) -> bool:
        return not self.losses

    def warning(self) -> str | None:
        """One line for a log or a delivery row, naming elements only (never their values)."""
        if self.lossless:
            return None
        parts = "; ".join(f"{loss.path} {loss.what}" for loss in self.losses[:10])
        more = f" (+{len(self.losses) - 10} more)" if len(self.losses) > 10 else ""
        return f"lossy rendering as SETU {self.version} {self.fmt.upper()}: {parts}{more}"

    def as_json(self) -> dict[str, Any]:
        return {"message": self.message, "version": self.version, "format": self.fmt,
                "losses": [loss.as_json() for loss in self.losses]}  # fmt: skip


def rendering_report(message: str, data: Mapping[str, Any], version: str, fmt: str = "json") -> RenderingReport:
    """What rendering the v2.0-shaped ``data`` of ``message`` as SETU ``version`` in ``fmt`` loses."""
    losses: list[Loss] = []
    if version == "1.0":
        losses += _address_merged(data)
        losses += _outside_v1(message, data)
    if fmt == "xml":
        losses += _empty_arrays(data, "")
    elif version == "1.0":
        losses += _empty_item_arrays(data)
    return RenderingReport(message, version, fmt, tuple(_unique(losses)))


def line_rendering_report(message: str, line: Mapping[str, Any], version: str, fmt: str = "json") -> RenderingReport:
    """The same for one line (lines are alike in both versions: only XML's empty arrays are lost)."""
    losses = list(_empty_arrays(line, "")) if fmt == "xml" else []
    return RenderingReport(message, version, fmt, tuple(losses))


def _address_merged(data: Mapping[str, Any]) -> Iterator[Loss]:
    location = (data.get("positionProfile") or {}).get("positionLocation")
    if not isinstance(location, Mapping):
        return
    for key in _ADDRESS:
        if location.get(key) not in (None, ""):
            yield Loss(f"positionProfile/positionLocation/{key}", MERGED,
                       "SETU 1.0 has no such element: merged into positionLocation/line as text")  # fmt: skip
    if any(location.get(k) not in (None, "") for k in _ADDRESS) and location.get("streetName") not in (None, ""):
        yield Loss("positionProfile/positionLocation/streetName", MERGED,
                   "merged with the house number into positionLocation/line")  # fmt: skip


def _outside_v1(message: str, data: Mapping[str, Any]) -> Iterator[Loss]:
    for path, allowed in V1_VALUE_RESTRICTIONS.get(message, {}).items():
        for where, value in _values(data, path.split("/"), ""):
            if value not in allowed:
                yield Loss(where, OUTSIDE, f"SETU 1.0 allows only {', '.join(allowed)}: a 1.0 receiver may refuse it")


def _empty_item_arrays(data: Mapping[str, Any]) -> Iterator[Loss]:
    """The arrays SETU 1.0 JSON wraps in ``item``, which must hold at least one."""
    profile = data.get("positionProfile") or {}
    for key in ("positionOrganizations", "workingPeriods"):
        if profile.get(key) == []:
            yield Loss(f"positionProfile/{key}", DROPPED, "SETU 1.0 cannot say an empty list here: left out")
    qualifications = profile.get("positionQualifications") or {}
    competencies = qualifications.get("positionCompetencies")
    if competencies == []:
        yield Loss("positionProfile/positionQualifications/positionCompetencies", DROPPED,
                   "SETU 1.0 cannot say an empty list here: left out")  # fmt: skip
    for i, competency in enumerate(competencies or []):
        if isinstance(competency, Mapping) and competency.get("competencyIds") == []:
            yield Loss(f"positionProfile/positionQualifications/positionCompetencies/{i}/competencyIds", DROPPED,
                       "SETU 1.0 cannot say an empty list here: left out")  # fmt: skip


def _empty_arrays(data: Any, path: str) -> Iterator[Loss]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = f"{path}/{key}" if path else key
            if value == []:
                yield Loss(where, DROPPED, "an empty array is left out (XML and SETU 1.0 cannot say it)")
            else:
                yield from _empty_arrays(value, where)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _empty_arrays(item, f"{path}/{i}")


def _unique(losses: list[Loss]) -> Iterator[Loss]:
    seen = set()
    for loss in losses:
        if (loss.path, loss.what) not in seen:
            seen.add((loss.path, loss.what))
            yield loss
