"""Re-flow a table copied without its row boundaries (one cell a line, or a whole table on one
line) into rows, by its labels.

Such a copy is a stream of cells in reading order: each row's cells, merged cells only where
they start, an empty cell kept as an empty position. The stream is cut into rows by what the
cells are:

- a form label and the values after it make a row (``项目名称 | 某项目``); a run of labels with
  fewer values after it is a row of column headers with their values below (``年度总体目标 |
  预期目标 | 实际完成情况 | 文本 | 文本``);
- a run of budget column labels is a budget header; each source label (财政拨款, 上年结转 …) and
  the figures after it are a row under it;
- a run of indicator column labels is the indicator header (period headings in it, 中期指标 /
  年度指标, make a first header row); each row after it starts under 一级 when it opens with a
  一级 label, under 二级 with a 二级 label, at the table's left edge when the cells fit a whole
  row (a unit's flat table), else under 三级, and takes the cells up to the last column.

Cells keep their text and offsets, so every span still points into the document.

Example: ``reflow(Table.of([Cell(0, 0, "项目名称"), Cell(1, 0, "某项目")])).rows()`` → ``[["项目名称", "某项目"]]``
"""
from __future__ import annotations

from dataclasses import replace

from ingest.parse.grid_form import inline_pairs, is_number, is_title, meaning
from ingest.parse.grid_record import text_of
from ingest.parse.gridflow import NEVER, cover_left, fit_score
from ingest.parse.vocabulary import VOCABULARY, two_level_columns
from ingest.read.grid import Cell, Table

_STOP = ("field", "amount", "section", "ignore", "total_row")


def _stream(table: Table) -> list[Cell | None]:
    """The cells in reading order, an empty position (a gap in the reader's numbering) as None."""
    cells = sorted(table.cells, key=lambda c: (c.row, c.col, c.start))
    one_row = len({c.row for c in cells}) == 1
    out: list[Cell | None] = []
    last = None
    for c in cells:
        pos = c.col if one_row else c.row
        if last is not None and pos > last + 1:
            out.extend([None] * (pos - last - 1))
        out.append(c)
        last = pos
    return out


def _text(c: Cell | None) -> str:
    return text_of(c) if c is not None else ""


def _ind(c: Cell | None) -> str | None:
    return VOCABULARY.lookup(_text(c)).get("indicator_column") if c is not None else None


def _bud(c: Cell | None) -> str | None:
    return VOCABULARY.lookup(_text(c)).get("budget_column") if c is not None else None


def _label(c: Cell | None) -> bool:
    return c is not None and (meaning(_text(c)) is not None or bool(inline_pairs(c.text)))


def _heading(c: Cell | None) -> bool:
    t = _text(c)
    return bool(t) and (is_title(t) or VOCABULARY.is_heading(t))


def _period_head(c: Cell | None) -> bool:
    """A period heading inside an indicator header (中期指标, 年度指标), not a form label."""
    t = _text(c)
    return (bool(t) and len(t) <= 30 and not any(p in t for p in "。；;，,") and VOCABULARY.period_of(t) is not None
            and not _ind(c) and not meaning(t))


class _Out:
    def __init__(self):
        self.rows: list[list[tuple[int, Cell]]] = []

    def add(self, placed: list[tuple[int, Cell | None]]) -> None:
        placed = [(col, c) for col, c in placed if c is not None]
        if placed:
            self.rows.append(placed)

    def table(self, source: str) -> Table:
        return cover_left(Table.of([replace(c, row=r, col=col, rowspan=1, colspan=1)
                                    for r, row in enumerate(self.rows) for col, c in row], source))


