"""The service describes itself: ``/openapi.json``, ``/openapi.yaml`` and an offline ``/docs`` page.

The document (:mod:`.document`) is built once per app, for the app's mode
(open, or with a parties file). ``/docs`` is Swagger UI from the
``flask-swagger-ui`` package, which bundles its scripts and styles: the page
loads nothing from anywhere but this service (no CDN, no validator badge).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import yaml
from flask import Blueprint, Flask, Response

from .document import build_document

__all__ = ["build_document", "install_openapi", "openapi_document"]

DOCS_URL = "/docs"


@lru_cache(maxsize=2)
def _serialised(authenticated: bool) -> tuple[bytes, bytes]:
    document = build_document(authenticated=authenticated)
    as_json = json.dumps(document, ensure_ascii=False, indent=1).encode()
    as_yaml = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()
    return as_json, as_yaml


def openapi_document(*, authenticated: bool) -> dict[str, Any]:
    """The document as a dict (a fresh copy), for embedding code and tests."""
    return json.loads(_serialised(authenticated)[0])


def install_openapi(app: Flask, *, authenticated: bool) -> None:
    """Add the document's routes and the docs page to ``app``."""
    from flask_swagger_ui import get_swaggerui_blueprint

    routes = Blueprint("openapi", __name__)

    @routes.get("/openapi.json")
    def openapi_json() -> Response:
        return Response(_serialised(authenticated)[0], 200, mimetype="application/json")

    @routes.get("/openapi.yaml")
    def openapi_yaml() -> Response:
        return Response(_serialised(authenticated)[1], 200, mimetype="application/yaml")

    app.register_blueprint(routes)
    app.register_blueprint(
        get_swaggerui_blueprint(
            DOCS_URL,
            "/openapi.json",
            config={"app_name": "setu-planning API", "validatorUrl": None, "layout": "BaseLayout"},
            blueprint_name="docs",
        )
    )
