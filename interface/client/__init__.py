"""The outbound side: a client for a counterparty's SETU Planning REST API, and the exchange over it.

``setu_client`` is the client (one pooled connection set per counterparty),
``endpoints`` the operations of each message kind, ``results`` and ``errors``
what a call answers or raises, ``transport`` delivery over the client, and
``exchange`` delivery and pulling for one planning store and its parties.
"""

from .endpoints import (
    AssignmentsEndpoint,
    ConstraintsEndpoint,
    MessageEndpoint,
    RequestsEndpoint,
    line_id_from,
    line_kind_of,
    resource_id_from,
)
from .errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    OtherClientError,
    PreconditionFailed,
    ServerError,
    SetuClientError,
    SetuClientFailure,
    SetuProtocolError,
    SetuTransportError,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    error_for,
    retry_after_seconds,
)
from .results import Created, Fetched, FetchedLine, LineCreated
from .setu_client import USER_AGENT, SetuClient

__all__ = [
    "USER_AGENT",
    "AssignmentsEndpoint",
    "BadRequest",
    "Conflict",
    "ConstraintsEndpoint",
    "Created",
    "Fetched",
    "FetchedLine",
    "Forbidden",
    "LineCreated",
    "MessageEndpoint",
    "NotFound",
    "OtherClientError",
    "PreconditionFailed",
    "RequestsEndpoint",
    "ServerError",
    "SetuClient",
    "SetuClientError",
    "SetuClientFailure",
    "SetuProtocolError",
    "SetuTransportError",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_for",
    "line_id_from",
    "line_kind_of",
    "resource_id_from",
    "retry_after_seconds",
]
