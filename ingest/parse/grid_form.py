"""The form part of a grid: label cells and their values, and budget blocks.

A label is a cell whose text the vocabulary knows (项目名称, 主管部门, 年度资金总额, 立项依据 …).
Its value is the next cell to the right that is not a label; a label with a label to its
right (or nothing) is a column header whose value is the cell below it, or a group label
(项目资金（万元）) whose money unit applies to the rows beside it. A cell may hold its labels
itself (``资金总额：100万元 财政拨款：80万元``). A row of value cells under a label merged down
its rows continues that label's value (目标1…目标3 beside 年度履职目标).

A budget block is a header row of budget columns (年初预算数 / 全年预算数 / 全年执行数 / 执行率 /
分值 / 得分, or sources: 资金总额 / 财政拨款 / 其他资金) with row labels at its left (财政拨款,
上年结转, 其他资金; 基本支出, 项目支出); every number becomes part of a ``BudgetLine``.

Example: ``read_form_row(table, 0, draft, state)`` reads ``项目名称 | 某项目`` into ``draft``
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from ingest.parse.grid_record import Draft, amount, rate, text_of, to_decimal
from ingest.parse.indicators import join_name
from ingest.parse.vocabulary import MONEY_UNIT_LINE, VOCABULARY, normalize
from ingest.read.grid import Cell, Table
from ingest.records import (KIND_APPLICATION, KIND_APPROVAL, KIND_DEPARTMENT, KIND_REPLY, KIND_SELF_EVAL,
                            KIND_TARGETS)

# Categories a form label can have, in the order they are tried.
FORM_CATEGORIES = ("field", "amount", "section", "source", "purpose", "ignore", "group", "total_row")
# Labels that stop a value to their left: a value cell reading 其他 or 合计 is a value, not a label.
STRONG = frozenset({"field", "amount", "section", "ignore", "group"})
_GOAL_LABEL = re.compile(r"^目标(\d{1,2})$")
TITLE = re.compile(r"(?:绩效目标|绩效指标|绩效自评|绩效评价|整体支出|支出绩效|绩效监控).{0,16}表")
_NUMBER = re.compile(r"^[-+]?\s*\d[\d,，]*(?:\.\d+)?\s*(?:%|％|万元|元|万|亿元|亿)?$")


def meaning(text: str) -> tuple[str, str] | None:
    """(category, key) of a label in a form, or None when the text is not a label."""
    m = VOCABULARY.lookup(text)
    for cat in FORM_CATEGORIES:
        if cat in m:
            return cat, m[cat]
    g = _GOAL_LABEL.match(normalize(text).base)
    if g:
        return "section", f"goal_{int(g.group(1))}"
    return None


def kind_of(title: str) -> str:
    """The kind of table a title names: 整体支出, 自评, 批复, 审批, 申报, or 目标表.

    Example: ``kind_of("部门预算项目支出绩效自评表（2023年度）")`` → ``"自评"``
    """
    if "整体" in title:
        return KIND_DEPARTMENT
    if "自评" in title or "评价" in title:
        return KIND_SELF_EVAL
    if "批复" in title:
        return KIND_REPLY
    if "审批" in title or "审核" in title:
        return KIND_APPROVAL
    if "申报" in title:
        return KIND_APPLICATION
    return KIND_TARGETS


def is_title(text: str) -> bool:
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    return bool(TITLE.search(t)) and len(t) <= 60 and not meaning(t)


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(unicodedata.normalize("NFKC", text or "").strip())) or text.strip() in ("/", "-", "—")


def money_unit_cell(text: str) -> int | None:
    """10000 for a short cell like ``单位：万元`` / ``金额单位：元`` (1), else None."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    m = MONEY_UNIT_LINE.search(t)
    if m and len(t) <= 16:
        return {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}[m.group(1)]
    return None


# ---- labels inside one cell: 资金总额：100 财政拨款：80 ----------------------------------------------
def _inline_re() -> re.Pattern:
    labels = set()
    for label, m in VOCABULARY.by_label.items():
        if any(k in m for k in ("field", "amount", "section", "source", "purpose", "ignore", "group")):
            labels.add(re.escape(label))
    alt = "|".join(sorted(labels, key=len, reverse=True))
    return re.compile(rf"(?:^|(?<=[\s；;，,。、）)(（:：]))(?:其中\s*[:：]?\s*)?(?:[一二三四五六七八九十]、)?"
                      rf"(?P<label>{alt})\s*(?P<aside>[（(][^）)]{{0,12}}[)）])?\s*[:：]")


