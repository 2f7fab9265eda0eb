"""What a check sees of one project: the record, its framework, each indicator's framework levels,
the text its spans point into, the other projects (the same document's, and the corpus summary
that history and peers read), and a helper that makes
findings with the right IRI, section, span and cell text.

Example: ``ctx = Context.of(project, rules, doc_text=text); ctx.levels[0]`` → ``('投入与管理', '投入管理')``
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ingest import identifiers as iris
from ingest.records import Budget, Department, Indicator, Project, Span

from app.review.frameworks import SATISFACTION, Framework, detect, levels
from app.review.model import Finding, RuleBook

# framework 一级 → the part of the review sheet its indicators are listed under
LEVEL_SECTIONS = {"产出": "产出指标", "成本": "产出指标", "效益": "效益指标", "影响力": "效益指标",
                  "满意度": "满意度指标"}


# {values}: "" for every link, or a VALUES clause of indicator IRIs (app.review.stored.doc_support)
SUPPORT_QUERY = """PREFIX jx: <https://w3id.org/jixiao/ontology#>
SELECT DISTINCT ?indicator ?basis ?semantic ?lexical WHERE {{
  {values}
  GRAPH ?inferred {{   # each document's …/inferred graph: support links are not in the merged default graph
    ?link jx:indicator ?indicator ; a jx:SupportLink ; jx:basis ?basis ;
          jx:semanticScore ?semantic ; jx:lexicalScore ?lexical .
  }}
}}"""


@dataclass(frozen=True)
class Support:
    """How well one basis supports one indicator, as ingest stored it (``jx:SupportLink``):
    the raw e5 cosine of the two texts and the IDF-weighted bigram overlap, both absolute."""

    basis: str
    semantic: float
    lexical: float


def as_project(d: Department) -> Project:
    """A department's 整体支出 table seen as the review sees a project: its name is its unit, its
    total funds its budget (its lines by purpose are not a project's sources), its goals its goals."""
    return Project(id=d.id, year=d.year, name=d.name, unit=d.name, category=None, performance_type=None,
                   gov_purchase=None, start_date=None, end_date=None,
                   budget=Budget(total=d.total, current_year=d.total, money_unit=d.money_unit),
                   sections=d.sections, indicators=d.indicators, citations=d.citations, spans=dict(d.spans),
                   source=d.source, kind=d.kind, periods=d.periods, unplaced=d.unplaced, code=d.code)


@dataclass
class Context:
    project: Project
    rules: RuleBook
    framework: Framework | None
    levels: list[tuple[str | None, str | None]]
    doc_text: str | None = None
    corpus: Sequence[Project] = ()
    support: Mapping[str, Sequence[Support]] | None = None   # indicator IRI → links; None: not stored
    findings: list[Finding] = field(default_factory=list)
    department: bool = False          # a 部门整体支出 table (``as_project`` of a Department)
    record: Project | Department | None = None   # the record as read (the Department itself)
    summary: Any = None               # the corpus as history and peers read it (``summary.CorpusSummary``)

    @classmethod
    def of(cls, project: Project | Department, rules: RuleBook, doc_text: str | None = None,
           corpus: Sequence[Project] = (), support: Mapping[str, Sequence[Support]] | None = None,
           summary: Any = None) -> "Context":
        department = isinstance(project, Department)
        record = as_project(project) if department else project
        if summary is None:
            from app.review.summary import CorpusSummary
            summary = CorpusSummary.of(corpus)
        return cls(record, rules, detect(record.indicators), [levels(i) for i in record.indicators],
                   doc_text, corpus, support, department=department, record=project, summary=summary)

    # -- reading -----------------------------------------------------------------------------
    @property
    def iri(self) -> str:
        return iris.department_iri(self.project.id) if self.department else iris.project_iri(self.project.id)

    def indicator_iri(self, n: int) -> str:
        if self.department:
            return iris.department_indicator_iri(self.project.id, n)
        return iris.indicator_iri(self.project.id, n)

    def rows(self) -> list[tuple[int, Indicator, str | None, str | None]]:
        """(1-based row, indicator, 一级, 二级) of every indicator."""
        return [(n, i, *self.levels[n - 1]) for n, i in enumerate(self.project.indicators, start=1)]

    def cut(self, span: Span | None) -> str | None:
        """The source text of a span (the cell a finding points at), when the text is known."""
        if span is None or self.doc_text is None:
            return None
        return self.doc_text[span.start:span.end]

    def block(self, level1: Iterable[str] | None = None) -> Span | None:
        """The span of the indicator rows under these framework 一级 (all rows with None): where
        a finding about a missing or incomplete level points. None when the rows have no spans."""
        wanted = set(level1) if level1 is not None else None
        spans = [i.span for (l1, _), i in zip(self.levels, self.project.indicators)
                 if i.span is not None and (wanted is None or l1 in wanted)]
        if not spans:
            return None
        return Span(spans[0].doc, spans[0].file, min(s.start for s in spans), max(s.end for s in spans))

    def section_of(self, n: int) -> str | None:
        l1, l2 = self.levels[n - 1]
        if l2 == SATISFACTION:
            return "满意度指标"
        return LEVEL_SECTIONS.get(l1 or "")

    # -- writing -----------------------------------------------------------------------------
    def fire(self, rule_id: str, message: str | None = None, *, n: int | None = None, span: Span | None = None,
             text: str | None = None, detail: str = "", section: str | None = None, **values) -> Finding:
        """Record one finding of ``rule_id``: about indicator ``n`` (1-based) or the project.

        The message is the rule's, filled with ``values``, unless ``message`` is given. The
        span defaults to the indicator's row, else the project's table; ``text`` to the span's text.
        """
        rule = self.rules.rule(rule_id)
        ind = self.project.indicators[n - 1] if n else None
        span = span or (ind.span if ind is not None else None) or (None if n else self.project.source)
        if text is None:
            text = self.cut(span)
            if text is None and ind is not None:
                text = " ".join(x for x in (ind.level1, ind.level2, ind.name, ind.target_raw) if x)
        f = Finding(rule.id, rule.severity, self.project.id, self.project.name,
                    message if message is not None else rule.say(**values),
                    section or (self.section_of(n) if n else None) or rule.section,
                    self.indicator_iri(n) if n else self.iri,
                    ind.name if ind is not None else None, self.indicator_iri(n) if n else None,
                    span, text, detail, self.iri)
        self.findings.append(f)
        return f
