"""The indicator part of a grid: its column header, its blocks, and its rows as ``Indicator``s.

The header is the row where at least three indicator column labels match (一级指标, 二级指标,
三级指标, 指标值, 指标性质, 度量单位, 权重, 实际完成值, 得分 …, see ``vocabulary.toml``). A header
that repeats its columns holds several blocks side by side (a 中期 block beside the 年度 one);
a header with two target columns (中期指标值 | 年度指标值) holds two blocks sharing their names.
A header that also names project columns (单位名称, 项目名称, 预算数, 年度目标) is a unit's flat table:
each row may start a new project.

Levels carry down: a merged cell covers its rows (``Table.grid``), a blank cell in a text copy
keeps the level above. A printed score moves out of the level label (``产出指标(50分)`` →
``产出指标`` with ``level1_weight`` 50). Split targets (``≥ | 95 | %``) become one target; every
row is flagged the way the seed parser flags its rows (``row_flags``).

Example: ``layout = find_header(table, 3); layout.blocks[0].cols["name"]`` → ``(2, 3)``
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ingest.parse.grid_record import Context, Draft, text_of, to_decimal
from ingest.parse.indicators import Row, parse_target, row_flags
from ingest.parse.vocabulary import VOCABULARY, strip_score, two_level_columns
from ingest.read.grid import Cell, Table
from ingest.records import Indicator

VALUE_KEYS = ("target", "operator", "unit", "weight", "score", "actual", "deviation", "direction", "standard",
              "level1_weight", "level2_weight",
              "explanation", "remark")
# A template's unfilled row (指标1：, ……, …) or a numbering prefix before a real name.
_PLACEHOLDER = re.compile(r"^(?:(?:指标|目标)\s*\d{0,2}\s*[:：、.]?|[…\.。·、\-—_*~～/]+|无|略)$")
_NAME_PREFIX = re.compile(r"^(?:(?:指标|目标)\s*\d{1,2}\s*[:：、.．]\s*|[★☆※*●]+\s*)")
_OPERATOR_WORDS = {"定量": "", "定性": None}


@dataclass
class Block:
    """One set of indicator columns: field → (first column, end column), and the period it is for."""

    cols: dict[str, tuple[int, int]]
    period: str | None = None
    period_label: str | None = None
    period_cells: list[Cell] = field(default_factory=list)
    level1: str | None = None
    level1_cell: Cell | None = None
    level2: str | None = None
    level2_cell: Cell | None = None


@dataclass
class Layout:
    """The indicator header of a table: its blocks and, in a flat unit table, its project columns."""

    table: Table
    header_row: int
    blocks: list[Block]
    project_cols: dict[tuple[str, str], tuple[int, int]]
    claimed: frozenset[int]
    first_col: int
    project_labels: dict[tuple[str, str], str] = field(default_factory=dict)   # the header's printed labels
    sub_header: list[Cell] = field(default_factory=list)   # labels of a second header row read with it

    @property
    def flat(self) -> bool:
        return ("field", "name") in self.project_cols

    @property
    def evaluates(self) -> bool:
        """True for a 自评表's columns (actual values or scores)."""
        return any("actual" in b.cols or "score" in b.cols for b in self.blocks)


def _row_cells(table: Table, row: int) -> list[Cell]:
    return table.row_cells(row)


