"""The structural review rules: SHACL shapes (``ontology/review.ttl``) run with pyshacl.

The data graph is the projects' graph as ingest writes it (``ingest.graph.build.document_quads``,
provenance nodes left out: the shapes do not read them) plus what the review read from each
table (:func:`reading_quads`): the framework, with the levels it requires, and every indicator's
framework levels. The same reading is stored in the review graph (``app/review/rdf.py``), so a
SPARQL query sees what the shapes saw. Each result becomes a finding of the rule the shape names
(``dcterms:identifier``), with the shape's Chinese ``sh:message``.

Example: ``shacl_findings(contexts, doc_texts)`` (called by ``app.review.engine.review``)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

from pyoxigraph import Quad

from ontology import DCTERMS, JX, RDF, RDFS, REVIEW_TTL, SKOS

from ingest import identifiers as iris
from ingest.graph.nodes import GraphWriter
from ingest.records import Project

from app.review.context import LEVEL_SECTIONS, Context
from app.review.frameworks import Framework, frameworks

SH = "http://www.w3.org/ns/shacl#"
_LEVEL_SECTIONS = dict(LEVEL_SECTIONS)
# the rows a project-level finding of a rule points at (its level's block; the whole table otherwise)
_BLOCKS = {"output_level2_missing": ("产出",), "missing_cost_indicator": ("产出", "成本"),
           "benefit_level2_missing": ("效益",)}


def concept_node(g: GraphWriter, level: int, label: str, defined: set | frozenset = frozenset()) -> str:
    """The framework concept (产出, 数量 …) the review reads a level as: the IRI ingest gives the
    same name (``iris.framework_concept_iri``), in the framework scheme; only linked when
    ``(level, label)`` is in ``defined`` (a document graph defines it already)."""
    c = iris.framework_concept_iri(level, label)
    if (level, label) in defined:
        return c
    g.link(c, RDF.type, SKOS.Concept)
    g.add(c, SKOS.prefLabel, label)
    g.link(c, SKOS.inScheme, iris.FRAMEWORK_SCHEME)
    if not defined:   # no document defines the scheme either
        g.link(iris.FRAMEWORK_SCHEME, RDF.type, SKOS.ConceptScheme)
    return c


def framework_quads(g: GraphWriter, f: Framework, defined: set | frozenset = frozenset()) -> str:
    """A framework and the levels it requires, from ``frameworks.toml``."""
    s = iris.review_framework_iri(f.id)
    g.link(s, RDF.type, JX.ReviewFramework)
    g.add(s, RDFS.label, f.label)
    g.add(s, DCTERMS.identifier, f.id)
    for label in f.level1:
        g.link(s, JX.requiresLevel1, concept_node(g, 1, label, defined))
    for label in f.output_level2:
        g.link(s, JX.requiresOutputLevel2, concept_node(g, 2, label, defined))
    for label in f.benefit_level2_any:
        g.link(s, JX.benefitLevel2, concept_node(g, 2, label, defined))
    for label in f.cost_level1:
        g.link(s, JX.costLevel1, concept_node(g, 1, label, defined))
    for label in f.cost_level2:
        g.link(s, JX.costLevel2, concept_node(g, 2, label, defined))
    return s


def reading_quads(g: GraphWriter, contexts: Iterable[Context], defined: set | frozenset = frozenset()) -> None:
    """What the review read from each table: its framework, each indicator's framework levels
    (``defined``: the concepts document graphs define, only linked)."""
    used = set()
    for ctx in contexts:
        if ctx.framework is None:
            continue
        if ctx.framework.id not in used:
            framework_quads(g, ctx.framework, defined)
            used.add(ctx.framework.id)
        g.link(ctx.iri, JX.reviewFramework, iris.review_framework_iri(ctx.framework.id))
        for n, _, l1, l2 in ctx.rows():
            if l1:
                g.link(ctx.indicator_iri(n), JX.reviewLevel1, concept_node(g, 1, l1, defined))
            if l2:
                g.link(ctx.indicator_iri(n), JX.reviewLevel2, concept_node(g, 2, l2, defined))


def fact_quads(projects: Sequence[Project], doc_texts: Mapping[str, str], departments: Sequence = ()) -> list[Quad]:
    """The records' graph as ingest writes it, less the provenance nodes the shapes do not read."""
    from ingest.graph.build import document_quads
    by_doc: dict[str, tuple[list, list]] = {}
    for p in projects:
        by_doc.setdefault(p.source.doc if p.source else "", ([], []))[0].append(p)
    for d in departments:
        by_doc.setdefault(d.source.doc if d.source else "", ([], []))[1].append(d)
    out = []
    for doc, (group, deps) in by_doc.items():
        text = doc_texts.get(doc) or ""
        first = (group or deps)[0]
        file = first.source.file if first.source else ""
        # no spans: building them was 40 % of this, for nodes no shape reads
        out += document_quads(doc or "unknown", file, text, group, deps, provenance=False)
    return out


