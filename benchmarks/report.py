"""The report of ``make bench``: the table printed at the end and docs/performance.md.

It collects what the phases return (rows, CPU lines, how each figure was
measured) and the run's own record (machine, commands); it computes ratios
of those figures and nothing else: every number it prints was measured in
this run.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from typing import Any

from harness import TARGET_C, Run
from phases import Phase, Row, cpu_ms, ms, rps


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def leaves(phases: list[Phase]) -> list[Phase]:
    return [leaf for phase in phases for leaf in phase.leaves()]


def rows(run: Run, phases: list[Phase]) -> list[Row]:
    return sorted((row for phase in leaves(phases) for row in phase.rows(run)), key=lambda row: row.order)


def table(run: Run, phases: list[Phase]) -> str:
    cs = ", ".join(str(c) for c in run.args.concurrency)
    header = ("figure", f"measured: req/s (p50 latency) at c = {cs}, or value", "target", "ratio", "target met?")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += [
        f"| {row.figure} | {row.measured} | {row.target} | {_num(row.ratio)} | {_verdict(row.met)} |"
        for row in rows(run, phases)
    ]
    return "\n".join(lines)


def _bound(rep: dict[str, Any]) -> str:
    """What held a load run back, read from where the CPU went."""
    cores = os.cpu_count() or 1
    if rep["cpu_machine"] >= 0.85 * cores:
        share = f"{rep['cpu_other'] / cores:.0%} of it elsewhere" if rep["cpu_other"] >= 0.1 * cores else "the server"
        return f"CPU (machine saturated; {share})"
    if rep["connections"] == 1:
        return "round trips (one request at a time)"
    return "waiting, not CPU (store writes and locks, I/O, GIL hand-offs)"


def cpu_table(run: Run, phases: list[Phase]) -> str:
    """Where the CPU went during each HTTP run: the evidence for what limits each figure."""
    lines = [
        "| run | c | req/s | p50 / p99 ms | server CPU ms per request | server | load generator | other | machine busy | failed | limited by |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    found = sorted((line for phase in leaves(phases) for line in phase.cpu_runs(run)), key=lambda line: line[0])
    for _, label, rep in found:
        lines.append(
            f"| {label} | {rep['connections']} | {rep['rps']:,.0f} | {ms(rep['latency_us']['p50'])} / {ms(rep['latency_us']['p99'])} "
            f"| {cpu_ms(rep) or 0:.2f} | {rep['cpu_server']:.2f} | {rep['cpu_loadgen']:.2f} | {rep['cpu_other']:.2f} "
            f"| {rep['cpu_machine']:.2f} | {sum(rep['errors'].values())} | {_bound(rep)} |"
        )
    return "\n".join(lines)


def _cost(run: Run, store: str, method: str) -> float | None:
    return cpu_ms(run.results.get("http", {}).get(store, {}).get(method, {}).get(TARGET_C))


def cost_text(run: Run) -> str:
    parts = []
    for method in ("POST", "GET"):
        bare = _cost(run, "bare", method)
        for store, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
            own = _cost(run, store, method)
            if bare and own:
                parts.append(f"a {method} on {label} {own:.2f} ms ({bare / own:.2f} × the bare app's rate per CPU)")
        if bare:
            parts.append(f"a {method} on the bare app {bare:.2f} ms")
    if not parts:
        return ""
    return (
        f"Server CPU per request at c = {TARGET_C} (steadier than throughput on this shared machine; PostgreSQL's "
        "own CPU included in its runs): " + "; ".join(parts) + "."
    )


PROFILE_PARTS = (
    ("decode", "strict JSON decoding (UTF-8, unique keys, finite numbers, depth)"),
    ("schema", "structure against the SETU 2.0 schema (pydantic)"),
    ("rules", "business rules (BR-282…295, line ids, XML characters, dates)"),
    (
        "aggregate",
        "the aggregate and its event, the document key and claim check, encoding the event and the "
        "current-state row, an in-memory store (submit in memory, less schema and rules)",
    ),
    (
        "store",
        "SQLite: the event, timestamp, current-state row and document claim in one transaction, "
        "and the commit's WAL sync (`synchronous = FULL`) (submit on SQLite, less submit in memory)",
    ),
    ("http", "Flask routing, authentication, answer (the whole POST, less decoding and submit on SQLite)"),
    ("wsgi", "**the whole POST, in process** (one WSGI call to the app `serve` runs, no server)"),
    ("bare_wsgi", "the bare app's POST, in process (parse the body, answer it)"),
)


def targets_text(run: Run) -> str:
    """The two POST targets, with what one POST costs, each part measured in this run."""
    nproc = run.results["machine"]["nproc"]
    bare_rps, bare_cpu = rps(run, "bare", "POST"), _cost(run, "bare", "POST")
    sqlite_cpu, pg_cpu = _cost(run, "sqlite", "POST"), _cost(run, "postgres", "POST")
    out = []
    sqlite_rps = rps(run, "sqlite", "POST")
    if sqlite_rps and bare_rps:
        ratio = sqlite_rps / bare_rps
        out.append(
            f"**POST on SQLite (0.50 × the bare Flask ceiling at c = {TARGET_C}: {ratio:.2f}, "
            f"{'met' if ratio >= 0.5 else 'missed'}).** The bare app parses the body and echoes it; a POST here "
            "must do what the service exists for."
        )
    profile = run.results.get("post_profile", {}).get("sqlite")
    if profile:
        parts = {**profile["parts"], **profile["derived"]}
        out.append(
            f"Each part of it, timed in process in this run (`benchmarks/post_profile.py`: one POST of the "
            f"official example, median of {profile['repeats']}, see above):\n\n"
            "| part | CPU ms per POST | wall ms per POST |\n| --- | --- | --- |\n"
            + "\n".join(
                f"| {label} | {parts[key]['cpu_ms']:.3f} | {parts[key]['wall_ms']:.3f} |"
                for key, label in PROFILE_PARTS
            )
        )
        beyond = parts["wsgi"]["cpu_ms"] - parts["bare_wsgi"]["cpu_ms"]
        text = f"In process, the application's work beyond the bare app's is {beyond:.2f} ms of CPU per POST."
        if sqlite_cpu and bare_cpu:
            text += (
                f" Served at c = {TARGET_C}, a POST cost the server {sqlite_cpu:.2f} ms of CPU against the bare "
                f"app's {bare_cpu:.2f} ms, of which {bare_cpu - parts['bare_wsgi']['cpu_ms']:.2f} ms is the server's "
                "own (gunicorn: sockets, HTTP parsing, threads; the bare app's server CPU per request less its "
                f"in-process POST). At {sqlite_cpu:.2f} ms, {nproc} cores serve at most "
                f"{nproc * 1000 / sqlite_cpu:,.0f} POSTs/s. Reaching half the ceiling with the server CPU the bare "
                f"run used would leave {bare_cpu:.2f} ms per POST for everything beyond parsing and answering, "
                f"against the {beyond:.2f} ms above."
            )
        out.append(text)
    if out:
        out.append(
            "What was cut along the way: validation with many violations made linear; one walk for the "
            "XML-characters rule instead of three; a document-index aggregate read and written per POST "
            "replaced by a claimed row; concurrent saves of a process in one transaction (group commit); "
            "SQLite writers of all processes queued on a lock file instead of SQLite's sleeping busy handler; "
            "read-model tables written as `WITHOUT ROWID` B-trees. Relaxing `synchronous` to `NORMAL` would cut "
            "the commit's sync, at the price of losing the last acknowledged changes on a power loss; it is not done."
        )
    pg_rps = rps(run, "postgres", "POST")
    stock = run.results.get("store_ceiling", {}).get("postgres", {}).get("saves_per_second")
    if pg_rps and stock:
        ratio = pg_rps / stock
        text = (
            f"**POST on PostgreSQL (above the stock eventsourcing save rate: {ratio:.2f} of it, "
            f"{'met' if ratio > 1 else 'missed'}).** The stock figure saves a trivial aggregate, one small event, "
            "one statement per transaction. A POST's transaction writes the event, its timestamp, the "
            "current-state row and the document claim (sent as one pipeline, under one table lock per group of "
            "concurrent saves)"
        )
        if pg_cpu:
            text += (
                f", and the server CPU per POST, PostgreSQL's included, was {pg_cpu:.2f} ms: {nproc} cores shared "
                f"by the load generator, the application and PostgreSQL give at most {nproc * 1000 / pg_cpu:,.0f} "
                "POSTs/s here, whatever the locking"
            )
        pg_profile = run.results.get("post_profile", {}).get("postgres")
        if pg_profile:
            store = pg_profile["derived"]["store"]
            text += (
                f". In process, the PostgreSQL part of a submit cost this process {store['cpu_ms']:.2f} ms of CPU "
                f"and {store['wall_ms']:.2f} ms of wall time (the round trips and PostgreSQL's own work)"
            )
        text += (
            ". On a deployment where the database has its own cores, the application's share scales out over "
            "nodes (`tests/e2e/test_scale_out.py`) and the database's write path is shared through group commit; "
            f"this {nproc}-core machine cannot show that."
        )
        out.append(text)
    return "\n\n".join(out)


def document(run: Run, phases: list[Phase], elapsed: float) -> str:
    """docs/performance.md: the table, the machine, how each figure was measured, the CPU, the commands."""
    r, m, args = run.results, run.results["machine"], run.args
    s, pg = r.get("settings", {}), r.get("postgres", {})
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # The options the run was given, without this machine's paths.
    invocation = "".join(" " + ("FILE" if os.path.isabs(a) else shlex.quote(a)) for a in args.argv)
    methods: dict[type, str] = {}
    for phase in sorted(leaves(phases), key=lambda p: p.rank):
        if type(phase) not in methods:
            methods[type(phase)] = phase.method(run)
    missed = any(row.met is False for row in rows(run, phases) if row.figure.startswith("POST"))
    targets = targets_text(run)
    method_text = "\n\n".join(text for text in methods.values() if text)
    return (
        f"""# Performance