def find_header(table: Table, row: int, heading: str | None = None) -> Layout | None:
    """The indicator header at ``row``, or None when the row is not one."""
    cells = _row_cells(table, row)
    keyed: list[tuple[Cell, str]] = []
    project: dict[tuple[str, str], tuple[int, int]] = {}
    labels: dict[tuple[str, str], str] = {}
    others: list[Cell] = []
    for c in cells:
        meaning = VOCABULARY.lookup(c.text)
        key = meaning.get("indicator_column")
        if key:
            keyed.append((c, key))
        elif any(k in meaning for k in ("field", "amount", "section")):
            cat = next(k for k in ("field", "amount", "section") if k in meaning)
            project.setdefault((cat, meaning[cat]), (c.col, c.col + c.colspan))
            labels.setdefault((cat, meaning[cat]), c.text)
        elif c.text:
            others.append(c)
    keys = {k for _, k in keyed}
    names = [k for _, k in keyed].count("name")
    if names > 1 and [k for _, k in keyed].count("target") == 1:
        # 三级指标 … 指标内容 beside one target: the later column says what the indicator shows
        first = next(i for i, (_, k) in enumerate(keyed) if k == "name")
        keyed = [(c, "explanation" if k == "name" and i > first else k) for i, (c, k) in enumerate(keyed)]
    shift = two_level_columns(keys)          # 一级指标 | 二级指标 | 指标值: the 二级 column names the indicator
    if shift:
        keyed = [(c, shift.get(k, k)) for c, k in keyed]
        keys = {k for _, k in keyed}
    if len(keys) < 3 or not ({"name", "target"} & keys) or not ({"level1", "level2", "name"} & keys):
        return None
    if any(_looks_like_value(c.text) for c in others):
        return None
    if ("field", "unit_or_name") in project and ("field", "name") not in project:
        # 单位名称、项目名称: the projects' names, and a unit on a row of its own above them
        project[("field", "name")] = project.pop(("field", "unit_or_name"))
        labels[("field", "name")] = labels.pop(("field", "unit_or_name"))
    sub = _sub_header(table, row, others)
    if sub:
        keyed = sorted(keyed + sub, key=lambda x: x[0].col)
        others = [o for o in others if not any(o.col <= c.col < o.col + o.colspan for c, _ in sub)]
    blocks = _blocks(keyed)
    _assign_periods(table, row, blocks, others, heading)
    claimed = frozenset(a for b in blocks for a, _ in b.cols.values()) | frozenset(a for a, _ in project.values())
    first = min([a for b in blocks for a, _ in b.cols.values()] + [a for a, _ in project.values()])
    return Layout(table, row, blocks, project, claimed, first, labels, [c for c, _ in sub])


def _sub_header(table: Table, row: int, others: list[Cell]) -> list[tuple[Cell, str]]:
    """Column labels in the row under a header cell that groups them (采集数据 over 实际完成值 | 得分):
    part of the header, the other header cells being merged down beside them."""
    out = []
    last = max((c.col for c in _row_cells(table, row)), default=-1)
    for o in others:
        if row + 1 >= table.n_rows or (o.colspan < 2 and o.col != last):
            continue
        end = o.col + o.colspan if o.colspan >= 2 else table.n_cols   # a copy lost the span of the last one
        under = [c for c in _row_cells(table, row + 1) if c.row == row + 1 and o.col <= c.col < end]
        keys = [VOCABULARY.lookup(c.text).get("indicator_column") for c in under]
        if under and all(keys):
            out += list(zip(under, keys))
    return out


def _looks_like_value(text: str) -> bool:
    return bool(re.match(r"^[≥≤><=＝]?\s*\d", unicodedata.normalize("NFKC", text or "")))


def _blocks(keyed: list[tuple[Cell, str]]) -> list[Block]:
    blocks = [Block({})]
    names = sum(1 for _, k in keyed if k == "name")
    prev = None
    for c, key in keyed:
        span = (c.col, c.col + c.colspan)
        cur = blocks[-1]
        if key == "weight" and prev in ("level1", "level2"):
            key = prev + "_weight"          # 一级指标 | 权重 | 二级指标 | 分值: each level's own points
        prev = key
        if key in cur.cols:
            if key == "target" and names <= 1:
                shared = {k: v for k, v in cur.cols.items() if k in ("level1", "level2", "name")}
                blocks.append(Block({**shared, "target": span}))
            else:
                blocks.append(Block({key: span}))
            blocks[-1].period = VOCABULARY.period_of(c.text) if key == "target" else None
            blocks[-1].period_label = c.text if blocks[-1].period else None
            blocks[-1].period_cells = [c] if blocks[-1].period else []
            continue
        cur.cols[key] = span
        if key == "target" and cur.period is None:
            cur.period = VOCABULARY.period_of(c.text)
            if cur.period:
                cur.period_label, cur.period_cells = c.text, [c]
    first = blocks[0].cols
    for b in blocks[1:]:
        for k in ("level1", "level2"):
            if k not in b.cols and k in first:
                b.cols[k] = first[k]
    return blocks


def _heading_like(text: str) -> bool:
    """A period heading (中期目标（2021-2023年）, 年度指标), not a sentence that happens to say 全年."""
    t = (text or "").strip()
    return len(t) <= 30 and not any(p in t for p in "。；;，,")


