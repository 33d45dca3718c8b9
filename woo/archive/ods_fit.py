"""Whole cell contents in the PDF rendition of a spreadsheet (ODS).

Calc prints a text longer than its cell over the empty cells to its right, but cuts it off where the next cell
has content ("Contactpersoon:" printed as "Contactperso" next to a filled cell): text would go missing from the
public file. On the copy the rendition is made of (pdfa.clean_office_copy), never on the original:
- every cell style (the document default, "Default", each named and automatic one) wraps its text
  (fo:wrap-option="wrap"), and every row gets the optimal height, which LibreOffice computes again on loading,
  so a wrapped cell grows downwards instead of being clipped;
- a column too narrow for the longest word of one of its cells is widened to it (up to the printable width of
  a page), so wrapping breaks between words, not inside them (pdftotext then finds the words whole).
"""
from __future__ import annotations

import copy
import re

from lxml import etree

from woo.intake.extract import ODF_OFFICE, ODF_STYLE, ODF_TABLE, ODF_TEXT

FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_S, _T, _O = f"{{{ODF_STYLE}}}", f"{{{ODF_TABLE}}}", f"{{{ODF_OFFICE}}}"
# Width a word needs, generously (10 pt Liberation Sans averages well under 0.08 in a character; capitals and
# bold more), and the widest column that still fits a portrait A4 page between its margins.
CHAR_IN, PAD_IN, MAX_IN = 0.1, 0.15, 6.5
_UNITS_IN = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72, "pc": 1 / 6, "px": 1 / 96}
_MAX_REPEAT = 256  # a filled cell repeated more often than this (a whole row of one value) widens nothing
STYLES_XML = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles xmlns:office="{ODF_OFFICE}" '
              f'xmlns:style="{ODF_STYLE}" xmlns:fo="{FO}" office:version="1.3"><office:styles/>'
              "</office:document-styles>").encode()


def _inches(length: str | None) -> float | None:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-z]+)\s*", length or "")
    if not m or m.group(2) not in _UNITS_IN:
        return None
    try:
        return float(m.group(1)) * _UNITS_IN[m.group(2)]
    except ValueError:
        return None


def _properties(style: etree._Element, name: str) -> etree._Element:
    props = style.find(f"{_S}{name}")
    if props is None:
        props = etree.Element(f"{_S}{name}")
        style.insert(0, props)
    return props


def wrap_styles(root: etree._Element) -> int:
    """Make every table-cell style of a content.xml or styles.xml wrap, every row style take the optimal
    height; a styles.xml without a default cell style gets one. Returns the cell styles changed."""
    n = 0
    for style in root.iter(f"{_S}style", f"{_S}default-style"):
        family = style.get(f"{_S}family")
        if family == "table-cell":
            props = _properties(style, "table-cell-properties")
            props.set(f"{{{FO}}}wrap-option", "wrap")
            props.attrib.pop(f"{_S}shrink-to-fit", None)  # Calc does not wrap a cell that shrinks
            n += 1
        elif family == "table-row":
            _properties(style, "table-row-properties").set(f"{_S}use-optimal-row-height", "true")
    if root.tag == f"{_O}document-styles":
        # a cell without a style of its own is shown in "Default" (Calc does not go to the default-style then)
        styles = root.find(f"{_O}styles")
        if styles is None:
            styles = etree.SubElement(root, f"{_O}styles")
        cell_styles = [s for s in styles if s.get(f"{_S}family") == "table-cell"]
        for tag, name in (("default-style", None), ("style", "Default")):
            if not any(s.tag == f"{_S}{tag}" and s.get(f"{_S}name") == name for s in cell_styles):
                style = etree.SubElement(styles, f"{_S}{tag}", {f"{_S}family": "table-cell"})
                if name:
                    style.set(f"{_S}name", name)
                _properties(style, "table-cell-properties").set(f"{{{FO}}}wrap-option", "wrap")
                n += 1
    return n