_INLINE = _inline_re()


def inline_pairs(text: str) -> list[tuple[str, str, str]]:
    """``label：value`` pairs printed inside one cell, as (label, aside, value); [] when the cell
    does not start with a label and a colon."""
    t = re.sub(r"[ \t]+", " ", unicodedata.normalize("NFKC", text or "").replace("\n", " ")).strip()
    t = MONEY_UNIT_LINE.sub("", t).strip()       # 单位：万元 beside a field is the table's money unit
    found = list(_INLINE.finditer(t))
    if not found or found[0].start() > 0:
        return []
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(t)
        value = t[m.end():end].strip(" ;；,，、。()（）")
        out.append((m.group("label"), m.group("aside") or "", value))
    return out


@dataclass
class FormState:
    """What the form reader remembers across rows of one table."""

    consumed: set = field(default_factory=set)         # ids of cells already read as values
    money_cols: list[tuple[int, str | None]] = field(default_factory=list)   # (col, period) of totals
    scale: int | None = None                           # the table's printed unit (单位：万元)


def label_scale(cell_text: str, row_cells: list[Cell], state: FormState) -> int | None:
    """The money unit for a value: its label's (（万元）), a group label's in the row, the table's."""
    own = normalize(cell_text).scale
    if own:
        return own
    for c in row_cells:
        s = normalize(c.text).scale
        if s and meaning(c.text) and meaning(c.text)[0] in ("group", "amount", "source"):
            return s
    return state.scale


def assign(draft: Draft, table: Table, row: int, label_cell: Cell | None, label_text: str,
           what: tuple[str, str], values: list[Cell], value_text: str, row_cells: list[Cell],
           state: FormState, weak: bool = False) -> None:
    """Put one label's value into the draft; a ``weak`` field (read above the table) gives way
    to the same field printed in the table."""
    cat, key = what
    base = normalize(label_text).base
    cells = [c for c in [label_cell] if c is not None] + values
    draft.touch(cells)
    if VOCABULARY.period_of(label_text) == "midterm" and not draft.midterm_years:
        from ingest.parse.grid_record import years_in
        ys = years_in(label_text)
        if len(ys) >= 2:
            draft.midterm_years = [ys[0], ys[-1]]
    if cat == "field":
        if key == "unit" and money_unit_cell(f"单位：{value_text}"):
            state.scale = money_unit_cell(f"单位：{value_text}")
            return
        draft.set_field(key, value_text, values or cells, weak=weak)
    elif cat == "amount":
        if not _amount_like(value_text):
            # 项目预算 beside a table of its own (成本构成 | 金额 | …): no amount; the cells are kept as printed
            draft.keep_raw(table, row, values, f"{base}: these cells hold no amount")
            return
        period = VOCABULARY.period_of(base)
        if label_cell is not None:
            state.money_cols.append((label_cell.col, period))
        draft.set_amount(key, value_text, values or cells, label_scale(label_text, row_cells, state))
        draft.amount_labels.setdefault(key, base)
    elif cat == "section":
        draft.add_section(key, base, value_text, values or cells)
    elif cat == "source":
        value, used = amount(value_text, label_scale(label_text, row_cells, state))
        if used:
            draft.scales.append(used)
        purpose = None
        col = label_cell.col if label_cell is not None else None
        prior = [p for c, p in state.money_cols if col is not None and c <= col]
        if prior and prior[-1] == "midterm":
            purpose = "中期"
        elif _repeats_after_midterm(draft, base):
            # a copy without columns: the mid-term block reads before the annual one, so the same
            # source printed again is the annual one, and the first was the mid-term's
            old = draft.lines.pop((None, base))
            old.purpose = "中期"
            draft.lines[("中期", base)] = old
        draft.add_line(purpose, base, key, "planned", value, values[0] if values else label_cell)
    elif cat == "purpose":
        value, used = amount(value_text, label_scale(label_text, row_cells, state))
        if used:
            draft.scales.append(used)
        draft.add_line(base, "合计", "total", "planned", value, values[0] if values else label_cell)


