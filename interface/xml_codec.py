"""Old path kept for users: the XML codec now lives in :mod:`setu_planning.interface.codecs.xml_codec`."""

from .codecs.xml_codec import (
    MAX_XML_DEPTH,
    VERSIONS,
    XmlInvalid,
    XmlRenderError,
    parse_line_xml,
    parse_xml,
    render_error_xml,
    render_line_xml,
    render_xml,
)

__all__ = [
    "MAX_XML_DEPTH",
    "VERSIONS",
    "XmlInvalid",
    "XmlRenderError",
    "parse_line_xml",
    "parse_xml",
    "render_error_xml",
    "render_line_xml",
    "render_xml",
]
