"""What the national and provincial templates add, as RDF: the kind of table, target periods,
the budget by source of funds, actual values, weights, scores and deviation reasons of
indicators, the framework names of their levels, and rows that could not be placed.

Called by ``build`` for every project and department (``jx:Department``, a whole department's
整体支出 table). Every value keeps its source: a node derives (``prov:wasDerivedFrom``) from
the spans of its fields, and each field gets a ``jx:FieldProvenance`` like the Shanghai ones.
A field that is None (a column the template does not print) gives no triple, so the seed's
graph gains only its ``jx:tableKind``.

Example: ``add_budget_lines(g, iris.budget_iri(p.id), p.budget.sources, doc.text, doc.doc_id)``
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import NamedNode

from ontology import JX, PROV, RDF, RDFS, SKOS

from ingest import identifiers as iris
from ingest.graph.nodes import GraphWriter, add_field, span_node
from ingest.records import BudgetLine, Indicator, Period, RawRow, Span

FRAMEWORK_SCHEME_LABEL = "绩效指标标准框架"
# Narrative cells of the other templates (records.GOAL_SECTION_LABELS) -> property holding their text.
GOAL_SECTION_PROPERTIES = {
    "term_goal": JX.termGoal,
    "annual_goal": JX.annualGoal,
    "approval": JX.approval,
    "functions": JX.functions,
    "annual_duties": JX.annualDuties,
    "summary": JX.evaluationSummary,
}
_NUMBERED_GOAL = re.compile(r"goal_\d+")
# Indicator field -> property (None values give no triple).
INDICATOR_PROPERTIES = {
    "level1_weight": JX.level1Weight,
    "level2_weight": JX.level2Weight,
    "weight": JX.weight,
    "score": JX.earnedScore,
    "actual_raw": JX.actualRaw,
    "actual_operator": JX.actualOperator,
    "actual_value": JX.actualValue,
    "actual_unit": JX.actualUnit,
    "actual_qualitative": JX.actualQualitative,
    "deviation": JX.deviationReason,
    "direction": JX.direction,
    "standard": JX.performanceStandard,
    "explanation": JX.explanation,
}
# BudgetLine field -> property.
LINE_PROPERTIES = {
    "source": JX.fundSource,
    "source_key": JX.fundSourceKey,
    "purpose": JX.purpose,
    "planned": JX.planned,
    "adjusted": JX.adjusted,
    "executed": JX.executed,
    "rate": JX.reportedRate,
    "weight": JX.weight,
    "score": JX.earnedScore,
}
# Department amount -> property of its budget node.
DEPARTMENT_AMOUNTS = {"total": JX.total, "project_spending": JX.projectSpending, "basic_spending": JX.basicSpending}


def section_property(key: str) -> NamedNode | None:
    """The text property of one of the other templates' cells: ``annual_goal`` → jx:annualGoal,
    ``goal_2`` → jx:numberedGoal; None for a key it does not know."""
    if key in GOAL_SECTION_PROPERTIES:
        return GOAL_SECTION_PROPERTIES[key]
    return JX.numberedGoal if _NUMBERED_GOAL.fullmatch(key) else None


def add_table_kind(g: GraphWriter, s: str, kind: str | None) -> None:
    g.add(s, JX.tableKind, kind)


def add_periods(g: GraphWriter, s: str, periods: Iterable[Period], text: str, doc_id: str) -> None:
    """The target blocks of a project or department (annual, mid-term) with their years."""
    for period in periods:
        p = _period_node(g, s, period.kind)
        g.add(p, JX.startYear, period.start_year)
        g.add(p, JX.endYear, period.end_year)
        g.add(p, RDFS.label, period.label)
        g.link(p, PROV.wasDerivedFrom, span_node(g, period.span, text, doc_id))


def _period_node(g: GraphWriter, record: str, kind: str) -> str:
    p = iris.period_iri(record, kind)
    g.link(record, JX.hasPeriod, p)
    g.link(p, RDF.type, JX.Period)
    g.add(p, JX.periodKind, kind)
    return p


def add_budget_lines(g: GraphWriter, budget: str, lines: Iterable[BudgetLine], text: str, doc_id: str) -> None:
    """The budget by source of funds: one ``jx:BudgetLine`` per line (the total line included),
    planned / adjusted / executed in yuan, the printed rate as a fraction."""
    for n, line in enumerate(lines, start=1):
        s = iris.budget_line_iri(budget, n)
        g.link(budget, JX.hasBudgetLine, s)
        g.link(s, RDF.type, JX.BudgetLine)
        g.add(s, JX.position, n)
        for field, prop in LINE_PROPERTIES.items():
            g.add(s, prop, getattr(line, field))
        _add_spans(g, s, line.spans, text, doc_id)


def add_indicator_fields(g: GraphWriter, record: str, s: str, i: Indicator, text: str, doc_id: str) -> None:
    """The other templates' columns of one indicator row, its framework levels and its period."""
    for field, prop in INDICATOR_PROPERTIES.items():
        g.add(s, prop, getattr(i, field))
    level1 = _framework_concept(g, 1, i.level1_canonical, None)
    g.link(s, JX.level1Canonical, level1)
    g.link(s, JX.level2Canonical, _framework_concept(g, 2, i.level2_canonical, level1))
    if i.period:
        g.link(s, JX.period, _period_node(g, record, i.period))
    for field, span in sorted(i.spans.items()):
        add_field(g, s, field, span, text, doc_id)


def _framework_concept(g: GraphWriter, level: int, label: str | None, broader: str | None) -> str | None:
    """A name of the standard framework (产出, 数量 …) in its own scheme, level 2 under level 1."""
    if not label:
        return None
    c, scheme = iris.framework_concept_iri(level, label), iris.FRAMEWORK_SCHEME
    g.link(scheme, RDF.type, SKOS.ConceptScheme)
    g.add(scheme, SKOS.prefLabel, FRAMEWORK_SCHEME_LABEL)
    g.link(c, RDF.type, SKOS.Concept)
    g.add(c, SKOS.prefLabel, label)
    g.link(c, SKOS.inScheme, scheme)
    if level == 1:
        g.link(c, SKOS.topConceptOf, scheme)
        g.link(scheme, SKOS.hasTopConcept, c)
    else:
        g.link(c, SKOS.broader, broader)
    return c


def add_unplaced(g: GraphWriter, record: str, rows: Iterable[RawRow], text: str, doc_id: str) -> None:
    """Rows the interpreter could not place, kept as printed with the reason."""
    for n, row in enumerate(rows, start=1):
        s = iris.unplaced_row_iri(record, n)
        g.link(record, JX.hasUnplacedRow, s)
        g.link(s, RDF.type, JX.UnplacedRow)
        g.add(s, JX.rawText, " | ".join(row.cells))
        g.add(s, JX.reason, row.reason)
        g.add(s, JX.tableLabel, row.table)
        g.add(s, JX.rowIndex, row.row)
        g.link(s, PROV.wasDerivedFrom, span_node(g, row.span, text, doc_id))


def _add_spans(g: GraphWriter, s: str, spans: dict[str, Span], text: str, doc_id: str) -> None:
    """A node derives from the spans of its fields, and each field has its provenance node."""
    for field, span in sorted(spans.items()):
        g.link(s, PROV.wasDerivedFrom, span_node(g, span, text, doc_id))
        add_field(g, s, field, span, text, doc_id)
