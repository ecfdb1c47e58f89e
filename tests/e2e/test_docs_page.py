"""The /docs page in a real headless Chromium: it loads offline and lists every operation.

Chromium runs with every host name but 127.0.0.1 made unresolvable, and a
network log: the page must render the operations from what this service
serves alone, and every request the page made must have gone to the server
under test. Debian's ``chromium`` is needed; without it the test is skipped,
unless SETU_BROWSER_REQUIRED=1 (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.e2e

BROWSER_TIMEOUT = 120


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    reason = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("SETU_BROWSER_REQUIRED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _page_requests(net_log: dict, origin: str) -> list[str]:
    """URLs the page asked for: requests started by our origin or in its network isolation site."""
    types = {number: name for name, number in net_log["constants"]["logEventTypes"].items()}
    urls = []
    for event in net_log["events"]:
        params = event.get("params") or {}
        if types.get(event["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        from_page = params.get("initiator") == origin or "127.0.0.1" in str(params.get("network_isolation_key"))
        if from_page:
            urls.append(params["url"])
    return urls


def test_the_docs_page_loads_offline_in_chromium_and_lists_every_operation(start_server, tmp_path):
    browser = _chromium()
    server = start_server(args=("--workers", "1"))
    origin = server.base_url
    net_log = tmp_path / "net.json"
    run = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            f"--log-net-log={net_log}",
            "--virtual-time-budget=20000",
            "--dump-dom", f"{origin}/docs",
        ],
        capture_output=True, timeout=BROWSER_TIMEOUT, stdin=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-3000:]
    dom = run.stdout.decode()
    document = json.loads(server.http.request("GET", "/openapi.json").body)

    shown = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', dom))
    assert shown == set(document["paths"]), "the page lists other operations than the document"
    methods = re.findall(r'<span class="opblock-summary-method">([A-Z]+)</span>', dom)
    assert {"GET", "POST", "PUT", "DELETE"} <= set(methods)

    requested = _page_requests(json.loads(net_log.read_text()), origin)
    assert f"{origin}/openapi.json" in requested and f"{origin}/docs/swagger-ui-bundle.js" in requested
    elsewhere = [url for url in requested if not url.startswith(f"{origin}/")]
    assert elsewhere == [], f"the page asked for something beyond the server under test: {elsewhere}"
