"""Grids → records: one template-agnostic interpreter for every table a reader found.

Driven by a vocabulary of printed labels kept as data (``vocabulary.toml`` beside this file):
header fields, budget columns and sources, indicator columns and the framework of 一级 / 二级
names, each with its synonyms. The same reading serves the national 项目支出绩效目标申报表, a
unit's flat table of all its projects, the 自评表, the 审批表 / 批复表 with their mid-term block,
the 部门整体支出绩效目标表 (a ``Department``) and the Shanghai 财政项目支出绩效目标表 laid out as a grid.

The tables of a document are read in order, row by row. A title (in the preamble or a row of
its own) starts a new record, and so does a second 项目名称 or a new name in a flat table; a
table without a title or header continues the record and the indicator table before it (a
PDF table broken over pages). Rows that are neither fields, budget lines nor indicators are
kept raw on the record and warned about, never dropped; a table cut short gives what it holds
with a warning naming what is missing.

Example: ``parse_grids(read_path("fixture.xlsx")).projects[0].name``
"""
from __future__ import annotations

import re
import unicodedata

from ingest.errors import IngestError
from ingest.parse.result import ParseResult
from ingest.parse.grid_form import (STRONG, FormState, assign, find_budget_header, inline_pairs, is_number, is_title,
                                    kind_of, meaning, money_unit_cell, read_budget_row, read_form_row)
from ingest.parse.grid_indicators import (Layout, find_header, read_row, region, reset_levels, row_content,
                                          set_level1)
from ingest.parse.grid_record import DEPT_CODE, Context, Draft, split_code, text_of, years_in
from ingest.parse.gridflow import SPACED_SOURCE, needs_realign, realign
from ingest.parse.gridstream import reflow
from ingest.parse.vocabulary import VOCABULARY
from ingest.read.document import Document
from ingest.read.grid import Cell, Table
from ingest.records import KIND_SELF_EVAL, KIND_TARGETS, Department

_YEAR_ONLY = re.compile(r"^[（(]?\s*((?:19|20)\d\d)\s*年度?\s*[)）]?$")
_DATE_ONLY = re.compile(r"^[（(]?(?:19|20)\d\d[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?|月)?[)）]?$")


