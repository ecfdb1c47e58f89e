"""The embedding API: :class:`PlanningApplication` and what its queries return."""

from setu_planning.domain.provenance import LOCAL_CALLER, Caller

from .app import PlanningApplication, ResourceState, Submission
from .history import Change, HistoryEntry
from .persistence import DEFAULT_DATABASE_URL, persistence_env

__all__ = [
    "DEFAULT_DATABASE_URL",
    "LOCAL_CALLER",
    "Caller",
    "Change",
    "HistoryEntry",
    "PlanningApplication",
    "ResourceState",
    "Submission",
    "persistence_env",
]
