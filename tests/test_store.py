"""One suite, three backends: the embedded Oxigraph store, a real Oxigraph server
reached through the Graph Store Protocol, and the same server through SPARQL
Update only (what a generic endpoint gives us)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyoxigraph as ox
import pytest
import rdflib
from oxigraph_server import free_port, oxigraph_server  # noqa: F401  (fixture)

from ingest.graph.remote import RemoteStore, endpoints_for
from ingest.graph.store import EndpointError, EmbeddedStore, QueryError, StoreError
from ingest.graph import open_store

JX = "https://w3id.org/jixiao/ontology#"
JXD = "https://w3id.org/jixiao/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
GRAPH_A = JXD + "graph/33c4abcdc6cea628"
GRAPH_B = JXD + "graph/00000000000000b2"
ORG = ox.NamedNode(JXD + "org/5e1c0a6b2f3d")  # 上海市计量测试技术研究院, in both documents


def lit(value: str, type_: str | None = None, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + type_) if type_ else None, language=lang)


def project(pid: str, name: str, total: str, year: str = "2020") -> list[ox.Triple]:
    p = ox.NamedNode(f"{JXD}project/{pid}")
    return [
        ox.Triple(p, RDF_TYPE, ox.NamedNode(JX + "Project")),
        ox.Triple(p, ox.NamedNode(JX + "name"), lit(name)),
        ox.Triple(p, ox.NamedNode(JX + "year"), lit(year, "integer")),
        ox.Triple(p, ox.NamedNode(JX + "startDate"), lit(f"{year}-01-01", "date")),
        ox.Triple(p, ox.NamedNode(JX + "total"), lit(total, "decimal")),
        ox.Triple(p, ox.NamedNode(JX + "unit"), ORG),
    ]


ORG_NAME = ox.Triple(ORG, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                     lit("上海市计量测试技术研究院", lang="zh"))
DOC_A = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(GRAPH_A)) for t in (
    project("a1f0c3e2d4b5a697", "“互联网+计量”公共服务平台(运维)", "138200")
    + project("b2e1d4f3c5a6b708", "大型仪器项目经费", "1250000.50")
    + [ORG_NAME])]
_BUDGET = ox.NamedNode(JXD + "project/a1f0c3e2d4b5a697/budget")
DOC_B = (project("c3f2e5d4b6a7c819", "计量标准装置维护", "96000", year="2021")
         + [ORG_NAME,  # the same triple as in DOC_A: once in the union
            ox.Triple(ox.NamedNode(f"{JXD}project/c3f2e5d4b6a7c819"), ox.NamedNode(JX + "hasBudget"), _BUDGET),
            ox.Triple(_BUDGET, ox.NamedNode(JX + "govPurchase"), lit("false", "boolean"))])
UNION_TRIPLES = len(DOC_A) + len(DOC_B) - 1

PROJECTS = """PREFIX jx: <https://w3id.org/jixiao/ontology#>
SELECT ?name ?year ?start ?total WHERE {
  ?p a jx:Project ; jx:name ?name ; jx:year ?year ; jx:startDate ?start ; jx:total ?total .
} ORDER BY ?name"""


@pytest.fixture(params=["embedded",
                        pytest.param("remote-gsp", marks=pytest.mark.slow),
                        pytest.param("remote-update", marks=pytest.mark.slow)])
def store(request, tmp_path):
    if request.param == "embedded":
        s = open_store(tmp_path)
    else:
        server = request.getfixturevalue("oxigraph_server")
        # the bare URL gets /query, /update and /store; ".../query" gets no graph store
        s = open_store(endpoint=server.url if request.param == "remote-gsp" else server.url + "/query")
        s.update("DROP ALL")
    yield s
    s.close()


@pytest.fixture
def loaded(store):
    store.replace_graph(GRAPH_A, DOC_A)
    store.replace_graph(GRAPH_B, DOC_B)
    return store


def test_replace_graph_twice_gives_the_same_count(store):
    assert store.replace_graph(GRAPH_A, DOC_A) == len(DOC_A)
    first = store.count_quads()
    assert store.replace_graph(GRAPH_A, DOC_A) == len(DOC_A)
    assert store.count_quads() == first == len(DOC_A)
    assert store.count_quads(GRAPH_A) == len(DOC_A)


def test_replace_graph_replaces_the_old_content(loaded):
    loaded.replace_graph(GRAPH_A, DOC_A[:3])
    assert loaded.count_quads(GRAPH_A) == 3
    assert loaded.count_quads(GRAPH_B) == len(DOC_B)


def test_replace_graph_refuses_quads_of_another_graph(store):
    with pytest.raises(StoreError, match="belongs to graph"):
        store.replace_graph(GRAPH_B, DOC_A)


def test_drop_graph_leaves_the_others(loaded):
    assert loaded.graphs() == sorted([GRAPH_A, GRAPH_B])
    loaded.drop_graph(GRAPH_A)
    assert loaded.graphs() == [GRAPH_B]
    assert loaded.count_quads() == len(DOC_B)
    loaded.drop_graph(GRAPH_A)  # dropping what is not there is fine


def test_queries_see_every_document(loaded):
    result = loaded.query(PROJECTS)
    assert result.variables == ("name", "year", "start", "total")
    assert [r[0] for r in result.rows] == ["“互联网+计量”公共服务平台(运维)", "大型仪器项目经费", "计量标准装置维护"]
    per_graph = loaded.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    assert per_graph.rows == sorted([(GRAPH_B, len(DOC_B)), (GRAPH_A, len(DOC_A))])     # IRIs as str
    assert per_graph.bindings[0][0] == ox.NamedNode(min(GRAPH_A, GRAPH_B))             # the exact term


def test_default_graph_is_the_merge_of_document_graphs(loaded):
    """A triple held by two documents counts once, and stays until no document holds it."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
    assert loaded.query(count).rows == [(1,)]
    loaded.replace_graph(GRAPH_A, DOC_A)                 # re-ingest: still once
    assert loaded.query(count).rows == [(1,)]
    loaded.drop_graph(GRAPH_A)
    assert loaded.query(count).rows == [(1,)]            # DOC_B still holds it
    loaded.drop_graph(GRAPH_B)
    assert loaded.query(count).rows == [(0,)]
    assert loaded.query("ASK { ?s ?p ?o }").boolean is False


