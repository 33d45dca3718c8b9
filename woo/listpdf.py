"""The landscape PDF lists woo writes (inventarislijst, verklaring van vernietiging, annual figures): one page
set-up and one font choice for all of them. No I/O of its own."""
from __future__ import annotations

from pathlib import Path


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def landscape_pdf(title: str, author: str, created):
    """A landscape A4 fpdf document for the lists woo writes (inventarislijst, verklaring van vernietiging,
    annual figures), with a fixed creation date so the same input gives the same bytes.

    Returns (pdf, font family, clean): DejaVu (Unicode) when installed, else the core Helvetica, whose text
    must be latin-1 (``clean`` makes it so; the PDF/A step embeds a font via Ghostscript)."""
    pdf, family, clean = a4_pdf("L", created)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_auto_page_break(True, margin=12)
    return pdf, family, clean


def a4_pdf(orientation: str, created):
    """An A4 fpdf document with a fixed creation date and the font choice of ``landscape_pdf``."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation=orientation)
    pdf.set_creation_date(created)
    if DEJAVU.exists():
        pdf.add_font("DejaVu", "", str(DEJAVU))
        pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD if DEJAVU_BOLD.exists() else DEJAVU))
        family, clean = "DejaVu", (lambda s: s)
    else:
        family, clean = "Helvetica", (lambda s: s.encode("latin-1", "replace").decode("latin-1"))
    return pdf, family, clean


def table(pdf, col_widths, heading, rows, line_height: float | None = None, padding: float = 1.0) -> None:
    """A bordered table at the current position: ``heading`` (bold, repeated at the top of every page) and
    ``rows`` (an iterable of cell texts, read once), each cell's text wrapped to its column by words (a word
    wider than its column is cut by characters); ``col_widths`` are proportions of the page's width.

    Why not fpdf's own ``FPDF.table``: it measures a line's text again for every character it adds, and lays
    every cell out twice (once to size its row), which made an inventarislijst of 1,000 documents take
    seconds (issue 18). This measures each character once, from a per-font cache. A row taller than a page
    goes on over the next pages, heading repeated."""
    scale = pdf.epw / sum(col_widths)
    widths = [w * scale for w in col_widths]
    lh = line_height or pdf.font_size * 1.25
    family, size = pdf.font_family, pdf.font_size_pt
    body_style = pdf.font_style

    top = [pdf.t_margin]  # where rows start on this page: a row taller than the room there is split
    heading_lines: list[list[str]] = []

    def page_break(with_heading: bool) -> None:
        pdf.add_page()
        if with_heading:
            draw(heading_lines, "B", is_heading=True)
        top[0] = pdf.y

    def draw(cells: list[list[str]], style: str, is_heading: bool = False) -> None:
        """One row (``cells``: wrapped lines per column), over the next pages when it does not fit."""
        while True:
            pdf.set_font(family, style, size)
            room = int((pdf.page_break_trigger - pdf.y - 2 * padding) // lh)
            tallest = max(len(c) for c in cells)
            if room < tallest and (room < 1 or pdf.y > top[0] + 0.01):  # whole on a new page if it fits there
                page_break(not is_heading)
                continue
            take = min(tallest, room)
            height = take * lh + 2 * padding
            x, y = pdf.l_margin, pdf.y
            for w, lines in zip(widths, cells):
                pdf.rect(x, y, w, height)
                for i, line in enumerate(lines[:take]):
                    if line:  # the baseline where fpdf's cell() puts it
                        pdf.text(x + padding, y + padding + i * lh + lh / 2 + 0.3 * pdf.font_size, line)
                x += w
            pdf.set_y(y + height)
            cells = [c[take:] for c in cells]
            if not any(cells):
                return
            page_break(not is_heading)

    pdf.set_font(family, "B", size)
    heading_lines.extend(_wrap(pdf, str(text), w - 2 * padding) for text, w in zip(heading, widths))
    draw(heading_lines, "B", is_heading=True)
    pdf.set_font(family, body_style, size)
    for row in rows:
        draw([_wrap(pdf, str(text), w - 2 * padding) for text, w in zip(row, widths)], body_style)
    pdf.set_font(family, body_style, size)


_WIDTHS: dict[tuple, dict[str, float]] = {}


def _wrap(pdf, text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` in the current font: greedy by words, hard line breaks kept,
    a word wider than a line cut by characters."""
    cache = _WIDTHS.setdefault((pdf.font_family, pdf.font_style, pdf.font_size_pt), {})

    def w(s: str) -> float:
        total = 0.0
        for ch in s:
            cw = cache.get(ch)
            if cw is None:
                cw = cache[ch] = pdf.get_string_width(ch)
            total += cw
        return total

    space = w(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_w = "", 0.0
        for word in paragraph.split():
            ww = w(word)
            if line and line_w + space + ww <= width:
                line, line_w = f"{line} {word}", line_w + space + ww
                continue
            if line:
                lines.append(line)
            while ww > width:  # cut a word that does not fit a line of its own (a long URL)
                cut, cut_w = 0, 0.0
                while cut < len(word) and cut_w + cache[word[cut]] <= width:
                    cut_w += cache[word[cut]]
                    cut += 1
                cut = max(cut, 1)
                lines.append(word[:cut])
                word = word[cut:]
                ww = w(word)
            line, line_w = word, ww
        lines.append(line)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines
