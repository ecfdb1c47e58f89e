"""The console answers loopback only: another listening address is refused, and so is a foreign Host."""

from __future__ import annotations

import subprocess
import sys

from setu_planning.application import PlanningApplication
from setu_planning.interface.console import create_console_app


def test_the_console_refuses_to_listen_beyond_loopback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "setu_planning.interface.cli",
            "console",
            "--db",
            f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "--host",
            "0.0.0.0",
            "--port",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "loopback only" in result.stderr


def test_a_request_naming_another_host_is_refused_so_dns_rebinding_reaches_nothing():
    app = PlanningApplication("memory://")
    client = create_console_app(app).test_client()
    assert client.get("/", headers={"Host": "127.0.0.1:8100"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example:8100"}).status_code == 403
    assert client.get("/workers/123456?week=nonsense", headers={"Host": "localhost"}).status_code == 400
