"""From the cells a reader found to a table: what every table reader does the same way.

Each reader (Excel, Word, HTML, ruled PDF, text copies) finds cells with positions and
spans in its own way. Before a table is laid out, the same three rules apply to all of
them, so that one table gives the same ``Table.rows()`` from every rendering:

- **Only printed cells count.** A cell with no text is not a cell (a merged range whose
  top-left is empty prints nothing).
- **Empty rows and columns go.** A row or column in which no printed cell starts is
  dropped and the spans across it shrink: Excel's margin column, the blank rows between
  two blocks of a sheet, and the extra grid columns Word makes when cell edges do not
  line up in every row all disappear.
- **Title rows become headings.** The leading rows of a table that hold a single printed
  cell (``2021年度项目支出绩效目标申报表`` merged across the width, ``单位：万元`` on its own)
  are laid out as text before the table, as a Word or HTML title paragraph is: the
  table proper starts at its first row with two or more cells. Later one-cell rows (a
  section band such as ``二、绩效目标``, a closing ``备注`` row) stay rows.

Example: ``lay_out(g, [RawCell(0, 0, "表"), RawCell(1, 0, "a"), RawCell(1, 1, "b")], "sheet 1")``
lays ``表`` out as a heading and a one-row table ``a | b``.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from typing import Sequence, TypeVar

from ingest.errors import IngestError
from ingest.read.document import Document
from ingest.read.grid import GridText, RawCell, Table, clean_cell

#: Sheet names that say nothing about the table (not written as a heading).
DEFAULT_SHEET_NAME = re.compile(r"(?i)^(sheet|工作表|表|页)\s*\d*$")
#: A table with more rows than this is not a performance-target table (refused, not truncated).
MAX_ROWS = 100_000
#: Printed cells in one document; beyond this a file is refused as absurd.
MAX_CELLS = 2_000_000

C = TypeVar("C")


def printed(cells: Sequence[C]) -> list[C]:
    """The cells whose text is not blank."""
    return [c for c in cells if clean_cell(c.text)]


def compact(cells: Sequence[C]) -> list[C]:
    """Renumber rows and columns so that a printed cell starts in every one of them.

    A span that crossed a dropped row or column shrinks by it.

    Example: ``compact([RawCell(2, 1, "a", colspan=3), RawCell(3, 3, "b")])`` →
    ``[RawCell(0, 0, "a", colspan=2), RawCell(1, 1, "b")]``
    """
    rows = sorted({c.row for c in cells})
    cols = sorted({c.col for c in cells})
    if rows == list(range(len(rows))) and cols == list(range(len(cols))):
        return list(cells)               # nothing to drop (the usual case): spans stay as they are
    row_at = {r: i for i, r in enumerate(rows)}
    col_at = {k: i for i, k in enumerate(cols)}

    def kept(starts: list[int], first: int, span: int) -> int:
        # the starts inside [first, first + span): the new span
        return max(1, bisect_left(starts, first + span) - bisect_left(starts, first))

    out = []
    for c in cells:
        new = (row_at[c.row], col_at[c.col], kept(rows, c.row, c.rowspan), kept(cols, c.col, c.colspan))
        same = new == (c.row, c.col, c.rowspan, c.colspan)
        out.append(c if same else replace(c, row=new[0], col=new[1], rowspan=new[2], colspan=new[3]))
    return out


def split_titles(cells: Sequence[C]) -> tuple[list[C], list[C]]:
    """(title cells, body cells): the leading rows with one printed cell are titles; the body is
    renumbered from its first row. Cells must be printed and compacted.

    Example: ``split_titles([RawCell(0, 0, "表"), RawCell(1, 0, "a"), RawCell(1, 1, "b")])``
    → ``([RawCell(0, 0, "表")], [RawCell(0, 0, "a"), RawCell(0, 1, "b")])``
    """
    by_row: dict[int, list[C]] = {}
    for c in cells:
        by_row.setdefault(c.row, []).append(c)
    titles: list[C] = []
    first = None
    for r in sorted(by_row):
        if len(by_row[r]) > 1:
            first = r
            break
        titles.extend(by_row[r])
    if first is None:            # every row holds one cell: a list of lines, not a table
        return titles, []
    if not titles:
        return [], list(cells)
    body = [c for c in cells if c.row >= first]
    # a title cell merged down into the body rows would overlap them: keep it in the body
    if any(t.row + t.rowspan > first for t in titles):
        return [], compact(list(cells))
    return titles, compact(body)


def rows_of(cells: Sequence[RawCell]) -> list[list[RawCell]]:
    """Cells grouped by row, in reading order, for ``GridText.add_table``."""
    out: dict[int, list[RawCell]] = {}
    for c in sorted(cells, key=lambda c: (c.row, c.col)):
        out.setdefault(c.row, []).append(c)
    return [out[r] for r in sorted(out)]


def lay_out(g: GridText, cells: Sequence[RawCell], source: str, *, titles: bool = True) -> Table | None:
    """Lay one table out into ``g``: title rows as headings, then the table (None if empty).

    Example: ``lay_out(GridText(), [RawCell(0, 0, "a"), RawCell(0, 1, "b")], "table 1")``
    """
    cells = compact(printed(cells))
    heads, body = split_titles(cells) if titles else ([], cells)
    for h in heads:
        g.add_heading(h.text)
    return g.add_table(rows_of(body), source) if body else None


def check_size(n_rows: int, n_cells: int, name: str, where: str) -> None:
    """Refuse an absurd table (more than ``MAX_ROWS`` rows or ``MAX_CELLS`` cells)."""
    if n_rows > MAX_ROWS or n_cells > MAX_CELLS:
        what = f"{n_rows:,} rows" if n_rows > MAX_ROWS else f"{n_cells:,} cells"
        raise IngestError(f"{where} has {what}; a performance-target table has far fewer",
                          file=name, hint=f"split the file, or keep only the tables to ingest "
                                          f"(at most {MAX_ROWS:,} rows, {MAX_CELLS:,} cells)")


def no_table(name: str, what: str, hint: str) -> IngestError:
    """The error for a readable file that holds no table."""
    return IngestError(f"no table found: {what}", file=name, hint=hint)


class Workbook:
    """The sheets of one spreadsheet (.xlsx, .xls, Excel XML) laid out as one document.

    Each format walks its own sheets; this keeps what they share: the running cell count
    under the workbook's cap, a named sheet's name as the heading of its table (项目1,
    某县水利局 say which table this is; ``Sheet1`` says nothing), and the refusal of a
    workbook with no table in it.

    Example: ``wb = Workbook("a.xlsx", "xlsx"); wb.add("项目1", cells); doc = wb.document()``
    """

    def __init__(self, name: str, fmt: str):
        self.name, self.fmt = name, fmt
        self.g = GridText()
        self.total = 0

    def add(self, title: str, cells: Sequence[RawCell]) -> None:
        self.total += len(cells)
        check_size(0, self.total, self.name, "the workbook")
        if title and not DEFAULT_SHEET_NAME.match(title.strip()):
            self.g.add_heading(title)
        lay_out(self.g, cells, f"sheet {title}")

    def document(self) -> Document:
        if not self.g.tables:
            raise no_table(self.name, "every sheet is empty or holds only single lines of text",
                           "is this the right file? The table must be in cells of a visible sheet")
        return Document(path=self.name, text=self.g.text, encoding=self.fmt, kind=self.fmt,
                        tables=tuple(self.g.tables))
