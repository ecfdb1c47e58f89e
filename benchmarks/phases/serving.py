"""HTTP phases: ``setu-planning serve`` on a store, and its ceiling, a bare Flask app under the same server.

Both get the same loads (``loadgen.http_loads``: POST, then GET, at each
concurrency) so each setu-planning row sits beside the ceiling it is held
against, measured minutes apart in the same run.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from harness import HERE, PRECREATED, PYTHON, TARGET_C, Run, free_port, say, serve_argv, server_settings, serving
from loadgen import http_loads, precreate

from phases import GET, LOADGEN_CEILING, METHODS, POST, Phase, Row, Store, Target, ms, rps

GROUP = {"POST": POST, "GET": GET}
CPU_ORDER = {"POST": 0, "GET": 1}


def ceiling(method: str) -> Target:
    """The target's reference: the bare Flask rate of ``method`` at c = 8."""
    return Target("", lambda run: rps(run, "bare", method))


def http_row(
    run: Run, order: tuple[int, ...], label: str, store: str, method: str, target: Target | None
) -> Row | None:
    """A row of req/s (p50) at each concurrency, judged at c = 8 against ``target``."""
    by_c = run.results.get("http", {}).get(store, {}).get(method)
    if not by_c:
        return None
    cells = []
    for c in run.args.concurrency:
        report = by_c.get(c)
        cells.append(
            "—"
            if report is None
            else f"{report['rps']:,.0f} ({ms(report['latency_us']['p50'])} ms)"
            + (" ⚠" if sum(report["errors"].values()) else "")
        )
    ratio, met = target.judge(rps(run, store, method), run) if target else (None, None)
    return Row(order, label, " / ".join(cells), target.text if target else "—", ratio, met)


def cpu_lines(run: Run, store: Store | None) -> list[tuple[tuple[int, ...], str, dict[str, Any]]]:
    name, label, rank = (store.name, store.label, store.rank) if store else ("bare", "bare Flask", 0)
    found = []
    for method, by_c in run.results.get("http", {}).get(name, {}).items():
        for c, report in by_c.items():
            found.append(((CPU_ORDER[method], rank, c), f"{method} {label}", report))
    return found


class ServePhase(Phase):
    """setu-planning serve on a fresh database of ``store``, authentication on; POST and GET loads."""

    rank = 10

    def __init__(self, store: Store, targets: dict[str, Target]):
        self.store, self.targets = store, targets

    def measure(self, run: Run) -> None:
        say(f"{self.store.label}: setu-planning serve on a fresh store")
        db, port = self.store.new_database("serve"), free_port()
        with serving(run, self.store.name, serve_argv(run, db, port), port) as server:
            server.extra_pids = self.store.server_pids()
            run.results.setdefault("settings", server_settings(server))
            precreate(run, server)
            run.results.setdefault("http", {})[self.store.name] = http_loads(run, server, self.store.name)

    def rows(self, run: Run) -> list[Row]:
        found = (
            http_row(
                run,
                (GROUP[m], self.store.rank),
                f"{m}, setu-planning on {self.store.label}",
                self.store.name,
                m,
                self.targets.get(m),
            )
            for m in METHODS
        )
        return [row for row in found if row]

    def cpu_runs(self, run: Run) -> list[tuple[tuple[int, ...], str, dict[str, Any]]]:
        return cpu_lines(run, self.store)

    def method(self, run: Run) -> str:
        args, nproc = run.args, run.results["machine"]["nproc"]
        reports = [
            rep for by_m in run.results.get("http", {}).values() for by_c in by_m.values() for rep in by_c.values()
        ]
        per_request = [rep["cpu_loadgen"] / rep["rps"] * 1e6 for rep in reports if rep["rps"]]
        per_request_text = f"{min(per_request):.0f}–{max(per_request):.0f} µs" if per_request else "—"
        max_loadgen = max((rep["cpu_loadgen"] for rep in reports), default=0.0)
        loadgen = (
            "**wrk** (`benchmarks/wrk/post_request.lua`, `get_request.lua`), "
            f"`-t min(2, c) -c c -d {args.duration}s`"
            + (f" after a `{args.warmup}s` warm-up run" if args.warmup else "")
            if run.loadgen == "wrk"
            else f"**benchmarks/pyload.py** (wrk was not available), {args.duration} s after a {args.warmup} s warm-up; "
            f"its own ceiling against a trivial server is {run.results.get('loadgen_ceiling', 0):,.0f} req/s at c = 8"
        )
        return f"""**HTTP throughput (POST, GET).** Load generator: {loadgen}. POST sends the official
PlanningRequest example to `/planning/requests` with a new `documentId` per request (thread
number and counter), `Content-Type: application/json`, `setuVersionId: 2.0` and the bearer
token of a party the example names (`OTTO` and `OTTO_NLTHO001`, scheme `Customer`), so every
POST authenticates the token, validates the message, checks the party is named in it, and stores
a new resource (its event, current-state row, timestamp and document claim) in one transaction.
GET reads `/planning/requests/{{id}}` rotating through {PRECREATED} requests created beforehand: each
GET authenticates, reads the resource's current version (one indexed query) and, after the first
read of an id in a worker, answers from that worker's view cache, as in production. Each setu-planning run is `setu-planning
serve` with its default workers and threads on a fresh SQLite file or a fresh PostgreSQL
database. *Limit:* CPU. {nproc} cores are shared by the load generator, the gunicorn
workers, PostgreSQL and anything else on the machine; the CPU table below shows, per run, how
many cores the server (PostgreSQL included in its runs), the load generator and everything else
used. A run at about {nproc} busy cores is CPU-bound; c = 1 is bound by latency (one request at
a time). The load generator cost {per_request_text} of CPU per request over these runs (at most
{max_loadgen:.2f} of a core in any run), so it is not what caps them."""


