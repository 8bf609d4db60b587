"""Open311 GeoReport v2 output: JSON and XML from one document, chosen by the URL extension.

A view answers with a `Document`: the XML root element's name and its content. XML renders
the root element; JSON is the Spark convention of the specification
(http://wiki.open311.org/JSON_and_XML_Conversion): the root element is dropped, a container
of repeated elements becomes an array, an empty element becomes null.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from xml.etree.ElementTree import Element, tostring

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer


class Document(NamedTuple):
    root: str
    content: Any


# The element repeated inside each container of the specification.
ITEM_ELEMENTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

# Characters XML 1.0 cannot carry at all, not even escaped; a citizen's text may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311JSONRenderer(JSONRenderer):
    format = "json"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        content = data.content if isinstance(data, Document) else data
        return super().render(content, accepted_media_type, renderer_context)


class Open311XMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict[str, Any] | None = None) -> bytes:
        assert isinstance(data, Document), "Open311 views answer with a Document"
        body = tostring(_element(data.root, data.content), encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def _element(name: str, value: Any) -> Element:
    element = Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(ITEM_ELEMENTS[name], child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element


class ByExtension(DefaultContentNegotiation):
    """The format is the URL's extension and nothing else: the specification selects it that
    way, and clients send all kinds of Accept headers that must not turn into a 406."""

    def select_renderer(self, request: Any, renderers: list[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        for renderer in renderers:
            if renderer.format == format_suffix:
                return renderer, renderer.media_type
        raise Http404("Unknown format: resources end in .xml or .json.")