def test_typed_values_round_trip(loaded):
    rows = loaded.query(PROJECTS).rows
    assert rows[1] == ("大型仪器项目经费", 2020, date(2020, 1, 1), Decimal("1250000.5"))
    assert rows[2][1:] == (2021, date(2021, 1, 1), Decimal("96000"))
    assert loaded.query("SELECT ?b WHERE { ?x <%sgovPurchase> ?b }" % JX).rows == [(False,)]
    label = loaded.query("SELECT ?l WHERE { ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
    assert {t.language for (t,) in label.bindings} == {"zh"}
    total = loaded.query("SELECT (SUM(?t) AS ?sum) WHERE { ?p <%stotal> ?t }" % JX)
    assert total.rows == [(Decimal("1484200.5"),)]
    assert total.bindings[0][0].datatype.value == XSD + "decimal"


def test_unbound_values_are_none(loaded):
    rows = loaded.query("SELECT ?p ?b WHERE { ?p a <%sProject> OPTIONAL { ?p <%shasBudget> ?b } }" % (JX, JX)).rows
    assert sorted(r[1] is None for r in rows) == [False, True, True]


def test_ask_and_construct(loaded):
    assert loaded.query("ASK { ?p a <%sProject> }" % JX).boolean is True
    assert loaded.query("ASK { ?p a <%sNothing> }" % JX).boolean is False
    graph = loaded.query("CONSTRUCT { ?p <%sname> ?n } WHERE { ?p <%sname> ?n }" % (JX, JX))
    assert graph.kind == "graph" and len(graph) == 3 and {t[1].value for t in graph.triples} == {JX + "name"}


def test_update(loaded):
    loaded.update(f"DELETE WHERE {{ GRAPH <{GRAPH_A}> {{ ?s <{JX}year> ?o }} }}")
    assert loaded.count_quads(GRAPH_A) == len(DOC_A) - 2


@pytest.mark.parametrize("bad, position", [
    ("SELECT ?x WHERE {\n  ?x ?y }", (2, 10)),
    ("SELEC ?x WHERE { ?x ?y ?z }", (1, 1)),
])
def test_invalid_query_gives_its_position(store, bad, position):
    with pytest.raises(QueryError) as info:
        store.query(bad)
    err = info.value
    assert err.query == bad
    assert err.position is not None and err.position[0] == position[0]
    assert f"line {err.position[0]}, column" in str(err)


def test_invalid_update_gives_its_position(store):
    with pytest.raises(QueryError) as info:
        store.update("INSERT DATA { <http://a> <http://b> }")
    assert info.value.position == (1, 37)


def test_export_parses_back_with_rdflib(loaded):
    for fmt, rdflib_format in [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")]:
        graph = rdflib.Graph().parse(data=loaded.export(fmt), format=rdflib_format)
        assert len(graph) == UNION_TRIPLES, fmt
    for fmt, rdflib_format in [("trig", "trig"), ("nq", "nquads")]:
        ds = rdflib.Dataset().parse(data=loaded.export(fmt), format=rdflib_format)
        assert sum(1 for _ in ds.quads()) == len(DOC_A) + len(DOC_B), fmt
        assert {str(g.identifier) for g in ds.graphs()} >= {GRAPH_A, GRAPH_B}
    assert b"@prefix jx: <https://w3id.org/jixiao/ontology#>" in loaded.export("ttl")
    with pytest.raises(StoreError, match="unknown export format"):
        loaded.export("xml")


def test_bad_graph_iri(store):
    with pytest.raises(StoreError, match="not a graph IRI"):
        store.drop_graph("no spaces allowed")


# --------------------------------------------------------------------------- embedded only

def test_embedded_store_persists_and_is_locked(tmp_path):
    with open_store(tmp_path) as s:
        s.replace_graph(GRAPH_A, DOC_A)
        with pytest.raises(StoreError, match="cannot open the graph store") as info:
            EmbeddedStore(tmp_path / "graph")
        assert "another jixiao process" in str(info.value)
    with open_store(tmp_path) as s:
        assert s.count_quads() == len(DOC_A)


def test_closed_store_says_so(tmp_path):
    s = open_store(tmp_path)
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.count_quads()


def test_replace_graph_writes_only_the_difference(tmp_path):
    with open_store(tmp_path) as s:
        s.replace_graph(GRAPH_A, DOC_A)
        changed = DOC_A[:-1] + [ox.Quad(DOC_A[0].subject, ox.NamedNode(JX + "category"), lit("其他一次性项目"),
                                        ox.NamedNode(GRAPH_A))]
        assert s.replace_graph(GRAPH_A, changed + changed) == len(DOC_A)
        stored = set(s.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_A)))
        assert len(stored) == len(DOC_A) and changed[-1] in stored and DOC_A[-1] not in stored
        merged = {q.triple for q in s.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph())}
        assert merged == {q.triple for q in stored}      # the default graph follows the document
        assert s.query(PROJECTS).rows[1][3] == Decimal("1250000.5")  # stored canonically


