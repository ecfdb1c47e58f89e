"""The REST adapter against the official SETU material: examples, XSDs, OpenAPI.

Part 1 posts each of the six official examples (JSON and XML) and reads it
back in the same format and version: it must come back unchanged, and XML
must validate against the official XSD.

Part 2 checks every operation of ``openapi/planning.local.yml`` with
openapi-core. That OpenAPI file is OpenAPI 3.0 over the v1.0 JSON Schemas, and
it disagrees with itself, with the usage notes and with its own JSON Schema
dialect in places. Each such disagreement that makes openapi-core fail is a
named entry of DEVIATIONS; every exchange declares exactly which deviations
it is expected to hit, and any other error fails the test. Where openapi-core
cannot check a body (XML, v2.0, the ambiguous line ``oneOf``), the body is
checked against the official XSD or JSON Schema of its version instead.
The same list, with reasons, is in docs/conformance-openapi-findings.md.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

import jsonschema
import pytest
import yaml
from lxml import etree
from openapi_core import OpenAPI
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse
from support import MESSAGES, VERSIONS, TestPlanningApplication, example_path, schema_path, xsd_path

from setu_planning.interface import xml_codec
from setu_planning.interface.http import create_app

pytestmark = pytest.mark.conformance

PATHS = {
    "PlanningRequest": "/planning/requests",
    "PlanningAssignment": "/planning/assignments",
    "PlanningConstraints": "/planning/constraints",
}
MEDIA = {"json": "application/json", "xml": "application/xml"}
EXAMPLES = [(message, version) for version in VERSIONS for message in MESSAGES]
LINE_FIELDS = {
    "PlanningRequest": ("periodicPlanningLine", "singlePlanningLine"),
    "PlanningAssignment": ("periodicPlanningLine", "singlePlanningLine"),
    "PlanningConstraints": ("periodicAvailabilityLine", "singleAvailabilityLine"),
}
LINE_SCHEMAS = {  # v1.0 line schema files, by (message, line field)
    ("PlanningRequest", "periodicPlanningLine"): "PlanningRequestLines/RequestedPeriodicPlanningLine.yml",
    ("PlanningRequest", "singlePlanningLine"): "PlanningRequestLines/RequestedSinglePlanningLine.yml",
    ("PlanningAssignment", "periodicPlanningLine"): "PlanningAssignmentLines/AssignedPeriodicPlanningLine.yml",
    ("PlanningAssignment", "singlePlanningLine"): "PlanningAssignmentLines/AssignedSinglePlanningLine.yml",
    ("PlanningConstraints", "periodicAvailabilityLine"): "PlanningConstraintsLines/PeriodicAvailabilityLine.yml",
    ("PlanningConstraints", "singleAvailabilityLine"): "PlanningConstraintsLines/SingleAvailabilityLine.yml",
}

# Deviations between this server, the official OpenAPI and the rest of the
# official material that make openapi-core report an error. name -> why.
DEVIATIONS = {
    "line-post-201": (
        "POST .../periodic-lines and .../single-lines of requests and assignments answer 201 "
        "Created; the OpenAPI says 200 there (but 201 for constraint lines), while "
        "docs/response-codes.md, docs/synchronous.md and the scenarios say every POST that "
        "creates something answers 201"
    ),
    "oas30-time-format": (
        "the JSON Schemas declare 2020-12, where format 'time' is RFC 3339 full-time with an "
        "offset (the official JSON examples write 08:00:00Z); OpenAPI 3.0 treats them as "
        "OAS 3.0 schemas, and openapi-core then checks 'time' as %H:%M:%S, refusing the offset"
    ),
    "xml-body-unvalidatable": (
        "openapi-core turns an application/xml body into an ElementTree element and checks "
        "it against the JSON Schema as if it were JSON ('is not of type object'); XML bodies "
        "are checked against the official XSD instead"
    ),
    "line-xml-response-undeclared": (
        "GET/PUT of a request or assignment line declare 'Accept: application/xml' but only "
        "an application/json response; the server answers the XML it was asked for"
    ),
    "line-oneof-ambiguous": (
        "the OpenAPI line schemas are a oneOf over two line wrappers ({periodic...: [...]}, "
        "{single...: [...]}) that neither require their one property nor forbid others, so a "
        "body with one valid line matches both branches and fails ('is valid under each of'), "
        "while a line invalid for its own branch matches the other one and passes: the oneOf "
        "checks nothing. Line bodies are checked against the specific v1.0 line schema instead"
    ),
    "v2-body-vs-v1-schema": (
        "the OpenAPI references only the v1.0 JSON Schemas; a setuVersionId 2.0 body is the "
        "v2.0 shape (no 'item' wrappers, address fields), so it is checked against the "
        "official v2.0 JSON Schema instead"
    ),
}

# Not reported by openapi-core, listed in the findings only: responses carry ETag and
# setuVersionId headers the OpenAPI does not declare; line bodies are answered in the
# official line wrapper form {"periodicPlanningLine": [line]} (what the line schemas describe).
ONEOF_AMBIGUOUS = "line-oneof-ambiguous"

# Errors of the official v1.0 line schemas that the server's line bodies have, by design.
KNOWN_LINE_SCHEMA_ERRORS = {
    # AssignedSinglePlanningLine.yml requires positionQuantity but does not declare it, under
    # additionalProperties: false: no line fits it. Neither PlanningAssignment JSON Schema
    # (v1.0, v2.0) nor XSD has positionQuantity on a single line; the official example has none.
    ("PlanningAssignment", "singlePlanningLine"): {"singlePlanningLine/0: 'positionQuantity' is a required property"},
}

_TIME_WITH_OFFSET = re.compile(r"^\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def client():
    application = TestPlanningApplication("memory://")
    yield create_app(application).test_client()
    application.close()


@pytest.fixture(scope="module")
def openapi(spec_dir):
    return OpenAPI.from_file_path(str(spec_dir / "openapi" / "planning.local.yml"))


def _load_yaml(path):
    return yaml.safe_load(path.read_text())


def _validator(schema) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def message_schema(spec_dir):
    cache = {}

    def get(message, version):
        if (message, version) not in cache:
            cache[message, version] = _validator(_load_yaml(schema_path(spec_dir, message, version)))
        return cache[message, version]

    return get


@pytest.fixture(scope="module")
def line_schema(spec_dir):
    def get(message, line_field):
        return _validator(_load_yaml(spec_dir / "v1.0" / message / LINE_SCHEMAS[message, line_field]))

    return get


@pytest.fixture(scope="module")
def xsd(spec_dir):
    cache = {}

    def get(message, version):
        if (message, version) not in cache:
            cache[message, version] = etree.XMLSchema(file=str(xsd_path(spec_dir, message, version)))
        return cache[message, version]

    return get


# ------------------------------------------------------------------ helpers
def xml_content(data: bytes):
    """An XML document as nested (tag, text, children) tuples: whitespace between elements ignored."""

    def walk(element):
        children = tuple(walk(child) for child in element if isinstance(child.tag, str))
        text = (element.text or "").strip()
        return (element.tag, text if not children else "", children)

    return walk(etree.fromstring(data))


def assert_xsd_valid(schema: etree.XMLSchema, data: bytes):
    document = etree.fromstring(data)
    assert schema.validate(document), [str(e) for e in schema.error_log]


def schema_errors(validator: jsonschema.Draft202012Validator, data) -> set[str]:
    return {f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)}


def assert_schema_valid(validator: jsonschema.Draft202012Validator, data):
    errors = schema_errors(validator, data)
    assert not errors, errors


def headers_for(version, fmt, *, body=True):
    headers = {"setuVersionId": version, "Accept": MEDIA[fmt]}
    if body:
        headers["Content-Type"] = MEDIA[fmt]
    return headers


# ========================================================== 1. official examples
@pytest.mark.parametrize(("message", "version"), EXAMPLES)
def test_official_json_example_is_created_and_read_back_unchanged(client, spec_dir, message, version):
    """POST of the official JSON example answers 201 + Location; POST and GET bodies equal the example."""
    body = example_path(spec_dir, message, version, "json").read_bytes()
    posted = client.post(PATHS[message], data=body, headers=headers_for(version, "json"))
    assert posted.status_code == 201, posted.get_data(as_text=True)
    location = posted.headers["Location"]
    assert location.startswith(PATHS[message] + "/")
    uuid.UUID(location.rsplit("/", 1)[1])
    assert posted.mimetype == "application/json"
    assert posted.get_json() == json.loads(body)

    fetched = client.get(location, headers=headers_for(version, "json", body=False))
    assert fetched.status_code == 200
    assert fetched.mimetype == "application/json"
    assert fetched.headers["setuVersionId"] == version
    assert fetched.get_json() == json.loads(body)


@pytest.mark.parametrize(("message", "version"), EXAMPLES)
def test_official_xml_example_is_created_and_read_back_unchanged(client, spec_dir, xsd, message, version):
    """XML in, XML out: same element tree as the official file (codec-independent), same parse, XSD-valid."""
    body = example_path(spec_dir, message, version, "xml").read_bytes()
    posted = client.post(PATHS[message], data=body, headers=headers_for(version, "xml"))
    assert posted.status_code == 201, posted.get_data(as_text=True)
    location = posted.headers["Location"]
    assert location.startswith(PATHS[message] + "/")
    uuid.UUID(location.rsplit("/", 1)[1])

    fetched = client.get(location, headers=headers_for(version, "xml", body=False))
    assert fetched.status_code == 200
    assert fetched.mimetype == "application/xml"
    assert fetched.headers["setuVersionId"] == version
    for answer in (posted, fetched):
        assert answer.mimetype == "application/xml"
        assert xml_content(answer.data) == xml_content(body)
        assert xml_codec.parse_xml(answer.data, message, version) == xml_codec.parse_xml(body, message, version)
        assert_xsd_valid(xsd(message, version), answer.data)


@pytest.mark.parametrize(("message", "version"), EXAMPLES)
def test_resource_posted_in_json_is_served_as_xsd_valid_xml(client, spec_dir, xsd, message, version):
    """Whatever format came in, an XML answer of a version validates against that version's XSD."""
    body = example_path(spec_dir, message, version, "json").read_bytes()
    location = client.post(PATHS[message], data=body, headers=headers_for(version, "json")).headers["Location"]
    fetched = client.get(location, headers=headers_for(version, "xml", body=False))
    assert fetched.status_code == 200 and fetched.mimetype == "application/xml"
    assert_xsd_valid(xsd(message, version), fetched.data)


