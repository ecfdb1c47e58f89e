"""The deliveries table: one row per delivery, written with the outbox events that change it.

Finding what is due or failed is then one indexed query, without replaying
outboxes; the rows are derived from the outbox as a save leaves it.
"""

from __future__ import annotations

from datetime import datetime

from setu_planning.domain.outbox import Outbox, delivery_id

from .stores.contract import DeliveryRow


def delivery_rows(outbox: Outbox, seqs: set[int]) -> list[DeliveryRow]:
    """The deliveries table's rows of ``outbox``: entries ``seqs`` and its head, as the save leaves them."""
    head = outbox.head
    wanted = set(seqs) | ({head["seq"]} if head else set())
    rows = []
    for seq in sorted(wanted):
        entry = outbox.entry(seq)
        if entry is None:
            continue
        due = entry["due_at"]
        updated = entry["updated_at"]
        rows.append(
            DeliveryRow(
                id=delivery_id(outbox.id, seq),
                outbox_id=outbox.id,
                resource_id=outbox.resource_id,
                kind=outbox.kind,
                party=outbox.party,
                seq=seq,
                version=entry["version"],
                change=entry["change"],
                line_id=entry["line_id"],
                status=entry["status"],
                attempts=entry["attempts"],
                remote_id=outbox.remote_id,
                last_error=(entry["last_error"] or None) and entry["last_error"][:500],
                due_at=due.timestamp() if due else None,
                updated_at=updated.timestamp() if updated else None,
                head=head is not None and head["seq"] == seq,
                queued_at=_epoch(entry.get("queued_at")),  # entries of older snapshots lack the times
                last_attempt_at=_epoch(entry.get("last_attempt_at") or (updated if entry["attempts"] else None)),
                warning=(entry.get("warning") or None) and entry["warning"][:500],
            )
        )
    return rows


def _epoch(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None