def _assign_periods(table: Table, row: int, blocks: list[Block], others: list[Cell], heading: str | None) -> None:
    """A block's period from a heading over its columns (中期目标（2021-2023年） above the header), a
    group label beside the header (长期绩效指标), or a heading row before it (年度绩效指标)."""
    # a heading is short: a goal's text above the header (全年送戏下乡…) names no period
    above = [c for c in (_row_cells(table, row - 1) if row > 0 else []) if _heading_like(c.text)]
    for b in blocks:
        a, e = b.cols.get("target", b.cols.get("name", (0, 0)))
        for c in above:
            if c.col <= a < c.col + c.colspan and c.row == row - 1:
                p = VOCABULARY.period_of(c.text)
                if p and (b.period is None or b.period_label is None or len(c.text) > len(b.period_label)):
                    b.period, b.period_label, b.period_cells = p, c.text, [c]
    heads = [c for c in above if c.row == row - 1 and VOCABULARY.period_of(c.text)]
    if len(blocks) > 1 and len(heads) == len(blocks) and all(b.period is None for b in blocks):
        for b, c in zip(blocks, heads):      # one period heading per block, in order (spans lost in a copy)
            b.period, b.period_label, b.period_cells = VOCABULARY.period_of(c.text), c.text, [c]
    if len(blocks) == 1 and blocks[0].period is None:
        for text, cells in [(c.text, [c]) for c in others] + ([(heading, [])] if heading else []):
            p = VOCABULARY.period_of(text)
            if p:
                blocks[0].period, blocks[0].period_label, blocks[0].period_cells = p, text, cells
                break


def region(layout: Layout, row: int, span: tuple[int, int] | None) -> tuple[str, list[Cell]]:
    """The text in the columns ``span`` of a row: the cells that start there (a cell merged across
    from the left counts only when no other column claims its start)."""
    if span is None:
        return "", []
    a, e = span
    grid = layout.table.grid()[row]
    out: list[Cell] = []
    for k in range(a, min(e, len(grid))):
        c = grid[k]
        if c is None or c in out:
            continue
        if a <= c.col < e or (c.col < a and c.col not in layout.claimed):
            out.append(c)
    text = " ".join(t for t in (text_of(c) for c in out) if t)
    return text.strip(), out


def row_content(layout: Layout, row: int) -> bool:
    """True when some block has a name, target or actual value in this row."""
    for b in layout.blocks:
        for key in ("name", "target", "actual"):
            t, cells = region(layout, row, b.cols.get(key))
            if t and any(c.row == row or key != "name" for c in cells):
                return True
    return False


def _direction(text: str) -> str | None:
    t = (text or "").strip()
    if not t or t in ("/", "-"):
        return None
    if "反" in t or "越小越好" in t or "逆" in t:
        return "反向"
    if "正" in t or "越大越好" in t:
        return "正向"
    return t


def _target_raw(value: str, op: str, unit: str) -> tuple[str, bool]:
    """The target as one string from split columns (``≥ | 95 | %`` → ``≥95%``); True when 定性."""
    op_n = unicodedata.normalize("NFKC", op or "").strip()
    qualitative = op_n == "定性"
    printed = "" if op_n in _OPERATOR_WORDS or op_n in ("/", "-") else (op or "").strip()
    value = value.strip()
    if qualitative:
        return value, True
    raw = value
    if printed and not re.match(r"^[≥≤><=＝]|^(?:不|大于|小于|等于|高于|低于|至少)", unicodedata.normalize("NFKC", value)):
        raw = printed + raw
    if unit and raw and unit not in ("/", "-") and not raw.endswith(unit) and re.search(r"\d$", raw):
        raw += unit
    return raw, False


def _clean_name(name: str) -> str:
    return _NAME_PREFIX.sub("", name).strip()


def _level(b: Block, which: str, text: str, cells: list[Cell]) -> None:
    cell = cells[0] if cells else None
    if which == "level1":
        if text and cell is not b.level1_cell:
            if text != b.level1:
                b.level2, b.level2_cell = None, None
            b.level1, b.level1_cell = text, cell
    elif text and cell is not b.level2_cell:
        b.level2, b.level2_cell = text, cell


def set_level1(layout: Layout, text: str, cell: Cell) -> None:
    """A band row naming a 一级 across the table (``产出指标`` on a row of its own)."""
    for b in layout.blocks:
        b.level1, b.level1_cell, b.level2, b.level2_cell = text, cell, None, None


def reset_levels(layout: Layout) -> None:
    for b in layout.blocks:
        b.level1 = b.level1_cell = b.level2 = b.level2_cell = None


