"""Shapes the three SETU v2.0 messages share, and the strict scalar types.

Every model forbids unknown elements (the schemas say ``additionalProperties:
false``) and validates strictly (a JSON string is never coerced into a number,
nor a number into a string), so a model accepts exactly what the official
JSON Schema accepts. Optional elements may be absent but never ``null``: the
schemas give them no ``null`` type.

Dates, times and date-times stay the very strings received, so a message dumps
back to the text it came in with (``08:00:00Z``, ``07:00:00+00:00`` and the XML
form ``08:00:00`` alike); ``parse_time``/``parse_date``/``parse_datetime`` turn
them into Python values for comparisons.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal, TypeVar, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, WrapValidator
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def _not_null(value: Any, handler: Any) -> Any:
    if value is None:
        raise PydanticCustomError("schema_type", "null is not allowed here: leave the element out")
    return handler(value)


Opt = Annotated[T | None, WrapValidator(_not_null)]
"""An optional element: may be absent, may not be ``null``."""


class SetuModel(BaseModel):
    """Base of every SETU shape: strict, closed (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- scalars ---------------------------------------------------------------


def _number(value: Any) -> int | float:
    # JSON ``number``: ints stay ints so the JSON text round-trips unchanged.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("schema_type", "Input should be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("schema_type", "Input should be a finite number")
    return value


def _integer(value: Any) -> int | float:
    # JSON ``integer``: 2020-12 counts 1.0 as an integer, so it is accepted as sent.
    value = _number(value)
    if isinstance(value, float) and not value.is_integer():
        raise PydanticCustomError("schema_type", "Input should be an integer")
    return cast(int | float, value)


Number = Annotated[int | float, PlainValidator(_number)]
Integer = Annotated[int | float, PlainValidator(_integer)]

# RFC 3339 (what jsonschema's format checker asserts) or the xs:time/xs:dateTime
# lexical form the XML examples use, which is the same without the offset.
_OFFSET = r"(?P<offset>[Zz]|[+-](?P<oh>\d{2}):(?P<om>\d{2}))?"
_TIME = r"(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?P<frac>\.\d+)?" + _OFFSET
_DATE = r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
_TIME_RE = re.compile(_TIME, re.ASCII)
_DATE_RE = re.compile(_DATE, re.ASCII)
_DATETIME_RE = re.compile(_DATE + r"[Tt]" + _TIME, re.ASCII)


def _tz(match: re.Match[str]) -> dt.tzinfo | None:
    offset = match.group("offset")
    if offset is None:
        return None
    if offset in ("Z", "z"):
        return dt.UTC
    sign = -1 if offset[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match["oh"]), minutes=int(match["om"])))


def _time_parts(match: re.Match[str]) -> dt.time:
    frac = match.group("frac")
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"])
    if match.group("offset") not in (None, "Z", "z") and (int(match["oh"]) > 23 or int(match["om"]) > 59):
        raise ValueError("offset out of range")
    return dt.time(hour, minute, second, micro, tzinfo=_tz(match))


def parse_time(text: str) -> dt.time:
    """``08:00:00``, ``08:00:00.5Z``, ``07:00:00+02:00`` -> ``datetime.time`` (aware if an offset is given)."""
    match = _TIME_RE.fullmatch(text)
    if not match:
        raise ValueError(f"not a time (hh:mm:ss[.f][Z|±hh:mm]): {text!r}")
    return _time_parts(match)


def parse_date(text: str) -> dt.date:
    """``2023-06-13`` -> ``datetime.date``."""
    if not _DATE_RE.fullmatch(text):
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}")
    return dt.date.fromisoformat(text)


def parse_datetime(text: str) -> dt.datetime:
    """``2022-09-14T07:00:00+02:00`` -> ``datetime.datetime`` (aware if an offset is given)."""
    match = _DATETIME_RE.fullmatch(text)
    if not match:
        raise ValueError(f"not a date-time (YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]): {text!r}")
    day = dt.date(int(match["y"]), int(match["mo"]), int(match["d"]))
    return dt.datetime.combine(day, _time_parts(match))


_EPOCH = dt.datetime.min