@dataclass(frozen=True)
class Shape:
    """One node shape of ``review.ttl``: the rule it checks, its severity, its targets and its
    constraints (``sh:property`` with ``sh:path``/``sh:minCount``, ``sh:sparql`` SELECTs)."""

    iri: str
    rule: str
    severity: str
    target_classes: tuple[str, ...]
    target_subjects_of: tuple[str, ...]
    min_counts: tuple[tuple[str, int, str], ...]         # (path, minCount, message)
    selects: tuple[tuple[str, str], ...]                  # (query with its PREFIXes, message)


_SEVERITY = {SH + "Violation": "error", SH + "Warning": "warning", SH + "Info": "info"}
# What the evaluator below implements of SHACL; a shape using anything else is run by pyshacl.
_KNOWN = {str(RDF.type), str(RDFS.label), str(DCTERMS.identifier)} | {SH + x for x in (
    "targetClass", "targetSubjectsOf", "severity", "property", "sparql", "path", "minCount", "message",
    "select", "prefixes", "declare", "prefix", "namespace")}


@lru_cache(maxsize=1)
def shapes() -> tuple[tuple[Shape, ...], bool]:
    """The shapes of ``ontology/review.ttl``, and whether every one uses only what :func:`evaluate` implements."""
    import pyoxigraph as ox
    g = ox.Store()
    g.load(path=str(REVIEW_TTL), format=ox.RdfFormat.TURTLE)

    def rows(q: str) -> list[tuple[str, ...]]:
        return [tuple(None if v is None else v.value for v in s)
                for s in g.query(f"PREFIX sh: <{SH}> PREFIX dcterms: <{DCTERMS}> " + q)]

    declared = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in rows(
        "SELECT DISTINCT ?p ?ns WHERE { ?x sh:declare ?d . ?d sh:prefix ?p ; sh:namespace ?ns }"))
    out = []
    for s, rule, sev in rows("SELECT ?s ?id ?sev WHERE { ?s a sh:NodeShape ; dcterms:identifier ?id ; sh:severity ?sev }"):
        classes = tuple(r[0] for r in rows(f"SELECT ?c WHERE {{ <{s}> sh:targetClass ?c }}"))
        subjects = tuple(r[0] for r in rows(f"SELECT ?p WHERE {{ <{s}> sh:targetSubjectsOf ?p }}"))
        counts = tuple((p, int(k), m or "") for p, k, m in rows(
            f"SELECT ?p ?k ?m WHERE {{ <{s}> sh:property ?x . ?x sh:path ?p ; sh:minCount ?k . "
            f"OPTIONAL {{ ?x sh:message ?m FILTER(LANGMATCHES(LANG(?m), 'zh')) }} }}"))
        selects = tuple((declared + q, m or "") for q, m in rows(
            f"SELECT ?q ?m WHERE {{ <{s}> sh:sparql ?x . ?x sh:select ?q . "
            f"OPTIONAL {{ ?x sh:message ?m FILTER(LANGMATCHES(LANG(?m), 'zh')) }} }}"))
        out.append(Shape(s, rule, _SEVERITY[sev], classes, subjects, counts, selects))
    used = {r[0] for r in rows("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")}
    return tuple(out), used <= _KNOWN


def shape_rules() -> dict[str, str]:
    """shape IRI → the rule id it checks (``dcterms:identifier``)."""
    return {s.iri: s.rule for s in shapes()[0]}


def shape_severities() -> dict[str, str]:
    """rule id → ``error`` / ``warning`` / ``info`` as the shape's sh:severity says."""
    return {s.rule: s.severity for s in shapes()[0]}


_VAR = re.compile(r"\{[?$](\w+)\}")


def evaluate(quads: Sequence[Quad], rules: set[str]) -> list[tuple[str, str, str | None, str]]:
    """(rule, focus node, value node, message) of every result of the shapes of ``rules`` on ``quads``.

    Implements the part of SHACL the review shapes use, on Oxigraph: targets by class and by
    subject of a predicate, ``sh:minCount`` on a predicate path, and SPARQL SELECT constraints,
    evaluated once for all focus nodes with ``$this`` as a variable (the same solutions as
    pre-binding it for these queries, which have no sub-selects; ``tests/test_review.py``
    compares the results with pyshacl's). Messages get ``{?var}`` filled from the solution.
    """
    import pyoxigraph as ox
    store = ox.Store()
    store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads])
    out = []
    for shape in shapes()[0]:
        if shape.rule not in rules:
            continue
        focus: set[str] = set()
        for c in shape.target_classes:
            focus |= {s["x"].value for s in store.query(f"SELECT DISTINCT ?x WHERE {{ ?x a <{c}> }}")}
        for p in shape.target_subjects_of:
            focus |= {s["x"].value for s in store.query(f"SELECT DISTINCT ?x WHERE {{ ?x <{p}> ?o }}")}
        for path, k, message in shape.min_counts:
            have = {s["x"].value: int(s["n"].value) for s in store.query(
                f"SELECT ?x (COUNT(?o) AS ?n) WHERE {{ ?x <{path}> ?o }} GROUP BY ?x")}
            out += [(shape.rule, x, None, message) for x in sorted(focus) if have.get(x, 0) < k]
        for select, message in shape.selects:
            for solution in store.query(re.sub(r"\$this\b", "?this", select)):
                this = solution["this"]
                if this is None or this.value not in focus:
                    continue
                value = solution["value"] if "value" in _names(select) else None
                text = _VAR.sub(lambda m: _value(solution, m.group(1)), message)
                out.append((shape.rule, this.value, value.value if value is not None else None, text))
    return out


