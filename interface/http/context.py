"""What a route needs to know about the request it serves: the node serving it, and who is asking.

The node (``interface/node.py`` assembles it for a serving process) gives the
planning application and the one delivery application of the process; the
party is the one the request authenticated as, if the app knows its parties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app, g, request

from setu_planning.application import PlanningApplication
from setu_planning.domain.parties import Party

if TYPE_CHECKING:
    from setu_planning.application.delivery import DeliveryApplication

NODE = "setu_planning_node"
"""Where the app keeps its node, in ``app.extensions``."""


class Served(Protocol):
    """What the routes use of the node that serves them."""

    @property
    def planning(self) -> PlanningApplication: ...

    @property
    def delivery(self) -> DeliveryApplication: ...


class OwnRecords:
    """The node of an app made on its own with ``create_app(application)`` (embedded, tested).

    It holds no delivery worker; the delivery records it answers about are
    opened on first use. A serving process passes its node instead
    (``interface/node.py``), so the process keeps one delivery application.
    """

    def __init__(self, planning: PlanningApplication) -> None:
        self.planning = planning
        self._delivery: DeliveryApplication | None = None

    @property
    def delivery(self) -> DeliveryApplication:
        if self._delivery is None:
            from setu_planning.application.delivery import DeliveryApplication

            self._delivery = DeliveryApplication(self.planning)
        return self._delivery


def node() -> Served:
    return current_app.extensions[NODE]


def planning() -> PlanningApplication:
    return node().planning


def party() -> Party | None:
    return g.get("party")


def who() -> dict[str, Any]:
    """The provenance keywords of a command: the authenticated party, or the claimed actor."""
    claimed = request.headers.get(current_app.config["ACTOR_HEADER"]) or None
    acting = party()
    if acting is not None:
        return {"party": acting, "on_behalf_of": claimed}
    return {"actor": request.environ.get("REMOTE_USER") or claimed}