def reflow(table: Table) -> Table:
    """The same cells laid out in rows again (see the module docstring)."""
    s = _stream(table)
    out = _Out()
    i = 0
    group_open = False          # the rows after 项目资金（万元）| 年度资金总额 | … stand beside the group label
    while i < len(s):
        c = s[i]
        if c is None:
            i += 1
            continue
        group_open = group_open and (meaning(_text(c)) or ("",))[0] in ("source", "amount")
        run = _label_run(s, i)
        block = _header_block(s, i) if _label(c) and not _ind(c) else None
        if sum(1 for x in run if _ind(x)) >= 3:
            i = _indicators(s, i, len(run), out)
        elif block is not None:
            i, rows = block
            for row in rows:
                out.add(row)
        elif _heading(c) and not _ind(c) and not (_label(c) and _next(s, i) is not None and not _label(_next(s, i))):
            out.add([(0, c)])            # a heading, unless it is a label with its value after it
            i += 1
        elif _bud(c) or (_label(c) and sum(1 for x in s[i + 1:i + 5] if _bud(x)) >= 2):
            i = _budget(s, i, out)
        elif _label(c):
            kind = (meaning(_text(c)) or ("",))[0]
            indent = 1 if group_open and kind in ("source", "amount") else 0
            i = _form(s, i, out, indent)
            group_open = kind == "group" or bool(indent)
            continue
        else:
            out.add([(0, c)])
            i += 1
    return out.table(table.source)


def _header_block(s: list, i: int) -> tuple[int, list] | None:
    """Narrative labels over their texts (项目绩效目标 | 长期目标 | 年度目标 | text | text), or a narrative
    label over a small table of its own (项目实施进度计划 | 项目实施内容 | 开始时间 | 完成时间, then three
    cells a task): where the stream goes on and the rows (a header row and the rows under it); None
    for anything else."""
    labels: list[Cell] = []
    j = i
    while j < len(s) and s[j] is not None and _label(s[j]) and not _ind(s[j]) and not inline_pairs(s[j].text):
        labels.append(s[j])
        j += 1
    values: list[Cell] = []
    while j < len(s) and s[j] is not None and not _label(s[j]) and not _ind(s[j]) and not _heading(s[j]):
        values.append(s[j])
        j += 1
    kinds = [(meaning(_text(x)) or ("",))[0] for x in labels]
    if len(labels) < 2 or not values or kinds[0] not in ("section", "group"):
        return None
    if len(values) <= len(labels) and all(k in ("section", "group") for k in kinds) and \
            any(_heading(x) for x in labels):
        return j, [[(k, c) for k, c in enumerate(labels)],          # the texts under the last labels
                   [(len(labels) - len(values) + k, c) for k, c in enumerate(values)]]
    width = len(labels) - 1
    if kinds[0] == "section" and width >= 2 and len(values) >= 2 * width and len(values) % width == 0:
        rows = [[(k, c) for k, c in enumerate(labels)]]         # one row a task under the column labels
        rows += [[(1 + k, c) for k, c in enumerate(values[r:r + width])] for r in range(0, len(values), width)]
        return j, rows
    return None


def _label_run(s: list, i: int) -> list[Cell]:
    """The labels from ``s[i]`` on, up to the first value or empty cell; a cell grouping the column
    labels after it (采集数据 over 实际完成值 | 得分) counts with them."""
    run = []
    while i < len(s) and s[i] is not None and (_ind(s[i]) or _label(s[i]) or _period_head(s[i])
                                               or _grouping(s, i, run)):
        run.append(s[i])
        i += 1
    return run


def _grouping(s: list, i: int, run: list) -> bool:
    """A short heading inside an indicator header that only groups the labels after it (采集数据)."""
    t = _text(s[i])
    return (s[i] is not None and not _ind(s[i]) and not _label(s[i]) and sum(1 for x in run if _ind(x)) >= 3
            and 0 < len(t) <= 8 and not any(ch.isdigit() for ch in t)
            and i + 1 < len(s) and _ind(s[i + 1]) is not None)


def _next(s, i):
    j = i + 1
    while j < len(s) and s[j] is None:
        j += 1
    return s[j] if j < len(s) else None


