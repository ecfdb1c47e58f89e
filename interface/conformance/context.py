"""What the checks of one run share: the server, the messages, the results, what was created."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .material import Material
from .probe import Exchange, Probe
from .results import Results


@dataclass
class Context:
    probe: Probe
    material: Material
    results: Results
    kinds: tuple[str, ...]
    read_only: bool = False
    created: list[tuple[str, str]] = field(default_factory=list)  # (kind, resource id), to delete at the end
    resources: dict[str, str] = field(default_factory=dict)  # kind -> id of the run's main resource
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> the message it holds

    def path(self, kind: str, resource_id: str | None = None, *rest: str) -> str:
        path = f"/planning/{kind}"
        if resource_id is not None:
            path += "/" + quote(resource_id, safe="")
        for part in rest:
            path += "/" + quote(part, safe="")
        return path

    def remember_created(self, kind: str, exchange: Exchange) -> str | None:
        """Note a resource a 2xx POST created (even one that should have been refused), for cleanup."""
        from .probe import resource_id

        location = exchange.headers.get("Location")
        if not (200 <= exchange.status < 300) or not location:
            return None
        found = resource_id(location, self.probe.base_url + exchange.path, kind)
        if found is not None and (kind, found) not in self.created:
            self.created.append((kind, found))
        return found