def _names(select: str) -> set[str]:
    head = select[select.upper().index("SELECT"):select.index("{")]
    return set(re.findall(r"[?$](\w+)", head))


def _value(solution, name: str) -> str:
    try:
        v = solution[name]
    except (KeyError, ValueError):
        return ""
    return "" if v is None else v.value


def evaluate_pyshacl(quads: Sequence[Quad], rules: set[str]) -> list[tuple[str, str, str | None, str]]:
    """The same results as :func:`evaluate`, computed by pyshacl (slow: it parses and runs each
    SPARQL constraint once per focus node). Used when a shape needs more of SHACL, and by the tests."""
    import pyshacl
    import rdflib
    from pyoxigraph import RdfFormat, serialize
    from rdflib import URIRef

    nt = serialize([q.triple for q in quads], format=RdfFormat.N_TRIPLES) or b""
    data = rdflib.Graph().parse(data=nt.decode("utf-8"), format="nt")
    shapes_graph = rdflib.Graph().parse(REVIEW_TTL, format="turtle")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", allow_warnings=True)
    by_iri = shape_rules()
    parent = {str(p): str(n) for n, p in shapes_graph.subject_objects(URIRef(SH + "property"))}
    out = []
    for r in results.subjects(URIRef(str(RDF.type)), URIRef(SH + "ValidationResult")):
        shape = str(results.value(r, URIRef(SH + "sourceShape")))
        rule = by_iri.get(shape) or by_iri.get(parent.get(shape, ""))
        if rule not in rules:
            continue
        value = results.value(r, URIRef(SH + "value"))
        focus = str(results.value(r, URIRef(SH + "focusNode")))
        message = _VAR.sub("", str(results.value(r, URIRef(SH + "resultMessage")) or ""))
        out.append((rule, focus, None if value is None or str(value) == focus else str(value), message))
    return out


def shacl_findings(contexts: Sequence[Context], doc_texts: Mapping[str, str], engine: str = "oxigraph") -> None:
    """Run the shapes of the rules the contexts' rule book checks with SHACL; findings go to each context.

    ``engine``: ``oxigraph`` (:func:`evaluate`; pyshacl when a shape needs more) or ``pyshacl``.
    """
    if not contexts:
        return
    book = contexts[0].rules
    wanted = {r.id for r in book.rules.values() if r.check == "shacl"}
    if not wanted:
        return
    run = evaluate if engine == "oxigraph" and shapes()[1] else evaluate_pyshacl
    # one document at a time: every shape reads one table's nodes (its indicators, periods, the
    # framework read from it), so the results are those of all of them at once, and the data
    # graph stays the size of a document (all at once it grew past 30 minutes at 1,000 projects)
    by_doc: dict[str, list[Context]] = {}
    for c in contexts:
        by_doc.setdefault(c.project.source.doc if c.project.source else "", []).append(c)
    results, labels = [], {}
    for group in by_doc.values():
        reading = GraphWriter(iris.REVIEW_GRAPH)
        reading_quads(reading, group)
        quads = fact_quads([c.project for c in group if not c.department], doc_texts,
                           [c.record for c in group if c.department]) + reading.out()
        results += run(quads, wanted)
        labels.update({q.subject.value: q.object.value for q in reading.out()
                       if q.predicate.value == str(SKOS.prefLabel)})
    by_project = {c.iri: c for c in contexts}
    seen = set()
    for rule, focus, value, message in sorted(results):
        message = " ".join(message.split())
        project_iri, n = _split(focus)
        if value is not None and "/indicator/" in value:
            project_iri, n = _split(value)
        ctx = by_project.get(project_iri)
        if ctx is None or (rule, project_iri, n, message) in seen:
            continue
        seen.add((rule, project_iri, n, message))
        section = _LEVEL_SECTIONS.get(labels.get(value or "", "")) if n is None else None
        span = None if n is not None else ctx.block(_BLOCKS.get(rule)) or ctx.block()
        ctx.fire(rule, message or book.rule(rule).title, n=n, span=span, detail=message, section=section)


def _split(iri: str) -> tuple[str, int | None]:
    """(project IRI, indicator row) of an indicator IRI; (IRI, None) of a project's."""
    head, sep, tail = iri.rpartition("/indicator/")
    return (head, int(tail)) if sep and tail.isdigit() else (iri, None)
