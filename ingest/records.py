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

# Narrative cells of the national and provincial templates (申报表, 审批表, 自评表, 整体支出表),
# beyond the six above: key -> canonical printed label. A project or department keeps only
# the ones its table prints.
GOAL_SECTION_LABELS: dict[str, str] = {
    "term_goal": "实施期绩效目标",      # the goal over the project's whole implementation period
    "annual_goal": "本年度绩效目标",    # this year's goal
    "approval": "项目审批",            # approval document (often a 发文字号) or 立项依据 text
    "functions": "部门职能",           # a department's mandate (整体支出表)
    "annual_duties": "年度履职目标",    # a department's goals for the year (整体支出表)
    "summary": "绩效目标完成情况",      # what a 自评表 says was achieved against the goal
    "feasibility": "项目申报的可行性",   # why the project can be done (provincial 申报表)
    "annual_tasks": "年度主要任务",      # a department's main tasks of the year (整体支出表)
    "conclusion": "评价结论",           # a 自评表's verdict
    "problems": "存在问题",             # problems a 自评表 found
    "improvements": "改进措施",         # what a 自评表 says will change
}


def section_label(key: str) -> str:
    """Canonical printed label of a section key: ``overview`` → 项目概况, ``goal_2`` → 目标2."""
    if key in SECTION_LABELS:
        return SECTION_LABELS[key]
    if key in GOAL_SECTION_LABELS:
        return GOAL_SECTION_LABELS[key]
    if key.startswith("goal_") and key[5:].isdigit():
        return f"目标{key[5:]}"
    return key

# Kinds of table (``Project.kind`` / ``Department.kind``).
KIND_TARGETS = "目标表"      # a plain 绩效目标表 such as the Shanghai 财政项目支出绩效目标表 (the default)
KIND_APPLICATION = "申报"    # 项目支出绩效目标申报表: targets a unit proposes with its budget request
KIND_APPROVAL = "审批"       # 绩效目标审批表: targets as reviewed by the finance bureau
KIND_REPLY = "批复"          # 绩效目标批复表: targets as approved and sent back with the budget
KIND_SELF_EVAL = "自评"      # 绩效自评表: targets against actual results after the year, with scores
KIND_DEPARTMENT = "整体支出"  # 部门整体支出绩效目标表: a whole department, not a project
TABLE_KINDS = (KIND_TARGETS, KIND_APPLICATION, KIND_APPROVAL, KIND_REPLY, KIND_SELF_EVAL, KIND_DEPARTMENT)

# Target blocks of a table (``Period.kind`` / ``Indicator.period``).
PERIOD_ANNUAL = "annual"      # 年度目标: one fiscal year
PERIOD_MIDTERM = "midterm"    # 中期目标 / 实施期目标 / 中期滚动目标: usually three years


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
    - ``sources``: the budget by source of funds (资金来源: 财政拨款, 上年结转, 其他资金, 上级资金 …),
      one ``BudgetLine`` each, the total line (年度资金总额 / 合计) included; empty when the
      table prints only totals. In a 自评表 ``current_year`` is the total's 全年预算数.
    - ``money_unit``: the unit the amounts were printed in (``万元`` or ``元``); amounts are in yuan
      whatever it says. Left out of equality: it is how a rendering printed them, not a fact.
    """

    total: Decimal | None = None
    current_year: Decimal | None = None
    prev_year_budget: Decimal | None = None
    prev_year_executed: Decimal | None = None
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False, repr=False)
    sources: tuple["BudgetLine", ...] = ()
    money_unit: str | None = field(default=None, compare=False)

    @property
    def execution_rate(self) -> Decimal | None:
        """Share of last year's budget that was spent (执行率), or None when unknown."""
        if self.prev_year_budget and self.prev_year_executed is not None:
            return self.prev_year_executed / self.prev_year_budget
        return None


