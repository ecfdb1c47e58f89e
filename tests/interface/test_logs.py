"""Log lines: one JSON object per line with ts, level, event and fields; text for terminals; repeats held back."""

from __future__ import annotations

import io
import json
import logging

import pytest

from setu_planning.interface.logs import JsonFormatter, OncePerInterval, TextFormatter, configure, event, request_id

SWITCHES = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


@pytest.fixture
def captured():
    before = {name: getattr(logging, name) for name in SWITCHES}
    stream = io.StringIO()
    handler = configure("json", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    for name, value in before.items():  # the rest of the suite's reports name files and lines again
        setattr(logging, name, value)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_event_is_one_json_object_with_ts_level_event_and_its_fields(captured):
    event(
        logging.getLogger("setu_planning.delivery"),
        logging.INFO,
        "delivery.attempt",
        party="acme",
        status=201,
        error=None,
    )
    (line,) = _lines(captured)
    assert line["event"] == "delivery.attempt" and line["level"] == "info"
    assert line["party"] == "acme" and line["status"] == 201 and "error" not in line
    assert line["ts"].endswith("Z") and len(line["ts"]) == len("2026-03-02T09:00:00.123Z")


def test_a_record_looks_up_nothing_the_lines_do_not_write(captured):
    seen = []
    logging.getLogger().handlers[-1].addFilter(lambda record: seen.append(record) or True)
    event(logging.getLogger("setu_planning.delivery"), logging.INFO, "delivery.outcome", party="acme")
    (record,) = seen
    assert (record.lineno, record.thread, record.process, record.processName) == (0, None, None, None)
    assert _lines(captured)[0]["party"] == "acme"


def test_the_time_is_utc_to_the_millisecond():
    record = logging.makeLogRecord({"msg": "x", "levelname": "INFO", "created": 1764547200.1239, "msecs": 123.9})
    assert json.loads(JsonFormatter().format(record))["ts"] == "2025-12-01T00:00:00.123Z"
    assert TextFormatter().format(record).startswith("2025-12-01T00:00:00.123Z info x")


def test_another_librarys_line_is_a_log_event_with_its_message(captured):
    logging.getLogger("gunicorn.error").warning("Booting worker with pid: %s", 42)
    (line,) = _lines(captured)
    assert line == {**line, "event": "log", "level": "warning", "logger": "gunicorn.error",
                    "message": "Booting worker with pid: 42"}  # fmt: skip


def test_an_exception_becomes_fields_of_the_same_line(captured):
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("setu_planning.x").exception("failed")
    (line,) = _lines(captured)
    assert line["error"] == "ValueError: bad" and "raise ValueError" in line["traceback"]


def test_text_lines_read_as_key_value_pairs():
    record = logging.LogRecord("setu_planning", logging.INFO, __file__, 1, "http.request", None, None)
    record.setu_event, record.setu_fields = (
        "http.request",
        {"method": "GET", "route": "/planning/requests/<resource_id>", "reason": "no such token"},
    )
    text = TextFormatter().format(record)
    assert text.split(" ", 3)[1:3] == ["info", "http.request"]
    assert "route=/planning/requests/<resource_id>" in text and 'reason="no such token"' in text
    assert json.loads(JsonFormatter().format(record))["method"] == "GET"


def test_a_sane_request_id_is_kept_and_anything_else_replaced():
    assert request_id("abc-123") == "abc-123"
    assert request_id(None) != request_id(None)
    replaced = request_id("no spaces or\nnewlines")
    assert replaced != "no spaces or\nnewlines" and len(replaced) == 32
    assert len(request_id("x" * 129)) == 32


def test_an_identical_error_passes_once_per_interval_and_then_says_how_many_were_held():
    now = [0.0]
    once = OncePerInterval(interval=60, clock=lambda: now[0])

    def record(attempt):
        r = logging.LogRecord("setu_planning.delivery", logging.WARNING, __file__, 1, "delivery.attempt", None, None)
        r.setu_event, r.setu_fields = "delivery.attempt", {"party": "acme", "error": "ConnectError", "attempt": attempt}
        return r

    assert once.filter(record(1))
    assert not once.filter(record(2)) and not once.filter(record(3))
    now[0] = 61.0
    passed = record(4)
    assert once.filter(passed) and passed.setu_fields["suppressed"] == 2
    other = record(5)
    other.setu_fields["party"] = "otto"
    assert once.filter(other), "another party's error is another line"


def test_info_lines_are_never_held_back():
    once = OncePerInterval(interval=60, clock=lambda: 0.0)
    r = logging.LogRecord("setu_planning", logging.INFO, __file__, 1, "http.request", None, None)
    assert once.filter(r) and once.filter(r)