@pytest.mark.parametrize("version", VERSIONS)
def test_constraints_of_worker_in_xml_hold_xsd_valid_messages(client, spec_dir, xsd, version):
    """GET /planning/constraints?hrId= in XML: a <Constraints> list whose every item is XSD-valid."""
    body = example_path(spec_dir, "PlanningConstraints", version, "xml").read_bytes()
    assert client.post(PATHS["PlanningConstraints"], data=body, headers=headers_for(version, "xml")).status_code == 201
    worker = xml_codec.parse_xml(body, "PlanningConstraints", version)["worker"]["workerId"][0]["value"]
    listed = client.get(
        "/planning/constraints", query_string={"hrId": worker}, headers=headers_for(version, "xml", body=False)
    )
    assert listed.status_code == 200 and listed.mimetype == "application/xml"
    root = etree.fromstring(listed.data)
    assert root.tag == "Constraints" and len(root) == 1
    item = etree.tostring(root[0])
    assert_xsd_valid(xsd("PlanningConstraints", version), item)
    assert xml_content(item) == xml_content(body)


# ========================================================== 2. the official OpenAPI
@dataclass
class Exchange:
    """One request/response pair through the Flask test client, as openapi-core sees it."""

    method: str
    path: str
    version: str
    fmt: str
    status: int
    body: bytes
    response: object = field(repr=False)
    openapi_request: MockRequest = field(repr=False)
    openapi_response: MockResponse = field(repr=False)


