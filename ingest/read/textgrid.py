"""Tables copied out of Excel, Word, HTML or PDF as text → ``grid.Table``s whose cells point
into the text itself (``text[c.start:c.end] == c.text``).

The shapes found in real copies, and how each is read:

- **Pipe rows**, markdown-like: ``| 项目名称 | 某项目 |`` or ``项目名称 | 某项目``, with or without
  ``|---|---|`` separator rows; box-drawing copies (``│ a │ b │`` between ``├──┼──┤`` rules,
  ASCII ``+---+`` grids) and the full-width ``｜`` are read the same way. One line is one row;
  an empty segment is an empty position. A row that opens with ``|`` but does not close
  with one continues on the next lines until a line that does (a cell with line breaks); so does
  a row that does not close in a block whose rows close with one (``a | b |``).
  Blank lines between pipe rows do not end the table. A block needs two rows of two or more
  cells (or one such row under a separator row). Where some row of a block starts without a
  pipe (``a | b |``, as a web page's table pastes), no row has an opening pipe: a line that
  starts with one begins with an empty cell (``| b |`` is an empty cell, then ``b``).
- **One cell a line, each ending in** `` |``: what a page scraper writes for an HTML table
  (seen on published 绩效自评表 pages). A line that is only ``|`` is an *empty cell*, not a row
  break; lines without a pipe just before a cell line are that cell's earlier lines. Such
  copies do not mark where rows end: the table is one column in reading order with
  ``rows_marked=False``, and the interpreter re-flows it by its labels. If blank lines
  separate groups of cell lines, each group is a row.
- **Tab-separated rows** (a copy from Excel or Word): one line a row, a tab between cells;
  a cell with line breaks is quoted (``"第一行\\n第二行"``), as Excel writes it. A ``.csv``
  file is read the same way with commas (a quoted cell may hold commas: ``"1,234.00"``).
- **A whole table on one line**: ``| a | b |---|---| c | d |`` (a markdown table whose line
  breaks were lost) is re-flowed by the separator's column count; without a separator the
  line is one row with ``rows_marked=False``. It needs four or more cells.

Leading one-cell rows (a title) are left in the text before the table (``cells.split_titles``).

Not tables: fixed-width layout text (the seed), whose columns are aligned with spaces, and
cells run together with single spaces: neither marks its cells, so splitting them would be
guesswork. They give no table and the layout parser reads the text.

Example: ``text_tables("项目名称 | 某项目\\n主管部门 | 某局\\n", "a.txt")[0].rows()``
→ ``[["项目名称", "某项目"], ["主管部门", "某局"]]``
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.read.cells import MAX_ROWS, check_size, compact, split_titles
from ingest.read.grid import Cell, Table

PIPES = "|｜│┃"
_PIPE = re.compile(r"(?<!\\)[|｜│┃]")
# a separator/rule row: pipes, dashes, colons, pluses and box-drawing rules only
_RULE = re.compile(r"^[\s|｜│┃:+\-=─━┼┬┴├┤┌┐└┘╋═╪╞╡╤╧╀-╿]*$")
_DASHES = re.compile(r"[-=─━═]{3,}")
_INLINE_SEP = re.compile(r"[|｜](?:\s*:?-{3,}:?\s*[|｜])+")
#: A cell-a-line block needs this many cell lines.
MIN_CELL_LINES = 4
#: Lines of one cell's text in a copy (beyond this a "continuation" is prose, not a cell).
MAX_CELL_LINES = 30


def text_tables(text: str, name: str) -> list[Table]:
    """The tables of a text copy, or [] when the text is not a delimited table.

    Example: ``text_tables("a\\tb\\nc\\td\\n", "t.txt")[0].rows()`` → ``[["a", "b"], ["c", "d"]]``
    """
    lines = _lines(text)
    csv = name.lower().endswith(".csv")    # a .csv holds comma-separated rows
    kinds = [("tab" if "," in t else "other") if csv else _kind(t) for _s, _e, t in lines]
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        found = None
        if kinds[i] in ("pipe", "rule"):
            found = _pipe_block(text, lines, kinds, i)
        elif kinds[i] in ("cell", "empty"):
            found = _cell_block(text, lines, kinds, i)
        elif kinds[i] == "tab":
            found = _tab_block(text, lines, i, "," if csv else "\t")
        if found is None:
            i += 1
            continue
        table, i = found
        if table is not None:
            tables.append(table)
            check_size(sum(t.n_rows for t in tables), 0, name, "the text")
    return tables


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def _kind(line: str) -> str:
    """blank, rule (separator or border), empty (only pipes: an empty cell), cell (``text |``),
    pipe (a row of cells), tab (tab-separated) or other."""
    s = line.strip()
    if not s:
        return "blank"
    n = len(_PIPE.findall(s))
    if _RULE.match(s) and _DASHES.search(s) and (n or any(ch in s for ch in "+┼├┤┌┐└┘")):
        return "rule"
    if n == 0:
        return "tab" if "\t" in line else "other"
    if not s.strip(PIPES + " \t"):
        return "empty"
    if n == 1 and _PIPE.match(s[-1]):
        return "cell"
    return "pipe"


def _segments(text: str, start: int, end: int, opening: bool = True) -> list[tuple[int, int]]:
    """The cells of one pipe row in ``text[start:end]``, as stripped (start, end) spans;
    an empty segment is (k, k). Outer pipes open and close the row; in a block whose rows have
    no opening pipe (``opening`` False: ``a | b |``), a pipe at the start of a line closes an
    empty first cell."""
    cuts = [m.start() for m in _PIPE.finditer(text, start, end)]
    bounds = [start - 1] + cuts + [end]
    segs = [(a + 1, b) for a, b in zip(bounds, bounds[1:])]
    if cuts and opening and not text[start:cuts[0]].strip():
        segs = segs[1:]
    if cuts and not text[cuts[-1] + 1:end].strip():
        segs = segs[:-1]
    return [_strip(text, a, b) for a, b in segs]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _make(text: str, rows: list[list[tuple[int, int]]], first: int, last: int,
          marked: bool = True) -> Table | None:
    cells = [Cell(r, c, text[a:b], start=a, end=b)
             for r, row in enumerate(rows) for c, (a, b) in enumerate(row) if b > a]
    if not cells:
        return None
    if marked:
        _titles, cells = split_titles(compact(cells))
        if not cells:
            return None
    # rows not marked: every position stays, empty cells included, for the re-flow
    table = Table.of(cells, f"lines {first + 1}-{last + 1}")
    return table if marked else replace(table, rows_marked=False)


def _pipe_block(text, lines, kinds, i):
    """Pipe rows from line ``i`` on → (table or None, next line) or None if not a table."""
    rows: list[tuple[int, int]] = []        # each row's (start, end) in the text
    seps = 0
    j = i
    last = i
    while j < len(lines):
        k = kinds[j]
        if k in ("rule", "empty"):
            seps += k == "rule"
            last = j
            j += 1
            continue
        if k == "blank":
            nxt = next((n for n in range(j, len(lines)) if kinds[n] != "blank"), None)
            if nxt is None or kinds[nxt] not in ("pipe", "rule"):
                break
            j = nxt
            continue
        if k not in ("pipe", "cell"):
            break
        start, end, line = lines[j]
        stop = j
        s = line.strip()
        closing = bool(rows) and all(_PIPE.match(text[a:b].strip()[-1:] or " ") for a, b in rows)
        if (_PIPE.match(s[0]) or closing) and not _PIPE.match(s[-1]):
            # a cell with line breaks: the row goes on to the next line that closes it (in a block whose
            # rows all close with a pipe, a row that does not close goes on too)
            for n in range(j + 1, min(j + 1 + MAX_CELL_LINES, len(lines))):
                t = lines[n][2].strip()
                if not t or _PIPE.match(t[0]):
                    break
                if _PIPE.match(t[-1]):
                    stop = n
                    break
        rows.append((start, lines[stop][1]))
        last = stop
        j = stop + 1
    # rows that open without a pipe: no row has an opening pipe
    opening = all(_PIPE.match(text[a:b].strip()[:1] or "|") for a, b in rows)
    rows = [_segments(text, a, b, opening) for a, b in rows]
    wide = sum(len(r) >= 2 for r in rows)
    if len(rows) == 1 and len(rows[0]) >= 4 and not seps:
        return _one_line(text, lines[i][0], lines[i][1], rows[0], i), last + 1
    if wide >= 2 or (wide >= 1 and seps):
        return _make(text, rows, i, last), last + 1
    return None


def _one_line(text, start, end, segs, i):
    """A whole table on one line: re-flowed by an inline ``|---|---|`` separator if it has one."""
    m = _INLINE_SEP.search(text, start, end)
    if m:
        n_cols = len(_DASHES.findall(m.group()))
        head = _segments(text, start, m.start() + 1)
        body = _segments(text, m.end() - 1, end)
        rows = _reflow(body, n_cols) if len(head) == n_cols else None
        if rows is not None:
            return _make(text, [head] + rows, i, i)
    return _make(text, [[seg for seg in segs]], i, i, marked=False)


def _reflow(tokens, n_cols):
    """Rows of ``n_cols`` cells from one line's segments; rows joined by ``| |`` leave an empty
    token between them, rows joined by one ``|`` none."""
    k, rem = divmod(len(tokens) + 1, n_cols + 1)
    if rem == 0 and all(tokens[r * (n_cols + 1) - 1][0] == tokens[r * (n_cols + 1) - 1][1] for r in range(1, k)):
        return [tokens[r * (n_cols + 1):r * (n_cols + 1) + n_cols] for r in range(k)]
    if len(tokens) % n_cols == 0:
        return [tokens[r:r + n_cols] for r in range(0, len(tokens), n_cols)]
    return None


def _cell_block(text, lines, kinds, i):
    """One cell a line from line ``i`` on → (table or None, next line) or None if too few."""
    groups: list[list[tuple[int, int]]] = [[]]
    pending: int | None = None        # first line of a cell's earlier lines
    j, last, n_cells, n_other = i, i, 0, 0
    while j < len(lines):
        k = kinds[j]
        start, end, line = lines[j]
        if k in ("cell", "empty"):
            a = lines[pending][0] if pending is not None else start
            cut = max(m.start() for m in _PIPE.finditer(text, start, end))
            groups[-1].append(_strip(text, a, cut))
            n_cells += k == "cell"
            pending = None
            last = j
        elif k == "other" and pending is None:
            # earlier lines of a cell, if a cell line follows directly
            n = j
            while n < len(lines) and n - j < MAX_CELL_LINES and kinds[n] == "other":
                n += 1
            if n >= len(lines) or kinds[n] not in ("cell", "empty"):
                break
            pending = j
            n_other += n - j
            j = n
            continue
        elif k == "blank":
            nxt = next((n for n in range(j, len(lines)) if kinds[n] != "blank"), None)
            if nxt is None or kinds[nxt] not in ("cell", "empty"):
                break
            if groups[-1]:
                groups.append([])
            j = nxt
            continue
        else:
            break
        j += 1
    if n_cells < MIN_CELL_LINES or n_other > n_cells:
        return None
    groups = [g for g in groups if g]
    if len(groups) > 1:               # blank lines mark the rows
        return _make(text, groups, i, last), last + 1
    return _make(text, [[c] for c in groups[0]], i, last, marked=False), last + 1


def _tab_block(text, lines, i, sep: str = "\t"):
    """Delimited rows (Excel's tab-separated copy, or a .csv) from line ``i``; a quoted cell
    may hold the delimiter and line breaks."""
    pos = lines[i][0]
    rows: list[list[tuple[int, int]]] = []
    while pos < len(text) and len(rows) <= MAX_ROWS:
        fields, nxt = _record(text, pos, sep)
        if len(fields) < 2:
            break
        rows.append(fields)
        pos = nxt
    if len(rows) < 2:
        return None
    end_line = text.count("\n", 0, max(pos - 1, 0))
    return _make(text, rows, i, end_line), end_line + 1


def _record(text: str, pos: int, sep: str) -> tuple[list[tuple[int, int]], int]:
    """One delimited record from ``pos``: its fields' stripped spans and where the next starts."""
    fields: list[tuple[int, int]] = []
    n = len(text)
    while True:
        if pos < n and text[pos] == '"':
            close = pos + 1
            while True:
                close = text.find('"', close)
                if close < 0 or close + 1 >= n or text[close + 1] != '"':
                    break
                close += 2                 # "" is a quote inside the cell
            if close > 0 and (close + 1 >= n or text[close + 1] in sep + "\n"):
                fields.append(_strip(text, pos + 1, close))
                pos = close + 1
            else:                          # not a quoted field after all
                end = _field_end(text, pos, sep)
                fields.append(_strip(text, pos, end))
                pos = end
        else:
            end = _field_end(text, pos, sep)
            fields.append(_strip(text, pos, end))
            pos = end
        if pos >= n or text[pos] == "\n":
            return fields, pos + 1
        pos += 1                           # past the delimiter


def _field_end(text: str, pos: int, sep: str) -> int:
    ends = [e for e in (text.find(sep, pos), text.find("\n", pos)) if e >= 0]
    return min(ends) if ends else len(text)