def instant(value: dt.datetime) -> dt.timedelta:
    """The moment ``value`` stands for, as time elapsed since 0001-01-01T00:00:00 UTC.

    Unlike ``astimezone(timezone.utc)``, this never overflows: 0001-01-01T00:00:00+14:00
    lies before year 1 in UTC and 9999-12-31T23:59:59-14:00 after year 9999,
    which no ``datetime`` can hold, but a ``timedelta`` can. A value without
    offset is read as UTC.
    """
    offset = value.utcoffset() or dt.timedelta(0)
    return (value.replace(tzinfo=None) - _EPOCH) - offset


def seconds_of_day(value: dt.time) -> int:
    """Seconds since midnight, in UTC when the time carries an offset (modulo one day)."""
    total = value.hour * 3600 + value.minute * 60 + value.second
    offset = value.utcoffset()
    if offset is not None:
        total -= int(offset.total_seconds())
    return total % 86400


def _format_checker(parse: Any, name: str, shape: str) -> Any:
    def check(text: str) -> str:
        try:
            parse(text)
        except ValueError:
            raise PydanticCustomError(
                "schema_format", "Input should be a valid {name} ({shape})", {"name": name, "shape": shape}
            ) from None
        return text

    return check


Time = Annotated[str, AfterValidator(_format_checker(parse_time, "time", "hh:mm:ss[.f][Z|±hh:mm]"))]
Date = Annotated[str, AfterValidator(_format_checker(parse_date, "date", "YYYY-MM-DD"))]
DateTime = Annotated[
    str, AfterValidator(_format_checker(parse_datetime, "date-time", "YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]"))
]

# --- text ------------------------------------------------------------------

NOT_XML_CHARACTER = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character XML 1.0 cannot carry at all, not even as a character reference.

C0 control characters other than tab, line feed and carriage return, lone
surrogates (which JSON's ``\\ud800`` escapes can produce, and which no UTF-8
output can hold either), U+FFFE and U+FFFF. Text holding one is refused on
input (rule SETU-XML-CHARACTERS), so every stored message renders as JSON and XML.
"""

# --- enumerations ----------------------------------------------------------

ActionCode = Literal["DELETE", "GET", "POST", "PUT"]
SchemeAgency = Literal["Customer", "Supplier"]
LegalScheme = Literal["KvK", "OIN", "RSIN"]
PaidOrUnpaid = Literal["Paid", "Unpaid"]
SingleType = Literal["Exception", "Occasional"]
Weekday = Literal["Friday", "Monday", "Saturday", "Sunday", "Thursday", "Tuesday", "Wednesday"]
RelatedWorkerType = Literal["Preferred", "Required"]
WorkDurationUnit = Literal["Days", "Hours"]
BaseDurationUnit = Literal["Daily", "FourWeekly", "Monthly", "Quarterly", "Weekly", "Yearly"]

# --- identifiers -----------------------------------------------------------


class Identifier(SetuModel):
    """An id issued by the customer or the supplier (line ids, worker ids, party ids)."""

    value: str
    schemeAgencyId: SchemeAgency


class CustomerDocumentId(SetuModel):
    """A document id only the customer issues (requests, and references to them)."""

    value: str
    schemeAgencyId: Literal["Customer"]


class SupplierDocumentId(SetuModel):
    """A document id only the supplier issues (constraints)."""

    value: str
    schemeAgencyId: Literal["Supplier"]


class PlainValue(SetuModel):
    """A value without scheme (position id, task id and description, country code)."""

    value: str


class LegalId(SetuModel):
    """A registry number of an organisation (KvK, OIN, RSIN)."""

    value: str
    schemeAgencyId: LegalScheme


class TaxId(SetuModel):
    """A VAT number."""

    value: str
    schemeAgencyId: Literal["BTW"]


class Party(SetuModel):
    """Customer or supplier; BR-290 asks for at least one of the three ids."""

    id: Opt[Annotated[list[Identifier], Field(max_length=2)]] = None
    legalId: Opt[LegalId] = None
    taxId: Opt[TaxId] = None


class PersonName(SetuModel):
    formattedName: str


class Person(SetuModel):
    """A worker's name as shown to people."""

    name: PersonName


# --- position profile parts ------------------------------------------------


class PositionTask(SetuModel):
    """What the worker does; its id may identify the position (BR-294)."""

    id: Opt[PlainValue] = None
    description: Opt[PlainValue] = None


