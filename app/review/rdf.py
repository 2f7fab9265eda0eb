"""A review as RDF: a named graph apart from what the documents state (``jxd:graph/review`` for an
in-memory review; a knowledge base stores the rules there and each document's review in
``jxd:graph/review/{doc_id}``, ``app/review/stored.py``).

It holds the run (a ``jx:ReviewRun``, ``prov:Activity``), every rule (``jx:ReviewRule``: id,
title, severity as the SHACL severity IRI, group, sources, clause), what the review read from
each table (its framework and each indicator's framework levels, as the SHACL shapes saw them)
and every finding (``jx:Finding``: rule, severity, project, indicator, Chinese message, review-
sheet section, the cell's text, ``prov:wasDerivedFrom`` the cell's span, ``prov:wasGeneratedBy``
the run). ``ontology/queries/projects_missing_cost_indicator.rq`` reads it.

Example: ``store.replace_graph(iris.REVIEW_GRAPH, review_quads(rv, doc_texts))``
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

from pyoxigraph import Literal, NamedNode, Quad

from ontology import DCTERMS, JX, PROV, RDF, RDFS, XSD

from ingest import identifiers as iris
from ingest.graph.nodes import GraphWriter, add_span

from app.review.context import Context
from app.review.model import Review, RuleBook
from app.review.shacl import SH, reading_quads

SEVERITY_IRIS = {"error": SH + "Violation", "warning": SH + "Warning", "info": SH + "Info"}


def _zh(g: GraphWriter, s: str, p, text: str | None) -> None:
    if text:
        g.quads[Quad(NamedNode(s), NamedNode(str(p)), Literal(text, language="zh"), g.graph)] = None


def rule_quads(g: GraphWriter, rules: RuleBook) -> None:
    """Every rule of the rule book: id, title, severity, group, clause, sources."""
    for rule in rules.rules.values():
        r = iris.review_rule_iri(rule.id)
        g.link(r, RDF.type, JX.ReviewRule)
        g.add(r, DCTERMS.identifier, rule.id)
        _zh(g, r, DCTERMS.title, rule.title)
        g.link(r, JX.severity, SEVERITY_IRIS[rule.severity])
        g.add(r, JX.ruleGroup, rule.group)
        g.add(r, JX.clause, rule.clause)
        for source in rule.sources:
            g.add(r, DCTERMS.source, source.citation)


def rulebook_quads(rules: RuleBook) -> list[Quad]:
    """The graph ``jxd:graph/review`` of a stored review: the rules the documents' reviews name."""
    g = GraphWriter(iris.REVIEW_GRAPH)
    rule_quads(g, rules)
    return g.out()


def review_quads(rv: Review, contexts: list[Context] | None = None, doc_texts: Mapping[str, str] | None = None,
                 started: datetime | None = None, graph: str = iris.REVIEW_GRAPH, rules: bool = True) -> list[Quad]:
    """Every quad of the review graph for ``rv`` (``contexts``: what the review read, for the
    framework and level triples; ``doc_texts``: the documents, for the cells' span nodes) in
    ``graph``; ``rules`` False leaves the rule nodes out (a stored review keeps them once, in
    ``jxd:graph/review``, and each document's review in ``jxd:graph/review/{doc_id}``: no triple is
    in two graphs, so a query reads a finding in its graph and its rule's id in the default graph)."""
    g = GraphWriter(graph)
    doc_texts = doc_texts or {}
    run = rv.run
    g.link(run, RDF.type, JX.ReviewRun)
    g.link(run, RDF.type, PROV.Activity)
    g.add(run, RDFS.label, "绩效目标审核")
    g.add(run, JX.rulesVersion, rv.rules.version)
    when = (started or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    g.quads[Quad(NamedNode(run), NamedNode(str(PROV.startedAtTime)),
                 Literal(when, datatype=NamedNode(str(XSD.dateTime))), g.graph)] = None
    for doc in sorted({p.source.doc for p in rv.projects if p.source}):
        g.link(run, PROV.used, iris.doc_iri(doc))
    if rules:
        rule_quads(g, rv.rules)
    if contexts:
        # the framework concepts a document graph already defines (ingest writes the canonical levels
        # of the records that have them) are only linked here, so no triple is in two graphs
        defined = {(1, i.level1_canonical) for c in contexts for i in c.project.indicators if i.level1_canonical} | \
                  {(2, i.level2_canonical) for c in contexts for i in c.project.indicators if i.level2_canonical}
        reading_quads(g, contexts, defined)
    stated = _stated_spans(contexts or [])
    for p in rv.projects:
        for f in p.findings:
            s = iris.finding_iri(f.rule, f.subject, f.detail)
            g.link(s, RDF.type, JX.Finding)
            g.link(s, RDF.type, PROV.Entity)
            g.link(s, JX.rule, iris.review_rule_iri(f.rule))
            g.link(s, JX.severity, SEVERITY_IRIS[f.severity])
            g.link(s, JX.aboutProject, f.record or iris.project_iri(f.project_id))
            g.link(s, JX.aboutIndicator, f.indicator_iri)
            _zh(g, s, JX.message, f.message)
            g.add(s, JX.sheetSection, f.section)
            g.add(s, JX.cellText, f.text)
            g.link(s, PROV.wasGeneratedBy, run)
            span = f.span
            text = doc_texts.get(span.doc) if span is not None else None
            if span is None or text is None or not 0 <= span.start <= span.end <= len(text):
                continue
            if (span.doc, span.start, span.end) in stated:   # the document graph has this span node
                g.link(s, PROV.wasDerivedFrom, iris.span_iri(span.doc, span.start, span.end))
            else:
                g.link(s, PROV.wasDerivedFrom, add_span(g, span.doc, span.start, span.end, text[span.start:span.end]))
    return g.out()


def _stated_spans(contexts) -> set[tuple[str, int, int]]:
    """The spans the document graphs hold span nodes for: each record's own spans (its table, its
    fields, sections, indicators, citations, budget lines)."""
    out = set()

    def add(span):
        if span is not None:
            out.add((span.doc, span.start, span.end))
    for c in contexts:
        p = c.project
        add(p.source)
        for span in (*p.spans.values(), *p.budget.spans.values()):
            add(span)
        for x in (*p.sections, *p.citations, *p.periods, *p.unplaced):
            add(x.span)
        for i in p.indicators:
            add(i.span)
            for span in i.spans.values():
                add(span)
        for line in p.budget.sources:
            for span in line.spans.values():
                add(span)
    return out
