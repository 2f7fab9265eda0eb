"""Typed records parsed from a 财政项目支出绩效目标表 (fiscal project performance-target table).

Every record is a frozen dataclass. Source spans are kept on each record but are
left out of equality (``compare=False``), so the same table read from UTF-8 text,
GB18030 text, a re-wrapped copy or a rendered PDF gives *equal* records even
though the character offsets differ.

Example: ``Indicator(level1="产出目标", level2="数量", name="用户注册数", target_raw="=50家", ...)``
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# The six long narrative cells of the table, in document order: key -> printed label.
SECTION_LABELS: dict[str, str] = {
    "overview": "项目概况",
    "legal_basis": "立项依据",
    "necessity": "项目设立的必要性",
    "safeguards": "保证项目实施的制度、措施",
    "plan": "项目实施计划",
    "goals": "总目标及阶段性目标",
}


@dataclass(frozen=True)
class Span:
    """Characters ``[start, end)`` of one document's normalized text.

    ``doc`` is the document id (a hash of the normalized text, see
    ``ingest.read.document.Document``); ``file`` is the path the text was read from.
    """

    doc: str
    file: str
    start: int
    end: int

    def as_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass(frozen=True)
class Budget:
    """The budget block, in yuan (元). ``None`` means the cell was blank, not zero.

    - ``total``: 项目总预算, the whole project's budget over all its years.
    - ``current_year``: 项目当年预算, this year's appropriation.
    - ``prev_year_budget``: 同名项目上年预算额, last year's budget for the same-named project.
    - ``prev_year_executed``: 同名项目上年预算执行数, how much of it was actually spent.
    """

    total: Decimal | None = None
    current_year: Decimal | None = None
    prev_year_budget: Decimal | None = None
    prev_year_executed: Decimal | None = None
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def execution_rate(self) -> Decimal | None:
        """Share of last year's budget that was spent (执行率), or None when unknown."""
        if self.prev_year_budget and self.prev_year_executed is not None:
            return self.prev_year_executed / self.prev_year_budget
        return None


@dataclass(frozen=True)
class Section:
    """One narrative cell (项目概况, 立项依据, …) with its fixed-width wraps joined.

    ``inferred_start`` is True where the printed label was displaced (for example
    onto a page break in the middle of its own text) and the start of the
    section was inferred from its content.
    """

    key: str
    label: str
    text: str
    inferred_start: bool = False
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Indicator:
    """One row of the 绩效目标 table: a third-level indicator and its target.

    - ``level1``: 一级目标, e.g. 产出目标; ``level2``: 二级目标, e.g. 数量.
    - ``name``: 三级目标, the indicator itself, e.g. 预算执行率.
    - ``target_raw``: 指标目标值 exactly as printed, e.g. ``=100%`` or ``健全``.
    - ``operator``: one of ``= > >= < <=`` or None when none was printed.
    - ``value``/``unit``: the number and its unit (``%``, ``家``, ``万元`` …) or None.
    - ``qualitative``: a target that is a word rather than a number (健全, 规范 …).
    - ``flags``: why the row is irregular (``no_operator``, ``no_unit``, ``name_joined``
      …); empty for a clean row. Irregular rows keep their raw text.
    """

    level1: str | None
    level2: str | None
    name: str
    target_raw: str
    operator: str | None = None
    value: Decimal | None = None
    unit: str | None = None
    qualitative: str | None = None
    flags: tuple[str, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Citation:
    """A legal or administrative basis a project cites (law, regulation, document, standard).

    - ``title``: the title inside 《》 (or a budget rule's name), without brackets.
    - ``doc_number``: 发文字号 in GB/T 9704 form, e.g. ``发改环资〔2017〕1711号``.
    - ``article``/``article_num``: ``第二十七条`` and 27, when an article is cited.
    - ``quote``: the quoted clause “…” attached to that article or document.
    - ``section``: the section key the citation was found in (usually ``legal_basis``).
    - ``level``: 法律, 行政法规, 部门规章, 地方性法规, 规范性文件, 技术规范 or 预算管理规定.
    - ``issuer``: the issuing authority inferred from the document number prefix.
    """

    title: str | None
    doc_number: str | None
    article: str | None = None
    article_num: int | None = None
    quote: str | None = None
    section: str = "legal_basis"
    level: str | None = None
    issuer: str | None = None
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Project:
    """One table: a project of one budget unit (申报单位) for one fiscal year.

    ``id`` is stable: derived from unit + year + name, so re-ingest is idempotent.
    ``spans`` maps a field name (``name``, ``unit``, ``start_date`` …) to its source span.
    """

    id: str
    year: int | None
    name: str
    unit: str | None
    category: str | None
    performance_type: str | None
    gov_purchase: bool | None
    start_date: date | None
    end_date: date | None
    budget: Budget
    sections: tuple[Section, ...]
    indicators: tuple[Indicator, ...]
    citations: tuple[Citation, ...] = ()
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False, repr=False)
    source: Span | None = field(default=None, compare=False, repr=False)

    def section(self, key: str) -> str | None:
        """Text of a section by key (``overview``, ``legal_basis`` …), or None."""
        for s in self.sections:
            if s.key == key:
                return s.text
        return None
