"""The bench harness: the run's state, our processes and servers, the scripts, the machine.

What every phase needs and none measures: a record of the commands run (for
the report, with this machine's paths written as variables), servers started
in a session of their own and stopped with their workers, CPU and memory
read from ``/proc``, the scripts of this folder run with JSON on their last
line, the POST template and parties file, and a description of the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
EXAMPLE = Path("v2.0") / "PlanningRequest" / "PlanningRequest_Example_v2.0.json"
CONCURRENCIES = (1, 8, 32)
TARGET_C = 8
PRECREATED = 200
MARKER = "@@DOCUMENT_ID@@"
TICK = os.sysconf("SC_CLK_TCK")
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: stop measuring, clean up, exit."""


def _interrupt(signum: int, frame: Any) -> None:
    """The first Ctrl-C, SIGTERM or SIGHUP stops the run; later ones must not cut the clean-up short."""
    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signal.Signals(signum).name)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def stop_on_signals() -> None:
    for signum in SIGNALS:
        signal.signal(signum, _interrupt)


def ignore_signals() -> None:
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


# ---------------------------------------------------------------------------- run state
@dataclass
class Run:
    args: argparse.Namespace
    tmp: Path
    commands: list[str] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    loadgen: str = "wrk"
    token: str = ""
    parties: Path | None = None
    template: Path | None = None
    example: Path | None = None
    pg_port: int | None = None
    skipped: set[str] = field(default_factory=set)  # --skip: phases left out

    def note(self, argv: list[str | Path] | str) -> None:
        """Remember a command for the report, with the temporary folder written as $TMP."""
        text = argv if isinstance(argv, str) else shlex.join(str(a) for a in argv)
        text = text.replace(PYTHON, ".venv/bin/python").replace(str(BIN) + "/", ".venv/bin/")
        if self.example is not None:
            text = text.replace(str(self.example), f"$SETU_SPEC_DIR/{EXAMPLE}")
        text = text.replace(str(self.tmp), "$TMP").replace(str(ROOT) + "/", "")
        if self.token:
            text = text.replace(self.token, "$TOKEN")
        # One line per kind of command: ports, tags and load parameters as variables.
        if self.pg_port:
            text = text.replace(f"127.0.0.1:{self.pg_port}/", "127.0.0.1:$PGPORT/")
        text = re.sub(r"(127\.0\.0\.1:|--port )\d+", r"\1$PORT", text)
        text = re.sub(r"-t \d+ -c \d+ -d \d+s", "-t $T -c $C -d ${D}s", text)
        text = re.sub(r"--connections \d+ --seconds \d+", "--connections $C --seconds $D", text)
        text = re.sub(r"(--tag |\$TOKEN )[\w.-]+-[0-9a-f]{6}(-warm)?(?=\s|$)", r"\1$TAG", text)
        if not self.commands or self.commands[-1] != text:
            self.commands.append(text)