# The amount fields of ``Budget``, in the order the table prints them: the one list that
# the parsers, the JSON codec and the RDF mapping read.
BUDGET_FIELDS = ("total", "current_year", "prev_year_budget", "prev_year_executed")


@dataclass(frozen=True)
class BudgetLine:
    """One row (or column) of a budget block: the money of one source of funds, in yuan.

    - ``source``: the source as printed, e.g. ``当年财政拨款``, ``上年结转资金``, ``其他资金``, ``年度资金总额``.
    - ``source_key``: its canonical name: ``total`` (资金总额/合计), ``fiscal`` (财政拨款), ``carryover``
      (上年结转), ``superior`` (上级资金/上级补助), ``own`` (单位自有/事业收入), ``other`` (其他资金), or None.
    - ``purpose``: for a department, what the money is for: ``资金总额``, ``基本支出`` or ``项目支出``, or
      the name of one of its 年度主要任务; ``中期`` for a project's mid-term money; None for a project's year.
    - ``planned``: 年初预算数 (or the 预算数/申报数 of a target table), the budget at the start of the year.
    - ``adjusted``: 全年预算数, the budget after the year's adjustments.
    - ``executed``: 全年执行数, what was actually spent.
    - ``rate``: 执行率 as printed, as a fraction (``95.5%`` → 0.955); None when not printed.
    - ``weight``/``score``: 分值 and 得分 of the budget-execution indicator in a 自评表.
    """

    source: str
    source_key: str | None = None
    purpose: str | None = None
    planned: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None
    rate: Decimal | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Period:
    """One target block of a table: the annual targets, or the mid-term (three-year) targets.

    - ``kind``: ``annual`` (年度目标) or ``midterm`` (中期目标, 实施期目标, 中期滚动目标).
    - ``start_year``/``end_year``: the years it covers (equal for an annual block); None when unprinted.
    - ``label``: the block's printed heading, e.g. ``中期目标（2021-2023年）``.
    """

    kind: str
    start_year: int | None = None
    end_year: int | None = None
    label: str | None = None
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RawRow:
    """A table row the interpreter could not place, kept as printed rather than dropped.

    ``cells`` are the row's texts left to right; ``reason`` says why it was not read;
    ``table`` is where the table was (``sheet 1``, ``page 3``) and ``row`` its 0-based row: like the
    span, where the row stands in one rendering, so they take no part in comparing records.
    """

    cells: tuple[str, ...]
    reason: str
    table: str = field(default="", compare=False)
    row: int | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False, repr=False)


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

    Fields the national and provincial templates add (None where the table has no such column):

    - ``level1_canonical``/``level2_canonical``: the framework name the printed level stands for:
      一级 产出 / 效益 / 满意度 / 成本 / 投入与管理 / 影响力; 二级 数量 / 质量 / 时效 / 成本 / 经济效益 /
      社会效益 / 生态效益 / 可持续影响 / 服务对象满意度 / 经济成本 / 社会成本 / 生态环境成本 ….
      ``level1``/``level2`` keep the printed label (less a score suffix). Derived from the label by
      the vocabulary (``ingest/parse/vocabulary.toml``), so left out of equality.
    - ``level1_weight``/``level2_weight``: points printed in the level's label, ``产出指标(50分)`` → 50
      (a range ``(0-20)分`` gives its top, 20).
    - ``weight``: 权重 or 分值, the points the indicator carries; ``score``: 得分, the points it earned.
    - ``actual_raw``: 实际完成值 as printed, parsed into ``actual_operator``/``actual_value``/
      ``actual_unit``/``actual_qualitative`` like the target.
    - ``deviation``: 偏差原因分析及改进措施, why the actual value missed the target and what will change.
    - ``direction``: 指标方向性, ``正向`` (more is better) or ``反向`` (less is better), or as printed.
    - ``standard``: 绩效标准, the benchmark the target is set from: 计划标准, 历史标准, 行业标准 ….
    - ``explanation``: 指标解释, how the indicator is defined or measured.
    - ``period``: the target block the row belongs to, ``annual`` or ``midterm`` (see ``Period``);
      None when the table has one block only.
    - ``spans``: source spans of these fields by name (``actual``, ``weight``, ``score`` …).
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
    level1_canonical: str | None = field(default=None, compare=False)
    level2_canonical: str | None = field(default=None, compare=False)
    level1_weight: Decimal | None = None
    level2_weight: Decimal | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    actual_raw: str | None = None
    actual_operator: str | None = None
    actual_value: Decimal | None = None
    actual_unit: str | None = None
    actual_qualitative: str | None = None
    deviation: str | None = None
    direction: str | None = None
    standard: str | None = None
    explanation: str | None = None
    period: str | None = None
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False, repr=False)


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

    - ``unit``: the unit that carries the project out (申报单位 / 实施单位), else its 预算部门.
    - ``kind``: the kind of table it was read from, one of ``TABLE_KINDS`` (申报, 审批, 批复, 自评, or
      目标表 for a plain target table such as the Shanghai one).
    - ``department``: 主管部门 / 预算部门, the budget department above ``unit``, when printed.
    - ``periods``: the target blocks the table holds (annual, mid-term), with their years.
    - ``unplaced``: rows that could not be read as a header field, budget line or indicator,
      kept as printed (each also gave a warning).
    - ``sections`` may hold the goal texts of ``GOAL_SECTION_LABELS`` (实施期绩效目标, 本年度绩效目标 …).
    - ``code``: 项目编码, the budget system's project code, when printed (alone or before the name,
      ``51000021R000000019951-工资性支出``); ``name`` is then the name without it.
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
    kind: str = KIND_TARGETS
    department: str | None = None
    periods: tuple[Period, ...] = ()
    unplaced: tuple[RawRow, ...] = ()
    code: str | None = None

    def section(self, key: str) -> str | None:
        """Text of a section by key (``overview``, ``legal_basis`` …), or None."""
        for s in self.sections:
            if s.key == key:
                return s.text
        return None


