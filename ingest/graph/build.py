"""Records -> RDF quads: one named graph per source document.

Pure mapping from ``ingest.records`` to pyoxigraph quads (the store writes them
through Oxigraph's own loader). Every IRI comes from ``ingest.identifiers`` and every
literal is in canonical form, so mapping the same document twice gives the same
quads and re-ingest is idempotent. There are no blank nodes. The vocabulary is
``ontology/jixiao.ttl``; the shapes the output must satisfy are
``ontology/shapes.ttl`` (see :func:`validate`).

Example: ``quads = document_quads(doc.doc_id, doc.name, doc.text, result.projects)``
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal

from pyoxigraph import Quad

from ontology import DCTERMS, ELI, JX, PROV, RDF

from ingest import identifiers as iris
from ingest.graph.nodes import GraphWriter, add_concept, add_field, add_org, span_node
from ingest.graph.nodes import add_span, decimal_lexical, literal  # noqa: F401 (re-exported)
from ingest.graph.summary import add_summaries
from ingest.graph.templates import (DEPARTMENT_AMOUNTS, add_budget_lines, add_indicator_fields, add_periods,
                                    add_table_kind, add_unplaced, section_property)
from ingest.legal.citations import BASIS_SECTIONS
from ingest.legal.resolve import canonical_title
from ingest.records import BUDGET_FIELDS, Budget, Citation, Department, Indicator, Project, Section, Span

# Section key (records.SECTION_LABELS) -> property holding its text.
SECTION_PROPERTIES = {
    "overview": JX.overview,
    "legal_basis": JX.legalBasisText,
    "necessity": JX.necessity,
    "safeguards": JX.safeguards,
    "plan": JX.plan,
    "goals": JX.goals,
}
# Budget field -> property holding its amount, its name in camel case: current_year -> jx:currentYear.
BUDGET_PROPERTIES = {f: JX[re.sub(r"_([a-z])", lambda m: m.group(1).upper(), f)] for f in BUDGET_FIELDS}
CURRENCY = "CNY"
RATE_QUANTUM = Decimal("0.000001")  # execution rates are rounded to six decimals


def document_meta_quads(doc_id: str, file: str, text: str) -> list[Quad]:
    """The source-document node: file name, document id and length of the normalized text.

    Example: ``document_meta_quads(doc.doc_id, doc.name, doc.text)``
    """
    g = GraphWriter(iris.graph_iri(doc_id))
    _add_document(g, doc_id, file, text)
    return g.out()


def _add_document(g: GraphWriter, doc_id: str, file: str, text: str) -> None:
    d = iris.doc_iri(doc_id)
    g.link(d, RDF.type, JX.SourceDocument)
    g.link(d, RDF.type, PROV.Entity)
    g.add(d, DCTERMS.identifier, doc_id)
    g.add(d, DCTERMS.source, file)
    g.add(d, JX.charLength, len(text))


def document_quads(doc_id: str, file: str, text: str, projects: Iterable[Project],
                   departments: Iterable[Department] = (), provenance: bool = True) -> list[Quad]:
    """All quads of one document: its node and every project (and department, from a 整体支出
    table) in it, and its summary rows (``ingest.graph.summary``), in graph ``JXD:graph/{doc_id}``.
    ``provenance=False`` leaves out the spans and field-provenance nodes (the facts alone).

    Example: ``store.extend(document_quads(doc.doc_id, doc.name, doc.text, result.projects, result.departments))``
    """
    g = GraphWriter(iris.graph_iri(doc_id), provenance)
    _add_document(g, doc_id, file, text)
    projects, departments = list(projects), list(departments)
    key = _resolution_key_function([*projects, *departments])
    for project in projects:
        _add_project(g, project, text, doc_id, key)
    for department in departments:
        _add_department(g, department, text, doc_id, key)
    add_summaries(g, doc_id)   # the document's share of the corpus-wide aggregates (ingest.graph.summary)
    return g.out()


def project_quads(project: Project, doc_text: str, doc_id: str | None = None) -> list[Quad]:
    """Quads of one project read from ``doc_text`` (the normalized text its spans refer to).

    ``doc_id`` defaults to the hash of ``doc_text``. Raises ``ValueError`` when a span
    of the project refers to another document.
    Example: ``project_quads(result.projects[0], doc.text)``
    """
    doc_id = doc_id or iris.document_id(doc_text)
    g = GraphWriter(iris.graph_iri(doc_id))
    _add_project(g, project, doc_text, doc_id, _resolution_key_function([project]))
    return g.out()


def _resolution_key_function(projects: Iterable[Project | Department] = ()) -> Callable[[Citation], str | None]:
    """One key per law: a title cited without its number joins the node of the same
    title cited with a number elsewhere in the same document (projects and departments)."""
    from ingest.legal.resolve import resolution_key, title_index
    known = title_index(c for p in projects for c in p.citations)

    def key(c: Citation) -> str | None:
        try:
            return resolution_key(c, known)
        except ValueError:  # neither a title nor a number: nothing to resolve to
            return None
    return key


def _add_project(g: GraphWriter, p: Project, text: str, doc_id: str,
                 key: Callable[[Citation], str | None]) -> None:
    s = iris.project_iri(p.id)
    g.link(s, RDF.type, JX.Project)
    g.add(s, DCTERMS.identifier, p.id)
    g.add(s, JX.name, p.name)
    g.add(s, JX.year, p.year)
    g.link(s, JX.unit, add_org(g, p.unit))
    g.add(s, JX.category, p.category)
    g.add(s, JX.performanceType, p.performance_type)
    g.add(s, JX.govPurchase, p.gov_purchase)
    g.add(s, JX.startDate, p.start_date)
    g.add(s, JX.endDate, p.end_date)
    add_table_kind(g, s, p.kind)
    g.link(s, JX.budgetDepartment, add_org(g, p.department))
    g.link(s, PROV.hadPrimarySource, iris.doc_iri(doc_id))
    g.link(s, PROV.wasDerivedFrom, span_node(g, p.source, text, doc_id))
    for field, span in sorted(p.spans.items()):
        if field not in BUDGET_PROPERTIES:  # budget amounts trace from the budget node
            add_field(g, s, field, span, text, doc_id)
    _add_sections(g, s, p.sections, text, doc_id)
    add_periods(g, s, p.periods, text, doc_id)
    budget_spans = {k: v for k, v in p.spans.items() if k in BUDGET_PROPERTIES} | p.budget.spans
    _add_budget(g, s, p.id, p.budget, budget_spans, text, doc_id)
    for n, indicator in enumerate(p.indicators, start=1):
        _add_indicator(g, s, iris.indicator_iri(p.id, n), n, indicator, text, doc_id)
    for n, citation in enumerate(p.citations, start=1):
        _add_citation(g, s, iris.citation_iri(p.id, n), citation, key(citation), text, doc_id)
    add_unplaced(g, s, p.unplaced, text, doc_id)


def _add_sections(g: GraphWriter, s: str, sections: Iterable[Section], text: str, doc_id: str) -> None:
    """Each narrative cell as its text property (jx:sectionText for a key no template names)."""
    for section in sections:
        g.add(s, SECTION_PROPERTIES.get(section.key) or section_property(section.key) or JX.sectionText,
              section.text)
        add_field(g, s, section.key, section.span, text, doc_id, section.inferred_start)
        if section.key == "plan":
            _add_plan_phases(g, s, section, text, doc_id)


def _add_department(g: GraphWriter, d: Department, text: str, doc_id: str,
                    key: Callable[[Citation], str | None]) -> None:
    """A whole department's 整体支出 table: a jx:Department (not a project), its jx:unit the
    department itself, its money in one jx:Budget with lines by purpose and source."""
    s = iris.department_iri(d.id)
    g.link(s, RDF.type, JX.Department)
    g.add(s, DCTERMS.identifier, d.id)
    g.add(s, JX.name, d.name)
    g.add(s, JX.year, d.year)
    g.link(s, JX.unit, add_org(g, d.name))
    g.add(s, JX.departmentCode, d.code)
    add_table_kind(g, s, d.kind)
    g.link(s, PROV.hadPrimarySource, iris.doc_iri(doc_id))
    g.link(s, PROV.wasDerivedFrom, span_node(g, d.source, text, doc_id))
    for field, span in sorted(d.spans.items()):
        if field not in DEPARTMENT_AMOUNTS:  # amounts trace from the budget node
            add_field(g, s, field, span, text, doc_id)
    _add_sections(g, s, d.sections, text, doc_id)
    add_periods(g, s, d.periods, text, doc_id)
    if d.budget or any(getattr(d, f) is not None for f in DEPARTMENT_AMOUNTS):
        b = iris.department_budget_iri(d.id)
        g.link(s, JX.hasBudget, b)
        g.link(b, RDF.type, JX.Budget)
        g.add(b, JX.currency, CURRENCY)
        g.add(b, JX.moneyUnit, d.money_unit)
        for field, prop in DEPARTMENT_AMOUNTS.items():
            g.add(b, prop, getattr(d, field))
        for field, span in sorted(d.spans.items()):
            if field in DEPARTMENT_AMOUNTS:
                g.link(b, PROV.wasDerivedFrom, span_node(g, span, text, doc_id))
                add_field(g, b, field, span, text, doc_id)
        add_budget_lines(g, b, d.budget, text, doc_id)
    for n, indicator in enumerate(d.indicators, start=1):
        _add_indicator(g, s, iris.department_indicator_iri(d.id, n), n, indicator, text, doc_id)
    for n, citation in enumerate(d.citations, start=1):
        _add_citation(g, s, iris.department_citation_iri(d.id, n), citation, key(citation), text, doc_id)
    add_unplaced(g, s, d.unplaced, text, doc_id)


def _add_plan_phases(g: GraphWriter, project: str, section, text: str, doc_id: str) -> None:
    """The phases of 项目实施计划 (name, start, end as printed), each with its source span."""
    from ingest.parse.layout import align
    from ingest.parse.plan import plan_phases
    phases = plan_phases(section.text)
    offsets = (align(text, section.span.start, section.span.end, section.text)
               if phases and section.span is not None else None)
    for ph in phases:
        s = f"{project}/plan/{ph.position}"
        g.link(project, JX.hasPlanPhase, s)
        g.link(s, RDF.type, JX.PlanPhase)
        g.add(s, JX.phaseOrder, ph.position)
        g.add(s, JX.phaseName, ph.name)
        g.add(s, JX.phaseStart, ph.start)
        g.add(s, JX.phaseEnd, ph.end)
        span = section.span
        if offsets is not None and span is not None:
            span = Span(span.doc, span.file, offsets[ph.start_offset], offsets[ph.end_offset - 1] + 1)
        g.link(s, PROV.wasDerivedFrom, span_node(g, span, text, doc_id))


def _add_budget(g: GraphWriter, project: str, pid: str, b: Budget, spans: dict[str, Span], text: str,
                doc_id: str) -> None:
    s = iris.budget_iri(pid)
    g.link(project, JX.hasBudget, s)
    g.link(s, RDF.type, JX.Budget)
    g.add(s, JX.currency, CURRENCY)
    for field, prop in BUDGET_PROPERTIES.items():
        g.add(s, prop, getattr(b, field))
    rate = b.execution_rate
    # a rate is only written when it is a sane number: an absurd amount (flagged and left out by
    # ingest.parse.bounds) must not make quantize() raise, nor Oxigraph store what it cannot hold
    if rate is not None and rate.is_finite() and rate.adjusted() < 12:
        g.add(s, JX.executionRate, rate.quantize(RATE_QUANTUM, rounding=ROUND_HALF_EVEN))
    for field, span in sorted(spans.items()):
        g.link(s, PROV.wasDerivedFrom, span_node(g, span, text, doc_id))
        add_field(g, s, field, span, text, doc_id)
    g.add(s, JX.moneyUnit, b.money_unit)
    add_budget_lines(g, s, b.sources, text, doc_id)


def _add_indicator(g: GraphWriter, project: str, s: str, n: int, i: Indicator, text: str,
                   doc_id: str) -> None:
    level1 = add_concept(g, i.level1, None)
    level2 = add_concept(g, i.level2, level1)
    g.link(project, JX.hasIndicator, s)
    g.link(s, RDF.type, JX.Indicator)
    g.add(s, JX.position, n)
    g.add(s, JX.name, i.name)
    g.link(s, JX.level1, level1)
    g.link(s, JX.level2, level2)
    g.add(s, JX.targetRaw, i.target_raw)
    g.add(s, JX.operator, i.operator)
    g.add(s, JX.value, i.value)
    g.add(s, JX.valueUnit, i.unit)
    g.add(s, JX.qualitative, i.qualitative)
    g.add(s, JX.irregular, bool(i.flags))
    for flag in i.flags:
        g.add(s, JX.flag, flag)
    g.link(s, PROV.wasDerivedFrom, span_node(g, i.span, text, doc_id))
    add_indicator_fields(g, project, s, i, text, doc_id)


def _add_citation(g: GraphWriter, project: str, s: str, c: Citation, key: str | None, text: str,
                  doc_id: str) -> None:
    if not key:  # nothing to resolve the citation to (no title, no document number)
        return
    law = iris.legal_iri(key)
    g.link(law, RDF.type, ELI.LegalResource)
    # one title per law node: 《计量法》 and 《中华人民共和国计量法》 are the same work
    g.add(law, DCTERMS.title, canonical_title(c.title) if c.title else None)
    g.add(law, JX.docNumber, c.doc_number)
    g.add(law, JX.level, c.level)
    g.link(law, ELI.passed_by, add_org(g, c.issuer))
    target = law
    if c.article_num is not None:
        target = iris.article_iri(law, c.article_num)
        g.link(target, RDF.type, ELI.LegalResource)
        g.link(target, RDF.type, ELI.LegalResourceSubdivision)
        g.link(target, ELI.is_part_of, law)
        g.add(target, ELI.id_local, c.article)
        g.add(target, JX.articleNumber, c.article_num)
        g.link(project, ELI.cites, target)
    g.add(target, JX.quote, c.quote)
    g.link(project, ELI.cites, law)
    if c.section in BASIS_SECTIONS:
        g.link(project, ELI.based_on, law)
    g.link(s, RDF.type, JX.Citation)
    g.link(s, JX.citingProject, project)
    g.link(s, JX.cites, target)
    g.add(s, JX.quote, c.quote)
    g.add(s, JX.section, c.section)
    g.link(s, PROV.wasDerivedFrom, span_node(g, c.span, text, doc_id))


def validate(quads: Iterable[Quad]) -> tuple[bool, str]:
    """Check quads (graphs merged) against ``ontology/shapes.ttl``; returns (conforms, report text).

    Example: ``ok, report = validate(document_quads(...))``
    """
    import pyshacl
    import rdflib
    from pyoxigraph import RdfFormat, serialize

    from ontology import SHAPES_TTL

    nt = serialize([q.triple for q in quads], format=RdfFormat.N_TRIPLES) or b""
    data = rdflib.Graph().parse(data=nt.decode("utf-8"), format="nt")
    shapes = rdflib.Graph().parse(SHAPES_TTL, format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    return bool(conforms), str(report)
