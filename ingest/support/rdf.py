"""Support links as RDF: ``jx:SupportLink`` nodes in a document's ``…/inferred`` graph.

Inferred links are kept in their own named graph, apart from what the document
states, so a query can always tell the two apart and removing a document removes both.
:func:`support_quads` writes them (at ingest, with the encoder); :func:`stored_links`
reads them back (at trace time, with no encoder), from the embedded store or a remote
endpoint alike: the graph is the one source of truth for the ranking.

Example: ``store.replace_graph(inferred_graph_iri(doc.doc_id), support_quads(doc.doc_id, projects, links))``
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable, Sequence

from ingest import identifiers as iris
from ingest.identifiers import inferred_graph_iri
from ingest.records import Project, Span
from ingest.support.score import LEXICAL_WEIGHT, METHOD, SCORE_DECIMALS, SEMANTIC_WEIGHT, SupportLink



def support_link_iri(indicator_iri: str, basis_iri: str) -> str:
    """One link node per (indicator, basis): stable across re-ingest whatever the score."""
    return f"{indicator_iri}/support/{iris.digest(basis_iri, 12)}"


def activity_iri(method: str = METHOD) -> str:
    """The ``prov:Activity`` that generated links with ``method``."""
    return f"{iris.BASE}activity/support/{re.sub(r'[^A-Za-z0-9._-]+', '-', method)}"


def support_quads(doc_id: str, projects: Sequence[Project], links: Iterable[SupportLink],
                  encoder_name: str | None = None) -> list:
    """The links as ``jx:SupportLink`` nodes in graph ``{graph_iri(doc_id)}/inferred``.

    Each node: ``jx:indicator``, ``jx:basis``, ``jx:score`` (xsd:decimal), ``jx:semanticScore``,
    ``jx:lexicalScore``, ``jx:rank``, ``jx:method``, ``jx:granularity``,
    ``prov:wasDerivedFrom`` the evidence span, ``prov:wasGeneratedBy`` the activity.
    A span that the document graph does not hold (a clause inside a citation) is written
    here with its selectors, when the link carries its text (``exact``). Only links of
    indicators of ``projects`` are written; links of other documents are skipped.
    Example: ``store.extend(support_quads(doc.doc_id, projects, links))``
    """
    from ontology import JX, PROV, RDF, RDFS

    from ingest.graph.nodes import GraphWriter, add_span

    def decimal(x: float) -> Decimal:
        return Decimal(str(round(x, SCORE_DECIMALS)))

    g = GraphWriter(inferred_graph_iri(doc_id))
    wanted = {iris.indicator_iri(p.id, n) for p in projects for n in range(1, len(p.indicators) + 1)}
    citation_spans = {(c.span.start, c.span.end) for p in projects for c in p.citations if c.span}
    links = [link for link in links if link.indicator_iri in wanted]
    if not links:
        return []
    methods = sorted({link.method for link in links})
    for method in methods:
        a = activity_iri(method)
        g.link(a, RDF.type, PROV.Activity)
        g.link(a, RDF.type, JX.SupportInference)
        g.add(a, RDFS.label, method)
        g.add(a, JX.method, method)
        g.add(a, JX.encoder, encoder_name)
        if method == METHOD:
            g.add(a, JX.semanticWeight, decimal(SEMANTIC_WEIGHT))
            g.add(a, JX.lexicalWeight, decimal(LEXICAL_WEIGHT))
    for link in links:
        s = support_link_iri(link.indicator_iri, link.basis_iri)
        g.link(s, RDF.type, JX.SupportLink)
        g.link(s, RDF.type, PROV.Entity)
        g.link(s, JX.indicator, link.indicator_iri)
        g.link(s, JX.basis, link.basis_iri)
        g.add(s, JX.score, decimal(link.score))
        g.add(s, JX.semanticScore, decimal(link.semantic))
        g.add(s, JX.lexicalScore, decimal(link.lexical))
        g.add(s, JX.rank, int(link.rank))
        g.add(s, JX.method, link.method)
        g.add(s, JX.granularity, link.granularity)
        g.link(s, PROV.wasGeneratedBy, activity_iri(link.method))
        span = link.span
        if span is None or span.doc != doc_id:
            continue
        g.link(s, PROV.wasDerivedFrom, iris.span_iri(doc_id, span.start, span.end))
        # a citation's span is in the document graph already; a clause's is written here
        if (span.start, span.end) not in citation_spans and link.exact is not None:
            add_span(g, doc_id, span.start, span.end, link.exact)
    return g.out()


# The links of one indicator that one document's inferred graph holds, best first; then the
# offsets and text of their evidence spans, whose selectors sit in the document graph (a citation)
# or beside the link (a clause), and only there: the merged default graph holds no spans.
# Three small queries from bound terms: one query with the selectors in a multi-pattern OPTIONAL made
# Oxigraph join every span of the store (6 s a trace at 1,000 projects).
# (``ontology.PREFIXES`` go in front.)
STORED_LINKS = """SELECT ?basis ?score ?rank ?method ?granularity ?semantic ?lexical ?span WHERE {
  GRAPH <%(graph)s> {
    ?link jx:indicator <%(indicator)s> ; a jx:SupportLink ; jx:basis ?basis ;
          jx:score ?score ; jx:rank ?rank ; jx:method ?method .
    OPTIONAL { ?link jx:granularity ?granularity }
    OPTIONAL { ?link jx:semanticScore ?semantic }
    OPTIONAL { ?link jx:lexicalScore ?lexical }
    OPTIONAL { ?link prov:wasDerivedFrom ?span }
  }
} ORDER BY ?rank ?basis"""
SPAN_OFFSETS = """SELECT ?span ?start ?end WHERE {
  VALUES ?span { %(spans)s }
  GRAPH ?g { ?span oa:hasSelector ?pos . ?pos oa:start ?start ; oa:end ?end . }
}"""
SPAN_TEXTS = """SELECT ?span ?exact WHERE {
  VALUES ?span { %(spans)s }
  GRAPH ?g { ?span oa:hasSelector ?quote . ?quote oa:exact ?exact . }
}"""


def stored_links(store, indicator_iri: str, doc_id: str, file: str | None = None) -> list[SupportLink]:
    """The support links of ``indicator_iri`` that ingest stored for document ``doc_id``, best first.

    ``store`` is any ``ingest.graph.store.GraphStore`` (embedded or remote). Each link has the
    score, rank, method, granularity and evidence span (``Span(doc_id, file, start, end)``,
    with its text in ``exact``) written by :func:`support_quads`; no ``candidate``. An
    indicator whose project cites nothing, or a document ingested without links, gives ``[]``.
    Example: ``stored_links(kb.graph, iris.indicator_iri(p.id, 5), p.source.doc)[0].basis_iri``
    """
    for iri in (indicator_iri, inferred_graph_iri(doc_id)):
        if any(c in iri for c in '<>"{}|^`\\ '):
            raise ValueError(f"not an IRI: {iri!r}")
    from ontology import PREFIXES

    query = PREFIXES + STORED_LINKS % {"graph": inferred_graph_iri(doc_id), "indicator": indicator_iri}
    rows = store.query(query).rows
    spans = sorted({str(span) for *_, span in rows if span is not None})
    offsets: dict[str, tuple[int, int]] = {}
    texts: dict[str, str] = {}
    if spans:
        values = " ".join(f"<{s}>" for s in spans if not any(c in s for c in '<>"{}|^`\\ '))
        for span, start, end in store.query(PREFIXES + SPAN_OFFSETS % {"spans": values}).rows:
            offsets.setdefault(str(span), (int(start), int(end)))
        for span, exact in store.query(PREFIXES + SPAN_TEXTS % {"spans": values}).rows:
            texts.setdefault(str(span), str(exact))
    out: dict[str, SupportLink] = {}
    for basis, score, rank, method, granularity, semantic, lexical, span_iri in rows:
        basis = str(basis)
        if basis in out:       # one evidence span per link; a second row adds nothing
            continue
        where = offsets.get(str(span_iri)) if span_iri is not None else None
        span = Span(doc_id, file or "", *where) if where else None
        exact = texts.get(str(span_iri)) if where else None   # a text only beside offsets, as stored
        out[basis] = SupportLink(indicator_iri, basis, float(score), str(method), span, int(rank),
                                 semantic=float(semantic or 0), lexical=float(lexical or 0),
                                 exact=exact,
                                 granularity=None if granularity is None else str(granularity))
    return sorted(out.values(), key=lambda link: link.rank)
