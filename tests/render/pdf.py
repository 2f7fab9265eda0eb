"""A PDF of a fixture table as bureaus print them: the title and preamble as paragraphs, then a
ruled table (reportlab ``Table`` with ``GRID`` lines and ``SPAN`` styles for the merged cells)
whose long texts wrap inside their cells, across pages when it is long (rows do not split).

The font is reportlab's CID font ``STSong-Light`` (as in ``pdfrender``): no font file, and
pdfminer maps it back to Unicode exactly, full-width punctuation included.

Example: ``write_pdf(load_spec("zipingbiao"), tmp_path / "t.pdf")``
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from pdfrender import register_font
from render.spec import Spec, line_text

FONT = "STSong-Light"


def write_pdf(spec: Spec, path: Path, *, font: str = FONT, size: float = 8.0) -> Path:
    """``size`` is the cells' font size: a larger one makes a long table run onto a second page."""
    return write_pdf_many([spec], path, font=font, size=size)


def write_pdf_many(specs: list[Spec], path: Path, *, font: str = FONT, size: float = 8.0) -> Path:
    """One PDF, each fixture from a new page."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    page = landscape(A4) if max(s.grid.n_cols for s in specs) > 6 else A4
    doc = SimpleDocTemplate(str(path), pagesize=page, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=specs[0].title, invariant=True)
    story: list = []
    for k, spec in enumerate(specs):
        if k:
            story.append(PageBreak())
        story += _story(spec, register_font(font), size, doc.width)
    doc.build(story)
    return path


def _story(spec: Spec, name: str, size: float, width: float) -> list:
    """Title, preamble, the ruled table and the footer of one fixture."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    body = ParagraphStyle("cell", fontName=name, fontSize=size, leading=size * 1.35, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=20, alignment=TA_CENTER)
    center = ParagraphStyle("center", parent=body, fontSize=10, leading=14, alignment=TA_CENTER)
    left = ParagraphStyle("left", parent=body, fontSize=9, leading=13)
    right = ParagraphStyle("right", parent=left, alignment=TA_RIGHT)

    story = [Paragraph(escape(spec.title), title), Spacer(1, 3 * mm)]
    for item in spec.preamble:
        if isinstance(item, str):
            story.append(Paragraph(escape(item), center if item.startswith(("（", "(")) else left))
        else:  # left and right ends of one line: a borderless two-cell table
            story.append(Table([[Paragraph(escape(item[0]), left), Paragraph(escape(item[1]), right)]],
                               colWidths=[width * 0.7, width * 0.3]))
    story.append(Spacer(1, 2 * mm))

    g = spec.grid
    data = [["" for _ in range(g.n_cols)] for _ in range(g.n_rows)]
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("FONTNAME", (0, 0), (-1, -1), name)]
    for p in g.cells:
        # a line break inside a cell is a <br/> (reportlab reads a bare newline as a space)
        data[p.row][p.col] = Paragraph(escape(p.text).replace("\n", "<br/>"), body) if p.text else ""
        if p.rs > 1 or p.cs > 1:
            style.append(("SPAN", (p.col, p.row), (p.col + p.cs - 1, p.row + p.rs - 1)))
    story.append(Table(data, colWidths=_widths(spec, width, size), style=TableStyle(style),
                       splitByRow=1, repeatRows=0))
    for item in spec.footer:
        story.append(Paragraph(escape(line_text(item)), left))
    return story


def _widths(spec: Spec, total: float, size: float = 8.0) -> list[float]:
    """Column widths: room for a short label (up to six characters) on one line, the rest of
    the page shared in proportion to each column's longest unmerged text (long texts wrap)."""
    need = [3 * size] * spec.grid.n_cols
    weights = [3.0] * spec.grid.n_cols
    for p in spec.grid.cells:
        if p.cs == 1:
            need[p.col] = max(need[p.col], min(len(p.text), 6) * size + 10)
            weights[p.col] = max(weights[p.col], min(float(len(p.text)), 18.0))
    spare = total - sum(need)
    if spare < 0:
        return [total * n / sum(need) for n in need]
    return [n + spare * w / sum(weights) for n, w in zip(need, weights)]
