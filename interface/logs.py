"""Log lines an operator can read and a machine can parse: one event per line, never a token.

Code logs an *event* (a short dotted name such as ``delivery.attempt``) with
fields, through :func:`event`; the formatter writes it as text
(``2026-03-02T09:00:00.123Z info delivery.attempt party=acme status=201``) or
as one JSON object per line (``{"ts": ..., "level": ..., "event": ..., ...}``).
Lines of other libraries (gunicorn, eventsourcing) become events named
``log`` with their message, so with ``--log-format json`` every line the
process writes parses. Fields are chosen by the caller: party names, routes,
ids, statuses and error texts, never message bodies, worker ids or tokens.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from typing import Any

FORMATS = ("text", "json")
ROOT_LOGGER = "setu_planning"
_FIELDS = "setu_fields"
_EVENT = "setu_event"

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def event(logger: logging.Logger, level: int, name: str, **fields: Any) -> None:
    """Log the event ``name`` with ``fields`` (values that are None are left out)."""
    if logger.isEnabledFor(level):
        clean = {k: v for k, v in fields.items() if v is not None}
        logger.log(level, name, extra={_EVENT: name, _FIELDS: clean})


def request_id(header: str | None) -> str:
    """The request id: the client's ``X-Request-ID`` when it is a sane token, else a new one."""
    if header is not None and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _timestamp(record: logging.LogRecord) -> str:
    """UTC to the millisecond, from the second and milliseconds the record already holds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def _fields(record: logging.LogRecord) -> tuple[str, dict[str, Any]]:
    """(event, fields) of a record, whether it came through :func:`event` or plain logging."""
    name = getattr(record, _EVENT, None)
    fields = dict(getattr(record, _FIELDS, None) or {})
    if name is None:
        name = "log"
        fields = {"logger": record.name, "message": record.getMessage()}
    if record.exc_info and record.exc_info[0] is not None:
        error_type, error, trace = record.exc_info
        fields.setdefault("error", f"{error_type.__name__}: {error}")
        fields["traceback"] = "".join(traceback.format_tb(trace))
    return name, fields


class JsonFormatter(logging.Formatter):
    """Every record as one JSON object on one line: ``ts``, ``level``, ``event``, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        name, fields = _fields(record)
        line = {"ts": _timestamp(record), "level": record.levelname.lower(), "event": name}
        for key, value in fields.items():
            line.setdefault(key, value)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``ts level event key=value ...``: for a terminal; values with spaces are quoted."""

    def format(self, record: logging.LogRecord) -> str:
        name, fields = _fields(record)
        trace = fields.pop("traceback", None)
        if name == "log":
            parts = [_timestamp(record), record.levelname.lower(), fields.pop("message")]
            fields.pop("logger", None)
        else:
            parts = [_timestamp(record), record.levelname.lower(), name]
        parts += [f"{key}={_text(value)}" for key, value in fields.items()]
        return " ".join(parts) + (f"\n{trace.rstrip()}" if trace else "")


_QUOTED = re.compile(r'[ "=\n]')


def _text(value: Any) -> str:
    if type(value) is int:  # statuses, attempts: the most common value, never quoted
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if (not text or _QUOTED.search(text)) else text


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure(fmt: str = "text", level: int = logging.INFO, stream: Any = None) -> logging.Handler:
    """Send every log record of the process to ``stream`` (stderr) in ``fmt``; returns the handler.

    The root logger gets the one handler (replacing others), so gunicorn's and
    any library's records come out in the same format.
    """
    _record_only_what_is_written()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(OncePerInterval())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger(ROOT_LOGGER).setLevel(level)
    return handler


def _record_only_what_is_written() -> None:
    """Stop every record from looking up what neither format writes: the caller's file and line,
    the thread, the process and its name.

    The logging HOWTO's optimisation switches. Finding the caller walks the
    stack on every record, once per delivery and per request.
    """
    logging._srcfile = None  # type: ignore[attr-defined]  # noqa: SLF001 - the documented switch
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class OncePerInterval(logging.Filter):
    """Let an identical error through once per ``interval`` seconds; the next one says how many were held back.

    A counterparty that is down fails every attempt the same way; one line a
    minute says so as well as thousands would. Identity is the event (or the
    message) with its fields, less the attempt counters that always differ.
    Only warnings and above are held back: info lines are each an outcome.
    """

    VARYING = frozenset({"attempt", "next_attempt", "delivery", "duration_ms", "request_id", "change", "seq"})

    def __init__(self, interval: float = 60.0, clock: Any = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._seen: dict[Any, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _key(self, record: logging.LogRecord) -> Any:
        fields: Mapping[str, Any] = getattr(record, _FIELDS, None) or {}
        stable = tuple(sorted((k, str(v)) for k, v in fields.items() if k not in self.VARYING))
        return (record.name, record.levelno, str(record.msg), stable)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key, now = self._key(record), self.clock()
        with self._lock:
            since, held = self._seen.get(key, (None, 0))
            if since is not None and now - since < self.interval:
                self._seen[key] = (since, held + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > 10_000:  # bounded: forget the oldest
                for stale in sorted(self._seen, key=lambda k: self._seen[k][0])[:5_000]:
                    del self._seen[stale]
        if held:
            fields = dict(getattr(record, _FIELDS, None) or {})
            fields["suppressed"] = held
            setattr(record, _FIELDS, fields)
            if getattr(record, _EVENT, None) is None:
                setattr(record, _EVENT, "log")
                fields.update(logger=record.name, message=record.getMessage())
        return True
