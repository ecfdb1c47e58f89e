"""Lines as concrete times: weekdays, position periods, exceptions, night shifts, offsets and DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from planning_samples import assignment, available, available_once, constraints, periodic, single

from setu_planning.domain.calendar import AVAILABILITY_LINES, WEEKDAYS, Calendar, availability_bands

UTC = dt.UTC
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
calendar = Calendar()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_a_periodic_line_falls_on_its_weekday_within_the_position_period_end_date_included():
    message = assignment(
        "A",
        "W",
        [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")],
        period={"start": "2026-01-06", "end": "2026-01-19"},
    )
    found = calendar.expand(message, at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z"))
    assert [o.start.isoformat() for o in found] == ["2026-01-12T08:00:00+00:00", "2026-01-19T08:00:00+00:00"]


def test_an_end_before_the_start_ends_the_next_day():
    message = assignment("A", "W", [periodic("NIGHT", "Friday", "22:00:00Z", "06:00:00Z")])
    (night,) = calendar.expand(message, at("2026-01-09T00:00:00Z"), at("2026-01-10T00:00:00Z"))
    assert (night.start.isoformat(), night.end.isoformat()) == (
        "2026-01-09T22:00:00+00:00",
        "2026-01-10T06:00:00+00:00",
    )


def test_an_exception_replaces_the_periodic_occurrence_it_overlaps_and_an_occasional_one_adds():
    message = assignment(
        "A",
        "W",
        [periodic("MON", "Monday", "08:00:00Z", "16:00:00Z")],
        [
            single(
                "EX",
                "2026-01-12T10:00:00Z",
                "2026-01-12T14:00:00Z",
                "Exception",
                periodicPlanningLineReference={"lineId": {"value": "MON", "schemeAgencyId": "Customer"}},
            ),
            single("SAT", "2026-01-17T09:00:00Z", "2026-01-17T13:00:00Z"),
        ],
    )
    found = calendar.expand(message, at("2026-01-12T00:00:00Z"), at("2026-01-20T00:00:00Z"))
    assert [(o.line_id, o.start.isoformat()) for o in found] == [
        ("EX", "2026-01-12T10:00:00+00:00"),
        ("SAT", "2026-01-17T09:00:00+00:00"),
        ("MON", "2026-01-19T08:00:00+00:00"),
    ]


def test_breaks_are_carried_with_their_occurrence():
    message = assignment(
        "A",
        "W",
        [
            periodic(
                "MON",
                "Monday",
                "08:00:00Z",
                "16:00:00Z",
                breaks=[{"paidOrUnpaid": "Unpaid", "startTime": "12:00:00Z", "endTime": "12:30:00Z"}],
            )
        ],
    )
    (monday,) = calendar.expand(message, at("2026-01-12T00:00:00Z"), at("2026-01-13T00:00:00Z"))
    assert monday.breaks[0].start.isoformat() == "2026-01-12T12:00:00+00:00"
    assert monday.worked == dt.timedelta(hours=7, minutes=30)


def test_not_available_beats_rather_not_beats_available_where_availability_lines_overlap():
    message = constraints(
        "W",
        [available("DAY", "Monday", "08:00:00Z", "18:00:00Z")],
        [
            available_once("RN", "2026-01-12T09:00:00Z", "2026-01-12T12:00:00Z", "RatherNot"),
            available_once("NO", "2026-01-12T11:00:00Z", "2026-01-12T13:00:00Z", "NotAvailable"),
        ],
    )
    since, until = at("2026-01-12T00:00:00Z"), at("2026-01-13T00:00:00Z")
    bands = availability_bands(calendar.expand(message, since, until, fields=AVAILABILITY_LINES), since, until)
    assert [(b.status, b.start.hour, b.end.hour) for b in bands] == [
        ("Available", 8, 9),
        ("RatherNot", 9, 11),
        ("NotAvailable", 11, 13),
        ("Available", 13, 18),
    ]


def test_times_without_offset_are_read_on_the_amsterdam_wall_clock_in_winter_and_summer():
    message = assignment("A", "W", [periodic("MON", "Monday", "08:00:00", "16:00:00")])
    winter, summer = (
        calendar.expand(message, at(f"{d}T00:00:00Z"), at(f"{d}T23:00:00Z"))[0] for d in ("2026-01-12", "2026-07-13")
    )
    assert winter.start.astimezone(UTC).hour == 7 and summer.start.astimezone(UTC).hour == 6
    assert winter.start.astimezone(AMSTERDAM).hour == summer.start.astimezone(AMSTERDAM).hour == 8


# ------------------------------------------------------------------ properties
times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
offsets = st.sampled_from(["", "Z", "+02:00", "-05:00"])
windows = st.builds(
    lambda day, hours: (
        dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=day),
        dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=day, hours=hours),
    ),
    st.integers(0, 700),
    st.integers(1, 24 * 60),
)


def _line(weekday: str, start: dt.time, end: dt.time, offset: str):
    return periodic("L", weekday, start.strftime("%H:%M:%S") + offset, end.strftime("%H:%M:%S") + offset)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(WEEKDAYS)), times, times, offsets, windows)
def test_every_occurrence_lies_in_the_window_on_its_weekday(weekday, start, end, offset, window):
    if start == end:
        return
    message = assignment("A", "W", [_line(weekday, start, end, offset)], period=None)
    since, until = window
    for occurrence in calendar.expand(message, since, until):
        assert occurrence.start < until and occurrence.end > since
        frame = occurrence.start.tzinfo
        assert occurrence.start.astimezone(frame).weekday() == WEEKDAYS[weekday]
        assert occurrence.day.weekday() == WEEKDAYS[weekday]
    for shift in calendar.shifts(message, since, until):
        assert since <= shift.start < until


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(WEEKDAYS)), times, times, st.integers(0, 700))
def test_lengths_are_stable_across_daylight_saving_changes_for_times_without_offset(weekday, start, end, day):
    """The wall-clock length is always the line's; real time differs only by a clock change inside the shift."""
    if start == end:
        return
    nominal = (
        dt.datetime.combine(dt.date(2026, 1, 1), end) - dt.datetime.combine(dt.date(2026, 1, 1), start)
    ) % dt.timedelta(days=1)
    message = assignment("A", "W", [_line(weekday, start, end, "")], period=None)
    since = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=day)
    for occurrence in calendar.expand(message, since, since + dt.timedelta(days=60)):
        local_start, local_end = occurrence.start.astimezone(AMSTERDAM), occurrence.end.astimezone(AMSTERDAM)
        assert local_start.time().replace(tzinfo=None) == start or occurrence.start.fold or _in_gap(occurrence.start)
        change = local_end.utcoffset() - local_start.utcoffset()
        assert occurrence.length == nominal - change


