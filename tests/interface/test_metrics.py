"""/metrics in one process: counts per route template and status, queue gauges, who may scrape."""

from __future__ import annotations

import re
from types import SimpleNamespace

import samples
from prometheus_client.parser import text_string_to_metric_families

from setu_planning.interface import metrics
from setu_planning.interface.http import create_app
from setu_planning.interface.http.observe import REQUEST_ID_HEADER


def _sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_requests_are_counted_by_method_route_template_and_status(client):
    before = _sample(client.get("/metrics").get_data(as_text=True), "setu_planning_http_requests_total",
                     method="POST", route="/planning/requests", status="201")  # fmt: skip
    for n in range(3):
        message = samples.request()
        message["documentId"]["value"] = f"REQ-M{n}"
        assert client.post("/planning/requests", json=message, headers={"setuVersionId": "2.0"}).status_code == 201
    client.get("/planning/requests/00000000-0000-0000-0000-000000000000")
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        _sample(text, "setu_planning_http_requests_total", method="POST", route="/planning/requests", status="201")
        == before + 3
    )
    assert _sample(text, "setu_planning_http_requests_total", method="GET",
                   route="/planning/requests/<resource_id>", status="404") >= 1  # fmt: skip
    assert "00000000-0000" not in text, "labels carry route templates, never ids"
    assert (
        _sample(text, "setu_planning_http_request_duration_seconds_count", method="POST", route="/planning/requests")
        >= 3
    )


def test_every_answer_echoes_the_request_id_or_a_new_one(client):
    assert client.get("/health", headers={REQUEST_ID_HEADER: "trace-7"}).headers[REQUEST_ID_HEADER] == "trace-7"
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/health").headers[REQUEST_ID_HEADER])


def test_queue_gauges_count_deliveries_by_party_and_status_and_age_the_oldest_pending():
    rows = [
        SimpleNamespace(party="acme", status="pending", updated_at=100.0),
        SimpleNamespace(party="acme", status="pending", updated_at=40.0),
        SimpleNamespace(party="acme", status="failed", updated_at=10.0),
        SimpleNamespace(party="otto", status="delivered", updated_at=5.0),
    ]
    figures = metrics.queue_figures(rows, 7, lambda row: row.updated_at)
    text = metrics.render(metrics.QueueCollector(lambda: figures, clock=lambda: 160.0)).decode()
    assert _sample(text, "setu_planning_deliveries", party="acme", status="pending") == 2
    assert _sample(text, "setu_planning_deliveries", party="acme", status="failed") == 1
    assert _sample(text, "setu_planning_delivery_oldest_pending_age_seconds", party="acme") == 120.0
    assert _sample(text, "setu_planning_delivery_behind_notifications") == 7
    assert 'party="otto"' in text and 'setu_planning_delivery_oldest_pending_age_seconds{party="otto"}' not in text


def test_metrics_are_open_in_open_mode_and_closed_to_counterparties_with_parties(
    planning, tmp_path, monkeypatch, caplog
):
    from test_parties import ACME_TOKEN, EXAMPLE, write

    from setu_planning.interface.parties import load_parties

    assert create_app(planning).test_client().get("/metrics").status_code == 200
    parties = load_parties(write(tmp_path, EXAMPLE))
    monkeypatch.delenv(metrics.TOKEN_VARIABLE, raising=False)
    closed = create_app(planning, parties=parties).test_client()
    refused = closed.get("/metrics", headers={"Authorization": f"Bearer {ACME_TOKEN}"})
    assert refused.status_code == 401 and refused.get_json()["code"] == "SETU-UNAUTHENTICATED"
    assert ACME_TOKEN not in caplog.text
    monkeypatch.setenv(metrics.TOKEN_VARIABLE, "metrics-secret-0123456789")
    scraper = create_app(planning, parties=parties).test_client()
    assert scraper.get("/metrics", headers={"Authorization": f"Bearer {ACME_TOKEN}"}).status_code == 401
    allowed = scraper.get("/metrics", headers={"Authorization": "Bearer metrics-secret-0123456789"})
    assert allowed.status_code == 200 and b"setu_planning_http_requests_total" in allowed.data


def test_a_refused_credential_is_logged_with_its_reason_and_never_the_token(planning, tmp_path, caplog):
    from test_parties import EXAMPLE, write

    from setu_planning.interface.parties import load_parties

    client = create_app(planning, parties=load_parties(write(tmp_path, EXAMPLE))).test_client()
    with caplog.at_level("INFO", logger="setu_planning"):
        answer = client.get("/planning/requests/x", headers={"Authorization": "Bearer not-a-known-token-abcdef"})
    assert answer.status_code == 401
    (line,) = [r for r in caplog.records if getattr(r, "setu_event", None) == "credential.refused"]
    assert line.setu_fields["route"] == "/planning/requests/<resource_id>" and line.setu_fields["reason"]
    assert "not-a-known-token-abcdef" not in caplog.text


def test_the_access_line_has_method_route_status_duration_party_and_request_id(planning, caplog):
    app = create_app(planning, {"ACCESS_LOG": True})
    with caplog.at_level("INFO", logger="setu_planning"):
        app.test_client().get("/planning/requests/abc", headers={REQUEST_ID_HEADER: "r-1"})
    (line,) = [r for r in caplog.records if getattr(r, "setu_event", None) == "http.request"]
    fields = line.setu_fields
    assert (fields["method"], fields["route"], fields["status"], fields["request_id"]) == (
        "GET",
        "/planning/requests/<resource_id>",
        404,
        "r-1",
    )
    assert fields["duration_ms"] >= 0 and "abc" not in str(fields)


def test_the_first_requests_of_a_process_on_many_threads_make_the_metrics_once(monkeypatch):
    import threading

    from prometheus_client import REGISTRY

    made = metrics.metrics()
    for collector in (made.requests, made.duration, made.attempts):
        REGISTRY.unregister(collector)
    monkeypatch.setattr(metrics, "_metrics", None)
    start, errors = threading.Barrier(16), []

    def first_request() -> None:
        start.wait()
        try:
            metrics.observe_request("GET", "/health", 200, 0.001)
        except Exception as error:  # noqa: BLE001 - the failure under test
            errors.append(error)

    threads = [threading.Thread(target=first_request) for _ in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert _sample(metrics.render().decode(), "setu_planning_http_requests_total", route="/health") == 16
    finally:
        fresh = metrics.metrics()
        for collector in (fresh.requests, fresh.duration, fresh.attempts):
            REGISTRY.unregister(collector)
        for collector in (made.requests, made.duration, made.attempts):
            REGISTRY.register(collector)