def test_blank_nodes_are_refused(store):
    with pytest.raises(StoreError, match="blank node"):
        store.replace_graph(GRAPH_A, [ox.Triple(ox.BlankNode(), ox.NamedNode(JX + "name"), lit("x"))])


# --------------------------------------------------------------------------- remote only

def test_unreachable_endpoint_says_where_and_why():
    url = f"http://127.0.0.1:{free_port()}"
    store = open_store(endpoint=url, timeout=5)
    with pytest.raises(EndpointError) as info:
        store.query("ASK {}")
    err = info.value
    assert err.url == url + "/query"
    assert url in str(err) and "Connection refused" in str(err)
    assert "oxigraph serve" in str(err)  # the hint says how to start one
    assert f"jixiao endpoint --bind {url.split('//')[1]}" in err.hint     # for that very host and port


@pytest.mark.slow
def test_http_error_gives_status_and_body(oxigraph_server):  # noqa: F811
    store = RemoteStore(oxigraph_server.url + "/nothing", update_endpoint=oxigraph_server.url + "/nothing")
    with pytest.raises(EndpointError) as info:
        store.update("CLEAR DEFAULT")
    assert info.value.status == 404
    assert "HTTP 404" in str(info.value) and "is not supported by this server" in str(info.value)


def test_endpoint_layouts():
    assert endpoints_for("http://127.0.0.1:7878") == endpoints_for("http://127.0.0.1:7878/")
    oxigraph = endpoints_for("http://127.0.0.1:7878")
    assert (oxigraph.query, oxigraph.update, oxigraph.graph_store) == (
        "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store")
    fuseki = endpoints_for("http://localhost:3030/ds/sparql", graph_store="http://localhost:3030/ds/data")
    assert (fuseki.update, fuseki.graph_store) == ("http://localhost:3030/ds/update", "http://localhost:3030/ds/data")
    other = endpoints_for("https://example.org/sparql-endpoint")
    assert (other.update, other.graph_store) == ("https://example.org/sparql-endpoint", None)
    with pytest.raises(StoreError, match="not an HTTP"):
        endpoints_for("localhost:7878")


def _disk(path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_compact_reclaims_what_removed_graphs_left_and_keeps_every_quad(tmp_path, seed_doc, seed_result):
    """Ten copies of the seed's graph bulk-loaded (the ingest's path), nine removed (`jixiao remove`):
    the store keeps their space until a compaction, which gives it back and changes no answer."""
    from ingest.graph.build import document_quads
    from ingest.graph.store import NQuads
    triples = [q.triple for q in document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, seed_result.projects)]
    graphs = [f"https://w3id.org/jixiao/id/graph/copy{n}" for n in range(10)]
    s = EmbeddedStore(tmp_path / "graph")
    s.add_graphs([NQuads.of(g, triples) for g in graphs])
    for g in graphs[1:]:
        s.drop_graph(g)
    s.oxigraph.flush()
    before = _disk(tmp_path / "graph")
    answer = s.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    s.compact()
    assert _disk(tmp_path / "graph") < 0.8 * before
    assert s.graphs() == graphs[:1] and s.count_quads() == len(set(triples))
    assert s.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == answer
    s.close()

