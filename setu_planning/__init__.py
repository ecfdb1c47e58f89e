"""setu-planning: the SETU Planning & Scheduling standard as an event-sourced library.

The layers live in their own sub-packages: ``setu_planning.domain`` (messages,
business rules, aggregates), ``setu_planning.application`` (the embedding API)
and ``setu_planning.interface`` (codecs, Flask adapter, command line).
"""

__version__ = "0.1.0"
