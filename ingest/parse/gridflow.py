"""Put the cells of a text copy back under their columns, and rebuild its merged cells.

A text copy of a table with merged cells (pipe rows, markdown, tab-separated) prints each merged
cell once; the rows below it list only their own cells, left-aligned, or leave blank cells where
the merged cell was. ``realign`` moves each row back under its columns by what its first cell is
and lets the cells above cover the positions a row leaves empty on its left, which is what the
merged cells were. Cells keep their text and offsets, so every span still points into the text.

Example: ``realign(table).rows()`` for ``产出指标 | 数量指标 | a | 10人`` then ``质量指标 | b | 95%``
→ the second row under 二级指标, with 产出指标 covering its 一级 position
"""
from __future__ import annotations

from dataclasses import replace

from ingest.parse.grid_form import inline_pairs, is_number, meaning
from ingest.parse.grid_record import text_of
from ingest.parse.vocabulary import VOCABULARY, two_level_columns
from ingest.read.grid import Cell, Table


#: The source of a table read from text run together with spaces (``ingest.parse.spaced``): its
#: blank cells left no trace, so ``realign`` spreads its rows over their columns (``gaps``).
SPACED_SOURCE = "lines (cells run together with spaces)"


# ---- text copies that printed each merged cell once -------------------------------------------------
def needs_realign(table: Table) -> bool:
    """A text copy (no spans) whose rows list only the cells that start in them."""
    return table.rows_marked and not any(c.rowspan > 1 or c.colspan > 1 for c in table.cells)


def realign(table: Table, gaps: bool = False) -> Table:
    """Put the cells of a text copy back under their columns and rebuild its merged cells.

    A copy of a table with merged cells prints each merged cell once, in its first row; the
    rows below list only their own cells, left-aligned. In the indicator table a row is put
    back by what its first cell is (a 一级 label under 一级指标, a 二级 label under 二级指标, a
    name under 三级指标); in a budget block a source under the row labels and a number under
    the first figure; a row of values under a row of column labels under the last of them. The
    positions a row leaves empty on its left are covered by the cells above them (their row span
    grows), which is what the merged cells were.

    With ``gaps`` (cells run together with spaces: a blank cell anywhere left no trace), an
    indicator row shorter than the header is spread over its columns by what each cell holds
    (``fit_gaps``): ``定性 | 满意 | 10 | 正向`` under 指标性质 / 指标值 / 度量单位 / 权重 / 指标方向性 leaves
    度量单位 blank.
    """
    rows: list[list[Cell]] = [[] for _ in range(table.n_rows)]
    for c in table.cells:
        rows[c.row].append(c)
    placed: dict[int, list] = {}             # id → [row, col, rowspan, cell]
    cover: dict[tuple[int, int], int] = {}
    header: dict[str, int] | None = None     # indicator column → col
    flat = False                              # the header also names project columns (a unit's table)
    width = 0
    budget_cols: list[int] | None = None
    prev: list[tuple[int, Cell]] = []
    prev_was_header = False
    for r, row in enumerate(rows):
        row = sorted(row, key=lambda c: c.col)
        if not row:
            continue
        first = text_of(row[0])
        m = meaning(first)
        if "total_row" in VOCABULARY.lookup(first):
            m = ("total_row", "total_row")       # 合计 / 总分: a total, whatever else the word means
        keys = {VOCABULARY.lookup(c.text).get("indicator_column") for c in row} - {None}
        bkeys = [c for c in row if VOCABULARY.lookup(c.text).get("budget_column")]
        length = row[-1].col - row[0].col + 1
        start = row[0].col
        group_over = _grouping_cell(prev) if header is not None and prev_was_header else None
        if group_over is not None and keys and len(keys) == len(row) and row[0].col == 0:
            # 实际完成值 | 得分 under the 采集数据 that groups them in the header row above
            start = group_over
            for k, c in enumerate(row):
                header.setdefault(VOCABULARY.lookup(c.text)["indicator_column"], start + k)
            width = max(width, start + len(row))
        elif len(keys) >= 3:
            if prev and "level1" not in keys:
                # the second row of a two-row header: it starts after the 一级指标 merged down beside it
                above = [col for col, c in prev if VOCABULARY.lookup(c.text).get("indicator_column") == "level1"]
                if above:
                    start = max(above) + 1
            header = {}
            for c in row:
                k = VOCABULARY.lookup(c.text).get("indicator_column")
                if k and k not in header:
                    header[k] = c.col + (start - row[0].col)
            for col, c in prev if "level1" not in keys else []:
                k = VOCABULARY.lookup(c.text).get("indicator_column")
                if k and k not in header:
                    header[k] = col               # 一级指标 merged down beside the second header row
            shift = two_level_columns(header)
            header = {shift.get(k, k): col for k, col in header.items()}
            width, budget_cols = row[-1].col + 1 + (start - row[0].col), None
            flat = any(meaning(text_of(c)) and meaning(text_of(c))[0] in ("field", "amount") for c in row)
        elif len(bkeys) >= 2 and not any(is_number(c.text) for c in row):
            budget_cols, header = [c.col for c in bkeys], None
        elif m and m[0] in ("field", "section", "ignore", "group", "total_row") and not (
                budget_cols and m[0] in ("amount",)):
            header = None if m[0] != "total_row" else header
            budget_cols = None if m[0] != "total_row" else budget_cols
            if m[0] == "total_row" and budget_cols is not None and row[0].col == 0:
                start = budget_cols[0] - 1          # 合计 | figures: a row of the budget block
        elif header is not None and row[-1].col + 1 < width and row[0].col == 0:
            second = text_of(row[1]) if len(row) > 1 else ""
            start = _indicator_start(first, second, header, length, width, row[0].col if flat else None,
                                     [text_of(c) for c in row])
        elif header is not None and row[0].col > 0:
            # a copy that kept its blank cells is in place; one whose first blank cell was read as
            # the line's opening pipe is one column short
            options = _level_columns(first, header)
            if row[0].col not in options and row[0].col + 1 in options:
                start = row[0].col + 1
        elif budget_cols is not None and row[0].col == 0:
            start = budget_cols[0] - 1 if not is_number(first) else budget_cols[0]
        elif (row[0].col == 0 and _group_above(cover, placed, r)
              and not (m and m[0] in ("field", "section", "group", "ignore", "total_row"))):
            start = 1                                 # rows beside a group label merged down (项目资金)
        elif not m and not inline_pairs(row[0].text) and prev and row[0].col == 0 and (
                len(row) < len(prev) or (len(row) == len(prev) and prev[0][0] > 0)):
            start = prev[len(prev) - len(row)][0]      # values under the last of the labels above
        shift = start - row[0].col
        fitted = None
        if gaps and header is not None and not flat and len(keys) < 3 and start + len(row) < width and not (
                m and m[0] in ("field", "section", "group", "ignore", "total_row")):
            fitted = fit_gaps([text_of(c) for c in row], start, header, width)
        if start > 0:
            # the positions left of a row's first cell are covered by the cells above them
            for col in range(start):
                k = cover.get((r - 1, col))
                if k is not None and placed[k][0] + placed[k][2] == r:
                    placed[k][2] += 1
                    cover[(r, col)] = k
                elif k is not None and (r, col) in cover:
                    pass
        prev_was_header = len(keys) >= 3
        now = []
        for n, c in enumerate(row):
            col = fitted[n] if fitted else c.col + max(shift, 0)
            placed[id(c)] = [r, col, 1, c]
            cover[(r, col)] = id(c)
            now.append((col, c))
        prev = now
    cells = [replace(c, row=row, col=col, rowspan=span) for row, col, span, c in placed.values()]
    return Table.of(cells, table.source)


