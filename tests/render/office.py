"""Excel and Word renderings of a fixture spec, with real merged cells.

``.xlsx`` (openpyxl) is laid out as bureaus' sheets are: the title in a merged row across the
top, the preamble rows under it (a ``单位：万元`` at the right end), then the table with thin
borders, merged cells (``ws.merge_cells``), amounts stored as numbers with a number format
(``85.60`` → 85.6 shown as ``0.00``; ``1,234.00`` → ``#,##0.00``), percentages marked
``xl="percent"`` stored as fractions with a percent format, and the footer rows.

``.docx`` (python-docx): title and preamble paragraphs, a ``Table Grid`` table whose merged
cells are real ``cell.merge`` spans, footer paragraphs; landscape when the table is wide.

Example: ``write_xlsx(load_spec("zipingbiao"), tmp_path / "t.xlsx")``
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from render.spec import Spec, is_number_text, line_text


def _excel_value(text: str, xl: str | None):
    """(value, number_format) as Excel would hold the printed ``text``."""
    if xl == "percent" and text.endswith("%") and is_number_text(text[:-1]):
        digits = text[:-1].partition(".")[2]
        fmt = "0." + "0" * len(digits) + "%" if digits else "0%"
        return float(Decimal(text[:-1]) / 100), fmt
    if xl != "text" and is_number_text(text):
        plain = text.replace(",", "")
        digits = plain.partition(".")[2]
        value = float(plain) if digits else int(plain)
        if "," in text:
            return value, "#,##0." + "0" * len(digits) if digits else "#,##0"
        return value, "0." + "0" * len(digits) if digits else "General"
    return text, None


def write_xlsx(spec: Spec, path: Path) -> Path:
    return write_xlsx_many([spec], path)


def write_xlsx_many(specs: list[Spec], path: Path) -> Path:
    """One workbook, one sheet a fixture (named by its ``SHEET``, else Sheet1, Sheet2 …)."""
    from openpyxl import Workbook

    wb = Workbook()
    for k, spec in enumerate(specs):
        ws = wb.active if k == 0 else wb.create_sheet()
        ws.title = getattr(spec.module, "SHEET", f"Sheet{k + 1}")
        _sheet(ws, spec)
    wb.save(path)
    return path


def _sheet(ws, spec: Spec) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    n = spec.grid.n_cols
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    row = 1

    def line(text: str, *, col: int = 1, span: int = n, align: str = "left", size: int = 10, bold=False):
        c = ws.cell(row=row, column=col, value=text)
        c.font = Font(name="宋体", size=size, bold=bold)
        c.alignment = Alignment(horizontal=align, vertical="center")
        if span > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + span - 1)

    line(spec.title, align="center", size=16, bold=True)
    row += 1
    for item in spec.preamble:
        if isinstance(item, str):
            line(item, align="center" if item.startswith(("（", "(")) else "left")
        else:
            left, right = item
            right_span = 2 if n >= 4 else 1
            if left:
                line(left, span=n - right_span)
            line(right, col=n - right_span + 1, span=right_span, align="right")
        row += 1
    top = row
    for p in spec.grid.cells:
        r, c = top + p.row, 1 + p.col
        value, fmt = _excel_value(p.text, p.xl)
        cell = ws.cell(row=r, column=c, value=value if p.text else None)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # typed as text ('=100%), not a formula
        if fmt:
            cell.number_format = fmt
        cell.alignment = Alignment(wrap_text=True, vertical="center",
                                   horizontal="center" if p.rs > 1 or len(p.text) <= 6 else "left")
        cell.font = Font(name="宋体", size=10)
        for rr in range(r, r + p.rs):
            for cc in range(c, c + p.cs):
                ws.cell(row=rr, column=cc).border = border
        if p.rs > 1 or p.cs > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + p.rs - 1, end_column=c + p.cs - 1)
    row = top + spec.grid.n_rows
    for item in spec.footer:
        line(line_text(item))
        row += 1
    for k, width in enumerate(_column_widths(spec), start=1):
        ws.column_dimensions[get_column_letter(k)].width = width


def _column_widths(spec: Spec) -> list[float]:
    """Widths in characters, from the longest unmerged text of each column (capped)."""
    widths = [6.0] * spec.grid.n_cols
    for p in spec.grid.cells:
        if p.cs == 1:
            widths[p.col] = max(widths[p.col], min(2.2 * len(p.text), 40.0))
    return widths


def write_docx(spec: Spec, path: Path) -> Path:
    return write_docx_many([spec], path)


def write_docx_many(specs: list[Spec], path: Path) -> Path:
    """One document, the fixtures' tables one after another with a page break between."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    if max(s.grid.n_cols for s in specs) > 6:
        section = d.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for k, spec in enumerate(specs):
        if k:
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _word_table(d, spec)
    d.save(path)
    return path


def _word_table(d, spec: Spec) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    title = d.add_paragraph()
    run = title.add_run(spec.title)
    run.bold, run.font.size = True, Pt(16)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for item in spec.preamble:
        para = d.add_paragraph(line_text(item))
        if isinstance(item, str) and item.startswith(("（", "(")):
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    from docx.table import _Cell

    table = d.add_table(rows=spec.grid.n_rows, cols=spec.grid.n_cols)
    table.style = "Table Grid"
    # every cell taken once, before any merge: table.cell() lays out the whole grid on each call
    # (a 60-row table took seconds). The spec's cells do not overlap, so merging one leaves the
    # corner cells of the others in place.
    grid = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
    for p in spec.grid.cells:
        cell = grid[p.row][p.col]
        if p.rs > 1 or p.cs > 1:
            cell = cell.merge(grid[p.row + p.rs - 1][p.col + p.cs - 1])
        cell.text = p.text
    for item in spec.footer:
        d.add_paragraph(line_text(item))
