"""The service's own OpenAPI: valid, and exactly the routes the Flask app serves, both ways."""

from __future__ import annotations

import re

import pytest
import yaml
from openapi_spec_validator import validate

from setu_planning.interface.openapi import official, openapi_document

METHODS = {"get", "put", "post", "delete"}
FLASK_TO_OPENAPI = {"resource_id": "id", "line_id": "lineId", "path": "asset", "hr_id": "hrId", "request_id": "id"}


def _flask_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "{" + FLASK_TO_OPENAPI.get(m[1], m[1]) + "}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations.add((path.rstrip("/") or "/", method.lower()))
    return operations


def _document_operations(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item if method in METHODS}


@pytest.mark.parametrize("authenticated", [False, True], ids=["open", "parties"])
def test_the_document_is_valid_openapi_in_both_modes(authenticated):
    document = openapi_document(authenticated=authenticated)
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert ("securitySchemes" in document["components"]) is authenticated


def test_every_route_of_the_app_is_in_the_document_and_every_operation_is_served(client):
    served = _flask_operations(client.application)
    documented = _document_operations(client.get("/openapi.json").get_json())
    assert served - documented == set(), "routes the document does not describe"
    assert documented - served == set(), "operations the app does not serve"


def test_the_yaml_form_is_the_same_document(client):
    assert yaml.safe_load(client.get("/openapi.yaml").data) == client.get("/openapi.json").get_json()


def test_every_official_operation_keeps_its_summary_and_tags():
    document = openapi_document(authenticated=False)
    for (path, method), text in official.OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["summary"] == text["summary"]
        assert operation["tags"] == text["tags"]


def test_every_post_that_creates_answers_201_not_the_official_200():
    document = openapi_document(authenticated=False)
    posts = [(p, item["post"]) for p, item in document["paths"].items() if "post" in item]
    assert len(posts) == 9
    for path, operation in posts:
        assert "201" in operation["responses"] and "200" not in operation["responses"], path
        assert "Location" in operation["responses"]["201"]["headers"], path


def test_both_versions_schemas_and_the_extensions_are_described():
    document = openapi_document(authenticated=True)
    schemas = document["components"]["schemas"]
    for message in ("PlanningRequest", "PlanningAssignment", "PlanningConstraints"):
        assert {f"{message}_v1.0", f"{message}_v2.0"} <= schemas.keys()
    # v1.0 wraps the location in item, v2.0 has the address fields
    location_v1 = schemas["PlanningRequest_v1.0"]["properties"]["positionProfile"]["properties"]["positionLocation"]
    location_v2 = schemas["PlanningRequest_v2.0"]["properties"]["positionProfile"]["properties"]["positionLocation"]
    assert "item" in location_v1["properties"] and "houseNumber" in location_v2["properties"]
    get = document["paths"]["/planning/requests/{id}"]["get"]
    names = {p["$ref"].rsplit("/", 1)[1] for p in get["parameters"]}
    assert {"asOf", "version", "answerVersion"} <= names
    put = document["paths"]["/planning/requests/{id}"]["put"]
    assert "412" in put["responses"] and "ETag" in put["responses"]["200"]["headers"]
    assert put["security"] == [{"bearer": []}]
    bearer = document["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert "/planning/assignments/{id}/history" in document["paths"]
    assert "/planning/constraints/{id}/deliveries" in document["paths"]
    assert document["paths"]["/health"]["get"]["security"] == []


def test_the_docs_page_is_swagger_ui_served_from_this_service(client):
    page = client.get("/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    assert b"http" not in re.sub(rb"https?://(127\.0\.0\.1|localhost)[^\"']*", b"", page.data).lower().replace(
        b"http-equiv", b""
    ), "the page refers to another host"
    assert b'"validatorUrl": null' in page.data
    assert client.get("/docs/swagger-ui-bundle.js").status_code == 200