_OPERATOR_CELL = {"=", "＝", "≥", "≤", ">", "<", "＞", "＜", ">=", "<=", "≧", "≦", "≠", "定性", "定量", "大于", "小于",
                  "等于", "大于等于", "小于等于", "不低于", "不高于", "不少于", "不超过", "不小于", "不大于", "达到",
                  "/", "-", "—"}
_DIRECTION_CELL = {"正向", "反向", "中性", "正向指标", "反向指标", "越大越好", "越小越好"}
NEVER = float("-inf")


def fit_score(text: str, key: str | None, earlier: list[str]) -> float:
    """How well a cell's text fits a column (``-inf``: it cannot stand there); ``earlier`` are
    the texts before it in the row (a text printed again is an actual value equal to its target)."""
    t = text.strip()
    number = is_number(t)
    if t in _DIRECTION_CELL:
        return 3 if key == "direction" else NEVER if key in ("operator", "unit", "weight", "score") else 0
    if key == "operator":
        return 3 if t in _OPERATOR_CELL else NEVER
    if key in ("weight", "score"):
        return 2 if number else NEVER
    if key == "direction":
        return NEVER
    if key == "unit":
        return NEVER if number or len(t) > 8 or t in _OPERATOR_CELL or t in earlier else 1
    if key in ("level1", "level2"):
        ok = VOCABULARY.canonical_level1(t) if key == "level1" else VOCABULARY.canonical_level2(t)
        return 2 if ok and not number else NEVER
    if key == "actual":
        return 2 if t in earlier else 1
    if key in ("target", "name"):
        return 1
    return 0.5 if not number else 0                  # 指标解释, 备注, 偏差原因: any text