def _amount_like(text: str) -> bool:
    """True for a printed amount (``85.60``, ``300万``, ``1,234.56``, a blank); False for text that only
    holds a number inside it (``成本构成 金额 … 2020年实际执行数``)."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    return not t or t in ("/", "-", "—") or bool(re.match(r"^[-+]?\d", t)) and not re.match(r"^(?:19|20)\d\d\s*年", t)


def _repeats_after_midterm(draft: Draft, base: str) -> bool:
    line = draft.lines.get((None, base))
    total = draft.amount_labels.get("total", "")
    return (line is not None and line.values.get("planned") is not None and ("中期", base) not in draft.lines
            and VOCABULARY.period_of(total) == "midterm")


def read_form_row(table: Table, row: int, draft: Draft, state: FormState) -> list[Cell]:
    """Read the labels and values of one row. Returns the cells that could not be placed."""
    cells = table.row_cells(row)
    fresh = [c for c in cells if c.row == row and c.text and id(c) not in state.consumed]
    unplaced: list[Cell] = []
    i = 0
    while i < len(fresh):
        c = fresh[i]
        text = text_of(c)
        pairs = inline_pairs(c.text)
        what = meaning(text)
        if pairs and (what is None or len(pairs) > 1 or pairs[0][2]):
            unit_aside = ""          # 资金情况（万元）：… gives its unit to the pairs after it
            cursor = 0
            for label, aside, value in pairs:
                w = meaning(label)
                if normalize(label + aside).scale:
                    unit_aside = aside
                part = value_part(c, value, cursor) if value else c
                cursor = part.end - c.start if part is not c else cursor
                if w and value:
                    assign(draft, table, row, c, label + (aside or unit_aside), w, [part], value, cells, state)
            i += 1
            continue
        if what is None:
            host = _carried_label(cells, c)
            if host is not None:
                assign(draft, table, row, None, host.text, meaning(host.text), [c], text, cells, state)
            else:
                unplaced.append(c)
            i += 1
            continue
        if what[0] == "total_row":
            return []
        j = i + 1
        values: list[Cell] = []
        while j < len(fresh):
            nxt = meaning(text_of(fresh[j]))
            # a weak label word (其他, 合计, 一般公共预算) right after a field's label is that field's value
            if nxt and (nxt[0] in STRONG or values or what[0] not in ("field", "section", "ignore")):
                break
            pairs_j = inline_pairs(fresh[j].text)
            if pairs_j and (len(pairs_j) > 1 or meaning(pairs_j[0][0])):
                break                      # a label：value cell of its own (自有资金： | 其他：5): not this label's value
            values.append(fresh[j])
            j += 1
        if values:
            assign(draft, table, row, c, c.text, what, values, _join(values, what[0]), cells, state)
        else:
            below = _below(table, c, state) if what[0] not in ("group", "ignore") else None
            if below is not None:
                state.consumed.add(id(below))
                assign(draft, table, row, c, c.text, what, [below],
                       narrative_text(below) if what[0] == "section" else text_of(below), cells, state)
            else:
                draft.touch([c])           # a group label or an empty column header
        i = j
    return unplaced


def value_part(c: Cell, value: str, after: int = 0) -> Cell:
    """The part of a ``label：value`` cell that holds ``value`` (after a colon, from ``after`` on),
    so that its span points at the value's characters; the whole cell when the value is not
    printed in it as such.

    Example: ``value_part(Cell(0, 0, "项目名称：某项目", start=10, end=18), "某项目")`` → a cell at 15–18
    """
    colon = min((i for i in (c.text.find("：", after), c.text.find(":", after)) if i >= 0), default=-1)
    at = c.text.find(value, colon + 1) if colon >= 0 else -1
    if at < 0 or c.end - c.start != len(c.text):
        return c
    return replace(c, text=value, start=c.start + at, end=c.start + at + len(value))


_LIST_ITEM = re.compile(r"^\s*(?:目标|任务|指标)?\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[:：.．、)）]|^\s*[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]|^\s*[①-⑩]")


#: A numbered goal or item run into the line before it (``…基本药物。 目标2：…``, ``…调查。 2.编制…``: a copy
#: that lost its line breaks).
_ITEM_IN_LINE = re.compile(r"(?:(?<=[。；;！!])\s*|\s+)(?=(?:目标|任务)\s*\d{1,2}\s*[:：])"
                           r"|(?<=[。；;！!])\s+(?=\d{1,2}[.．、](?!\d))")


def narrative_text(cell: Cell) -> str:
    """A narrative cell's text: wrapped lines joined (as ``text_of``), but a line that starts a list
    item (目标2：…, 2.…, （二）…, ②…) stays on a line of its own, and so does a numbered goal run into
    the sentence before it.

    Example: ``narrative_text(Cell(0, 0, "目标1：a\n目标2：b"))`` → ``"目标1：a\n目标2：b"``
    """
    text = _ITEM_IN_LINE.sub("\n", cell.text or "")
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    parts: list[list[str]] = []
    for ln in lines:
        if not parts or _LIST_ITEM.match(ln):
            parts.append([ln])
        else:
            parts[-1].append(ln)
    return "\n".join(join_name(p) for p in parts)


def _join(values: list[Cell], category: str) -> str:
    if category == "section":
        return "\n".join(t for t in (narrative_text(v) for v in values) if t)
    texts = [text_of(v) for v in values if text_of(v)]
    return ("\n" if category == "section" else " ").join(texts)


def _below(table: Table, c: Cell, state: FormState) -> Cell | None:
    """The value under a column-header label: the cell starting right below it, in its column.
    Only a label with a label (or nothing) to its right is a column header; one with an empty
    cell beside it simply has no value."""
    right = table.cell(c.row, c.col + c.colspan)
    if right is not None and right is not c and not meaning(text_of(right)):
        return None
    r = c.row + c.rowspan
    if r >= table.n_rows:
        return None
    b = table.cell(r, c.col)
    if b is None or b.row != r or b.col != c.col or not b.text or id(b) in state.consumed:
        return None
    if VOCABULARY.is_label(text_of(b)) or inline_pairs(b.text) or VOCABULARY.is_heading(text_of(b)):
        return None
    return b


def _carried_label(cells: list[Cell], c: Cell) -> Cell | None:
    """The label merged down into this row from above, left of ``c``, whose value ``c`` continues."""
    host = None
    for x in cells:
        if x.col >= c.col:
            break
        if x.row < c.row and x.text and meaning(text_of(x)) and meaning(text_of(x))[0] in ("field", "section"):
            host = x
    return host


# ---- budget blocks ---------------------------------------------------------------------------------
@dataclass
class BudgetBlock:
    label_col: int | None
    cols: dict[int, tuple[str, str, str]]     # column → (kind "value"/"source", key, printed label)


@dataclass
class BudgetLayout:
    header_row: int
    blocks: list[BudgetBlock]
    scale: int | None
    tasks: bool = False          # the rows are a department's 年度主要任务 (任务名称 | 主要内容 | figures)


def find_budget_header(table: Table, row: int, state: FormState) -> BudgetLayout | None:
    """A budget block's header row, or None."""
    cells = [c for c in table.row_cells(row) if c.text]
    if any(is_number(c.text) for c in cells):
        return None
    blocks: list[BudgetBlock] = []
    values = sources = 0
    scale = None
    # with figure columns (年初预算数 …) a source label in the header is the corner over the row labels
    by_value = sum(1 for c in cells if VOCABULARY.lookup(c.text).get("budget_column") in
                   ("planned", "adjusted", "executed", "rate")) >= 2
    for c in cells:
        m = VOCABULARY.lookup(c.text)
        scale = scale or normalize(c.text).scale or money_unit_cell(c.text)
        if by_value and "budget_column" not in m:
            m = {}
        if "budget_column" in m:
            kind, key = "value", m["budget_column"]
            values += key in ("planned", "adjusted", "executed", "rate")
        elif "source" in m and c.row == row:
            kind, key = "source", m["source"]
            sources += 1
        else:
            blocks.append(BudgetBlock(c.col, {}))
            continue
        repeated = blocks and any(k == key and kd == kind for kd, k, _ in blocks[-1].cols.values())
        if not blocks or repeated:
            blocks.append(BudgetBlock(None, {}))
        if not blocks[-1].cols:
            # the row labels (财政拨款, 上年结转 …) stand in the column just left of the figures
            blocks[-1].label_col = c.col - 1 if c.col > 0 else None
        blocks[-1].cols[c.col] = (kind, key, normalize(c.text).base)
    blocks = [b for b in blocks if b.cols]
    if not blocks or (values and sources) or not (values >= 2 or sources >= 2):
        return None
    above = [c for c in table.row_cells(row - 1) if c.text] if row > 0 else []
    for c in above:                       # 预算金额（万元） over the sub-header of figures
        scale = scale or normalize(c.text).scale
    tasks = any(normalize(c.text).base in ("任务名称", "任务") for c in above + cells)
    return BudgetLayout(row, blocks, scale or state.scale, tasks)


