"""The official DiWoo 0.9.8 and MDTO 1.0.1 XML schemas, loaded offline and cached.

``diwoo-metadata.xsd`` imports MDTO from nationaalarchief.nl; the copied file stays untouched and an lxml
resolver answers that import with ``schemas/mdto/MDTO-XML1.0.1.xsd`` (network access stays off).
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from woo.domain.tooi import schemas_dir

DIWOO_NS = "https://standaarden.overheid.nl/diwoo/metadata/"
MDTO_NS = "https://www.nationaalarchief.nl/mdto"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DIWOO_VERSION = "0.9.8"
MDTO_VERSION = "1.0.1"

__all__ = ["DIWOO_NS", "MDTO_NS", "SITEMAP_NS", "SchemaValidationError", "diwoo_schema", "mdto_schema",
           "validate_diwoo", "validate_mdto", "clear_cache"]

# libxml2 schema objects are not safe to share between threads while validating.
_lock = threading.Lock()


class SchemaValidationError(ValueError):
    """Generated metadata does not satisfy the official schema; ``messages`` lists libxml2's findings."""

    def __init__(self, schema: str, messages: list[str]):
        self.schema = schema
        self.messages = messages
        shown = "; ".join(messages[:5]) + (f" (en nog {len(messages) - 5} meldingen)" if len(messages) > 5 else "")
        super().__init__(f"Metadata voldoet niet aan het {schema}-schema: {shown}")


class _LocalMdto(etree.Resolver):
    """Answer any request for MDTO-XML1.0.1.xsd with the local copy."""

    def __init__(self, local: Path):
        super().__init__()
        self.local = local

    def resolve(self, url, pubid, context):
        if url and url.rsplit("/", 1)[-1] == self.local.name:
            return self.resolve_filename(str(self.local), context)
        return None


def _mdto_path() -> Path:
    return schemas_dir() / "mdto" / "MDTO-XML1.0.1.xsd"


@lru_cache(maxsize=1)
def diwoo_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalMdto(_mdto_path()))
    doc = etree.parse(str(schemas_dir() / "diwoo" / "diwoo-metadata.xsd"), parser)
    return etree.XMLSchema(doc)


@lru_cache(maxsize=1)
def mdto_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(_mdto_path()), parser))


def _as_element(xml) -> etree._Element:
    if isinstance(xml, (bytes, str)):
        xml = etree.fromstring(xml.encode() if isinstance(xml, str) else xml,
                               etree.XMLParser(no_network=True, resolve_entities=False))
    if isinstance(xml, etree._ElementTree):
        xml = xml.getroot()
    return xml


def _check(schema: etree.XMLSchema, name: str, element: etree._Element) -> None:
    with _lock:
        ok = schema.validate(element)
        errors = [f"regel {e.line}: {e.message}" for e in schema.error_log] if not ok else []
    if not ok:
        raise SchemaValidationError(name, errors)


def validate_diwoo(xml) -> None:
    """Validate a ``diwoo:Document`` (element, tree, bytes or str) against DiWoo 0.9.8.

    A sitemap ``urlset`` or ``url`` is accepted too: every ``diwoo:Document`` in it is validated (the
    sitemaps.org wrapper itself is not part of the DiWoo schema). Raises ``SchemaValidationError``.
    """
    element = _as_element(xml)
    docs = [element] if element.tag == f"{{{DIWOO_NS}}}Document" else \
        list(element.iter(f"{{{DIWOO_NS}}}Document"))
    if not docs:
        raise SchemaValidationError(f"DiWoo {DIWOO_VERSION}", ["geen diwoo:Document gevonden"])
    for doc in docs:
        _check(diwoo_schema(), f"DiWoo {DIWOO_VERSION}", doc)


def validate_mdto(xml) -> None:
    """Validate an ``<MDTO>`` document (element, tree, bytes or str) against MDTO-XML 1.0.1."""
    _check(mdto_schema(), f"MDTO {MDTO_VERSION}", _as_element(xml))


def clear_cache() -> None:
    diwoo_schema.cache_clear()
    mdto_schema.cache_clear()