def _form(s: list, i: int, out: _Out, indent: int = 0) -> int:
    """A run of labels and the values after it; ``indent`` columns to their left (a group label's)."""
    labels = []
    while i < len(s) and s[i] is not None and _label(s[i]) and not _ind(s[i]) and not (labels and _heading(s[i])):
        labels.append(s[i])
        i += 1
        if inline_pairs(labels[-1].text):
            break
    values = []
    while i < len(s) and (s[i] is None or not (_label(s[i]) or _heading(s[i]) or _header_starts(s, i))):
        values.append(s[i])
        i += 1
    while values and values[-1] is None:
        values.pop()
    if len(labels) == 2 and values and (meaning(_text(labels[0])) or ("",))[0] == "group" and \
            (meaning(_text(labels[1])) or ("",))[0] in ("source", "amount"):
        out.add([(0, labels[0]), (1, labels[1])] + [(2 + k, c) for k, c in enumerate(values)])   # 项目资金 | 总额 | 1.0
    elif len(labels) > 1 and 0 < len(values) <= len(labels):
        out.add([(k, c) for k, c in enumerate(labels)])          # column headers, values below
        first = len(labels) - len(values)
        out.add([(first + k, c) for k, c in enumerate(values)])
    elif len(labels) > 1:
        for c in labels[:-1]:
            out.add([(0, c)])
        out.add([(0, labels[-1])] + [(1 + k, c) for k, c in enumerate(values)])
    else:
        out.add([(indent, labels[0])] + [(indent + 1 + k, c) for k, c in enumerate(values)])
    return i


def _header_starts(s: list, i: int) -> bool:
    """True where an indicator or budget header starts: a column label among others (一级指标 | 二级指标 |
    …), not a lone 分值 among a row's values (年度预算执行率 | 100% | 分值 | 10分)."""
    if not (_ind(s[i]) or _bud(s[i])):
        return False
    run = _label_run(s, i)
    return sum(1 for x in run if _ind(x)) >= 3 or sum(1 for x in s[i:i + 5] if _bud(x)) >= 2


def _budget(s: list, i: int, out: _Out) -> int:
    """A budget header (a group label and a corner label, then the figure columns) and its rows:
    a row label and one cell per column (a blank as an empty position, any text under 原因)."""
    lead: list[Cell] = []
    while i < len(s) and s[i] is not None and not _bud(s[i]) and _label(s[i]) and len(lead) < 2:
        lead.append(s[i])
        i += 1
    keys: list[Cell | None] = []
    while i < len(s) and (s[i] is None or _bud(s[i])):
        if s[i] is None and not _bud(_next(s, i)):
            break
        keys.append(s[i])
        i += 1
    corner = 0
    while keys and keys[0] is None:          # an empty corner cell over the row labels
        keys.pop(0)
        corner += 1
    first = max(len(lead) + corner, 1)
    out.add([(k, c) for k, c in enumerate(lead)] + [(first + k, c) for k, c in enumerate(keys)])
    kinds = [_bud(c) for c in keys]
    while i < len(s):
        c = s[i]
        m = VOCABULARY.lookup(_text(c)) if c is not None else {}
        if c is None or not ("source" in m or "purpose" in m):
            break
        row = [(first - 1, c)]
        i += 1
        for k, kind in enumerate(kinds):
            if i >= len(s):
                break
            x = s[i]
            if x is not None and not is_number(_text(x)) and (kind != "reason" or _starts_line(x)):
                break
            row.append((first + k, x))
            i += 1
        out.add(row)
    return i


def _starts_line(c: Cell) -> bool:
    """A source or purpose label (财政资金, 基本支出 …): the next budget row, not a 原因 text."""
    m = VOCABULARY.lookup(_text(c))
    return "source" in m or "purpose" in m or _label(c) and not m.get("budget_column")


