"""The load generator: wrk (or ``pyload.py``), one load run, and where the CPU went meanwhile.

A load run reports wrk's figures (requests, latency percentiles, errors)
plus requests per second and the CPU, in cores, of the server (from
``/proc``), of the load generator (our children's rusage) and of the rest of
the machine (``/proc/stat``). ``http_loads`` is the usual sweep: POST then
GET at each concurrency, each after a warm-up.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

from harness import HERE, MARKER, PRECREATED, PYTHON, Run, Server, machine_busy, say


def ensure_wrk(run: Run) -> None:
    """wrk from the OS packages when missing (root and apt only); else the Python generator."""
    if run.args.loadgen == "python":
        run.loadgen = "python"
        return
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wrk (apt-get install -y wrk) ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, env=env)
        if done.returncode != 0:
            subprocess.run(["apt-get", "update"], capture_output=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "wrk"], capture_output=True, env=env)
        run.note(["apt-get", "install", "-y", "wrk"])
    if shutil.which("wrk"):
        run.loadgen = "wrk"
    elif run.args.loadgen == "wrk":
        raise SystemExit("bench: wrk is not installed and cannot be installed here; use --loadgen python")
    else:
        say("wrk is not available: using the Python load generator (benchmarks/pyload.py)")
        run.loadgen = "python"


def load(run: Run, server: Server, method: str, connections: int, seconds: int, tag: str) -> dict[str, Any]:
    """One load run against ``server``; wrk's report plus requests/s and where the CPU went."""
    token = run.token
    if run.loadgen == "wrk":
        threads = str(min(2, connections))
        base = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
        if method == "POST":
            argv = [
                *base,
                "-s",
                HERE / "wrk" / "post_request.lua",
                f"{server.url}/planning/requests",
                "--",
                run.template,
                token,
                tag,
            ]
        else:
            argv = [
                *base,
                "-s",
                HERE / "wrk" / "get_request.lua",
                server.url,
                "--",
                run.tmp / f"{server.name}.ids",
                token,
            ]
    else:
        argv = [
            PYTHON,
            HERE / "pyload.py",
            method.lower(),
            f"{server.url}/planning/requests",
            "--connections",
            str(connections),
            "--seconds",
            str(seconds),
            "--token",
            token,
            "--tag",
            tag,
        ]
        argv += ["--template", run.template] if method == "POST" else ["--ids", run.tmp / f"{server.name}.ids"]
    run.note(argv)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0, total0 = machine_busy()
    server0 = server.cpu_seconds()
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=seconds + 120)
    server1 = server.cpu_seconds()
    busy1, total1 = machine_busy()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    report = json.loads(line.removeprefix("BENCH_JSON "))
    wall = report["duration_us"] / 1e6
    cores = os.cpu_count() or 1
    loadgen_cpu = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )
    report.update(
        rps=report["requests"] / wall if wall else 0.0,
        method=method,
        connections=connections,
        # CPU use during the run, in cores (of os.cpu_count()):
        cpu_machine=(busy1 - busy0) / max(1, total1 - total0) * cores,
        cpu_server=(server1 - server0) / wall if wall else 0.0,
        cpu_loadgen=loadgen_cpu / wall if wall else 0.0,
    )
    report["cpu_other"] = max(0.0, report["cpu_machine"] - report["cpu_server"] - report["cpu_loadgen"])
    errors = sum(report["errors"].values())
    if errors:
        say(f"    ! {errors} failed requests ({report['errors']}); see {server.log.name}")
    return report


def http_loads(run: Run, server: Server, label: str) -> dict[str, Any]:
    """POST and GET at each concurrency, each after a warm-up; returns {"POST": {c: report}, ...}."""
    results: dict[str, Any] = {}
    for method in ("POST", "GET"):
        results[method] = {}
        for connections in run.args.concurrency:
            stamp = f"{server.name}-{method.lower()}-c{connections}-{secrets.token_hex(3)}"
            if run.args.warmup:
                load(run, server, method, connections, run.args.warmup, stamp + "-warm")
            report = load(run, server, method, connections, run.args.duration, stamp)
            results[method][connections] = report
            say(
                f"  {label:<10} {method:<4} c={connections:<3} {report['rps']:8.0f} req/s  "
                f"p50 {report['latency_us']['p50'] / 1000:7.2f} ms  p99 {report['latency_us']['p99'] / 1000:7.2f} ms  "
                f"cpu: server {report['cpu_server']:.2f} loadgen {report['cpu_loadgen']:.2f} "
                f"other {report['cpu_other']:.2f} of {os.cpu_count()} cores"
            )
    return results


def precreate(run: Run, server: Server, count: int = PRECREATED) -> Path:
    """POST ``count`` requests and write their ids (from Location) for the GET script."""
    body = run.template.read_text()
    ids = []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Content-Type": "application/json", "setuVersionId": "2.0", "Authorization": f"Bearer {run.token}"}
    tag = secrets.token_hex(3)
    for n in range(count):
        conn.request("POST", "/planning/requests", body=body.replace(MARKER, f"PRE-{tag}-{n}"), headers=headers)
        response = conn.getresponse()
        text = response.read()
        if response.status != 201:
            raise RuntimeError(f"pre-creating a request: {response.status} {text[:500]!r}")
        ids.append(response.getheader("Location").rsplit("/", 1)[1])
    conn.close()
    target = run.tmp / f"{server.name}.ids"
    target.write_text("\n".join(ids) + "\n")
    # The GET script must be allowed to read what it GETs: check one with the token.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", f"/planning/requests/{ids[0]}", headers={"Authorization": f"Bearer {run.token}"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"GET of a pre-created request answered {response.status}")
    return target
