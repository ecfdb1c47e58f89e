"""Old path kept for users: the generated XML tables now live in :mod:`setu_planning.interface.codecs.xml_tables`."""

from .codecs.xml_tables import NAMESPACES, TREES

__all__ = ["NAMESPACES", "TREES"]