def read_budget_row(layout: BudgetLayout, table: Table, row: int, draft: Draft) -> bool:
    """One row of a budget block into budget lines. False when the row is not one (the block ended)."""
    grid = table.grid()[row]
    read_any = False
    for b in layout.blocks:
        lc = grid[b.label_col] if b.label_col is not None and b.label_col < len(grid) else None
        if (lc is None or not lc.text) and b.label_col is not None:
            # a label printed once at the left of its merged cells (a text copy keeps it there)
            lc = next((c for c in reversed(grid[:b.label_col]) if c is not None and c.row == row and c.text), lc)
        if lc is not None and lc.row <= layout.header_row:
            lc = None                     # merged down from the header: not a row label
        label = text_of(lc)
        if b.label_col is not None and not VOCABULARY.lookup(label):
            # the row's own first label left of the figures (a task's name before its content)
            first = next((c for c in grid[:b.label_col + 1] if c is not None and c.row == row and c.text
                          and c.row > layout.header_row), None)
            fm = VOCABULARY.lookup(text_of(first)) if first is not None else {}
            if fm and not ({"source", "purpose"} & set(fm)):
                return False              # a form label (年度总体目标 …): the block has ended
            if first is not None and first is not lc:
                if layout.tasks:
                    draft.add_section("annual_tasks", "年度主要任务", "：".join(
                        t for t in (text_of(first), text_of(lc)) if t), [first] + ([lc] if lc else []))
                lc, label = first, text_of(first)
        if not label and b.label_col is not None:
            corner = table.cell(layout.header_row, b.label_col)      # 年度资金总额 over a row of figures
            label = text_of(corner) if corner is not None and VOCABULARY.lookup(corner.text).get("source") else ""
        m = VOCABULARY.lookup(label) if label else {}
        if label and not ({"source", "purpose"} & set(m)) and (STRONG & set(m) or "indicator_column" in m):
            return False
        cells = [(col, grid[col]) for col in sorted(b.cols)
                 if col < len(grid) and grid[col] is not None and grid[col].row == row and grid[col].text]
        if not any(is_number(c.text) for _, c in cells):
            if label and ({"source", "purpose"} & set(m)):
                draft.touch([lc])
                read_any = True
            elif label or cells:
                return False
            continue
        read_any = True
        base = normalize(label).base if label else ""
        scale = (normalize(label).scale if label else None) or layout.scale
        for col, c in cells:
            kind, key, printed = b.cols[col]
            draft.touch([c])
            if key in ("reason", "share") or (not is_number(c.text)):
                continue
            if kind == "source":
                value, used = amount(c.text, scale)
                draft.scales.extend([used] if used else [])
                # a purpose (基本支出) or a task of the row (不动产登记); a total row has none
                purpose = base if ("purpose" in m and "source" not in m) or (base and not m) else None
                draft.add_line(purpose, printed, VOCABULARY.lookup(printed).get("source"), "planned", value, c)
                continue
            if key in ("planned", "adjusted", "executed"):
                value, used = amount(c.text, scale)
                draft.scales.extend([used] if used else [])
            elif key == "rate":
                value = rate(c.text)
            else:
                value = to_decimal(c.text)
            if m.get("purpose") in ("basic", "project"):
                draft.add_line(base, "合计", "total", key, value, c)
            else:
                draft.add_line(None, base or "合计", m.get("source") or ("total" if not base else None), key, value, c)
        if lc is not None:
            draft.touch([lc])
    return read_any