def _in_gap(moment: dt.datetime) -> bool:
    """A wall time that does not exist (the spring-forward hour) is read with the offset before the change."""
    wall = moment.replace(tzinfo=None)
    return wall.replace(tzinfo=AMSTERDAM).astimezone(UTC).astimezone(AMSTERDAM).replace(tzinfo=None) != wall


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(WEEKDAYS)), times, times, offsets, st.integers(0, 300), st.integers(1, 40))
def test_expansion_is_linear_in_the_window(weekday, start, end, offset, day, weeks):
    """Over n whole weeks of the line's own clock a weekday line occurs exactly n times; windows split in two add up.

    Whole weeks on the line's clock: a line without offset is read on the Amsterdam wall clock, and
    n weeks of UTC across a clock change end an hour off that clock (a 01:00 start can fall in twice).
    """
    if start == end:
        return
    message = assignment("A", "W", [_line(weekday, start, end, offset)], period=None)
    since = dt.datetime(2026, 1, 1, tzinfo=AMSTERDAM if offset == "" else UTC) + dt.timedelta(days=day)
    until = since + dt.timedelta(weeks=weeks)
    assert len(calendar.shifts(message, since, until)) == weeks
    middle = since + dt.timedelta(weeks=weeks) / 2
    assert len(calendar.shifts(message, since, middle)) + len(calendar.shifts(message, middle, until)) == weeks
