"""What an operator sees of a real ``serve --workers 2``: JSON log lines, exact metrics, request ids."""

from __future__ import annotations

import json

import pytest
import samples
from prometheus_client.parser import text_string_to_metric_families
from servers import setu_planning

pytestmark = pytest.mark.e2e


def _count(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def test_two_worker_processes_count_every_request_exactly_once(start_server):
    server = start_server(args=("--workers", "2", "--threads", "2"))
    http = server.http
    n = 40
    for _ in range(n):  # new connections each time: gunicorn spreads them over both workers
        assert http.request("GET", "/planning/requests/00000000-0000-0000-0000-000000000000").status == 404
    scraped = [http.request("GET", "/metrics").body.decode() for _ in range(4)]
    route = "/planning/requests/<resource_id>"
    for text in scraped:  # whichever worker answers the scrape, it reports both workers' counts
        assert _count(text, "setu_planning_http_requests_total", method="GET", route=route, status="404") == n
        assert _count(text, "setu_planning_http_request_duration_seconds_count", method="GET", route=route) == n


def test_the_json_log_of_a_run_is_one_object_per_line_with_gunicorns_lines_and_the_banner(start_server):
    server = start_server(args=("--workers", "2", "--log-format", "json", "--access-log"))
    http = server.http
    message = samples.request()
    posted = http.request("POST", "/planning/requests", json.dumps(message).encode(),
                          {"Content-Type": "application/json", "setuVersionId": "2.0", "X-Request-ID": "op-1"})  # fmt: skip
    assert posted.status == 201 and posted.headers["X-Request-ID"] == "op-1"
    http.request("GET", "/planning/requests/nope")
    server.stop()
    lines = (server.stdout_path.read_text() + server.stderr()).splitlines()
    events = [json.loads(line) for line in lines]  # every line parses
    assert all({"ts", "level", "event"} <= e.keys() for e in events)
    names = [e["event"] for e in events]
    assert "service.start" in names and "service.stop" in names and "service.open_mode" in names
    assert names.count("worker.start") == 2
    assert any(e["event"] == "log" and e["logger"].startswith("gunicorn") for e in events), "gunicorn's lines"
    (access,) = [e for e in events if e["event"] == "http.request" and e.get("request_id") == "op-1"]
    assert (access["method"], access["route"], access["status"]) == ("POST", "/planning/requests", 201)
    text = "\n".join(lines)
    assert "Picker" not in text and "Monday day shift" not in text, "no message content in the log"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--port", "99999"), "not a port number"),
        (("--db", "sqlite:file.sqlite3"), "write sqlite:///"),
        (("--db", "mysql://u:secret@h/db"), "unsupported database URL"),
    ],
)
def test_a_bad_serve_argument_is_one_clear_line_exit_2_and_creates_nothing(tmp_path, args, says):
    import subprocess

    done = subprocess.run(setu_planning("serve", *args), capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and says in done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_busy_port_is_refused_before_the_store_is_created(start_server, tmp_path):
    import subprocess

    busy = start_server(args=("--workers", "1"))
    done = subprocess.run(
        setu_planning("serve", "--port", str(busy.http.port), "--db", f"sqlite:///{tmp_path}/other.sqlite3"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "cannot listen on 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "other.sqlite3").exists()
