"""The inbound HTTP adapter: the SETU Planning REST API over Flask, and the server that runs it.

``app`` is the app factory, ``routes`` the routes by operation,
``preconditions`` what the headers ask (If-Match, Accept, setuVersionId),
``errors`` the one table from refusal to status and error object,
``server`` the worker processes (gunicorn, or waitress).
"""

from ..codecs.kinds import KINDS, Kind
from .app import DEFAULT_MAX_BODY, create_app, make_wsgi_app
from .preconditions import BadParameter
from .routes import resource_blueprint

__all__ = [
    "DEFAULT_MAX_BODY",
    "KINDS",
    "BadParameter",
    "Kind",
    "create_app",
    "make_wsgi_app",
    "resource_blueprint",
]