class PositionLocation(SetuModel):
    """Where the work is; fixed for the life of a request or assignment (BR-295)."""

    id: Opt[Annotated[list[Identifier], Field(max_length=2)]] = None
    name: str
    countryCode: Opt[PlainValue] = None
    city: Opt[str] = None
    postalCode: Opt[str] = None
    streetName: Opt[str] = None
    houseNumber: Opt[str] = None
    houseNumberAddition: Opt[str] = None


class PositionOrganization(SetuModel):
    """An organisation involved in the position (department, payroll party...)."""

    id: Opt[Identifier] = None
    legalId: Opt[LegalId] = None
    taxId: Opt[TaxId] = None
    responsibilityCode: Opt[PlainValue] = None
    name: Opt[str] = None


class PositionPeriod(SetuModel):
    """The dates between which the periodic lines apply (BR-291)."""

    start: Date
    end: Opt[Date] = None


class WorkDurationUnitCode(SetuModel):
    value: WorkDurationUnit


class BaseDurationUnitCode(SetuModel):
    value: BaseDurationUnit


class WorkDuration(SetuModel):
    value: Number
    unitCode: WorkDurationUnitCode


class BaseDuration(SetuModel):
    value: Number
    unitCode: BaseDurationUnitCode


class WorkingPeriod(SetuModel):
    """So many days/hours of work per base period (request and assignment: coded units)."""

    workDuration: WorkDuration
    baseDuration: BaseDuration


class CostCenter(SetuModel):
    name: Opt[str] = None
    code: Opt[str] = None


class Project(SetuModel):
    code: Opt[str] = None


class CostAllocation(SetuModel):
    """Where the customer books the hours."""

    costCenter: Opt[CostCenter] = None
    project: Opt[Project] = None


class PositionProfileBase(SetuModel):
    """The position profile parts request and assignment share."""

    positionId: Opt[PlainValue] = None
    positionTitle: Opt[str] = None
    positionTask: Opt[PositionTask] = None
    standByIndicator: Opt[bool] = None
    positionLocation: PositionLocation
    positionOrganizations: Opt[list[PositionOrganization]] = None
    positionPeriod: Opt[PositionPeriod] = None
    workingPeriods: Opt[list[WorkingPeriod]] = None
    shiftDescription: Opt[str] = None
    costAllocation: Opt[CostAllocation] = None


# --- lines -----------------------------------------------------------------


class BreakTrigger(SetuModel):
    """A break of ``breakDuration`` after ``hours`` of work (instead of fixed times)."""

    hours: Number
    breakDuration: Time


class PeriodicBreak(SetuModel):
    """A break in a periodic line: fixed times or a trigger (BR-286)."""

    paidOrUnpaid: PaidOrUnpaid
    startTime: Opt[Time] = None
    endTime: Opt[Time] = None
    breakTrigger: Opt[BreakTrigger] = None


class SingleBreak(SetuModel):
    """A break in a single line: fixed date-times or a trigger (BR-289)."""

    paidOrUnpaid: PaidOrUnpaid
    startDateTime: Opt[DateTime] = None
    endDateTime: Opt[DateTime] = None
    breakTrigger: Opt[BreakTrigger] = None


class LineReference(SetuModel):
    """Points an Exception single line at the periodic line it deviates from."""

    lineId: Identifier


class RelatedWorker(SetuModel):
    """A worker who should (Preferred) or must (Required) work alongside."""

    workerId: Identifier
    relatedWorkerType: RelatedWorkerType


class PeriodicPlanningLineBase(SetuModel):
    """A recurring shift on a weekday within the position period."""

    lineId: Identifier
    actionCode: Opt[ActionCode] = None
    planningLineName: Opt[str] = None
    planningPeriod: Weekday
    startTime: Opt[Time] = None
    endTime: Opt[Time] = None
    hours: Opt[Number] = None
    breaks: Opt[list[PeriodicBreak]] = None


class SinglePlanningLineBase(SetuModel):
    """One shift on a given moment: Occasional, or an Exception to a periodic line."""

    lineId: Identifier
    actionCode: Opt[ActionCode] = None
    planningLineName: Opt[str] = None
    singlePlanningType: SingleType
    periodicPlanningLineReference: Opt[LineReference] = None
    startDateTime: Opt[DateTime] = None
    endDateTime: Opt[DateTime] = None
    hours: Opt[Number] = None
    breaks: Opt[list[SingleBreak]] = None
