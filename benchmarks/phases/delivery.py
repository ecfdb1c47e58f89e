"""Delivery between two live ``serve`` processes, beside what the receiver itself takes from wrk.

Runs ``benchmarks/delivery.py``: the receiver's POST rate under ``wrk -c 8``,
then the sender delivering new requests to it, in the same run. The issue's
target: the sender delivers at least 0.8 of what the receiver can take.
"""

from __future__ import annotations

from typing import Any

from harness import Run, say

from phases import DELIVERY, Phase, Row, Target

TARGET = 0.8


def _receiver_rate(run: Run) -> float | None:
    found: dict[str, Any] | None = run.results.get("delivery")
    return found["post_rate"] if found else None


class DeliveryPhase(Phase):
    """``delivery.py``: changes/s moved sender -> receiver, and the receiver's own POST rate."""

    rank = 50
    skip = "delivery"

    def measure(self, run: Run) -> None:
        import delivery  # benchmarks/delivery.py, beside the harness

        changes = 500 if run.args.quick else 3000
        say(f"delivery: {changes:,} new requests from one serve to another, beside wrk -c 8 on the receiver")
        rows = delivery.measure(changes=changes, seconds=run.args.duration * 2, rounds=1 if run.args.quick else 3)
        run.results["delivery"] = {
            "post_rate": rows[0]["value"],
            "delivery_rate": rows[1]["value"],
            "start_seconds": rows[3]["value"],
            "from_start": rows[4]["value"],
            "rounds": rows[5]["value"],
            "changes": changes,
        }

    def rows(self, run: Run) -> list[Row]:
        found = run.results.get("delivery")
        if not found:
            return []
        target = Target(f"≥ {TARGET:.1f} × the receiver's POST rate", _receiver_rate, TARGET)
        ratio, met = target.judge(found["delivery_rate"], run)
        return [
            Row(
                (DELIVERY, 0),
                "Receiver's own POST rate (wrk -c 8, before and after), POST/s",
                f"{found['post_rate']:,.0f}",
            ),
            Row(
                (DELIVERY, 1),
                f"Delivery sender -> receiver ({found['changes']:,} new requests), changes/s",
                f"{found['delivery_rate']:,.0f}",
                target.text,
                ratio,
                met,
            ),
            Row((DELIVERY, 2), "Sender's start until it answers /health, s", f"{found['start_seconds']:.1f}"),
            Row(
                (DELIVERY, 3),
                "Delivery counted from the sender's start (its start included), changes/s",
                f"{found['from_start']:,.0f}",
            ),
            Row((DELIVERY, 4), "Ratio of each round (the median round is the one above)", found.get("rounds", "")),
        ]

    def method(self, run: Run) -> str:
        return """**Delivery to a well-behaved counterparty.** `benchmarks/delivery.py`: two `setu-planning
serve --parties` processes on this machine, each on its own SQLite store, in three rounds. The
receiver takes POSTs of one PlanningRequest from `wrk -c 8` before the first round and after each:
this machine's speed drifts within a minute, so a round is measured against the mean of the wrk runs
around it. In a round, new requests are written to a new sender store while the sender is stopped;
the sender starts and delivers them. As for the receiver, the rate is counted once the sender is live
(answers `/health`): the changes not yet delivered then, over the time until its deliveries table
shows every one delivered (following its log included). Its start, and the rate counted from it, are
rows of their own. The rows are those of the round with the median ratio. *Limit:* the sender's bookkeeping per delivery (reading the due
heads, building the change from the resource, recording outcomes, which concurrent sends share in one
transaction) and the receiver's own POST cost, on the same cores."""