def read_row(layout: Layout, row: int, draft: Draft, ctx: Context) -> int:
    """Read one data row into ``draft``; returns the number of indicators it gave."""
    given = 0
    table = layout.table
    for b in layout.blocks:
        t1, c1 = region(layout, row, b.cols.get("level1"))
        _level(b, "level1", t1, c1)
        t2, c2 = region(layout, row, b.cols.get("level2"))
        _level(b, "level2", t2, c2)
        name_raw, name_cells = region(layout, row, b.cols.get("name"))
        if name_cells and all(c.row < row for c in name_cells) and "name" in b.cols:
            name_raw = ""          # a name merged down from a row already read
        vals = {k: region(layout, row, b.cols.get(k)) for k in VALUE_KEYS}
        # a template's dots (……) in the value columns are no more a value than in the name column
        target_text = "" if _PLACEHOLDER.match(vals["target"][0]) else vals["target"][0]
        actual_text = "" if _PLACEHOLDER.match(vals["actual"][0]) else vals["actual"][0]
        if not name_raw and not target_text and not actual_text:
            if t2 or t1:
                draft.dropped += 1 if (c1 and c1[0].row == row) or (c2 and c2[0].row == row) else 0
            continue
        name = _clean_name(name_raw)
        if (not name or _PLACEHOLDER.match(name_raw.strip())) and not target_text and not actual_text:
            draft.dropped += 1
            continue
        if not name or _PLACEHOLDER.match(name_raw.strip()):
            cells = name_cells + [c for k in VALUE_KEYS for c in vals[k][1]]
            draft.keep_raw(table, row, cells, "an indicator row without a 三级指标 name")
            continue
        given += 1
        draft.indicators.append(_indicator(layout, b, row, name, name_cells, vals, ctx))
        draft.indicator_periods.append((b.period, b.period_label, b.period_cells))
    return given


def _indicator(layout: Layout, b: Block, row: int, name: str, name_cells: list[Cell],
               vals: dict[str, tuple[str, list[Cell]]], ctx: Context) -> Indicator:
    l1, w1 = strip_score(b.level1) if b.level1 else (None, None)
    l2, w2 = strip_score(b.level2) if b.level2 else (None, None)
    w1 = w1 if w1 is not None else to_decimal(vals["level1_weight"][0])
    w2 = w2 if w2 is not None else to_decimal(vals["level2_weight"][0])
    unit_text = vals["unit"][0]
    target_raw, qualitative = _target_raw(vals["target"][0], vals["operator"][0], unit_text)
    target = parse_target(target_raw) if target_raw else parse_target("")
    if qualitative and target.value is None and target_raw:
        target = type(target)(None, None, None, target_raw)
    flags = ("no_level1",) if l1 is None else ()
    if l1 is None and VOCABULARY.implied_level1(l2):
        l1, flags = VOCABULARY.implied_level1(l2), ("level1_implied",)   # a table of two levels prints no 一级
    target, flags = row_flags(Row(l1, l2, name, target_raw, None, flags), target)
    actual_raw = vals["actual"][0] or None
    actual = parse_target(actual_raw) if actual_raw else None
    actual_unit = actual.unit if actual else None
    if actual and actual.value is not None and actual_unit is None and unit_text and unit_text not in ("/", "-"):
        actual_unit = unit_text
    explanation = vals["explanation"][0] or vals["remark"][0] or None
    spans = {}
    for key, cells in [("name", name_cells), ("level1", [b.level1_cell]), ("level2", [b.level2_cell])] + \
            [(k, vals[k][1]) for k in VALUE_KEYS]:
        s = ctx.span([c for c in cells if c is not None])
        if s and (key in ("name", "level1", "level2") or vals.get(key, ("", []))[0]):
            spans[key] = s
    row_cells = name_cells + [c for k in VALUE_KEYS for c in vals[k][1] if c.row <= row]
    return Indicator(
        l1, l2, name, target_raw, target.operator, target.value, target.unit, target.qualitative, flags,
        ctx.span(row_cells),
        level1_canonical=VOCABULARY.canonical_level1(l1), level2_canonical=VOCABULARY.canonical_level2(l2),
        level1_weight=w1, level2_weight=w2,
        weight=to_decimal(vals["weight"][0]), score=to_decimal(vals["score"][0]),
        actual_raw=actual_raw, actual_operator=actual.operator if actual else None,
        actual_value=actual.value if actual else None, actual_unit=actual_unit,
        actual_qualitative=actual.qualitative if actual else None,
        deviation=_blank(vals["deviation"][0]), direction=_direction(vals["direction"][0]),
        standard=_blank(vals["standard"][0]), explanation=_blank(explanation),
        period=None, spans=spans,
    )


def _blank(text: str | None) -> str | None:
    t = (text or "").strip()
    return None if t in ("", "/", "-", "—") else t
