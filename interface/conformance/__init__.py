"""The conformance kit: checks a SETU Planning server from the outside, against the standard.

``setu-planning conformance --base-url URL`` (see :mod:`.command`); in Python,
:func:`run` with :class:`Settings`. Each check is in :mod:`.catalogue` with its
severity and the SETU source it rests on.
"""

from .catalogue import Check, catalogue
from .command import add_conformance_parser, run_conformance
from .results import Result, Results
from .runner import Settings, Unreachable, run

__all__ = [
    "Check",
    "Result",
    "Results",
    "Settings",
    "Unreachable",
    "add_conformance_parser",
    "catalogue",
    "run",
    "run_conformance",
]