Figures from one run of `make bench` ({date}, {elapsed / 60:.1f} minutes), on the machine below.
Run `make bench` again for current ones; throughput on this shared virtual machine moves from run
to run (the server CPU per request below moves less). Nothing in the run fails on a slow figure:
it reports.

## The table

{table(run, phases)}

{cost_text(run)}

Concurrency c is the number of keep-alive connections the load generator holds open; every
HTTP figure is requests per second over {args.duration} s with the median latency in brackets
(⚠: some requests failed, see the CPU table). Ratios compare c = {TARGET_C} figures.
Authentication is on in every setu-planning run (a parties file, `Authorization: Bearer`).

## The machine

| | |
| --- | --- |
| CPU | {m["cpu"]}, `nproc` = {m["nproc"]} |
| memory | {m["memory_gib"]} GiB |
| OS | {m["os"]} |
| Python | {m["python"]} |
| SQLite | {m["sqlite"]} (Python's `sqlite3`) |
| PostgreSQL | {pg.get("version", "not measured")}; {", ".join(f"{k} = {v}" for k, v in pg.get("settings", {}).items())} |
| packages | {", ".join(f"{k} {v}" for k, v in m["packages"].items())} |
| load generator | {m["loadgen"]} |
| server | `setu-planning serve` defaults: {s.get("server", "?")}, {s.get("workers", "?")} worker processes × {s.get("threads", "?")} threads |
| load average | {" / ".join(f"{x:.2f}" for x in m["loadavg_start"])} at the start, {" / ".join(f"{x:.2f}" for x in m["loadavg_end"])} at the end (1 / 5 / 15 min) |

Everything — load generator, gunicorn workers, PostgreSQL, the in-process measurements —
runs on these {m["nproc"]} cores, and the machine is shared with other work (the load average
above shows how much). Absolute figures are of this machine on this day; the ratios, each
measured minutes apart from its reference in the same run, travel better.

## How to run it

```sh
make bench                                   # the whole run, about {elapsed / 60:.0f} minutes; writes this file
make bench BENCH_ARGS="--quick"              # 1 s runs, 100,000 events: checks the harness in a minute or two
.venv/bin/python benchmarks/run.py --help    # durations, event count, concurrencies, --loadgen python
```

It needs the official SETU material at `../shared/setu-spec` beside the checkout (or
`$SETU_SPEC_DIR`): the POST body is the official v2.0 PlanningRequest example, read from
there. `make bench` builds `.venv` with the test extra (psycopg) when missing, installs
`wrk` with `apt-get install -y wrk` when it is missing and the run is root on a system with
apt (else it uses `benchmarks/pyload.py`), and starts PostgreSQL with `initdb`/`pg_ctl` from
PATH (as the `postgres` OS user when run as root). Servers, the PostgreSQL cluster and the
temporary folder are removed at the end, also after Ctrl-C, SIGTERM or SIGHUP.

`benchmarks/run.py` runs the phases (`benchmarks/phases/`) with the harness (`harness.py`: the
run's record, servers, processes, the machine; `loadgen.py`: wrk and where the CPU went) and
writes this file (`report.py`) from what they measured. Each measurement is a script of its own
in `benchmarks/`, usable alone (`--help`):

| script | what |
| --- | --- |
| `run.py` | the whole run: servers, loads, the other scripts, this file |
| `wrk/post_request.lua`, `wrk/get_request.lua` | wrk scripts: POST with a unique documentId; GET rotating through ids |
| `pyload.py` | the Python load generator (when wrk is missing), and its own ceiling (`pyload.py ceiling`) |
| `bare_flask.py` | the HTTP ceiling: bare Flask under `setu-planning serve`'s own server code |
| `store_ceiling.py` | stock eventsourcing saves/s on a store URL |
| `as_of.py` | as-of latency for histories of 10, 1,000, 10,000 events |
| `post_profile.py` | one POST timed part by part, in process: decoding, schema, rules, aggregate, store, HTTP |
| `generate.py` | the data generator: `python benchmarks/generate.py --db URL --events 1000000` |
| `growth.py` | in-process latencies on a store (`latencies`), and the rebuild rate (`rebuild`) |
| `pg.py` | the throwaway PostgreSQL cluster (fsync on) |
| `commands.py` | (not part of the run) median latency of the embedding API's commands on SQLite and in memory |

## How each figure is measured, and what limits it

{method_text}

## {"The targets missed, and what remains" if missed else "The POST targets, and what a POST costs"}

{targets or "Not measured in this run."}

## Where the CPU went in each HTTP run

CPU in cores (of {m["nproc"]}), averaged over each measured run. "Server" is the gunicorn
master and workers (and, in the PostgreSQL runs, the postmaster and its backends), from
`/proc/<pid>/stat`; "load generator" is the CPU time of the load generator process; "other" is
the rest of the machine's busy time (`/proc/stat`) meanwhile: other processes on the shared
machine, the kernel. "Server CPU ms per request" divides the server's CPU by the requests
served: on a shared machine it is the steadier way to compare setu-planning with its ceiling,
since it does not depend on how much CPU others left over. "Limited by" is read from these
figures: a run whose machine was at least 85 % busy was bound by CPU; a run with CPU to spare
and more than one connection was waiting on something else — for POST, the store: on SQLite one
writer at a time across the worker processes (the writer lock file) and the WAL sync of each
commit; on PostgreSQL the table lock that orders notification ids and the commit flush.

{cpu_table(run, phases)}

## The exact commands

`make bench` runs `.venv/bin/python benchmarks/run.py{invocation}`, which ran the
commands below, in this order. `$TMP` is its temporary folder, `$TOKEN` the bearer token it
made, `$PORT` a free port, `$PGDIR` (with `$PGDATA` = `$PGDIR/data`) and `$PGPORT` the throwaway
cluster. Each wrk line ran for `$C` in {", ".join(str(c) for c in args.concurrency)} (the growth loads only at `$C` = {TARGET_C})
with `$T` = min(2, `$C`) threads, {f"once for `$D` = {args.warmup} s (warm-up) and once for" if args.warmup else "without warm-up,"}
`$D` = {args.duration} s (measured), with a new `$TAG` each time.

```sh
"""
        + "\n".join(run.commands)
        + "\n```\n"
    )
