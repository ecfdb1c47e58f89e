"""Growth: the same calls and loads on an empty SQLite store and on one of ``--events`` events.

``generate.py`` fills the big store, ``growth.py latencies`` times the main
calls in process on both, ``serve`` gets the same POST and GET load on each
(its workers' memory read before and after), and ``growth.py rebuild``
rebuilds the big store's read models.
"""

from __future__ import annotations

import secrets
from typing import Any

from harness import HERE, PYTHON, TARGET_C, Run, free_port, say, script, serve_argv, serving
from loadgen import load, precreate

from phases import GROWTH, REBUILD, Phase, Row

REBUILD_TARGET = 20_000  # events/s
RSS_TARGET = 1.10  # the big store's worker RSS over the empty one's
CALLS = (
    ("post", "POST (submit)"),
    ("get", "GET (current state)"),
    ("as_of", "as-of (1,000-event history)"),
    ("of_worker", "worker look-up (of_worker)"),
)
STORES = (("empty", "empty"), ("full", "big"))


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


class GrowthPhase(Phase):
    """What the size of the store costs: latencies, HTTP rates and worker memory, empty against big."""

    rank = 50
    skip = "growth"

    def measure(self, run: Run) -> None:
        results: dict[str, Any] = {}
        for name, _ in STORES:
            path = run.tmp / f"growth-{name}.sqlite3"
            db = f"sqlite:///{path}"
            if name == "full":
                say(f"Growth: generating {run.args.events:,} events (benchmarks/generate.py)")
                results["generate"] = script(
                    run, [PYTHON, HERE / "generate.py", "--db", db, "--events", str(run.args.events), "--json"]
                )
                say(f"  {results['generate']['events']:,} events in {results['generate']['seconds']} s")
            say(f"Growth: in-process latencies on the {name} store")
            results[name] = script(
                run, [PYTHON, HERE / "growth.py", "latencies", "--db", db, "--message", run.example, "--json"]
            )
            port = free_port()
            with serving(run, f"growth-{name}", serve_argv(run, db, port), port) as server:
                results[name]["rss_start_kib"] = server.rss()
                precreate(run, server)
                loads = {}
                for method in ("POST", "GET"):
                    stamp = f"growth-{name}-{method.lower()}-{secrets.token_hex(3)}"
                    if run.args.warmup:
                        load(run, server, method, TARGET_C, run.args.warmup, stamp + "-warm")
                    loads[method] = load(run, server, method, TARGET_C, run.args.duration, stamp)
                results[name]["http"] = loads
                results[name]["rss_kib"] = server.rss()
            results[name]["file_bytes"] = sum(p.stat().st_size for p in run.tmp.glob(f"growth-{name}.sqlite3*"))
            say(
                f"  {name}: {results[name]['events_in_store']:,} events; worker RSS {results[name]['rss_kib']} KiB; "
                f"POST {loads['POST']['rps']:.0f}/s GET {loads['GET']['rps']:.0f}/s"
            )
        say("Growth: rebuilding the read models of the big store")
        results["rebuild"] = script(
            run,
            [PYTHON, HERE / "growth.py", "rebuild", "--db", f"sqlite:///{run.tmp / 'growth-full.sqlite3'}", "--json"],
        )
        say(f"  {results['rebuild']['events']:,} events in {results['rebuild']['seconds']} s")
        run.results["growth"] = results

    def rows(self, run: Run) -> list[Row]:
        g = run.results.get("growth", {})
        rows: list[Row] = []
        if "rebuild" in g:
            rate = g["rebuild"]["events_per_second"]
            rows.append(
                Row(
                    (REBUILD, 1),
                    f"rebuild_read_models(), {g['rebuild']['events']:,} events, SQLite",
                    f"{rate:,.0f} events/s ({g['rebuild']['seconds']} s)",
                    f"≥ {REBUILD_TARGET:,} events/s",
                    rate / REBUILD_TARGET,
                    rate >= REBUILD_TARGET,
                )
            )
        if "empty" not in g or "full" not in g:
            return rows
        e, f = g["empty"], g["full"]
        size = f"{e['events_in_store']:,} → {f['events_in_store']:,} events"
        for n, (key, label) in enumerate(CALLS):
            rows.append(
                Row(
                    (GROWTH, n),
                    f"Growth, in-process p50 ms: {label}, SQLite {size}",
                    f"{e[key]['p50_ms']:.3f} → {f[key]['p50_ms']:.3f}",
                    "(flat)",
                    f[key]["p50_ms"] / e[key]["p50_ms"],
                )
            )
        for n, method in enumerate(("POST", "GET"), start=len(CALLS)):
            a, b = e["http"][method], f["http"][method]
            rows.append(
                Row(
                    (GROWTH, n),
                    f"Growth, HTTP {method} req/s at c = {TARGET_C}, SQLite {size}",
                    f"{a['rps']:,.0f} → {b['rps']:,.0f}",
                    "(flat)",
                    b["rps"] / a["rps"] if a["rps"] else None,
                )
            )
        if e["rss_kib"] and f["rss_kib"]:
            ea, fa = _mean(e["rss_kib"]), _mean(f["rss_kib"])
            rows.append(
                Row(
                    (GROWTH, 99),
                    f"Worker RSS MiB after the same load (mean of {len(f['rss_kib'])} workers), SQLite {size}",
                    f"{ea / 1024:.1f} → {fa / 1024:.1f}",
                    f"flat (≤ {RSS_TARGET:.2f} ×)",
                    fa / ea,
                    fa / ea <= RSS_TARGET,
                )
            )
        return rows

    def cpu_runs(self, run: Run) -> list[tuple[tuple[int, ...], str, dict[str, Any]]]:
        g = run.results.get("growth", {})
        return [
            ((2, n, m), f"{method} SQLite, {label} growth store", rep)
            for n, (name, label) in enumerate(STORES)
            for m, (method, rep) in enumerate(g.get(name, {}).get("http", {}).items())
        ]

    def method(self, run: Run) -> str:
        g, args = run.results.get("growth", {}), run.args
        generated, full = g.get("generate", {}), g.get("full", {})
        rss = ""
        if g.get("empty", {}).get("rss_kib") and full.get("rss_kib"):

            def mib(values: list[int]) -> str:
                return f"{_mean(values) / 1024:.1f} MiB" if values else "?"

            rss = (
                f" Mean worker RSS right after start-up: {mib(g['empty'].get('rss_start_kib', []))} (empty store), "
                f"{mib(full.get('rss_start_kib', []))} (big store); after the load: "
                f"{mib(g['empty']['rss_kib'])} and {mib(full['rss_kib'])}."
            )
        return f"""**Rebuild rate.** `benchmarks/growth.py rebuild`: `app.rebuild_read_models()` on the big SQLite
store below; events read divided by wall time. *Limit:* one Python thread decoding and replaying
every event (CPU), and the SQLite writes of the read models.

**Growth.** `benchmarks/generate.py --events {args.events}` writes
{generated.get("events", 0):,} events ({generated.get("resources", 0):,} resources of up to 500 events;
one in five a PlanningConstraints of its own worker, the others PlanningRequests) through
`app.save(*resources)` in batches of 20,000 events, in {generated.get("seconds", "?")} s, to a SQLite
file ({full.get("file_bytes", 0) / 1e6:,.0f} MB). `benchmarks/growth.py latencies`
adds the same fixture to it and to an empty store (a 1,000-event request, five constraints of
one worker, a request to read) and times, in process, 300 times each: `requests.submit` of the
example with a new documentId, `requests.get`, `requests.as_of` and `constraints.of_worker`
(p50). Then `setu-planning serve` runs on each store, gets the same load (POST, then GET, c = {TARGET_C},
{args.duration} s each after the warm-up) and the `VmRSS` of each gunicorn worker is read from
`/proc/<pid>/status`.{rss} *Limit:* every query is an indexed read (current-state row, timestamps,
look-ups), so the size of the store shows only through index depth and the page cache; a
{full.get("file_bytes", 0) / 1e9:.1f} GB file fits this machine's {run.results["machine"]["memory_gib"]} GiB of memory, so the
disk is hardly read. Memory is what a worker holds after the load: the view cache and
connections, not the store."""
