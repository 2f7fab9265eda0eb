"""The intermediate form every table reader produces: a grid of cells per table.

An Excel sheet, a Word table, an HTML ``<table>``, a ruled PDF table and a pipe-delimited
text copy all become ``Table``s of ``Cell``s (row, column, row span, column span, text).
Office formats have no text of their own to point provenance at, so the reader lays the
cells out as text (``GridText``: one row a line, cells joined by `` | ``) and that text
becomes ``Document.text``; every cell keeps the offsets of its text there. A text copy
keeps its own text, and its cells point into it directly.

Text outside the tables (a title such as ``2021年度项目支出绩效目标申报表``, a ``单位：万元`` line, a
sheet name) stays in ``Document.text`` in reading order: the *preamble* of a table is the
document text between the previous table's last cell and its own first cell.

The interpreter (``ingest.parse.grid``) reads only these tables and preambles, never a file
format.

Example:
    >>> Table.from_rows([["项目名称", "某项目"]]).value(0, 1)
    '某项目'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

# Cells are joined by this on a rendered line; a reader of the rendered text splits on it.
CELL_SEPARATOR = " | "


@dataclass(frozen=True)
class Cell:
    """One printed cell. A merged cell is one ``Cell`` with ``rowspan``/``colspan`` > 1.

    ``start``/``end`` are offsets of ``text`` in the document's normalized text (the rendered
    grid text for office formats), so a fact read from the cell can point to its characters.
    ``text`` is the cell's text with its line breaks kept (``\\n``) and outer blanks stripped.
    """

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Table:
    """One table of a document: its cells in reading order (row, then column).

    ``n_rows``/``n_cols`` cover every cell including spans; ``source`` says where in the
    file the table was (``sheet 项目1``, ``page 3``, ``table 2``) for error messages.
    ``rows_marked`` is False for a text copy that lost its row boundaries (one cell a line,
    or a whole table on one line): its cells are then one column (or one row) in reading
    order, and the interpreter must re-flow them into rows by their labels.
    """

    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int
    source: str = ""
    rows_marked: bool = True
    _grid: tuple = field(default=(), compare=False, repr=False)

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[str]], source: str = "") -> "Table":
        """A table without merges or offsets (for tests and simple readers)."""
        cells = tuple(Cell(r, c, str(t).strip()) for r, row in enumerate(rows) for c, t in enumerate(row))
        return cls.of(cells, source)

    @classmethod
    def of(cls, cells: Iterable[Cell], source: str = "") -> "Table":
        cells = tuple(sorted(cells, key=lambda c: (c.row, c.col)))
        n_rows = max((c.row + c.rowspan for c in cells), default=0)
        n_cols = max((c.col + c.colspan for c in cells), default=0)
        return cls(cells, n_rows, n_cols, source)

    def grid(self) -> list[list[Cell | None]]:
        """Rows × columns, each position holding the cell that covers it (merged cells carry
        down and across), or None where nothing was printed."""
        if not self._grid:
            g: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
            for c in self.cells:
                for r in range(c.row, c.row + c.rowspan):
                    for k in range(c.col, c.col + c.colspan):
                        if g[r][k] is None:
                            g[r][k] = c
            object.__setattr__(self, "_grid", tuple(tuple(r) for r in g))
        return [list(r) for r in self._grid]

    def cell(self, row: int, col: int) -> Cell | None:
        """The cell covering (row, col), merged cells included."""
        if 0 <= row < self.n_rows and 0 <= col < self.n_cols:
            return self.grid()[row][col]
        return None

    def value(self, row: int, col: int) -> str:
        c = self.cell(row, col)
        return c.text if c else ""

    def rows(self) -> list[list[str]]:
        """The text of every position, merged cells repeated over their span."""
        return [[c.text if c else "" for c in r] for r in self.grid()]

    def row_cells(self, row: int) -> list[Cell]:
        """The distinct cells of one row, left to right (a merged cell once)."""
        out: list[Cell] = []
        for c in self.grid()[row]:
            if c is not None and (not out or out[-1] is not c):
                out.append(c)
        return out


@dataclass
class GridText:
    """Lays tables out as text and records where each cell's text landed.

    Example:
        >>> g = GridText()
        >>> table = g.add_table([[RawCell(0, 0, "项目名称"), RawCell(0, 1, "X")]])
        >>> g.text, [(c.text, c.start, c.end) for c in table.cells]
        ('项目名称 | X\\n\\n', [('项目名称', 0, 4), ('X', 7, 8)])
    """

    parts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    length: int = 0

    def write(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def add_heading(self, line: str) -> None:
        """A line of text outside any table (a title above it, a sheet name, a paragraph)."""
        line = clean_cell(line)
        if line:
            self.write(line + "\n")

    def add_table(self, rows: Sequence[Sequence["RawCell"]], source: str = "") -> Table | None:
        """Lay out one table, a list of rows of ``RawCell``s (the cells that start in each row)."""
        cells: list[Cell] = []
        for row in rows:
            printed = [c for c in row if clean_cell(c.text)]
            for i, c in enumerate(printed):
                if i:
                    self.write(CELL_SEPARATOR)
                text = clean_cell(c.text)
                cells.append(Cell(c.row, c.col, text, c.rowspan, c.colspan, self.length, self.length + len(text)))
                self.write(text)
            if printed:
                self.write("\n")
        if not cells:
            return None
        table = Table.of(cells, source)
        self.tables.append(table)
        self.write("\n")
        return table

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class RawCell:
    """A cell as a reader found it, before layout: position, spans and text."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


def clean_cell(text: str | None) -> str:
    """A cell's text as laid out: line ends unified, blanks at each line's ends and blank
    lines dropped, NBSP and full-width spaces read as spaces, zero-width characters gone.

    Example:
        >>> clean_cell(" 项目\\r\\n 名称 ")
        '项目\\n名称'
    """
    if text is None:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u3000", " ")
    text = text.translate(dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\f"), None))
    return "\n".join(ln.strip() for ln in text.split("\n") if ln.strip())