class BareFlaskPhase(Phase):
    """The HTTP ceiling: ``bare_flask.py`` under serve's server, workers and threads; the same loads."""

    rank = 20

    def measure(self, run: Run) -> None:
        settings = run.results["settings"]
        say(
            f"Ceiling: bare Flask under {settings['server']}, {settings['workers']} workers x {settings['threads']} threads"
        )
        port = free_port()
        argv = [
            PYTHON,
            HERE / "bare_flask.py",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(settings["workers"]),
            "--threads",
            str(settings["threads"]),
            "--server",
            settings["server"],
            "--document",
            run.example,
        ]
        with serving(run, "bare", argv, port) as server:
            (run.tmp / "bare.ids").write_text("\n".join(f"bare-{n}" for n in range(PRECREATED)) + "\n")
            run.results.setdefault("http", {})["bare"] = http_loads(run, server, "bare Flask")
        if run.loadgen == "python":
            say("Load generator ceiling: pyload.py against a trivial server, c = 8")
            argv = [
                PYTHON,
                HERE / "pyload.py",
                "ceiling",
                "--connections",
                str(TARGET_C),
                "--seconds",
                str(run.args.duration),
            ]
            run.note(argv)
            done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=True)
            report = json.loads(done.stdout.split("BENCH_JSON ", 1)[1])
            run.results["loadgen_ceiling"] = report["requests"] / (report["duration_us"] / 1e6)

    def rows(self, run: Run) -> list[Row]:
        found = [http_row(run, (GROUP[m], 0), f"{m}, bare Flask (HTTP ceiling)", "bare", m, None) for m in METHODS]
        if "loadgen_ceiling" in run.results:
            found.append(
                Row(
                    (LOADGEN_CEILING, 0),
                    "Load generator ceiling: pyload.py vs a trivial server, c = 8",
                    f"{run.results['loadgen_ceiling']:,.0f} req/s",
                )
            )
        return [row for row in found if row]

    def cpu_runs(self, run: Run) -> list[tuple[tuple[int, ...], str, dict[str, Any]]]:
        return cpu_lines(run, None)

    def method(self, run: Run) -> str:
        s = run.results.get("settings", {})
        return f"""**HTTP ceiling (bare Flask).** `benchmarks/bare_flask.py`: a Flask app whose POST parses the JSON
body and answers it, and whose GET answers the example as a fixed document — no authentication,
validation or store — served by setu-planning's own `server.run` with only the application factory
swapped, so gunicorn's settings (gthread, {s.get("workers", "?")} workers × {s.get("threads", "?")} threads,
keep-alive, limits) are identical. Same loads. *Limit:* the same CPU, spent on wrk, gunicorn,
Werkzeug and Flask: it is the most any Flask app can do here, so ratios against it show the
share of the HTTP stack's capacity the application keeps."""
