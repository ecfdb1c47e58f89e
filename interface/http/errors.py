"""Every refusal as the SETU error object: one table from refusal to status, one handler per kind of failure.

The body is written in the format the request's Accept asks for (JSON when
that cannot be told), by the codec the client reads it with.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from werkzeug.exceptions import HTTPException

from setu_planning.domain.errors import (
    DocumentConflict,
    LineAlreadyExists,
    MessageInvalid,
    ResourceNotFound,
    SetuError,
    VersionMismatch,
)
from setu_planning.domain.parties import NotPermitted

from ..codecs import media
from ..codecs.error_object import encode_error
from ..codecs.wire import Encoder
from ..parties import Unauthenticated
from .preconditions import encoder

STATUS: tuple[tuple[type[SetuError], int], ...] = (
    (MessageInvalid, 400),
    (media.MalformedBody, 400),
    (media.UnsupportedVersion, 400),
    (NotPermitted, 403),
    (ResourceNotFound, 404),
    (DocumentConflict, 409),
    (LineAlreadyExists, 409),
    (VersionMismatch, 412),
    (media.UnsupportedMediaType, 415),
)
"""The status of each refusal (the first class that matches); any other SetuError is a 400."""


def register_error_handlers(app: Flask) -> None:
    """Make ``app`` answer every failure with the SETU error object."""
    app.register_error_handler(SetuError, _setu_error)
    app.register_error_handler(Unauthenticated, _unauthenticated)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def status_of(error: SetuError) -> int:
    return next((status for cls, status in STATUS if isinstance(error, cls)), 400)


def error_response(status: int, code: str, description: str) -> Response:
    try:
        chosen = encoder()
    except SetuError:
        chosen = Encoder(media.JSON, "2.0")
    return Response(encode_error(chosen.fmt, code, description), status, mimetype=chosen.fmt)


def _setu_error(error: SetuError) -> Response:
    return error_response(status_of(error), error.code, error.description)


def _unauthenticated(error: Unauthenticated) -> Response:
    """401 with a Bearer challenge; the reason never holds the presented credential."""
    g.refusal = error.reason  # logged as credential.refused (observe.py)
    response = error_response(401, "SETU-UNAUTHENTICATED", error.reason)
    response.headers["WWW-Authenticate"] = error.challenge()
    return response


def _http_error(error: HTTPException) -> Response:
    response = error_response(
        error.code or 500,
        f"HTTP-{error.code}",
        f"{error.name}: {error.description}" if error.description else error.name,
    )
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _unexpected_error(error: Exception) -> Response:
    current_app.logger.exception("unexpected error", exc_info=error)
    return error_response(500, "SETU-INTERNAL-ERROR", "the server failed to handle the request")