def _indicators(s: list, i: int, n: int, out: _Out) -> int:
    """The indicator header ``s[i:i + n]`` and the rows after it."""
    run = s[i:i + n]
    i += n
    run = [c for k, c in enumerate(run) if not _grouping(run, k, run[:k])]   # 采集数据 spans no column
    heads = [k for k, c in enumerate(run) if _period_head(c)]
    if heads and heads[-1] + 1 < len(run):
        # 一级指标 | 中期指标 | 年度指标 over 二级 | 三级 | 指标值 | 二级 | 三级 | 指标值
        top, second = run[:heads[-1] + 1], run[heads[-1] + 1:]
        l1 = next((k for k, c in enumerate(top) if _ind(c) == "level1"), None)
        out.add(list(enumerate(top)))
        offset = l1 + 1 if l1 is not None else 0
        header = [(offset + k, c) for k, c in enumerate(second)]
        cols = {"level1": l1} if l1 is not None else {}
    else:
        header, cols = list(enumerate(run)), {}
    for col, c in header:
        if _ind(c) and _ind(c) not in cols:
            cols[_ind(c)] = col
    shift = two_level_columns(cols)
    cols = {shift.get(k, k): col for k, col in cols.items()}
    out.add(header)
    width = max(col for col, _ in header) + 1
    while i < len(s) and s[i] is None:       # empty header cells: a blank column every row prints too
        width += 1
        i += 1
    flat = any((meaning(_text(c)) or ("",))[0] in ("field", "amount") for _, c in header)
    while i < len(s):
        c = s[i]
        if c is not None and (_stops(c) or sum(1 for x in _label_run(s, i) if _ind(x)) >= 3):
            break
        start = _row_start(s, i, cols, width, flat)
        row = []
        for k in range(width - start):
            if i + k >= len(s) or (k and s[i + k] is not None and _stops(s[i + k])):
                break
            row.append((start + k, s[i + k]))
        out.add(row)
        i += max(len(row), 1)
    return i


def _stops(c: Cell) -> bool:
    """A cell that ends the indicator table: a form label, a total (合计), a heading."""
    m = meaning(_text(c))
    return (bool(m and m[0] in _STOP) or "total_row" in VOCABULARY.lookup(_text(c)) or _heading(c)
            or bool(inline_pairs(c.text)))


def _row_start(s: list, i: int, cols: dict, width: int, flat: bool) -> int:
    """The column a row starts in: what its first cell is says where it may start (a 一级 label
    under 一级 …); where the cells after the row would then start the next row decides."""
    t = _text(s[i])
    nxt = _text(s[i + 1]) if i + 1 < len(s) else ""
    l1, l2, name = cols.get("level1"), cols.get("level2"), cols.get("name", 0)
    is1 = l1 is not None and bool(VOCABULARY.canonical_level1(t)) and not is_number(t)
    is2 = l2 is not None and bool(VOCABULARY.canonical_level2(t)) and not is_number(t)
    if is1 and is2:                   # 成本指标: a 一级 when a 二级 follows it, else a 二级
        first = [l1] if VOCABULARY.canonical_level2(nxt) else [l2]
    else:
        first = [l1] if is1 else [l2] if is2 else [0] if flat else [name]
    if flat and not (is1 or is2):
        # a unit's table prints its blank cells: the row is whole, unless a project merged down its rows
        # was printed once (the row then starts under 三级: the start under which its cells fit)
        key_at = {col: key for key, col in cols.items()}

        def fit(start: int) -> float:
            cells = s[i:i + width - start]
            return sum(fit_score(_text(x), key_at.get(start + k), [_text(y) for y in cells[:k] if y is not None])
                       for k, x in enumerate(cells) if x is not None)
        return name if name and fit(0) == NEVER and fit(name) != NEVER else 0
    candidates = first + [c for c in (name, l2, l1) if c is not None and c not in first]

    def fits(start: int) -> int:
        end = i + width - start
        if end >= len(s):
            return 2
        nxt_cell = s[end]
        if nxt_cell is None:
            return 0
        t2 = _text(nxt_cell)
        if _stops(nxt_cell) or VOCABULARY.canonical_level1(t2) or VOCABULARY.canonical_level2(t2):
            return 2
        return 1
    best = max(candidates, key=lambda c: (fits(c), -candidates.index(c)))
    return best if fits(best) > fits(first[0]) else first[0]
