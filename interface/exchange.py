"""Old path kept for users: the exchange now lives in :mod:`setu_planning.interface.client.exchange`,
its transport in :mod:`setu_planning.interface.client.transport`.
"""

from setu_planning.application import PlanningApplication

from .client.exchange import Exchange
from .client.transport import ClientTransport
from .node import Node
from .parties import PartyDirectory

__all__ = ["ClientTransport", "Exchange", "start_background_delivery"]


def start_background_delivery(planning: PlanningApplication, parties: PartyDirectory) -> Exchange | None:
    """Deliver in the background when this process holds the lock; None when no party has an endpoint."""
    node = Node(planning, parties)
    return node.exchange if node.start_delivery() else None
