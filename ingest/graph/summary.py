"""Summary rows materialized at ingest: each document's counts and sums by key, in its own graph.

Corpus-wide aggregates (indicators by goal, budget by performance type, by unit and year) scanned
every indicator or project of the store: linear in the corpus, 0.8–4.6 s at 10,000 projects. A
document's graph now also carries that document's share of each aggregate, one ``jx:SummaryRow``
per key, so replacing or removing the document replaces or removes its share with it, and the saved
query adds up a few rows per document instead of scanning every record.

The rows are computed from the document's own quads (not from the records), so a row is exactly what
the old query gave over that document's graph alone: the same nodes merged, the same joins, the same
datatypes (a sum of ``xsd:decimal`` amounts is an ``xsd:decimal``). Labels and ``skos:broader`` are
joined at query time, as before. A project stated by two documents (a .txt and the .pdf it came
from, its 申报表 and its 自评表) is one set of merged nodes in the default graph; the sums add the
rows of the documents none of whose projects another document states, and count the projects of
the other documents directly (see ``ontology/queries/summary/level2.rq``).

The rows of every document are then added up once per write, into ``jxd:graph/summary`` (one
``jx:CorpusSummaryRow`` per key, :func:`refresh_corpus_summary`, run by ``KnowledgeBase`` after each
ingest, removal and heal): summing 12,467 documents' rows took 0.7–2.6 s a query at 100,000 projects,
and the saved queries now read the few corpus rows. The sums are the CONSTRUCT queries of
``ontology/queries/summary/``, the saved queries' former bodies: exact as they were, on any SPARQL
1.1 store.

The document node says which version of the rows it carries (``jx:summaryVersion``): a document graph
written before the rows existed (or by another version) has none, and the sums count that
document's projects directly, so a store ingested earlier still gets exact answers.

Rows (IRIs under the document's, ``…/doc/{id}/summary/{kind}/{digest of the key}``):

- ``jx:summaryLevel1`` / ``jx:summaryLevel2`` concept, ``jx:indicatorCount``: the document's
  ``jx:Indicator`` nodes linked to that concept by ``jx:level1`` / ``jx:level2``;
- ``jx:summaryPerformanceType`` literal, ``jx:projectCount``, ``jx:totalSum``: its ``jx:Project`` nodes
  with that 绩效类型 and a budget total, and the sum of those totals;
- ``jx:summaryUnit`` organisation, ``jx:summaryYear``, ``jx:projectCount``, ``jx:totalSum``,
  ``jx:currentYearSum``: its projects of that unit and year with both a total and a current-year amount.

Example: ``add_summaries(g, doc_id)`` after every project and department of the document is in ``g``
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import product

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from ontology import JX, ONTOLOGY_DIR, RDF

from ingest import identifiers as iris
from ingest.graph.nodes import GraphWriter, decimal_lexical

SUMMARY_VERSION = 1    # the corpus sums add up the rows of documents marked with this version only
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
# the predicates the summaries read from a document's quads
_READ = {str(p) for p in (RDF.type, JX.level1, JX.level2, JX.performanceType, JX.hasBudget, JX.total,
                          JX.currentYear, JX.unit, JX.year)}


class _Sum:
    """A SPARQL SUM over numeric literals: exact, integer while every term is an integer."""

    def __init__(self):
        self.value, self.integer = Decimal(0), True

    def add(self, term) -> None:
        self.value += Decimal(term.value)
        self.integer = self.integer and term.datatype.value == _XSD_INTEGER

    def literal(self) -> Literal:
        if self.integer:
            return Literal(str(int(self.value)), datatype=NamedNode(_XSD_INTEGER))
        return Literal(decimal_lexical(self.value), datatype=NamedNode(_XSD_DECIMAL))


def _index(g: GraphWriter) -> dict[str, dict[str, list]]:
    """predicate → subject → objects, over the predicates the summaries read."""
    out: dict[str, dict[str, list]] = {p: defaultdict(list) for p in _READ}
    for q in g.quads:
        p = q.predicate.value
        if p in out:
            out[p][q.subject.value].append(q.object)
    return out


def _row(g: GraphWriter, doc_id: str, kind: str, key: tuple) -> str:
    r = f"{iris.doc_iri(doc_id)}/summary/{kind}/{iris.digest(repr(key))}"
    g.link(r, RDF.type, JX.SummaryRow)
    g.link(r, JX.summaryOf, iris.doc_iri(doc_id))
    return r


def add_summaries(g: GraphWriter, doc_id: str) -> None:
    """Add the document's summary rows to ``g``, computed from the quads already in it.

    A sum that reaches ``MAX_MAGNITUDE`` (each amount is below it, ``ingest.parse.bounds``; their
    sum need not be) is no amount a graph should hold: the document then gets no rows and no
    version, and the saved queries count its projects directly, exactly, as they do a document
    written before the rows existed.
    """
    from ingest.parse.bounds import MAX_MAGNITUDE

    rows = GraphWriter(g.graph.value)
    sums = _add_rows(g, rows, doc_id)
    if all(abs(s.value) < MAX_MAGNITUDE for s in sums):
        g.quads.update(rows.quads)
        g.add(iris.doc_iri(doc_id), JX.summaryVersion, SUMMARY_VERSION)


def _add_rows(g: GraphWriter, rows: GraphWriter, doc_id: str) -> list[_Sum]:
    """The rows of the quads in ``g``, written to ``rows``; returns every sum they carry."""
    ix = _index(g)
    sums: list[_Sum] = []
    typed = ix[str(RDF.type)]
    indicators = [s for s, types in typed.items() if any(t.value == str(JX.Indicator) for t in types)]
    projects = [s for s, types in typed.items() if any(t.value == str(JX.Project) for t in types)]

    for kind, prop, key_prop in (("level1", JX.level1, JX.summaryLevel1), ("level2", JX.level2, JX.summaryLevel2)):
        counts: dict[str, int] = defaultdict(int)
        links = ix[str(prop)]
        for i in indicators:
            for c in links.get(i, ()):
                counts[c.value] += 1
        for c, n in sorted(counts.items()):
            r = _row(rows, doc_id, kind, (c,))
            rows.link(r, key_prop, c)
            rows.add(r, JX.indicatorCount, n)

    budgets, totals, currents = ix[str(JX.hasBudget)], ix[str(JX.total)], ix[str(JX.currentYear)]
    by_type: dict[Literal, tuple[set, _Sum]] = {}
    by_unit_year: dict[tuple, tuple[set, _Sum, _Sum]] = {}
    for p in projects:
        # the solutions of ?p jx:hasBudget ?b . ?b jx:total ?total (and jx:currentYear ?current)
        with_total = [t for b in budgets.get(p, ()) for t in totals.get(b.value, ())]
        with_both = [(t, c) for b in budgets.get(p, ()) for t in totals.get(b.value, ())
                     for c in currents.get(b.value, ())]
        for kind, t in product(ix[str(JX.performanceType)].get(p, ()), with_total):
            entry = by_type.setdefault(kind, (set(), _Sum()))
            entry[0].add(p)
            entry[1].add(t)
        for unit, year, (t, c) in product(ix[str(JX.unit)].get(p, ()), ix[str(JX.year)].get(p, ()), with_both):
            entry = by_unit_year.setdefault((unit.value, year), (set(), _Sum(), _Sum()))
            entry[0].add(p)
            entry[1].add(t)
            entry[2].add(c)
    for kind, (ps, total) in sorted(by_type.items(), key=lambda kv: kv[0].value):
        r = _row(rows, doc_id, "performance-type", (kind.value,))
        rows.add(r, JX.summaryPerformanceType, kind)
        rows.add(r, JX.projectCount, len(ps))
        rows.add(r, JX.totalSum, total.literal())
        sums.append(total)
    for (unit, year), (ps, total, current) in sorted(by_unit_year.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        r = _row(rows, doc_id, "unit-year", (unit, year.value))
        rows.link(r, JX.summaryUnit, unit)
        rows.add(r, JX.summaryYear, year)
        rows.add(r, JX.projectCount, len(ps))
        rows.add(r, JX.totalSum, total.literal())
        rows.add(r, JX.currentYearSum, current.literal())
        sums += [total, current]
    return sums


# ---------------------------------------------------------------------------- the corpus summary

CORPUS_QUERIES = ONTOLOGY_DIR / "queries" / "summary"
# a corpus row's key: what its IRI is made from, so a row whose key stays keeps its IRI and a write
# that changes a count replaces one quad, not the graph
_KEYS = tuple(str(p) for p in (JX.summaryLevel1, JX.summaryLevel2, JX.summaryPerformanceType, JX.summaryUnit,
                               JX.summaryYear))


def corpus_summary_quads(store) -> list[Quad]:
    """The corpus summary of ``store`` (any ``GraphStore``): each CONSTRUCT of
    ``ontology/queries/summary/`` run over its default graph, each row named by its kind and key."""
    graph = NamedNode(iris.SUMMARY_GRAPH)
    out: list[Quad] = []
    for path in sorted(CORPUS_QUERIES.glob("*.rq")):
        rows: dict[BlankNode, list] = defaultdict(list)
        for s, p, o in store.query(path.read_text("utf-8")).triples:
            rows[s].append((p, o))
        for pairs in rows.values():
            key = sorted((p.value, str(o)) for p, o in pairs if p.value in _KEYS)
            node = NamedNode(f"{iris.SUMMARY_GRAPH}/{path.stem}/{iris.digest(repr(key))}")
            out += [Quad(node, p, o, graph) for p, o in pairs]
    return out


def refresh_corpus_summary(store) -> int:
    """Add up every document's rows into ``jxd:graph/summary``, writing only what changed; returns
    its quads. The four sums took 1.0 s together (warm) at 10,424 projects, so about 10 s at
    100,000: paid once a write, where each aggregate query paid its share before.

    Example: ``refresh_corpus_summary(kb.graph)`` (``KnowledgeBase`` does it after every write)
    """
    return store.replace_graph(iris.SUMMARY_GRAPH, corpus_summary_quads(store))
