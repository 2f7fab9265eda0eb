"""Re-flow a table that lost its rows (a text copy with one cell a line, or a whole table on one
line) into rows, by its labels.

The cells come in reading order. A form label starts a row and takes the cells after it as its
values; a run of indicator column labels is the indicator header, and the cells after it fill
its columns row by row: a 一级 or 二级 label opens a new row at its column, a name fills the
三级 column and the values the columns after it. A run of budget column labels is a budget
header whose rows are a source label and its numbers. Cells keep their text and offsets, so
every span still points into the document.

Example: ``reflow(Table.of([Cell(0, 0, "项目名称"), Cell(1, 0, "某项目")])).rows()`` → ``[["项目名称", "某项目"]]``
"""
from __future__ import annotations

from dataclasses import replace

from ingest.parse.grid_form import inline_pairs, is_number, is_title, meaning
from ingest.parse.grid_record import text_of
from ingest.parse.vocabulary import VOCABULARY
from ingest.read.grid import Cell, Table


def _indicator_key(text: str) -> str | None:
    return VOCABULARY.lookup(text).get("indicator_column")


def _budget_key(text: str) -> str | None:
    return VOCABULARY.lookup(text).get("budget_column")


class _Rows:
    def __init__(self):
        self.rows: list[list[tuple[int, Cell]]] = []

    def add(self, placed: list[tuple[int, Cell]]) -> None:
        if placed:
            self.rows.append(placed)

    def table(self, source: str) -> Table:
        cells = []
        for r, row in enumerate(self.rows):
            for col, c in row:
                cells.append(replace(c, row=r, col=col, rowspan=1, colspan=1))
        return Table.of(cells, source)


def reflow(table: Table) -> Table:
    """The same cells laid out in rows again (see the module docstring)."""
    cells = sorted(table.cells, key=lambda c: (c.row, c.col, c.start))
    out = _Rows()
    i = 0
    cur: list[tuple[int, Cell]] = []

    def flush():
        nonlocal cur
        out.add(cur)
        cur = []

    while i < len(cells):
        c = cells[i]
        t = text_of(c)
        if not t:
            if cur:
                cur.append((len(cur), c))
            i += 1
            continue
        if is_title(t) or VOCABULARY.is_heading(t):
            flush()
            out.add([(0, c)])
            i += 1
            continue
        if _indicator_key(t) and i + 1 < len(cells) and _indicator_key(text_of(cells[i + 1])):
            flush()
            i = _indicators(cells, i, out)
            continue
        if _budget_key(t) and i + 1 < len(cells) and _budget_key(text_of(cells[i + 1])):
            flush()
            i = _budget(cells, i, out)
            continue
        if meaning(t) or inline_pairs(c.text):
            flush()
            cur = [(0, c)]
        else:
            cur.append((len(cur), c))
        i += 1
    flush()
    return out.table(table.source)


def _budget(cells: list[Cell], i: int, out: _Rows) -> int:
    header = []
    while i < len(cells) and _budget_key(text_of(cells[i])):
        header.append(cells[i])
        i += 1
    out.add([(k + 1, c) for k, c in enumerate(header)])
    row: list[tuple[int, Cell]] = []
    while i < len(cells):
        c = cells[i]
        t = text_of(c)
        m = VOCABULARY.lookup(t)
        if is_number(t):
            if row and len(row) <= len(header):
                row.append((len(row), c))
                i += 1
                continue
            break
        if "source" in m or "purpose" in m:
            out.add(row)
            row = [(0, c)]
            i += 1
            continue
        break
    out.add(row)
    return i


def _indicators(cells: list[Cell], i: int, out: _Rows) -> int:
    header: list[tuple[str, Cell]] = []
    while i < len(cells) and _indicator_key(text_of(cells[i])):
        header.append((_indicator_key(text_of(cells[i])), cells[i]))
        i += 1
    out.add([(k, c) for k, (_, c) in enumerate(header)])
    keys = [k for k, _ in header]
    col = {k: n for n, k in reversed(list(enumerate(keys)))}
    name_col = col.get("name", 0)
    row: dict[int, Cell] = {}
    nxt = name_col

    def flush():
        nonlocal row
        if row:
            out.add(sorted(row.items()))
        row = {}

    while i < len(cells):
        c = cells[i]
        t = text_of(c)
        m = meaning(t)
        if m and m[0] in ("field", "amount", "section", "ignore", "group", "total_row") or VOCABULARY.is_heading(t):
            break
        if _indicator_key(t) and i + 1 < len(cells) and _indicator_key(text_of(cells[i + 1])):
            break
        if "level1" in col and VOCABULARY.canonical_level1(t) and not is_number(t):
            flush()
            row[col["level1"]] = c
            nxt = col.get("level2", name_col)
        elif "level2" in col and VOCABULARY.canonical_level2(t) and not is_number(t) and \
                all(k <= col["level2"] for k in row):
            if any(k > col["level2"] for k in row):
                flush()
            row[col["level2"]] = c
            nxt = name_col
        else:
            if nxt >= len(keys) or (nxt == name_col and any(k >= name_col for k in row)):
                flush()
                nxt = name_col
            row[nxt] = c
            nxt += 1
            if nxt >= len(keys):
                flush()
                nxt = name_col
        i += 1
    flush()
    return i
