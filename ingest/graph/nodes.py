"""The nodes every RDF mapping writes: the quad writer, typed literals, spans, field provenance,
organisations and indicator-level concepts.

Shared by ``build`` (projects, budgets, indicators, citations), ``templates`` (departments,
budget lines, periods and the other templates' indicator fields) and the support links'
inferred graph (``ingest.support.rdf``). Every IRI comes from ``ingest.identifiers``; every
literal is in canonical form, so writing the same record twice gives the same quads.

Example: ``g = GraphWriter(iris.graph_iri(doc_id)); add_org(g, "上海市计量测试技术研究院"); g.out()``
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from ontology import JX, OA, ORG, PROV, RDF, SKOS, XSD

from ingest import identifiers as iris
from ingest.records import Span

INDICATOR_SCHEME_LABEL = "绩效指标层级"


def _xsd(name: str) -> NamedNode:
    return NamedNode(str(XSD[name]))


def decimal_lexical(value: Decimal) -> str:
    """Canonical xsd:decimal form (no exponent, no trailing zeros), as Oxigraph stores it.

    Example:
        >>> decimal_lexical(Decimal("1.2E+3"))
        '1200'
    """
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def literal(value: object) -> Literal:
    """A typed literal: str, bool, int, Decimal and date map to their XSD datatypes."""
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=_xsd("boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=_xsd("integer"))
    if isinstance(value, Decimal):
        return Literal(decimal_lexical(value), datatype=_xsd("decimal"))
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=_xsd("date"))
    if isinstance(value, str):
        return Literal(value)
    raise TypeError(f"no RDF literal for {type(value).__name__}: {value!r}")


class GraphWriter:
    """Collects the quads of one named graph: the one RDF writer (document graphs and the
    support links' ``…/inferred`` graphs). Skips ``None`` and empty objects, keeps the
    first of duplicates, turns Python values into typed literals (:func:`literal`).

    Example: ``g = GraphWriter(iris.graph_iri(doc_id)); g.add(s, JX.name, "时频实验室运维费"); g.out()``
    """

    def __init__(self, graph: str, provenance: bool = True):
        self.graph = NamedNode(graph)
        self.quads: dict[Quad, None] = {}
        # False: the facts alone, no span or field-provenance nodes (what the review's shapes read)
        self.provenance = provenance
        # each IRI made (and checked) once: a node has ten triples or so, a predicate thousands
        self._nodes: dict[str, NamedNode] = {}

    def _node(self, iri: str) -> NamedNode:
        node = self._nodes.get(iri)
        if node is None:
            node = self._nodes[iri] = NamedNode(str(iri))
        return node

    def add(self, s: str, p: str, o: object) -> None:
        if o is None or o == "":
            return
        if not isinstance(o, (NamedNode, Literal)):
            o = literal(o)
        self.quads[Quad(self._node(s), self._node(p), o, self.graph)] = None

    def link(self, s: str, p: str, o: str | None) -> None:
        if o is not None:
            self.add(s, p, self._node(o))

    def out(self) -> list[Quad]:
        return list(self.quads)


def span_node(g: GraphWriter, span: Span | None, text: str, doc_id: str) -> str | None:
    """Mint the oa:SpecificResource of a span (with its two selectors) and return its IRI
    (None, and nothing minted, for no span or a writer without provenance)."""
    if span is None or not g.provenance:
        return None
    if span.doc != doc_id:
        raise ValueError(f"span {span.start}-{span.end} refers to document {span.doc}, "
                         f"not {doc_id}: map a project with the text its spans were read from")
    return add_span(g, doc_id, span.start, span.end, text[span.start:span.end])


def add_span(g: GraphWriter, doc_id: str, start: int, end: int, exact: str) -> str:
    """The ``oa:SpecificResource`` of characters ``[start, end)`` of a document, with its position
    and quote selectors (``exact`` is the quoted text, kept even when empty); returns its IRI."""
    s = iris.span_iri(doc_id, start, end)
    pos, quote = iris.position_selector_iri(s), iris.quote_selector_iri(s)
    g.link(s, RDF.type, OA.SpecificResource)
    g.link(s, OA.hasSource, iris.doc_iri(doc_id))
    g.link(s, OA.hasSelector, pos)
    g.link(s, OA.hasSelector, quote)
    g.link(pos, RDF.type, OA.TextPositionSelector)
    g.add(pos, OA.start, start)
    g.add(pos, OA.end, end)
    g.link(quote, RDF.type, OA.TextQuoteSelector)
    g.quads[Quad(NamedNode(quote), NamedNode(str(OA.exact)), Literal(exact), g.graph)] = None
    return s


def add_field(g: GraphWriter, subject: str, field: str, span: Span | None, text: str, doc_id: str,
               inferred_start: bool = False) -> None:
    s = span_node(g, span, text, doc_id)
    if s is None:
        return
    fp = iris.field_iri(subject, field)
    g.link(subject, JX.fieldProvenance, fp)
    g.link(fp, RDF.type, JX.FieldProvenance)
    g.add(fp, JX.field, field)
    g.link(fp, PROV.wasDerivedFrom, s)
    if inferred_start:
        g.add(fp, JX.inferredStart, True)


def add_org(g: GraphWriter, name: str | None) -> str | None:
    if not name:
        return None
    o = iris.org_iri(name)
    g.link(o, RDF.type, ORG.Organization)
    g.add(o, SKOS.prefLabel, name)
    return o


def add_concept(g: GraphWriter, label: str | None, broader: str | None) -> str | None:
    if not label:
        return None
    c, scheme = iris.concept_iri(label), iris.INDICATOR_SCHEME
    g.link(scheme, RDF.type, SKOS.ConceptScheme)
    g.add(scheme, SKOS.prefLabel, INDICATOR_SCHEME_LABEL)
    g.link(c, RDF.type, SKOS.Concept)
    g.add(c, SKOS.prefLabel, label)
    g.link(c, SKOS.inScheme, scheme)
    if broader is None:
        g.link(c, SKOS.topConceptOf, scheme)
        g.link(scheme, SKOS.hasTopConcept, c)
    else:
        g.link(c, SKOS.broader, broader)
    return c
