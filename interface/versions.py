"""Old path kept for users: SETU 1.0 <-> 2.0 now lives in :mod:`setu_planning.interface.codecs.versions`."""

from .codecs.versions import (
    LINE_FIELDS,
    MESSAGES,
    V1_ONLY_ELEMENTS,
    V1_VALUE_RESTRICTIONS,
    V2_ONLY_ELEMENTS,
    check_line,
    line_v1_to_v2,
    line_v2_to_v1,
    lost_in_v1,
    v1_to_v2,
    v2_to_v1,
)

__all__ = [
    "LINE_FIELDS",
    "MESSAGES",
    "V1_ONLY_ELEMENTS",
    "V1_VALUE_RESTRICTIONS",
    "V2_ONLY_ELEMENTS",
    "check_line",
    "line_v1_to_v2",
    "line_v2_to_v1",
    "lost_in_v1",
    "v1_to_v2",
    "v2_to_v1",
]