def call(client, method, path, *, version="1.0", fmt="json", body=None, query=None, headers=None) -> Exchange:
    sent = {"setuVersionId": version, "Accept": MEDIA[fmt], **(headers or {})}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent["Content-Type"] = MEDIA[fmt]
    response = client.open(path, method=method.upper(), data=data, headers=sent, query_string=query)
    request = MockRequest(
        "http://localhost",
        method,
        path,
        args=query,
        headers=sent,
        data=data,
        content_type=sent.get("Content-Type", "application/json"),
    )
    answer = MockResponse(
        response.data, response.status_code, headers=dict(response.headers), content_type=response.mimetype or ""
    )
    return Exchange(method, path, version, fmt, response.status_code, response.data, response, request, answer)


def _caused_by(error: Exception | None, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__
    return False


def _schema_errors(error: Exception) -> list:
    """The jsonschema errors inside an openapi-core body error (InvalidRequestBody/InvalidData)."""
    seen, cause = [], error
    while cause is not None:
        seen.extend(getattr(cause, "schema_errors", None) or [])
        cause = cause.__cause__
    return seen


def openapi_deviations(openapi, exchange: Exchange) -> set[str]:
    """The DEVIATIONS openapi-core reports for one exchange; any other error fails the test."""
    found, unexplained = set(), []
    request_errors = [("request", e) for e in openapi.iter_request_errors(exchange.openapi_request)]
    response_errors = [
        ("response", e) for e in openapi.iter_response_errors(exchange.openapi_request, exchange.openapi_response)
    ]
    for side, error in request_errors + response_errors:
        if isinstance(error, ResponseNotFound) and exchange.status == 201 and "-lines" in exchange.path:
            found.add("line-post-201")
            continue
        if _caused_by(error, MediaTypeNotFound):
            if side == "response" and "/lines/" in exchange.path and exchange.fmt == "xml":
                found.add("line-xml-response-undeclared")
                continue
        schema_errors = _schema_errors(error)
        if not schema_errors:
            unexplained.append(f"{side}: {type(error).__name__}: {error}")
            continue
        for schema_error in schema_errors:
            name = _explain(schema_error, exchange)
            if name is None:
                where = "/".join(map(str, schema_error.absolute_path))
                unexplained.append(f"{side}: {where}: {schema_error.message[:300]}")
            else:
                found.add(name)
    assert not unexplained, f"{exchange.method.upper()} {exchange.path}: " + "; ".join(unexplained)
    return found


def _explain(schema_error, exchange: Exchange) -> str | None:
    instance = schema_error.instance
    if exchange.fmt == "xml" and isinstance(instance, ElementTree.Element):
        return "xml-body-unvalidatable"
    if exchange.version == "2.0" and exchange.fmt == "json":
        return "v2-body-vs-v1-schema"
    if (
        schema_error.validator == "format"
        and schema_error.validator_value == "time"
        and isinstance(instance, str)
        and _TIME_WITH_OFFSET.match(instance)
    ):
        return "oas30-time-format"
    if schema_error.validator == "oneOf" and "is valid under each of" in schema_error.message:
        return ONEOF_AMBIGUOUS
    return None


@dataclass
class World:
    """Resources created from the official v1.0 JSON examples, one per kind, plus a linked assignment."""

    client: object
    spec_dir: object
    ids: dict
    examples: dict

    def path(self, message):
        return f"{PATHS[message]}/{self.ids[message]}"

    def new_line(self, message, line_field, line_id):
        line = copy.deepcopy(self.examples[message][line_field][0])
        line["lineId"]["value"] = line_id
        return line


@pytest.fixture
def world(client, spec_dir):
    examples, ids = {}, {}
    for message in MESSAGES:
        examples[message] = json.loads(example_path(spec_dir, message, "1.0", "json").read_text())
    for message in MESSAGES:
        posted = client.post(PATHS[message], json=examples[message], headers={"setuVersionId": "1.0"})
        assert posted.status_code == 201, posted.get_data(as_text=True)
        ids[message] = posted.headers["Location"].rsplit("/", 1)[1]
    return World(client, spec_dir, ids, examples)


RESOURCE_OPERATIONS = ["post", "get", "put", "delete"]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("operation", RESOURCE_OPERATIONS)
def test_resource_operations_in_v1_json_conform_to_the_openapi(openapi, world, message_schema, message, operation):
    """POST/GET/PUT/DELETE of a whole message in v1.0 JSON: only the time-format deviation."""
    example = world.examples[message]
    if operation == "post":
        exchange = call(world.client, "post", PATHS[message], body=example)
        expected_status, expected = 201, {"oas30-time-format"}
        assert exchange.response.headers["Location"] == world.path(message)  # same document: same resource
    elif operation == "get":
        exchange = call(world.client, "get", world.path(message))
        expected_status, expected = 200, {"oas30-time-format"}
    elif operation == "put":
        changed = copy.deepcopy(example)
        first_line = LINE_FIELDS[message][0]
        changed[first_line][0]["endTime"] = "17:00:00Z"
        exchange = call(world.client, "put", world.path(message), body=changed)
        expected_status, expected = 200, {"oas30-time-format"}
        assert exchange.response.get_json() == changed
    else:
        exchange = call(world.client, "delete", world.path(message))
        expected_status, expected = 204, set()
        assert exchange.body == b""
    assert exchange.status == expected_status, exchange.body
    assert openapi_deviations(openapi, exchange) == expected
    if exchange.body:
        assert_schema_valid(message_schema(message, "1.0"), exchange.response.get_json())
        assert exchange.response.headers["setuVersionId"] == "1.0"
        assert exchange.response.headers["ETag"]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("operation", ["post", "get", "put"])
def test_resource_operations_in_v1_xml_conform_to_the_openapi_and_the_xsd(
    openapi, client, spec_dir, xsd, message, operation
):
    """The same in XML: openapi-core checks status, media type and headers; the XSD checks the body."""
    body = example_path(spec_dir, message, "1.0", "xml").read_bytes()
    posted = call(client, "post", PATHS[message], fmt="xml", body=body)
    location = posted.response.headers["Location"]
    exchange = {
        "post": lambda: posted,
        "get": lambda: call(client, "get", location, fmt="xml"),
        "put": lambda: call(client, "put", location, fmt="xml", body=body.replace(b"16:00:00", b"17:00:00", 1)),
    }[operation]()
    assert exchange.status == (201 if operation == "post" else 200), exchange.body
    assert openapi_deviations(openapi, exchange) == {"xml-body-unvalidatable"}
    assert exchange.response.mimetype == "application/xml"
    assert_xsd_valid(xsd(message, "1.0"), exchange.body)


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("operation", ["post", "get", "put"])
def test_resource_operations_in_v2_json_differ_from_the_openapi_only_by_the_v2_shape(
    openapi, client, spec_dir, message_schema, message, operation
):
    """setuVersionId 2.0: status and headers per the OpenAPI; bodies valid for the official v2.0 JSON Schema."""
    example = json.loads(example_path(spec_dir, message, "2.0", "json").read_text())
    posted = call(client, "post", PATHS[message], version="2.0", body=example)
    location = posted.response.headers["Location"]
    exchange = {
        "post": lambda: posted,
        "get": lambda: call(client, "get", location, version="2.0"),
        "put": lambda: call(client, "put", location, version="2.0", body=example),
    }[operation]()
    assert exchange.status == (201 if operation == "post" else 200), exchange.body
    assert openapi_deviations(openapi, exchange) == {"v2-body-vs-v1-schema"}
    assert exchange.response.headers["setuVersionId"] == "2.0"
    assert_schema_valid(message_schema(message, "2.0"), exchange.response.get_json())


LINE_OPERATIONS = ["post-periodic", "post-single", "get", "put", "delete"]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("operation", LINE_OPERATIONS)
def test_line_operations_in_v1_json_conform_to_the_openapi_but_for_named_deviations(
    openapi, world, line_schema, message, operation
):
    """Line POST/GET/PUT/DELETE: line POSTs of requests/assignments answer 201; bodies fit the v1.0 line schema."""
    periodic, single = LINE_FIELDS[message]
    base = world.path(message)
    is_constraints = message == "PlanningConstraints"
    line_post_status = set() if is_constraints else {"line-post-201"}
    if operation == "post-periodic":
        line = world.new_line(message, periodic, "conformance-periodic")
        exchange = call(world.client, "post", f"{base}/periodic-lines", body={periodic: [line]})
        expected_status, expected, field_name = 201, line_post_status, periodic
        assert exchange.response.headers["Location"] == f"{base}/lines/conformance-periodic"
    elif operation == "post-single":
        line = world.new_line(message, single, "conformance-single")
        exchange = call(world.client, "post", f"{base}/single-lines", body={single: [line]})
        # a valid single line also fits the periodic branch of the oneOf (the assigned single line
        # does not fit its own branch, which requires positionQuantity; see KNOWN_LINE_SCHEMA_ERRORS)
        ambiguous = set() if message == "PlanningAssignment" else {ONEOF_AMBIGUOUS}
        expected_status, expected, field_name = 201, line_post_status | ambiguous, single
        assert exchange.response.headers["Location"] == f"{base}/lines/conformance-single"
    else:
        line_id = world.examples[message][periodic][0]["lineId"]["value"]
        target = f"{base}/lines/{line_id}"
        field_name = periodic
        if operation == "get":
            exchange = call(world.client, "get", target)
        elif operation == "put":
            line = world.new_line(message, periodic, line_id)
            line["endTime"] = "17:00:00Z"
            exchange = call(world.client, "put", target, body={periodic: [line]})
        else:
            exchange = call(world.client, "delete", target)
            assert call(world.client, "get", target).status == 404
        expected_status, expected = 200, set()
    assert exchange.status == expected_status, exchange.body
    assert openapi_deviations(openapi, exchange) == expected
    answered = exchange.response.get_json()
    assert list(answered) == [field_name] and len(answered[field_name]) == 1
    known = KNOWN_LINE_SCHEMA_ERRORS.get((message, field_name), set())
    assert schema_errors(line_schema(message, field_name), answered) == known


def test_assigned_single_line_schema_fits_no_line_and_the_server_follows_the_message_schema(world, line_schema):
    """AssignedSinglePlanningLine.yml requires positionQuantity yet forbids it (additionalProperties: false).

    No line satisfies it, so the server follows the PlanningAssignment schemas and XSDs, which
    have no positionQuantity on a single line: without it 201, with it 400.
    """
    check = line_schema("PlanningAssignment", "singlePlanningLine")
    without = world.new_line("PlanningAssignment", "singlePlanningLine", "without-quantity")
    with_quantity = world.new_line("PlanningAssignment", "singlePlanningLine", "with-quantity")
    with_quantity["positionQuantity"] = 1
    assert schema_errors(check, {"singlePlanningLine": [without]}) == {
        "singlePlanningLine/0: 'positionQuantity' is a required property"
    }
    assert schema_errors(check, {"singlePlanningLine": [with_quantity]}) == {
        "singlePlanningLine/0: Additional properties are not allowed ('positionQuantity' was unexpected)"
    }
    path = f"{world.path('PlanningAssignment')}/single-lines"
    assert call(world.client, "post", path, body={"singlePlanningLine": [without]}).status == 201
    refused = call(world.client, "post", path, body={"singlePlanningLine": [with_quantity]})
    assert refused.status == 400
    assert "positionQuantity" in refused.response.get_json()["description"]


@pytest.mark.parametrize("message", MESSAGES)
def test_line_read_in_xml_is_answered_though_the_openapi_declares_only_json(openapi, world, message):
    """GET of a line with Accept: application/xml: the only complaint is the undeclared XML response
    (requests, assignments) or the unvalidatable XML body (constraints, which declare XML)."""
    periodic = LINE_FIELDS[message][0]
    line_id = world.examples[message][periodic][0]["lineId"]["value"]
    exchange = call(world.client, "get", f"{world.path(message)}/lines/{line_id}", fmt="xml")
    assert exchange.status == 200 and exchange.response.mimetype == "application/xml"
    expected = {"xml-body-unvalidatable"} if message == "PlanningConstraints" else {"line-xml-response-undeclared"}
    assert openapi_deviations(openapi, exchange) == expected
    assert etree.fromstring(exchange.body).tag.endswith("}" + periodic)


def test_constraints_of_worker_conform_to_the_openapi(openapi, world, message_schema):
    """GET /planning/constraints?hrId=: a JSON array of v1.0 constraints messages."""
    worker = world.examples["PlanningConstraints"]["worker"]["workerId"][0]["value"]
    exchange = call(world.client, "get", "/planning/constraints", query={"hrId": worker})
    assert exchange.status == 200
    assert openapi_deviations(openapi, exchange) == {"oas30-time-format"}
    listed = exchange.response.get_json()
    assert listed == [world.examples["PlanningConstraints"]]
    for item in listed:
        assert_schema_valid(message_schema("PlanningConstraints", "1.0"), item)


def test_constraints_of_unknown_worker_is_an_empty_list_conforming_to_the_openapi(openapi, world):
    exchange = call(world.client, "get", "/planning/constraints", query={"hrId": "nobody"})
    assert exchange.status == 200 and exchange.response.get_json() == []
    assert openapi_deviations(openapi, exchange) == set()


def test_assignments_of_request_conform_to_the_openapi(openapi, world, message_schema):
    """GET /planning/requests/{id}/assignments lists the assignment whose planningRequestReference names it."""
    linked = copy.deepcopy(world.examples["PlanningAssignment"])
    linked["documentId"]["value"] = "Assignments_linked"
    linked["planningRequestReference"] = {"documentId": dict(world.examples["PlanningRequest"]["documentId"])}
    posted = call(world.client, "post", PATHS["PlanningAssignment"], body=linked)
    assert posted.status == 201, posted.body
    exchange = call(world.client, "get", f"{world.path('PlanningRequest')}/assignments")
    assert exchange.status == 200
    assert openapi_deviations(openapi, exchange) == {"oas30-time-format"}
    listed = exchange.response.get_json()
    assert listed == [linked]
    assert_schema_valid(message_schema("PlanningAssignment", "1.0"), listed[0])
