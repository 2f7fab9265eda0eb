"""What the grid interpreter has read of one table so far, and the record it becomes.

A ``Draft`` collects header fields, sections, budget lines, indicators, periods and rows it
could not place, each with the cells it came from; ``Draft.finish`` turns it into a
``Project`` or, for a 部门整体支出绩效目标表, a ``Department``. Cell text is read as printed:
line breaks inside a cell are joined (a PDF wraps where an Excel cell does not), money is
turned into yuan with the printed unit kept.

Example: ``d = Draft(ctx); d.set_field("name", "某项目", [cell]); d.finish().name`` → ``"某项目"``
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ingest.errors import IngestError, IngestWarning
from ingest.identifiers import department_id, project_id
from ingest.legal.citations import extract_citations
from ingest.parse.indicators import join_name
from ingest.parse.layout import align
from ingest.parse.values import parse_bool, parse_date
from ingest.read.document import Document, line_of
from ingest.read.grid import Cell, Table
from ingest.records import (KIND_APPLICATION, KIND_DEPARTMENT, KIND_SELF_EVAL, KIND_TARGETS, PERIOD_MIDTERM, Budget, BudgetLine, Citation,
                            Department, Indicator, Period, Project, RawRow, Section, Span)

UNIT_NAMES = {1: "元", 1_000: "千元", 10_000: "万元", 100_000_000: "亿元"}
_YEAR = re.compile(r"((?:19|20)\d\d)\s*(?:年|[-~～—－至/.]|$)")
_CODE_NAME = re.compile(r"^\[?([0-9A-Za-z]{6,})\]?\s*[-－—_ 、]\s*(\S.*)$")
DEPT_CODE = re.compile(r"^[\[【（(]?(\d{3,})[\]】）)]?\s*[-－—_、 ]?\s*(\D.*)$")


def text_of(cell: Cell | None) -> str:
    """A cell's text with its line breaks joined (Chinese without a space, Latin words with one)."""
    if cell is None or not cell.text:
        return ""
    return join_name([ln.strip() for ln in cell.text.split("\n") if ln.strip()])


