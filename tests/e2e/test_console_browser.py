"""The operator's console in a real headless Chromium: the official worker's board shows the Monday 07:00 conflict."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from html.parser import HTMLParser

import pytest
from servers import HOST, Http, free_port, setu_planning

from setu_planning.application import PlanningApplication

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def chromium():
    if CHROMIUM is None:
        if os.environ.get("SETU_BROWSER_REQUIRED") == "1":
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture
def console(tmp_path, official_example):
    db = f"sqlite:///{tmp_path / 'console.sqlite3'}"
    app = PlanningApplication(db)
    app.constraints.submit(official_example("PlanningConstraints"), actor="backoffice")
    assignment = app.assignments.submit(official_example("PlanningAssignment"), actor="planning-system").state
    app.close()
    port = free_port()
    log = (tmp_path / "console.err").open("wb")
    process = subprocess.Popen(
        setu_planning("console", "--db", db, "--port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    http = Http(HOST, port)
    deadline = time.monotonic() + 20
    while True:
        try:
            if http.request("GET", "/").status == 200:
                break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "console.err").read_text()
        time.sleep(0.05)
    yield http, assignment
    process.terminate()
    process.wait(timeout=10)
    log.close()


def browse(chromium: str, url: str, tmp_path, screenshot: str) -> str:
    """The DOM Chromium built for ``url`` (scripts run), and a screenshot of it."""
    base = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1100",
    ]
    shot = subprocess.run(
        [*base, f"--user-data-dir={tmp_path / 'profile-shot'}", f"--screenshot={tmp_path / screenshot}", url],
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / screenshot).stat().st_size > 10_000, shot.stderr[-2000:]
    dom = subprocess.run(
        [*base, f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", url],
        capture_output=True,
        timeout=120,
        text=True,
    )
    return dom.stdout


class Marks(HTMLParser):
    """The elements carrying data-kind (conflicts drawn on the board and listed under it)."""

    def __init__(self):
        super().__init__()
        self.marks: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "data-kind" in found:
            self.marks.append({"tag": tag, **found})


def test_the_official_workers_board_shows_the_monday_seven_oclock_conflict(chromium, console, tmp_path):
    http, assignment = console
    url = f"{http.base_url}/workers/123456?week=2023-06-19"
    dom = browse(chromium, url, tmp_path, "board.png")
    marks = Marks()
    marks.feed(dom)
    drawn = [m for m in marks.marks if m["tag"] == "div"]
    listed = [m for m in marks.marks if m["tag"] == "tr"]
    assert [(m["data-kind"], m["data-start"]) for m in drawn] == [("outside_availability", "2023-06-19T07:00:00+00:00")]
    assert [(m["data-kind"], m["data-start"]) for m in listed] == [
        ("outside_availability", "2023-06-19T07:00:00+00:00")
    ]
    assert "07:00–08:00 UTC" in dom and 'class="day" data-date="2023-06-19"' in dom
    assert 'id="asof-label" class="mono">now<' in dom  # the slider's script ran


def test_the_assignments_timeline_lists_its_event_with_actor_and_state(chromium, console, tmp_path):
    http, assignment = console
    dom = browse(chromium, f"{http.base_url}/resources?id={assignment.id}", tmp_path, "timeline.png")
    assert "v1 · Submitted" in dom and "by planning-system" in dom and "Assignments_20220912170054727202" in dom
