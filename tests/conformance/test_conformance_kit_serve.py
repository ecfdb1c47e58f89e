"""The conformance kit against our own ``setu-planning serve``: every MUST passes, in JSON and XML, 1.0 and 2.0.

One real server (subprocess, SQLite, 127.0.0.1) for the module; the kit runs
as the ``setu-planning conformance`` command, its output captured.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
from servers import ServerProcess, setu_planning  # noqa: E402

pytestmark = [pytest.mark.conformance, pytest.mark.e2e]

LINE = r"^(PASS|FAIL|WARN|SKIP) [a-z0-9.-]+ .+: .*$"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit-serve")
    process = ServerProcess(folder / "planning.sqlite3", folder, args=["--workers", "1"])
    process.start()
    yield process
    process.stop()


def conformance(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        setu_planning("conformance", *args),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def _lines(done: subprocess.CompletedProcess) -> list[str]:
    return done.stdout.strip().splitlines()


@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_our_server_passes_every_must_check(server, spec_dir, version, fmt):
    done = conformance(
        "--base-url", server.base_url, "--version", version, "--format", fmt, "--spec-dir", str(spec_dir)
    )
    lines = _lines(done)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in lines if line.startswith("FAIL")]
    import re

    assert all(re.match(LINE, line) for line in lines[:-1]), lines
    assert re.fullmatch(r"\d+ passed, 0 failed, \d+ warnings", lines[-1])
    passed = [line.split()[1] for line in lines if line.startswith("PASS")]
    assert {
        "requests.post.201",
        "constraints.line.post",
        "responses.valid",
        "errors.error-object",
        "requests.assignments",
        "assignments.put.br-295",
        "run.cleanup",
    } <= set(passed)


def test_the_reports_say_the_same_in_markdown_json_and_junit(server, spec_dir, tmp_path):
    outcomes = {}
    for suffix in (".json", ".md", ".xml"):
        report = tmp_path / f"report{suffix}"
        done = conformance(
            "--base-url", server.base_url, "--read-only", "--report", str(report), "--spec-dir", str(spec_dir)
        )
        assert done.returncode == 0, done.stderr
        outcomes[suffix] = report
    data = json.loads(outcomes[".json"].read_text())
    assert data["summary"]["failed"] == 0 and data["run"]["read_only"] is True
    by_id = {check["id"]: check for check in data["checks"]}
    assert by_id["requests.get.unknown-404"]["outcome"] == "PASS"
    assert by_id["requests.post.201"]["outcome"] == "SKIP"
    assert "synchronous.md" in by_id["requests.post.201"]["source"]
    suite = ElementTree.parse(outcomes[".xml"]).getroot()
    assert suite.tag == "testsuite" and suite.get("failures") == "0"
    assert int(suite.get("tests")) == len(data["checks"])
    assert "`requests.get.unknown-404`" in outcomes[".md"].read_text()


def test_an_unreachable_server_or_bad_arguments_exit_2(spec_dir):
    from servers import free_port

    done = conformance("--base-url", f"http://127.0.0.1:{free_port()}", "--spec-dir", str(spec_dir))
    assert done.returncode == 2 and "could not be reached" in done.stderr
    assert conformance("--base-url", "ftp://example", "--spec-dir", str(spec_dir)).returncode == 2
    assert conformance("--base-url", "http://127.0.0.1:1", "--kinds", "invoices").returncode == 2
    done = conformance(
        "--base-url", "http://127.0.0.1:1", "--token-env", "SETU_KIT_NO_SUCH_VARIABLE", "--spec-dir", str(spec_dir)
    )
    assert done.returncode == 2 and "SETU_KIT_NO_SUCH_VARIABLE" in done.stderr


def test_our_server_with_a_parties_file_demands_the_token(spec_dir, tmp_path):
    token = secrets.token_urlsafe(32)
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "[parties.kit]\n"
        'identifiers = [{ value = "OTTO_NLTHO001", schemeAgencyId = "Customer" }]\n'
        f'tokens = ["sha256:{hashlib.sha256(token.encode()).hexdigest()}"]\n'
    )
    process = ServerProcess(tmp_path / "planning.sqlite3", tmp_path, args=["--workers", "1", "--parties", str(parties)])
    process.start()
    try:
        done = conformance(
            "--base-url",
            process.base_url,
            "--token-env",
            "SETU_KIT_TOKEN",
            "--kinds",
            "constraints",
            "--spec-dir",
            str(spec_dir),
            env={"SETU_KIT_TOKEN": token},
        )
    finally:
        process.stop()
    lines = _lines(done)
    assert done.returncode == 0, done.stdout
    for check in ("auth.401", "auth.bad-token", "auth.www-authenticate"):
        assert any(line.startswith(f"PASS {check} ") for line in lines), lines


def test_the_fuzz_pass_finds_no_server_error_in_our_server(server, spec_dir):
    done = conformance(
        "--base-url", server.base_url, "--kinds", "constraints", "--fuzz", "2", "--spec-dir", str(spec_dir)
    )
    lines = _lines(done)
    assert done.returncode == 0, done.stdout
    assert any(line.startswith("PASS fuzz.no-5xx ") for line in lines), lines
    assert any(line.startswith("PASS fuzz.valid ") for line in lines), lines