@dataclass(frozen=True)
class Department:
    """A whole department for one fiscal year, from a 部门整体支出绩效目标表 (not a project).

    - ``id``: stable, derived from code (or name) + year (``ingest.identifiers.department_id``).
    - ``name``: 部门名称 (or 单位名称); ``code``: 部门预算编码 / 部门编码, when printed.
    - ``total``/``project_spending``/``basic_spending``: 资金总额, 项目支出 and 基本支出 in yuan.
    - ``budget``: the same money by source of funds, one ``BudgetLine`` per purpose × source
      (``purpose`` 资金总额 / 基本支出 / 项目支出; ``source`` 财政拨款, 其他资金 …).
    - ``money_unit``: the unit the amounts were printed in (万元 / 元); left out of equality.
    - ``sections``: ``functions`` (部门职能), ``annual_duties`` (年度履职目标) and ``goal_1``…
      (目标1, 目标2 …, the numbered goals), as printed.
    - ``indicators``: the 年度绩效指标 rows, like a project's.
    - ``kind`` is always 整体支出; ``unplaced`` rows are kept as for a project.
    """

    id: str
    year: int | None
    name: str
    code: str | None = None
    total: Decimal | None = None
    project_spending: Decimal | None = None
    basic_spending: Decimal | None = None
    budget: tuple[BudgetLine, ...] = ()
    sections: tuple[Section, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    citations: tuple[Citation, ...] = ()
    periods: tuple[Period, ...] = ()
    unplaced: tuple[RawRow, ...] = ()
    kind: str = KIND_DEPARTMENT
    money_unit: str | None = field(default=None, compare=False)
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False, repr=False)
    source: Span | None = field(default=None, compare=False, repr=False)

    def section(self, key: str) -> str | None:
        """Text of a section by key (``annual_duties``, ``goal_1`` …), or None."""
        for s in self.sections:
            if s.key == key:
                return s.text
        return None
