"""What the client raises: every failure typed, and each saying whether it is worth retrying.

A delivery worker must tell "try again later" (transport, 429, 5xx) from
"refused" (other 4xx); the SETU error object in a refusal is read by the same
codec our server writes it with.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime

from ..codecs.error_object import decode_error
from .replies import Answered

_EXCERPT = 200


class SetuClientFailure(Exception):
    """Base of everything the client raises: the call did not (demonstrably) succeed.

    ``retryable`` tells a delivery worker whether the same call may succeed
    later unchanged. Retrying a create is safe in SETU: a re-POST of the same
    documentId with the same content answers the same resource.
    """

    _retryable = False

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None):
        super().__init__(message)
        self.method = method
        self.url = url

    @property
    def retryable(self) -> bool:
        return self._retryable


class SetuClientError(SetuClientFailure):
    """The counterparty answered with an HTTP error status (4xx or 5xx).

    ``code`` and ``description`` come from the SETU error object
    (``{"code": ..., "description": ...}`` or ``<error>``); when the body is
    something else (a proxy's HTML page, nothing) ``code`` is None and
    ``description`` a short excerpt. ``retry_after`` is the server's
    ``Retry-After`` in seconds, when it sent one.
    """

    status: int = 0

    def __init__(
        self,
        status: int,
        code: str | None,
        description: str,
        *,
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ):
        self.status = status
        self.code = code
        self.description = description
        self.retry_after = retry_after
        where = f" ({method} {url})" if method else ""
        super().__init__(f"{status} {code or '-'}: {description}{where}", method=method, url=url)


class BadRequest(SetuClientError):
    """400: the message or request is invalid (schema, business rule, version); fix it, do not retry."""


class Unauthorized(SetuClientError):
    """401: no or invalid credentials."""


class Forbidden(SetuClientError):
    """403: authenticated, but not allowed to do this."""


class NotFound(SetuClientError):
    """404: unknown (or cancelled) resource or line, or a path the server does not implement."""


class Conflict(SetuClientError):
    """409: the documentId was already used for other content, or the line already exists."""


class PreconditionFailed(SetuClientError):
    """412: the resource moved on since the ETag given as ``if_match``."""


class UnsupportedMediaType(SetuClientError):
    """415: the server does not take this format (JSON or XML)."""


class TooManyRequests(SetuClientError):
    """429: slow down; ``retry_after`` says for how long, when the server said so."""

    _retryable = True


class OtherClientError(SetuClientError):
    """Any other 4xx (405, 406, 410, 413, 422, ...): refused, not retryable."""


class ServerError(SetuClientError):
    """5xx: the server (or a proxy in front of it) failed; try again later."""

    _retryable = True


class SetuTransportError(SetuClientFailure):
    """No HTTP answer: connection refused, DNS, TLS, timeout, dropped or malformed response.

    Retryable; note that a request that timed out may still have been
    processed by the server.
    """

    _retryable = True


class SetuProtocolError(SetuClientFailure):
    """An answer that is not what the standard allows: an undecodable 2xx body,
    a create without ``Location``, a 1xx or 3xx status. Retrying will not help.
    """

    def __init__(self, message: str, *, status: int | None = None, method: str | None = None, url: str | None = None):
        super().__init__(message, method=method, url=url)
        self.status = status


_BY_STATUS: dict[int, type[SetuClientError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    415: UnsupportedMediaType,
    429: TooManyRequests,
}


def error_for(response: Answered) -> SetuClientError:
    """The typed error for an HTTP error answer (4xx or 5xx)."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else OtherClientError)
    code, description = _error_object(response)
    return cls(
        status,
        code,
        description,
        method=response.request.method,
        url=str(response.request.url),
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


MAX_RETRY_AFTER = 3600.0
"""The longest ``Retry-After`` honoured (seconds): a counterparty cannot park a delivery for longer."""


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds, between 0 and :data:`MAX_RETRY_AFTER`: delta-seconds or an HTTP-date.

    A past date is 0; a delta or date beyond the cap is the cap; anything else is ignored (None).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()[:64]
    if value.isascii() and value.isdigit():
        return MAX_RETRY_AFTER if len(value) > 6 else min(MAX_RETRY_AFTER, float(int(value)))
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    except OverflowError:
        return MAX_RETRY_AFTER
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def _error_object(response: Answered) -> tuple[str | None, str]:
    """(code, description) of the SETU error object in the body, else (None, excerpt)."""
    found = decode_error(response.content)
    if found is None:
        return None, _excerpt(response)
    code, description = found
    return code, description if description is not None else _excerpt(response)


def _excerpt(response: Answered) -> str:
    text = response.content[: 4 * _EXCERPT].decode("utf-8", errors="replace")
    if "html" in response.headers.get("Content-Type", "").lower() or text.lstrip()[:1] == "<":
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())[:_EXCERPT]
    return text or f"{response.status_code} {response.reason_phrase}".strip()
