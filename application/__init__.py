"""The embedding API: :class:`PlanningApplication` and what its queries return."""

from .app import PlanningApplication, ResourceState, Submission
from .history import Change, HistoryEntry
from .persistence import DEFAULT_DATABASE_URL, persistence_env

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Change",
    "HistoryEntry",
    "PlanningApplication",
    "ResourceState",
    "Submission",
    "persistence_env",
]
