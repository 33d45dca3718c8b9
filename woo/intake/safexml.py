"""One hardened lxml parser for every untrusted XML or HTML document we read.

Uploads (DOCX/ODF parts, XML, HTML) are hostile until proven otherwise: no external entities (XXE),
no DTD loading, no network, no internal entity expansion (billion laughs) and lxml's own size
limits left on (huge_tree off).
"""
from __future__ import annotations

from typing import IO

from lxml import etree, html


def xml_parser(*, recover: bool = False, remove_blank_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_blank_text=remove_blank_text,
        remove_comments=True,
        remove_pis=True,
    )


def html_parser() -> html.HTMLParser:
    return html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)


def parse_xml(data: bytes | IO[bytes], *, recover: bool = False) -> etree._Element:
    """Parse bytes or a binary file object; raises etree.XMLSyntaxError on malformed input."""
    parser = xml_parser(recover=recover)
    if isinstance(data, (bytes, bytearray)):
        root = etree.fromstring(bytes(data), parser)
    else:
        root = etree.parse(data, parser).getroot()
    if root is None:
        raise etree.XMLSyntaxError("leeg document", None, 0, 0)
    return root


def parse_html(data: bytes) -> html.HtmlElement:
    return html.document_fromstring(data, parser=html_parser())


def iterparse(source: IO[bytes], events=("end",), tag=None):
    """Streaming parse with the same hardening (for big spreadsheet parts)."""
    return etree.iterparse(source, events=events, tag=tag, resolve_entities=False, no_network=True,
                           load_dtd=False, dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)