class Interpreter:
    """Reads every table of one document into drafts, and drafts into records."""

    def __init__(self, doc: Document):
        self.result = ParseResult()
        self.ctx = Context(doc, self.result.warnings, self.result.errors)
        self.doc = doc
        self.draft: Draft | None = None
        self.scale: int | None = None        # the money unit printed for the tables (单位：万元)
        self.mode = "form"
        self.layout: Layout | None = None
        self.budget = None
        self.heading: str | None = None
        self.flat_name: str | None = None
        self.flat_unit: tuple[str, list[Cell]] | None = None
        self.flat_department: tuple[str, list[Cell]] | None = None
        self.flat_context: dict = {}          # fields above a unit's table (部门：…), for each project
        self.note: bool = False                # the row before was a note (注：1.…), whose items go on

    # ---- drafts ------------------------------------------------------------------------------
    def new_draft(self, kind: str | None = None, year: int | None = None, keep_context: bool = False) -> Draft:
        """Close the record being read (if it holds anything) and start the next one. With
        ``keep_context`` the next one keeps the table's kind and year (a flat table's next project)."""
        old = self.draft
        if old is not None and (keep_context or not old.has_content):
            kind, year = kind or old.kind, year or old.year
        if old is not None and old.has_content:
            self.close_draft()
        self.draft = Draft(self.ctx, kind=kind or KIND_TARGETS, year=year)
        if old is not None and not old.has_content:
            self.draft.cells.extend(old.cells)      # a title read before any field
        return self.draft

    def ensure(self) -> Draft:
        return self.draft if self.draft is not None else self.new_draft()

    def close_draft(self) -> None:
        d, self.draft = self.draft, None
        if d is None or not d.has_content:
            return
        if not d.recognised:
            return                          # nothing the vocabulary knows: not a target table
        try:
            record = d.finish()
        except IngestError as e:
            self.result.errors.append(e)
            return
        table = d.table
        what = "department" if isinstance(record, Department) else "project"
        if not record.indicators and table is not None:
            self.ctx.warn(f"{what} '{record.name}': no indicator rows were read; the table may be cut "
                          "short (a truncated download?)", table, None, fld="indicators")
        missing = _missing_categories(record.indicators)
        if missing and table is not None:
            self.ctx.warn(f"{what} '{record.name}': no {' or '.join(missing)} indicators; the indicator table may "
                          "be cut short", table, None, fld="indicators")
        if isinstance(record, Department):
            self.result.departments.append(record)
        else:
            if table is not None and record.budget.current_year is None and record.budget.total is None \
                    and not record.budget.sources:
                self.ctx.warn(f"project '{record.name}': no budget amount found", table, None, fld="budget")
            self.result.projects.append(record)
        if d.dropped and table is not None:
            self.ctx.warn(f"{what} '{record.name}': {d.dropped} unfilled template rows (指标2：, ……) dropped",
                          table, None, fld="indicators")

    # ---- preamble ----------------------------------------------------------------------------
    def preamble(self, text: str, offset: int, table: Table) -> None:
        """The lines above a table: a title starts a record; a year, a money unit and label：value
        pairs (填报单位：…) belong to it."""
        pos = offset
        for line in text.split("\n"):
            start, pos = pos, pos + len(line) + 1
            t = line.strip()
            if not t:
                continue
            if is_title(t):
                ys = years_in(t)
                self.new_draft(kind_of(t), ys[0] if ys else None)
                continue
            scale = money_unit_cell(t) or _unit_in_line(t)
            if scale:
                self.scale = scale
            m = _YEAR_ONLY.match(unicodedata.normalize("NFKC", t).replace(" ", ""))
            if m:
                d = self.ensure()
                d.year = d.year or int(m.group(1))
                continue
            if _DATE_ONLY.match(unicodedata.normalize("NFKC", t).replace(" ", "")):
                d = self.ensure()
                d.date_line = d.date_line or t      # 2023年3月15日 alone: the filing date
                continue
            for label, aside, value in inline_pairs(t):
                w = meaning(label)
                if w and value and w[0] != "ignore":
                    at = self.doc.text.find(value, start, pos)
                    cell = Cell(-1, 0, value, start=at, end=at + len(value)) if at >= 0 else Cell(-1, 0, value)
                    d = self.ensure()
                    d.table = d.table or table
                    assign(d, table, -1, None, label + aside, w, [cell], value, [], FormState(scale=self.scale),
                           weak=True)

    def footer(self, text: str, offset: int) -> None:
        """The lines under the last table (填报人：…  填报日期：2023年3月15日): only a filing date is
        read from them, for a record that prints no year of its own."""
        d = self.draft
        pos = offset
        for line in text.split("\n"):
            start, pos = pos, pos + len(line) + 1
            t = line.strip()
            if _DATE_ONLY.match(unicodedata.normalize("NFKC", t).replace(" ", "")):
                d.date_line = d.date_line or t
                continue
            for label, aside, value in inline_pairs(t):
                if meaning(label) == ("field", "filed_date") and value:
                    at = self.doc.text.find(value, start, pos)
                    cell = Cell(-1, 0, value, start=at, end=at + len(value)) if at >= 0 else Cell(-1, 0, value)
                    d.set_field("filed_date", value, [cell], weak=True)

    # ---- tables ------------------------------------------------------------------------------
    def run(self) -> ParseResult:
        prev_end = 0
        for t in self.doc.tables:
            starts = [c.start for c in t.cells if c.end > c.start]
            first = min(starts) if starts else None
            if first is not None and first >= prev_end:
                self.preamble(self.doc.text[prev_end:first], prev_end, t)
            if not t.rows_marked:
                t = reflow(t)
            elif self.doc.kind == "text" and needs_realign(t):
                t = realign(t, gaps=t.source == SPACED_SOURCE)   # blanks left no trace between spaces
            self.table(t)
            ends = [c.end for c in t.cells if c.end > c.start]
            prev_end = max(ends) if ends else prev_end
        if self.draft is not None and self.doc.tables:
            self.footer(self.doc.text[prev_end:], prev_end)
        self.close_draft()
        if not self.result.projects and not self.result.departments and not self.result.errors:
            raise IngestError("no 绩效目标表 (performance-target table) found in the tables of this file",
                              file=self.doc.path, hint="is this the right file? the tables hold no 项目名称, "
                              "部门名称 or indicator columns (一级指标 二级指标 三级指标 指标值)")
        return self.result

    def table(self, t: Table) -> None:
        state = FormState(scale=self.scale)
        if self.layout is not None:
            self.layout.table = t          # a continuation table reads with the header before it
        for r in range(t.n_rows):
            self.row(t, r, state)

    def row(self, t: Table, r: int, state: FormState) -> None:
        cells = t.row_cells(r)
        fresh = [c for c in cells if c.row == r and c.text and id(c) not in state.consumed]
        if not fresh:
            return
        d = self.ensure()
        d.table, d.row = d.table or t, r
        if d.first_row is None:
            d.first_row = r
        distinct = {text_of(c) for c in fresh}
        if len(distinct) == 1:
            only = fresh[0]
            text = text_of(only)
            if is_title(text):
                ys = years_in(text)
                self.new_draft(kind_of(text), ys[0] if ys else None)
                self.draft.touch([only])
                self.draft.table, self.mode = t, "form"
                return
            m = _YEAR_ONLY.match(unicodedata.normalize("NFKC", text).replace(" ", ""))
            if m:
                d.year = d.year or int(m.group(1))
                d.touch([only])
                return
        for c in fresh:
            s = money_unit_cell(c.text)
            if s:
                state.scale = self.scale = s
                state.consumed.add(id(c))
                d.touch([c])
        fresh = [c for c in fresh if id(c) not in state.consumed]
        if not fresh:
            return
        if r + 1 < t.n_rows and all(_header_part(c) for c in fresh) and find_header(t, r + 1) is not None:
            d.touch(fresh)                 # the first row of a two-row header, or period headings over it
            return
        layout = find_header(t, r, self.heading)
        if layout is not None:
            self.start_layout(layout)
            d.touch(fresh + layout.sub_header)
            state.consumed.update(id(c) for c in layout.sub_header)   # read with the header above them
            return
        if len(distinct) == 1 and VOCABULARY.is_heading(text_of(fresh[0])) and \
                (meaning(text_of(fresh[0])) or ("group",))[0] in ("group", "section"):
            if self.mode == "indicators" and VOCABULARY.canonical_level1(text_of(fresh[0])):
                set_level1(self.layout, text_of(fresh[0]), fresh[0])
            else:
                self.heading = text_of(fresh[0])
                self.mode = "form"
            d.touch(fresh)
            return
        budget = find_budget_header(t, r, state)
        if budget is not None:
            self.budget, self.mode = budget, "budget"
            d.touch(fresh)
            return
        if self.mode == "indicators" and self.indicator_row(t, r, fresh, state):
            return
        if self.mode == "budget":
            if read_budget_row(self.budget, t, r, self.draft):
                return
        self.mode = "form"
        self.form_row(t, r, fresh, state)

    def start_layout(self, layout: Layout) -> None:
        d = self.ensure()
        if layout.evaluates and d.kind == KIND_TARGETS:
            d.kind = KIND_SELF_EVAL
        self.layout, self.mode, self.heading = layout, "indicators", None
        self.flat_name = None
        reset_levels(layout)

    def indicator_row(self, t: Table, r: int, fresh: list[Cell], state: FormState) -> bool:
        """Read a row of the indicator table; False when the row ends it."""
        layout = self.layout
        lead = meaning(text_of(fresh[0]))
        if "total_row" in VOCABULARY.lookup(text_of(fresh[0])):      # 合计 / 总分 under the indicators
            self.mode = "form"
            self.draft.touch(fresh)
            return True
        if lead and lead[0] in STRONG and fresh[0].col < _name_col(layout):
            return False
        if any(meaning(label) and meaning(label)[0] in STRONG for label, _, _ in inline_pairs(fresh[0].text)):
            return False                   # 填报人：… 审批意见：… under the table
        if len(fresh) == 1 and _spans_name_and_target(layout, fresh[0]) \
                and not VOCABULARY.canonical_level1(text_of(fresh[0])):
            return False                   # a line across the table: a note, not an indicator
        if len(fresh) == 1 and fresh[0].colspan >= max(2, t.n_cols // 2):
            text = text_of(fresh[0])
            if VOCABULARY.canonical_level1(text):
                set_level1(layout, text, fresh[0])
                self.draft.touch(fresh)
                return True
        if layout.flat and not self.flat_row(t, r, state):
            return True
        if not row_content(layout, r):
            if layout.flat:
                return self.subtotal_or_raw(t, r, fresh)
            if any(c.col >= layout.first_col for c in fresh) and not lead:
                read_row(layout, r, self.draft, self.ctx)   # levels alone: a skeleton row
                self.draft.touch(fresh)
                return True
            return False
        if layout.flat and self.draft.name is None:
            self.draft.keep_raw(t, r, fresh, "an indicator row before any project of the table")
            return True
        read_row(layout, r, self.draft, self.ctx)
        self.draft.touch(fresh)
        return True

    def flat_row(self, t: Table, r: int, state: FormState) -> bool:
        """In a unit's flat table, a new name starts a new project; its first row carries its unit,
        budget and goal. Returns False when the row was consumed (a subtotal)."""
        layout = self.layout
        name, name_cells = region(layout, r, layout.project_cols[("field", "name")])
        if is_number(name):
            name, name_cells = "", []          # a subtotal's figure slid under 项目名称 (its blanks lost)
        if name and name_cells and name_cells[0].row == r and self._alone(t, r, name_cells) and \
                "单位" in layout.project_labels.get(("field", "name"), ""):
            # 单位名称、项目名称 with nothing else on the row: the unit of the projects under it
            self.flat_unit, self.flat_name = (name, name_cells), None
            self.draft.touch(name_cells)
            return False
        unit_span = layout.project_cols.get(("field", "unit"))
        unit, unit_cells = region(layout, r, unit_span) if unit_span else ("", [])
        new_unit = bool(unit and unit_cells and unit_cells[0].row == r
                        and (self.flat_unit is None or unit != self.flat_unit[0]))
        if not name or (name == self.flat_name and not new_unit):
            return True
        if unit and unit_cells and unit_cells[0].row == r:
            self.flat_unit = (unit, unit_cells)      # a unit printed on its first project's row
        self.flat_name = name
        old = self.draft
        if old is not None and old.name is None and not old.indicators:
            d = old                        # the table's first project: keep what the lines above said
            self.flat_context = {k: v for k, v in old.fields.items() if k in old.weak}
        else:
            d = self.new_draft(old.kind if old else None, old.year if old else None, keep_context=True)
            for key, (text, cells) in self.flat_context.items():
                d.set_field(key, text, cells, weak=True)
        d.table, d.row = t, r
        reset_levels(layout)
        for (cat, key), span in layout.project_cols.items():
            text, cells = region(layout, r, span)
            if (cat, key) == ("field", "unit") and not text and self.flat_unit:
                text, cells = self.flat_unit
            if text and cells:
                assign(d, t, r, None, layout.project_labels.get((cat, key), key), (cat, key), cells, text, [], state)
        if self.flat_department:
            d.set_field("department", *self.flat_department, weak=True)
        if unit_span is None and self.flat_unit:
            d.set_field("unit", *self.flat_unit)      # the unit's own row above its projects
        return True

    @staticmethod
    def _alone(t: Table, r: int, cells: list[Cell]) -> bool:
        """True when ``cells`` are all that is printed on row ``r``."""
        return all(c in cells for c in t.row_cells(r) if c.text and c.row == r)

    def subtotal_or_raw(self, t: Table, r: int, fresh: list[Cell]) -> bool:
        """A row of a flat table with no project name and no indicator: a subtotal line
        (``801-某某部门 | 1,234,567.00``) is skipped; anything else is kept raw."""
        if any(re.search(r"\d", c.text) for c in fresh) and len(fresh) <= 4:
            code, name = split_code(text_of(fresh[0]), DEPT_CODE)
            if code and not is_number(name):
                self.flat_department = (name, [fresh[0]])   # 401-某县水利局 heads its units' projects
            return True
        self.draft.keep_raw(t, r, fresh, "a row of the unit table that is neither a project nor an indicator")
        return True

    def form_row(self, t: Table, r: int, fresh: list[Cell], state: FormState) -> None:
        d = self.draft
        if d.name and any(_names_project(c) for c in fresh):
            d = self.new_draft(d.kind, d.year, keep_context=True)
            d.table, d.row = t, r
            self.layout, self.heading = None, None
        if self.section_table(t, r, fresh, state):
            return
        note = _note_label(fresh[0])
        if note is None and self.note and len(fresh) == 1 and _ENUMERATED.match(fresh[0].text):
            d.touch(fresh)                 # 2.… under 注：1.…: the note goes on
            return
        self.note = note
        leftover = read_form_row(t, r, d, state)
        if leftover:
            d.keep_raw(t, r, leftover, "cells with no label the vocabulary knows")


    def section_table(self, t: Table, r: int, fresh: list[Cell], state: FormState) -> bool:
        """A narrative label merged down beside a small table of its own (项目实施进度计划 | 项目实施内容 |
        开始时间 | 完成时间, then a row per task): the rows under the column labels are the section's
        text, one line a row. False when the rows beside the label are label | value pairs, or one
        row of values under its labels (长期目标 | 年度目标 over the two goals)."""
        head = fresh[0]
        w = meaning(text_of(head))
        if head.rowspan < 3 or not w or w[0] != "section" or len(fresh) < 3:
            return False
        if not all(meaning(text_of(c)) or VOCABULARY.is_label(text_of(c)) for c in fresh[1:]):
            return False
        rows = []
        for rr in range(r + 1, r + head.rowspan):
            cells = [c for c in t.row_cells(rr) if c.row == rr and c.col > head.col and c.text]
            if not cells or any(meaning(text_of(c)) and meaning(text_of(c))[0] != "ignore" for c in cells):
                return False
            rows.append(cells)
        d = self.draft
        d.touch(fresh)
        for cells in rows:
            state.consumed.update(id(c) for c in cells)
        d.add_section(w[1], text_of(head), "\n".join(" ".join(text_of(c) for c in cells) for cells in rows),
                      [c for cells in rows for c in cells])
        return True


_ENUMERATED = re.compile(r"^\s*(?:[（(]?\d{1,2}[.．、)）]|[（(][一二三四五六七八九十]+[)）])")


def _note_label(c: Cell) -> bool | None:
    """True for a note's first cell (注：1.…, 说明：…): a label the vocabulary ignores; None otherwise."""
    pairs = inline_pairs(c.text)
    return True if pairs and meaning(pairs[0][0]) == ("ignore", "ignore") else None


def _missing_categories(indicators) -> list[str]:
    """The 一级 categories of the national framework a table lacks when it has 产出 rows but no
    效益 rows: a table cut short loses its last categories first (满意度 alone is often left out)."""
    got = {i.level1_canonical for i in indicators}
    if not indicators or not got <= {"产出", "效益", "满意度", "成本"} or "产出" not in got or "效益" in got:
        return []
    return [c for c in ("效益", "满意度") if c not in got]


def _header_part(c: Cell) -> bool:
    """A cell of the row over an indicator header: a column label (一级指标 merged down), a group
    label (绩效指标), or a short heading naming a period (中期指标, 中期目标（2021—2023年）)."""
    text = text_of(c)
    w = meaning(text)
    if VOCABULARY.lookup(text).get("indicator_column") or w == ("group", "group"):
        return True
    return (len(text) <= 30 and VOCABULARY.period_of(text) is not None and not inline_pairs(c.text)
            and (w is None or w in (("section", "term_goal"), ("section", "annual_goal"))))


def _names_project(c: Cell) -> bool:
    w = meaning(text_of(c))
    if w == ("field", "name"):
        return True
    return any(meaning(label) == ("field", "name") for label, _, _ in inline_pairs(c.text))


def _spans_name_and_target(layout: Layout, c: Cell) -> bool:
    b = layout.blocks[0]
    if "name" not in b.cols or "target" not in b.cols:
        return False
    return c.col <= b.cols["name"][0] and c.col + c.colspan > b.cols["target"][0]


def _name_col(layout: Layout) -> int:
    cols = [b.cols["name"][0] for b in layout.blocks if "name" in b.cols]
    return min(cols) if cols else layout.first_col + 1


def _unit_in_line(line: str) -> int | None:
    """A money unit printed at the end of a preamble line (``填报单位：某局    单位：万元``)."""
    m = re.search(r"(?:金额|资金)?单位\s*[:：]\s*(亿元|万元|千元|元)\s*$", unicodedata.normalize("NFKC", line))
    return {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}[m.group(1)] if m else None


def parse_grids(doc: Document) -> ParseResult:
    """Every project (and department record) in the tables of ``doc``.

    Raises ``IngestError`` only when no table holds a performance-target table at all; a
    table that cannot give a record is an error of that table in ``ParseResult.errors``.
    """
    return Interpreter(doc).run()