def fit_gaps(texts: list[str], start: int, header: dict[str, int], width: int) -> list[int] | None:
    """The columns of a row whose blank cells left no trace, its first cell under ``start``:
    each cell in order under a column whose label it fits (an operator under 指标性质, a number
    under 权重 or 得分, 正向 under 指标方向性; a text printed again under 实际完成值, not under
    度量单位), columns left blank where nothing fits; the earliest column on a tie. None when
    the cells cannot be placed so.

    Example: ``fit_gaps(["a", "定性", "满意", "10"], 2, {"name": 2, "operator": 3, "target": 4,
    "unit": 5, "weight": 6}, 7)`` → ``[2, 3, 4, 6]``
    """
    key_at = {col: key for key, col in header.items()}
    n, cols = len(texts), list(range(start, width))
    if n > len(cols):
        return None
    memo: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def best(i: int, j: int) -> tuple[float, list[int]]:
        # cells i.. placed on columns cols[j:]; the first cell stays under ``start``
        if i == n:
            return 0.0, []
        if len(cols) - j < n - i:
            return NEVER, []
        if (i, j) not in memo:
            fit = fit_score(texts[i], key_at.get(cols[j]), texts[:i]) if i else 0.0
            here = (NEVER, [])
            if fit != NEVER:
                rest = best(i + 1, j + 1)
                here = (fit + rest[0], [cols[j]] + rest[1])
            skip = best(i, j + 1) if i else (NEVER, [])
            memo[i, j] = here if here[0] >= skip[0] else skip
        return memo[i, j]

    score, placed = best(0, 0)
    return placed if score != NEVER and len(placed) == n else None


def cover_left(table: Table) -> Table:
    """Let the cells above cover the positions each row leaves empty on its left (the merged
    cells a copy printed once).

    Example: rows ``[a, b]`` and ``[_, c]`` → ``a`` spans both rows.
    """
    placed = {id(c): [c.row, c.col, c.rowspan, c] for c in table.cells}
    cover: dict[tuple[int, int], int] = {}
    firsts: dict[int, int] = {}
    for c in table.cells:
        firsts[c.row] = min(firsts.get(c.row, c.col), c.col)
    for r in range(table.n_rows):
        for c in table.cells:
            if c.row == r:
                cover[(r, c.col)] = id(c)
        for col in range(firsts.get(r, 0)):
            k = cover.get((r - 1, col))
            if k is not None and placed[k][0] + placed[k][2] == r:
                placed[k][2] += 1
                cover[(r, col)] = k
    return Table.of([replace(c, rowspan=span) for _, _, span, c in placed.values()], table.source)


def _grouping_cell(prev: list[tuple[int, Cell]]) -> int | None:
    """The column of the last cell of a header row when it is no column label (采集数据): the labels
    of the row below stand under it."""
    if not prev:
        return None
    col, c = prev[-1]
    return col if not VOCABULARY.lookup(c.text).get("indicator_column") and not meaning(text_of(c)) else None


def _level_columns(first: str, header: dict[str, int]) -> list[int]:
    """The columns a row's first cell can stand in when it is a level label (一级, then 二级)."""
    out = []
    if "level1" in header and VOCABULARY.canonical_level1(first) and not is_number(first):
        out.append(header["level1"])
    if "level2" in header and VOCABULARY.canonical_level2(first) and not is_number(first):
        out.append(header["level2"])
    return out


def _group_above(cover: dict, placed: dict, r: int) -> bool:
    """True when the first column of the row above holds a group label (项目资金) with cells beside it."""
    k = cover.get((r - 1, 0))
    if k is None or (r - 1, 1) not in cover:
        return False
    return meaning(text_of(placed[k][3])) == ("group", "group")


def _indicator_start(first: str, second: str, header: dict[str, int], length: int, width: int,
                     keep: int | None, texts: list[str] | None = None) -> int:
    """Where a short indicator row starts: under 一级 when it opens with a 一级 label, under 二级
    with a 二级 label, else under 三级; a label that can be either (成本指标) goes where the row
    then ends under the last column. In a unit's flat table (``keep`` is the row's own start)
    only a row opening with a level label moves, since its other rows print their blank cells."""
    candidates = _level_columns(first, header)
    if len(candidates) == 2 and VOCABULARY.canonical_level2(second):
        return candidates[0]                  # 满意度指标 | 服务对象满意度指标 …: a 一级 before its 二级
    if not candidates:
        if keep is not None:
            # its other rows print their blank cells; but under a project merged down (a copy prints it
            # once) the row starts under 三级: the start under which its cells fit their columns
            if texts and "name" in header and header["name"] != keep and header["name"] + length <= width:
                key_at = {col: key for key, col in header.items()}
                fit = {c: sum(fit_score(t, key_at.get(c + k), texts[:k]) for k, t in enumerate(texts))
                       for c in (keep, header["name"])}
                if fit[keep] == NEVER and fit[header["name"]] != NEVER:
                    return header["name"]
            return keep
        candidates.append(header.get("name", 0))
    exact = [c for c in candidates if c + length == width]
    if not exact and len(candidates) == 2 and texts:
        # a trailing blank (备注) left no trace: the start under which the cells fit their columns best
        key_at = {col: key for key, col in header.items()}
        fits = [(sum(fit_score(t, key_at.get(c + k), texts[:k]) for k, t in enumerate(texts)), -i, c)
                for i, c in enumerate(candidates) if c + length <= width]
        exact = [max(fits)[2]] if fits and max(fits)[0] != NEVER else []
    start = exact[0] if exact else candidates[0]
    if start + length > width:
        start = max(0, width - length)
    return start