def _needed_widths(table: etree._Element) -> dict[int, float]:
    """Column index -> inches the longest word of a cell in that column needs (capped at MAX_IN)."""
    need: dict[int, float] = {}
    for row in table.iter(f"{_T}table-row"):
        col = 0
        for cell in row:
            if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                continue
            repeat = int(cell.get(f"{_T}number-columns-repeated") or 1)
            words = " ".join(t for p in cell.iter(f"{{{ODF_TEXT}}}p") for t in p.itertext()).split()
            if words and repeat <= _MAX_REPEAT and cell.tag == f"{_T}table-cell" \
                    and int(cell.get(f"{_T}number-columns-spanned") or 1) == 1:
                width = min(MAX_IN, max(len(w) for w in words) * CHAR_IN + PAD_IN)
                for i in range(col, col + repeat):
                    need[i] = max(need.get(i, 0.0), width)
            col += repeat
    return need


def widen_columns(root: etree._Element, default_width: float = 0.889) -> int:
    """Widen (on a content.xml) the columns too narrow for a word of one of their cells; returns how many."""
    autos = root.find(f"{_O}automatic-styles")
    if autos is None:
        autos = etree.Element(f"{_O}automatic-styles")
        body = root.find(f"{_O}body")
        root.insert(root.index(body) if body is not None else len(root), autos)
    column_styles = {s.get(f"{_S}name"): s for s in autos.iter(f"{_S}style")
                     if s.get(f"{_S}family") == "table-column"}
    made: dict[tuple[str | None, float], str] = {}

    def widened(style_name: str | None, inches: float) -> str:
        key = (style_name, round(inches, 2))
        if key not in made:
            base = column_styles.get(style_name)
            style = copy.deepcopy(base) if base is not None else etree.Element(
                f"{_S}style", {f"{_S}family": "table-column"})
            name = f"woo-fit-co{len(made) + 1}"
            style.set(f"{_S}name", name)
            _properties(style, "table-column-properties").set(f"{_S}column-width", f"{key[1]:.2f}in")
            autos.append(style)
            made[key] = name
        return made[key]

    def width_of(style_name: str | None) -> float:
        style = column_styles.get(style_name)
        props = style.find(f"{_S}table-column-properties") if style is not None else None
        return _inches(props.get(f"{_S}column-width") if props is not None else None) or default_width

    changed = 0
    for table in root.iter(f"{_T}table"):
        need = _needed_widths(table)
        columns = list(table.iter(f"{_T}table-column"))
        if not columns and need:  # no column elements at all: every column has the default width
            first = next((c for c in table if c.tag in (f"{_T}table-row", f"{_T}table-rows", f"{_T}table-header-rows",
                                                        f"{_T}table-row-group")), None)
            at = table.index(first) if first is not None else len(table)
            columns = [etree.Element(f"{_T}table-column", {f"{_T}number-columns-repeated": str(max(need) + 1)})]
            table.insert(at, columns[0])
        start = 0
        for col in columns:
            repeat = int(col.get(f"{_T}number-columns-repeated") or 1)
            style_name, current = col.get(f"{_T}style-name"), width_of(col.get(f"{_T}style-name"))
            wide = sorted(i for i in need if start <= i < start + repeat and need[i] > current + 0.01)
            if wide:
                pieces, at = [], start
                for i in wide:
                    if i > at:
                        pieces.append((i - at, None))
                    pieces.append((1, widened(style_name, need[i])))
                    at = i + 1
                if at < start + repeat:
                    pieces.append((start + repeat - at, None))
                parent, index = col.getparent(), col.getparent().index(col)
                parent.remove(col)
                for k, (count, name) in enumerate(pieces):
                    piece = copy.deepcopy(col)
                    piece.attrib.pop(f"{_T}number-columns-repeated", None)
                    if count > 1:
                        piece.set(f"{_T}number-columns-repeated", str(count))
                    if name:
                        piece.set(f"{_T}style-name", name)
                    parent.insert(index + k, piece)
                changed += len(wide)
            start += repeat
    return changed


def add_to_manifest(manifest: bytes, path: str) -> bytes:
    """The manifest with an entry for ``path`` (LibreOffice refuses a package part the manifest lacks)."""
    root = etree.fromstring(manifest, etree.XMLParser(resolve_entities=False, no_network=True))
    m = f"{{{MANIFEST}}}"
    if not any(e.get(f"{m}full-path") == path for e in root.iter(f"{m}file-entry")):
        etree.SubElement(root, f"{m}file-entry", {f"{m}full-path": path, f"{m}media-type": "text/xml"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
