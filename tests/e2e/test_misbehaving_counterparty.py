"""A misbehaving counterparty, replayed against ``setu-planning serve --parties``: the good party is still served.

One ``serve`` process per case, its parties file naming a good counterparty
and a bad one (both real HTTP servers on 127.0.0.1, :mod:`tests.exchange.hostile_counterparty`),
with short per-party deadlines. Twenty changes are owed to the bad party, then
one to the good party. For each way of misbehaving: the good party's change
arrives meanwhile, the serving processes stay small, the bad deliveries are
recorded with an error and not as delivered, a second change to one of the
bad resources waits behind its failed first one (order per resource and
party), and no remote id is stored for them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from samples import request

from setu_planning.application import Caller, PlanningApplication
from tests.exchange.hostile_counterparty import start_hostile_counterparty, stop_hostile_counterparty, wait_for

BAD_CHANGES = 20
RSS_GROWTH_MB = 200  # answers are read up to 1 MB per concurrent request (8 per party)

MODES = (
    "hang",
    "drip",
    "huge-body",
    "endless-chunked",
    "location-dotdot",
    "location-outside",
    "retry-after-huge",
)


def _message(document_id: str, supplier: str) -> dict:
    return request(
        documentId={"value": document_id, "schemeAgencyId": "Customer"},
        supplier={"id": [{"value": supplier, "schemeAgencyId": "Customer"}]},
        customer={"id": [{"value": "HOME", "schemeAgencyId": "Customer"}]},
    )


def _rss_mb(root_pid: int) -> float:
    """Resident memory of the serve process and every process under it."""
    pids, total = {root_pid}, 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root_pid:
            pids.add(int(stat.parent.name))
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def _deliveries(db_file: Path, party: str) -> list[dict]:
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=5) as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute(
                "SELECT resource_id, seq, version, head, status, attempts, remote_id, last_error, due_at "
                "FROM setudelivery_deliveries WHERE party = ? ORDER BY resource_id, seq",
                (party,),
            ).fetchall()
    except sqlite3.OperationalError:
        return []  # not created yet
    return [dict(row) for row in rows]


@pytest.fixture
def counterparties():
    good, good_server = start_hostile_counterparty()
    bad, bad_server = start_hostile_counterparty()
    try:
        yield good, bad
    finally:
        stop_hostile_counterparty(bad, bad_server)
        stop_hostile_counterparty(good, good_server)


@pytest.mark.parametrize("mode", MODES)
def test_a_misbehaving_party_never_holds_up_the_good_one_nor_stores_anything_wrong(
    mode, counterparties, start_server, tmp_path
):
    good, bad = counterparties
    bad.mode = mode
    parties = tmp_path / "parties.toml"
    parties.write_text(
        "".join(
            f"[parties.{name}]\n"
            f'identifiers = [{{ value = "{name.upper()}", schemeAgencyId = "Customer" }}]\n'
            f'endpoint = "{server.base_url}"\n'
            'endpoint_token_env = "COUNTERPARTY_TOKEN"\n'
            "endpoint_timeout_seconds = 2\n"
            "endpoint_max_answer_bytes = 65536\n"
            for name, server in (("good", good), ("bad", bad))
        )
    )
    db_file = tmp_path / "sender.sqlite3"
    serve = start_server(db_file, args=["--parties", str(parties)], env={"COUNTERPARTY_TOKEN": "t" * 64})
    rss_before = _rss_mb(serve.process.pid)

    app = PlanningApplication(f"sqlite:///{db_file}")
    planner = Caller.local("planner", setu_version="2.0")
    try:
        first = app.requests.submit(_message("BAD-0", "BAD"), by=planner).state.id
        changed = _message("BAD-0", "BAD")
        changed["positionProfile"]["positionTitle"] = "Forklift driver"
        app.requests.replace(first, changed, by=planner)
        for number in range(1, BAD_CHANGES):
            app.requests.submit(_message(f"BAD-{number}", "BAD"), by=planner)
        app.requests.submit(_message("GOOD-1", "GOOD"), by=Caller.local("planner", setu_version="2.0"))
    finally:
        app.close()

    peak = [rss_before]

    def good_change_arrived() -> bool:
        peak.append(_rss_mb(serve.process.pid))
        return any(r.method == "POST" and b"GOOD-1" in r.body for r in good.requests_in("good"))

    wait_for(good_change_arrived, f"the good party's change, with the bad party {mode}", timeout=30)

    def bad_failures_recorded() -> list[dict]:
        peak.append(_rss_mb(serve.process.pid))
        rows = _deliveries(db_file, "bad")
        return [r for r in rows if r["attempts"] >= 1 and r["last_error"]]

    failed = wait_for(bad_failures_recorded, f"a failed delivery to the bad party recorded ({mode})", timeout=30)
    rows = _deliveries(db_file, "bad")
    assert len(rows) == BAD_CHANGES + 1
    assert not [r for r in rows if r["status"] == "delivered"], rows
    assert not [r for r in rows if r["remote_id"]], "a remote id was stored from a misbehaving answer"
    assert all(r["status"] in ("pending", "failed") for r in rows)
    assert max(peak) - rss_before < RSS_GROWTH_MB, (rss_before, max(peak))
    if mode == "retry-after-huge":
        assert all(r["due_at"] <= time.time() + 3600 + 60 for r in failed), failed  # Retry-After capped

    def first_of_resource_failed() -> list[dict]:
        mine = [r for r in _deliveries(db_file, "bad") if r["resource_id"] == first.hex]
        return mine if mine and mine[0]["attempts"] >= 1 and mine[0]["last_error"] else []

    created, replaced = wait_for(first_of_resource_failed, f"the first change of one bad resource failed ({mode})")
    assert created["version"] < replaced["version"], (created, replaced)
    assert created["head"] and not replaced["head"], (created, replaced)
    assert replaced["status"] == "pending" and replaced["attempts"] == 0, replaced
    assert not [r for r in bad.requests_in(mode) if b"Forklift driver" in r.body], "the later change overtook"
    wait_for(
        lambda: [r["status"] for r in _deliveries(db_file, "good")] == ["delivered"],
        f"the good party's delivery recorded as delivered: {json.dumps(_deliveries(db_file, 'good'))}",
        timeout=15,
    )