# ---------------------------------------------------------------------------- processes
def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def _rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def _exited(pid: int, timeout: float) -> bool:
    """Whether our child ``pid`` exits within ``timeout`` s; it is left unreaped (a zombie)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process of ours (gunicorn master and its workers), in a session of its own."""

    def __init__(self, run: Run, name: str, argv: list[str | Path], port: int):
        self.run, self.name, self.argv, self.port = run, name, [str(a) for a in argv], port
        self.log = run.tmp / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.extra_pids: list[int] = []  # e.g. the PostgreSQL server, for CPU accounting

    def start(self, timeout: float = 90) -> Server:
        self.run.note(self.argv)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=ROOT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200 and len(self.workers()) >= 1:
                    conn.close()
                    time.sleep(0.5)  # let the other workers finish starting
                    return self
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer /health within {timeout} s:\n{self.log.read_text()[-3000:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def banner(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        pids = [self.process.pid, *self.workers()] if self.process else []
        for pid in self.extra_pids:
            pids += [pid, *_children(pid)]
        return _cpu_seconds(pids)

    def rss(self) -> list[int]:
        return [kib for kib in (_rss_kib(pid) for pid in self.workers()) if kib]

    def stop(self) -> None:
        """SIGTERM to the process group we created (master and workers), SIGKILL after 20 s.

        The master is waited for without being reaped, so its pid (the group's
        id) cannot be reused before any worker left behind is killed.
        """
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        group = process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        if not _exited(process.pid, 20):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            _exited(process.pid, 10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # any worker that outlived its master
        process.wait(timeout=10)


@contextlib.contextmanager
def serving(run: Run, name: str, argv: list[str | Path], port: int) -> Iterator[Server]:
    server = Server(run, name, argv, port)
    try:
        yield server.start()
    finally:
        server.stop()


def serve_argv(run: Run, db: str, port: int) -> list[str | Path]:
    argv: list[str | Path] = [BIN / "setu-planning", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db]
    argv += ["--parties", run.parties]
    if run.args.workers:
        argv += ["--workers", str(run.args.workers)]
    if run.args.threads:
        argv += ["--threads", str(run.args.threads)]
    return argv


def server_settings(server: Server) -> dict[str, Any]:
    """What serve says it runs: server kind, worker processes, threads."""
    found = re.search(r"\((\w+), (\d+) worker processes x (\d+) threads\)", server.banner())
    if found:
        return {"server": found[1], "workers": int(found[2]), "threads": int(found[3])}
    found = re.search(r"\((\w+), 1 process x (\d+) threads\)", server.banner())
    if found:
        return {"server": found[1], "workers": 1, "threads": int(found[2])}
    raise RuntimeError(f"cannot read the server settings from:\n{server.banner()[-2000:]}")


# ---------------------------------------------------------------------------- helpers
def script(run: Run, argv: list[str | Path], timeout: float = 1800) -> dict[str, Any]:
    """Run one of our scripts (printing JSON on its last line); its result."""
    run.note(argv)
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(str(a) for a in argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(run: Run) -> None:
    """The example (from the spec folder), the POST template and the parties file with a token."""
    spec = (
        Path(os.environ["SETU_SPEC_DIR"]) if os.environ.get("SETU_SPEC_DIR") else ROOT.parent / "shared" / "setu-spec"
    )
    run.example = spec / EXAMPLE
    if not run.example.is_file():
        raise SystemExit(
            f"bench: the official example is not at {run.example}: put the SETU material at "
            "../shared/setu-spec beside the checkout, or set SETU_SPEC_DIR"
        )
    message = json.loads(run.example.read_text())
    message["documentId"]["value"] = MARKER
    run.template = run.tmp / "post-template.json"
    run.template.write_text(json.dumps(message, indent=2))
    from setu_planning.interface.parties import load_parties, token_hash

    run.token = secrets.token_urlsafe(32)
    identifiers = ", ".join(
        f'{{ value = "{party["id"][0]["value"]}", schemeAgencyId = "{party["id"][0]["schemeAgencyId"]}" }}'
        for party in (message["supplier"], message["customer"])
    )
    run.parties = run.tmp / "parties.toml"
    run.parties.write_text(
        "# Written by benchmarks/run.py: the party the official PlanningRequest example names.\n"
        "[parties.bench-customer]\n"
        f"identifiers = [{identifiers}]\n"
        f'tokens = ["{token_hash(run.token)}"]\n'
    )
    load_parties(run.parties)  # checked as serve will check it


def machine(run: Run) -> dict[str, Any]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        os_name = (
            next(
                ln.split("=", 1)[1].strip('"')
                for ln in Path("/etc/os-release").read_text().splitlines()
                if ln.startswith("PRETTY_NAME=")
            )
            + f" (kernel {platform.release()})"
        )
    versions = {}
    for package in ("eventsourcing", "flask", "gunicorn", "psycopg"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[package] = version(package)
    wrk = None
    if run.loadgen == "wrk":
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        wrk = (out.stdout + out.stderr).split("Copyright")[0].strip()
    return {
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem / 1024 / 1024, 1),
        "cpu": cpu,
        "os": os_name,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
        "loadgen": wrk or "benchmarks/pyload.py (Python)",
        "loadavg_start": os.getloadavg(),
    }