def to_decimal(text: str) -> Decimal | None:
    """The first number in a cell (``1,234.50`` → 1234.50), or None."""
    t = unicodedata.normalize("NFKC", text or "").replace("，", ",")
    m = re.search(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+", t)
    if not m:
        return None
    try:
        return Decimal(m.group().replace(",", ""))
    except InvalidOperation:
        return None


def yuan(value: Decimal) -> Decimal:
    """An amount in yuan without float noise: whole amounts as integers."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def amount(text: str, scale: int | None) -> tuple[Decimal | None, int | None]:
    """An amount cell in yuan and the scale it was read at. A suffix (``300万``, ``5元``) wins over
    the label's unit; ``/``, ``-`` or blank are None, not zero.

    Example: ``amount("85.60", 10000)`` → ``(Decimal(856000), 10000)``
    """
    t = unicodedata.normalize("NFKC", text or "").strip()
    number = to_decimal(t)
    if number is None:
        return None, None
    suffix = re.search(r"\d\s*(亿元|万元|千元|亿|万|千|元)", t)
    if suffix:
        unit = suffix.group(1).rstrip("元") or "元"
        scale = {"亿": 100_000_000, "万": 10_000, "千": 1_000, "元": 1}[unit]
    scale = scale or 1
    return yuan(number * scale), scale


def rate(text: str) -> Decimal | None:
    """An execution rate as a fraction: ``95.50%`` → 0.955; ``0.955`` stays; blank → None."""
    number = to_decimal(text)
    if number is None:
        return None
    if "%" in text or "％" in text or number > 1:
        number = number / 100
    return number.normalize() if number != 0 else Decimal(0)


def split_code(name: str, pattern=_CODE_NAME) -> tuple[str | None, str]:
    """A name printed with its code in front (``51000021R000000019951-工资性支出``) → (code, name).

    Example: ``split_code("801001-某某局")`` → ``("801001", "某某局")``
    """
    m = pattern.match(name)
    if m and sum(ch.isdigit() for ch in m.group(1)) >= 3:
        return m.group(1), m.group(2).strip()
    return None, name


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(unicodedata.normalize("NFKC", text or ""))]


_BOX = "□☐"
_TICK = "√☑■✓✔☒▣"
_MARKED = re.compile(rf"([{_TICK}{_BOX}])\s*([^{_TICK}{_BOX}\s]+)")      # □新增 √延续
_MARKED_AFTER = re.compile(rf"([^{_TICK}{_BOX}\s]+)\s*([{_TICK}{_BOX}])")  # 新增项目□ 延续项目√


def ticked(text: str) -> str:
    """The option a form's tick boxes mark, when a field prints its choices (``新增项目□ 延续项目√``,
    ``☑是 □否``); any other text as it is.

    Example: ``ticked("新增项目□ 延续项目√")`` → ``"延续项目"``
    """
    if not text or not any(b in text for b in _BOX) or not any(t in text for t in _TICK):
        return text
    if text.strip()[0] in _TICK + _BOX:
        marked = [opt for mark, opt in _MARKED.findall(text) if mark in _TICK]
    else:
        marked = [opt for opt, mark in _MARKED_AFTER.findall(text) if mark in _TICK]
    # the option without its number (11.设备购置 → 设备购置)
    return re.sub(r"^\d{1,2}\s*[.．、]\s*", "", marked[0]) if len(marked) == 1 else text


_FILED = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})(?!\d)")


def filed_year(text: str, kind: str) -> int | None:
    """The budget year of a form filled in on the date ``text`` (填报日期), when nothing else
    prints it. The fiscal calendar: targets are filed with the budget request in the second half
    of the year before (a 申报表 dated 2022年10月 is for 2023), a self-evaluation after its year
    ends (a 自评表 dated 2024年3月 is of 2023); an approval is dated in its own year. A year
    without a month is the year.

    Example: ``filed_year("2022年10月8日", "申报")`` → ``2023``
    """
    norm = unicodedata.normalize("NFKC", text or "")
    m = _FILED.search(norm)
    if not m:
        ys = years_in(norm)
        return ys[0] if ys else None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        return year
    if kind == KIND_SELF_EVAL and month <= 6:
        return year - 1
    if kind in (KIND_TARGETS, KIND_APPLICATION, KIND_DEPARTMENT) and month >= 7:
        return year + 1
    return year


@dataclass
class Context:
    """The document being read, and where warnings go."""

    doc: Document
    warnings: list[IngestWarning]
    errors: list[IngestError]

    def span(self, cells) -> Span | None:
        cells = [c for c in cells if c is not None and c.end > c.start]
        if not cells:
            return None
        return Span(self.doc.doc_id, self.doc.path, min(c.start for c in cells), max(c.end for c in cells))

    def place(self, table: Table, row: int | None) -> str:
        where = table.source or "table"
        return f"{where}, row {row + 1}" if row is not None else where

    def line(self, cell: Cell | None) -> int | None:
        if cell is None or not self.doc.text or cell.end <= cell.start:
            return None
        return line_of(self.doc.text, cell.start)

    def warn(self, message: str, table: Table, row: int | None, cell: Cell | None = None,
             fld: str | None = None) -> None:
        self.warnings.append(IngestWarning(self.doc.path, self.line(cell), fld,
                                           f"{self.place(table, row)}: {message}"))


@dataclass
class LineDraft:
    """One budget line being read: values by field and the cells they came from."""

    source: str
    source_key: str | None
    purpose: str | None
    values: dict[str, Decimal | None] = field(default_factory=dict)
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Draft:
    """One project or department as far as it has been read."""

    ctx: Context
    kind: str = KIND_TARGETS
    year: int | None = None
    fields: dict[str, tuple[str, list[Cell]]] = field(default_factory=dict)
    amounts: dict[str, tuple[Decimal | None, list[Cell]]] = field(default_factory=dict)
    sections: dict[str, tuple[str, list[str], list[Cell]]] = field(default_factory=dict)
    lines: dict[tuple[str | None, str], LineDraft] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    indicator_periods: list[tuple[str | None, str | None, list[Cell]]] = field(default_factory=list)
    periods: dict[str, Period] = field(default_factory=dict)
    unplaced: list[RawRow] = field(default_factory=list)
    scales: list[int] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    spans: dict[str, Span] = field(default_factory=dict)
    dropped: int = 0
    weak: set = field(default_factory=set)
    amount_labels: dict[str, str] = field(default_factory=dict)
    midterm_years: list[int] = field(default_factory=list)
    table: Table | None = None
    row: int | None = None
    first_row: int | None = None
    department_hint: bool = False
    date_line: str | None = None      # a date printed alone above or under the table (2023年3月15日)

    # ---- collecting ------------------------------------------------------------------------
    def touch(self, cells) -> None:
        self.cells.extend(c for c in cells if c is not None)

    @property
    def has_content(self) -> bool:
        return bool(self.fields or self.amounts or self.sections or self.lines or self.indicators or self.unplaced)

    @property
    def recognised(self) -> bool:
        """True when something besides raw rows was read: the table is a target table."""
        return bool(self.fields or self.amounts or self.sections or self.lines or self.indicators)

    @property
    def name(self) -> str | None:
        return self.fields.get("name", ("", []))[0] or None

    def set_field(self, key: str, text: str, cells: list[Cell], weak: bool = False) -> None:
        """A header field; the first value printed wins (a later one is a repeat or a quote),
        except over a ``weak`` one: a 填报单位 above the table gives way to the table's 实施单位."""
        text = text.strip()
        if not text or (key in self.fields and key not in self.weak):
            return
        if key in self.fields and weak:
            return
        self.fields[key] = (text, cells)
        if weak:
            self.weak.add(key)
        else:
            self.weak.discard(key)
        self.touch(cells)

    def set_amount(self, key: str, text: str, cells: list[Cell], scale: int | None) -> None:
        if key in self.amounts:
            return
        value, used = amount(text, scale)
        if value is None and not text.strip():
            return
        if value is None and self.table is not None:
            self.ctx.warn(f"budget cell {key} is not a number: {text!r}", self.table, self.row,
                          cells[0] if cells else None, f"budget.{key}")
        if used:
            self.scales.append(used)
        self.amounts[key] = (value, cells)
        self.touch(cells)

    def add_section(self, key: str, label: str, text: str, cells: list[Cell]) -> None:
        text = text.strip()
        if not text:
            return
        if key in self.sections:
            old_label, parts, old_cells = self.sections[key]
            if text not in parts:
                parts.append(text)
            old_cells.extend(cells)
        else:
            self.sections[key] = (label, [text], list(cells))
        self.touch(cells)

    def add_line(self, purpose: str | None, source: str, source_key: str | None, fld: str,
                 value: Decimal | None, cell: Cell | None) -> None:
        if value is None:
            return                      # a blank or / cell: no line for it
        line = self.lines.setdefault((purpose, source), LineDraft(source, source_key, purpose))
        if line.values.get(fld) is not None:
            return
        line.values[fld] = value
        if cell is not None:
            line.cells[fld] = cell
            self.touch([cell])

    def add_period(self, kind: str, label: str | None, cells: list[Cell]) -> None:
        if kind in self.periods:
            return
        ys = years_in(label or "")
        start = ys[0] if ys else None
        end = ys[-1] if ys else None
        if kind != PERIOD_MIDTERM and start is None and self.year:
            start = end = self.year
        self.periods[kind] = Period(kind, start, end, label, self.ctx.span(cells))

    def keep_raw(self, table: Table, row: int, cells: list[Cell], reason: str) -> None:
        """A row that could not be placed: kept as printed, with a warning."""
        texts = tuple(text_of(c) for c in cells if text_of(c))
        if not texts:
            return
        self.unplaced.append(RawRow(texts, reason, table.source, row, self.ctx.span(cells)))
        self.touch(cells)
        self.ctx.warn(f"{reason}: {' | '.join(texts)[:80]}", table, row, cells[0] if cells else None, "unplaced")

    # ---- finishing -------------------------------------------------------------------------
    def field_text(self, key: str) -> str | None:
        return ticked(self.fields.get(key, ("", []))[0]) or None

    def _spans(self) -> dict[str, Span]:
        spans = dict(self.spans)
        for key, (_, cells) in self.fields.items():
            s = self.ctx.span(cells)
            if s:
                spans[key] = s
        return spans

    def _money_unit(self) -> str | None:
        return UNIT_NAMES.get(self.scales[0]) if self.scales else None

    def _total_lines(self) -> None:
        """A budget printed by source keeps its total as a line too (年度资金总额 beside 财政拨款 …);
        the mid-term total beside the mid-term sources likewise."""
        for purpose, key in ((None, "current_year"), ("中期", "total")):
            parts = [x for (p, _), x in self.lines.items() if p == purpose and x.source_key != "total"]
            has_total = any(p == purpose and x.source_key == "total" for (p, _), x in self.lines.items())
            value, cells = self.amounts.get(key, (None, []))
            if parts and not has_total and value is not None:
                line = LineDraft(self.amount_labels.get(key, "合计"), "total", purpose, {"planned": value},
                                 {"planned": cells[0]} if cells else {})
                self.lines = {(purpose, line.source): line, **self.lines}

    def _lines(self) -> tuple[BudgetLine, ...]:
        self._total_lines()
        out = []
        for line in self.lines.values():
            spans = {k: s for k, c in line.cells.items() if (s := self.ctx.span([c]))}
            out.append(BudgetLine(line.source, line.source_key, line.purpose, line.values.get("planned"),
                                  line.values.get("adjusted"), line.values.get("executed"), line.values.get("rate"),
                                  line.values.get("weight"), line.values.get("score"), spans))
        return tuple(out)

    def _sections(self) -> tuple[Section, ...]:
        out = []
        for key, (label, parts, cells) in self.sections.items():
            out.append(Section(key, label, "\n".join(parts), False, self.ctx.span(cells)))
        return tuple(out)

    def _citations(self, sections: tuple[Section, ...]) -> tuple[Citation, ...]:
        out = []
        for sec in sections:
            found = extract_citations(sec.text, sec.key)
            if not found:
                continue
            offsets = None
            if sec.span is not None and self.ctx.doc.text:
                offsets = align(self.ctx.doc.text, sec.span.start, sec.span.end, sec.text)
            for cit, s, e in found:
                if offsets:
                    span = Span(sec.span.doc, sec.span.file, offsets[s], offsets[max(e, s + 1) - 1] + 1)
                else:
                    span = sec.span
                out.append(replace(cit, span=span))
        return tuple(out)

    def _year(self) -> int | None:
        if self.year:
            return self.year
        for key in ("year", "term", "start_date"):
            ys = years_in(self.field_text(key) or "")
            if ys:
                return ys[0]
        dated = filed_year(self.field_text("filed_date") or "", self.kind) or filed_year(self.date_line or "", self.kind)
        return dated

    def _source(self) -> Span | None:
        return self.ctx.span(self.cells)

    def _with_periods(self) -> tuple[Indicator, ...]:
        """Indicators with the period of their block, when the table has more than one block or
        a mid-term one (a table of one annual block keeps ``period`` None, like the seed's)."""
        kinds = {k for k, _, _ in self.indicator_periods if k}
        if not (PERIOD_MIDTERM in kinds or len(kinds) > 1):
            return tuple(self.indicators)
        for kind, label, cells in self.indicator_periods:
            if kind:
                self.add_period(kind, label, cells)
        return tuple(replace(i, period=k) if k else i
                     for i, (k, _, _) in zip(self.indicators, self.indicator_periods))

    def _term_years(self, periods: tuple[Period, ...]) -> tuple[Period, ...]:
        """A mid-term block printed without its years takes them from 项目支出实施期."""
        ys = years_in(self.field_text("term") or "")
        if len(ys) < 2 and self.midterm_years:
            ys = self.midterm_years
        if not ys:
            return periods
        return tuple(replace(p, start_year=ys[0], end_year=ys[-1])
                     if p.kind == PERIOD_MIDTERM and p.start_year is None else p for p in periods)

    def is_department(self) -> bool:
        if self.kind == KIND_DEPARTMENT:
            return True
        return self.name is None and (self.department_hint or "dept_code" in self.fields
                                      or "annual_duties" in self.sections)

    def finish(self) -> Project | Department:
        """The record read, or an ``IngestError`` naming the table when it has no name."""
        sections = self._sections()
        if self.is_department():
            return self._department(sections)
        name = self.name
        table = self.table
        if not name:
            raise IngestError(f"{self.ctx.place(table, self.first_row) if table else 'table'}: no 项目名称 "
                              "(project name) found", file=self.ctx.doc.path, line=self.ctx.line(
                                  self.cells[0] if self.cells else None), field="name",
                              hint="the table may be cut short, or not a 绩效目标表")
        code, name = split_code(name)
        code = self.field_text("code") or code
        dept = self.field_text("department")
        if dept:
            dept = split_code(dept, DEPT_CODE)[1]
        unit = self.field_text("unit") or self.field_text("filer")
        unit = split_code(unit, DEPT_CODE)[1] if unit else dept
        year = self._year()
        amounts = {k: v for k, (v, _) in self.amounts.items()}
        lines = self._lines()
        current = amounts.get("current_year")
        if current is None:
            total_line = next((x for x in lines if x.source_key == "total" and x.purpose is None), None)
            if total_line is not None:
                current = total_line.adjusted if total_line.adjusted is not None else total_line.planned
        budget_spans = {k: s for k, (_, cells) in self.amounts.items() if (s := self.ctx.span(cells))}
        budget = Budget(amounts.get("total"), current, amounts.get("prev_year_budget"),
                        amounts.get("prev_year_executed"), budget_spans, lines, self._money_unit())
        spans = self._spans()
        if code and "code" not in spans and "name" in spans:
            spans["code"] = spans["name"]
        indicators = self._with_periods()
        periods = self._term_years(tuple(self.periods.values()))
        return Project(
            id=project_id(unit, year, name), year=year, name=name, unit=unit,
            category=self.field_text("category"), performance_type=self.field_text("performance_type"),
            gov_purchase=parse_bool(self.field_text("gov_purchase") or ""),
            start_date=parse_date(self.field_text("start_date") or ""),
            end_date=parse_date(self.field_text("end_date") or ""),
            budget=budget, sections=sections, indicators=indicators,
            citations=self._citations(sections), spans=spans, source=self._source(),
            kind=self.kind, department=dept, periods=periods, unplaced=tuple(self.unplaced), code=code,
        )

    def _department(self, sections: tuple[Section, ...]) -> Department:
        name = self.field_text("department") or self.field_text("unit") or self.field_text("filer")
        if not name:
            raise IngestError(f"{self.ctx.place(self.table, self.row) if self.table else 'table'}: no 部门名称 "
                              "(department name) found", file=self.ctx.doc.path, field="name",
                              hint="the table may be cut short")
        code, name = split_code(name, DEPT_CODE)
        code = self.field_text("dept_code") or code
        year = self._year()
        goals = _numbered_goals(sections)
        amounts = {k: v for k, (v, _) in self.amounts.items()}
        lines = self._lines()

        def year_amount(x: BudgetLine) -> Decimal | None:
            # the year's budget, as for a project: the adjusted one (全年预算数) where a self-evaluation prints it
            return x.adjusted if x.adjusted is not None else x.planned

        def purpose_total(purpose: str) -> Decimal | None:
            for x in lines:
                if x.purpose == purpose and x.source_key in ("total", None):
                    return year_amount(x)
            return None

        spans = self._spans()
        spans.update({k: s for k, (_, cells) in self.amounts.items() if (s := self.ctx.span(cells))})
        total_line = next((year_amount(x) for x in lines if x.purpose is None and x.source_key == "total"), None)
        total = amounts.get("current_year") or amounts.get("total") or purpose_total("资金总额") or total_line
        return Department(
            id=department_id(code, year, name), year=year, name=name, code=code,
            total=total,
            project_spending=amounts.get("project_spending") or purpose_total("项目支出"),
            basic_spending=amounts.get("basic_spending") or purpose_total("基本支出"),
            budget=lines, sections=sections + goals, indicators=self._with_periods(),
            citations=self._citations(sections), periods=self._term_years(tuple(self.periods.values())),
            unplaced=tuple(self.unplaced), money_unit=self._money_unit(), spans=spans, source=self._source(),
        )


_GOAL = re.compile(r"目标\s*(\d{1,2})\s*[:：、.．]\s*")


def _numbered_goals(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """目标1：… 目标2：… inside a department's goal text, as sections ``goal_1``, ``goal_2`` …"""
    have = {s.key for s in sections}
    out = []
    for sec in sections:
        if sec.key not in ("annual_duties", "annual_goal", "goals"):
            continue
        marks = list(_GOAL.finditer(sec.text))
        for i, m in enumerate(marks):
            key = f"goal_{int(m.group(1))}"
            end = marks[i + 1].start() if i + 1 < len(marks) else len(sec.text)
            text = sec.text[m.end():end].strip().rstrip("；;").strip()
            if text and key not in have:
                have.add(key)
                out.append(Section(key, f"目标{int(m.group(1))}", text, False, sec.span))
    return tuple(out)
