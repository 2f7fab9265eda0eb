"""The knowledge base's graph: idempotent re-ingest, one named graph per document, correct
totals however many documents hold the same facts."""
from decimal import Decimal

import pytest

from app.core import KnowledgeBase
from app.queries import QUERIES_DIR
from app.sparql import load_query
from ingest import identifiers as iris

from pdfrender import render_text_pdf

FIXTURE_LAYOUT = "fixtures/other_layout.txt"


def budget_by_type(kb):
    return kb.sparql(load_query(f"@{QUERIES_DIR}/budget_by_performance_type.rq")).rows


@pytest.fixture()
def kb(tmp_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    yield kb
    kb.close()


def test_reingest_leaves_the_triple_count_unchanged(kb, seed_path, seed_doc):
    kb.ingest([seed_path], index=False)
    first = kb.graph.count_quads()
    # the document's graph, the review's (its rules, and the document's review, jxd:graph/review/{doc})
    # and the corpus summary
    assert kb.graph.graphs() == sorted([iris.graph_iri(seed_doc.doc_id), iris.REVIEW_GRAPH,
                                        iris.review_graph_iri(seed_doc.doc_id), iris.SUMMARY_GRAPH])
    kb.ingest([seed_path, seed_path], index=False)
    assert kb.graph.count_quads() == first > 4000
    # the default graph is what the document states: its graph but for the spans, which it keeps
    # once (a span node and its two selectors), and none of the review's (ingest.graph.store.merged)
    doc_graph = iris.graph_iri(seed_doc.doc_id)
    span_prefix = iris.doc_iri(seed_doc.doc_id) + "/span/"
    spans = kb.sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{doc_graph}> {{ ?s ?p ?o }} "
                      f'FILTER (STRSTARTS(STR(?s), "{span_prefix}")) }}').rows[0][0]
    selectors = kb.sparql("PREFIX oa: <http://www.w3.org/ns/oa#> SELECT (COUNT(*) AS ?n) "
                          f"WHERE {{ GRAPH <{doc_graph}> {{ ?s oa:hasSelector ?o }} }}").rows[0][0]
    # nine triples a span: its type, source, two selectors; each selector's type, and start and end or exact
    assert spans == 9 * selectors // 2 > 1000
    stated = kb.graph.count_quads(doc_graph) - spans
    assert kb.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(stated,)]
    assert stated < first - spans                    # the review's graphs hold the rest
    assert kb.sparql("ASK { ?s <http://www.w3.org/ns/oa#hasSelector> ?o }").boolean is False


def test_removing_a_document_removes_its_graph_and_nothing_else(kb, seed_path, tmp_path):
    from pathlib import Path
    other = Path(__file__).parent / FIXTURE_LAYOUT
    kb.ingest([seed_path, other], index=False)
    seed_graph = iris.graph_iri(kb.records.doc_for_path(str(seed_path)))
    other_id = kb.records.doc_for_path(str(other))
    before = kb.graph.count_quads(seed_graph)
    assert len(kb.graph.graphs()) == 2 + 1 + 2 + 1          # the review's rules, each document's review, the summary
    assert kb.remove_document(other_id, index=False)
    seed_review = iris.review_graph_iri(kb.records.doc_for_path(str(seed_path)))
    assert kb.graph.graphs() == sorted([seed_graph, iris.REVIEW_GRAPH, seed_review, iris.SUMMARY_GRAPH])
    assert kb.graph.count_quads(seed_graph) == before
    assert len(kb.projects()) == 8
    assert budget_by_type(kb)[0] == ("政策补贴类", 4, Decimal(9229000))
    # nothing of the removed document is left in the merged default graph
    assert kb.sparql('ASK { ?p <https://w3id.org/jixiao/ontology#name> "食品安全抽检监测经费" }').boolean is False


def test_the_same_table_from_text_and_pdf_is_counted_once(kb, seed_path, tmp_path):
    pdf = render_text_pdf(seed_path.read_text("utf-8"), tmp_path / "seed.pdf")
    kb.ingest([seed_path, pdf], index=False)
    assert len(kb.graph.graphs()) == 2 + 2 + 1              # two documents, two named graphs; the review's
    # rules and one document's review (the eight projects are reviewed once, in the first by file); the summary
    assert budget_by_type(kb) == [("政策补贴类", 4, Decimal(9229000)), ("其他类", 1, Decimal(3831000)),
                                  ("信息化建设工程类", 3, Decimal(1056034))]
    got = kb.sparql(load_query(f"@{QUERIES_DIR}/indicators_by_category.rq")).rows
    assert got == [("投入与管理", 79), ("产出目标", 31), ("效果目标", 14), ("影响力目标", 7)]


def test_two_documents_sharing_categories_count_each_row_once(kb, seed_path):
    from pathlib import Path
    kb.ingest([seed_path, Path(__file__).parent / FIXTURE_LAYOUT], index=False)
    got = dict(kb.sparql(load_query(f"@{QUERIES_DIR}/indicators_by_category.rq")).rows)
    assert got["投入与管理"] == 79 and got["产出指标"] == 3 and sum(got.values()) == 131 + 5


def test_validate_passes_on_the_seed(kb, seed_path):
    kb.ingest([seed_path], index=False)
    ok, report = kb.validate()
    assert ok, report


def test_support_links_live_beside_the_document_graph(kb, seed_path, seed_doc):
    from ingest.support.rdf import inferred_graph_iri
    kb.ingest([seed_path])                                  # with the index: support links are computed
    doc_graph, inferred = iris.graph_iri(seed_doc.doc_id), inferred_graph_iri(seed_doc.doc_id)
    assert kb.graph.graphs() == sorted([doc_graph, inferred, iris.REVIEW_GRAPH, iris.review_graph_iri(seed_doc.doc_id),
                                        iris.SUMMARY_GRAPH])
    # the links are kept once, in the inferred graph: the merged default graph is what the document states
    link = "ASK { %s { ?l a <https://w3id.org/jixiao/ontology#SupportLink> } }"
    assert kb.sparql(link % f"GRAPH <{inferred}>").boolean and not kb.sparql(link % "").boolean
    rows = kb.sparql(load_query(f"@{QUERIES_DIR}/indicator_support.rq")).rows
    top = [r for r in rows if r[1] == "能耗数据异常故障修复率" and r[2] == 1]
    assert len(top) == 1 and top[0][5] == "发改办环资〔2019〕424号" and 0 < top[0][3] <= 1
    assert {r[1] for r in rows if r[0] == "对口援助"} == {i.name for p in kb.projects() if p.name == "对口援助"
                                                          for i in p.indicators}
    ok, report = kb.validate()
    assert ok, report
    kb.remove_document(seed_doc.doc_id)
    assert kb.graph.graphs() == [] and kb.sparql("ASK { ?s ?p ?o }").boolean is False


def test_one_law_is_one_node_across_documents(kb, seed_path, tmp_path):
    """The seed cites 《中华人民共和国计量法》第四条 and 发改环资[2017]1711号; another document cites
    《计量法》第四条 and 发改环资〔2017〕1711号: one node each, cited by two projects."""
    from pathlib import Path
    text = (Path(__file__).parent / FIXTURE_LAYOUT).read_text("utf-8").replace(
        "项目设立的必要性 保障公众饮食安全。",
        "项目设立的必要性 依据《计量法》第四条和发改环资〔2017〕1711号文件，保障公众饮食安全。")
    other = tmp_path / "other.txt"
    other.write_text(text, "utf-8")
    kb.ingest([seed_path, other], index=False)
    q = """PREFIX jx: <https://w3id.org/jixiao/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#>
           PREFIX dcterms: <http://purl.org/dc/terms/>
           SELECT ?law (COUNT(DISTINCT ?l) AS ?nodes) (COUNT(DISTINCT ?p) AS ?projects) WHERE {
             ?c jx:citingProject ?p ; jx:cites ?r . ?r eli:is_part_of? ?l .
             FILTER NOT EXISTS { ?l eli:is_part_of ?w }
             { ?l dcterms:title ?law FILTER (?law = "中华人民共和国计量法") } UNION
             { ?l jx:docNumber ?law FILTER (?law = "发改环资〔2017〕1711号") }
           } GROUP BY ?law ORDER BY ?law"""
    assert kb.sparql(q).rows == [("中华人民共和国计量法", 1, 2), ("发改环资〔2017〕1711号", 1, 2)]


def test_a_store_of_the_older_layout_forgets_its_copies_once(kb, seed_path):
    """A store written when the default graph copied every named graph (spans, support links and
    review included) is brought to today's layout by the next writer: the same default graph as a
    store written today, the same answers."""
    import json

    import pyoxigraph as ox
    kb.ingest([seed_path])                                  # with support links
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    today = kb.sparql(count).rows[0][0]
    budget = load_query(f"@{QUERIES_DIR}/budget_by_performance_type.rq")
    answer = kb.sparql(budget).rows
    # the older layout: every named quad copied into the default graph, and no layout recorded
    with kb.writing("test") as view:
        raw = view.store.oxigraph
        raw.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                    for q in raw.quads_for_pattern(None, None, None, None) if q.graph_name != ox.DefaultGraph()])
        del raw                                              # the store's lock goes with the last reference
    views = kb.data_dir / "views.json"
    data = json.loads(views.read_text("utf-8"))
    data.pop("graph_layout")
    views.write_text(json.dumps(data), "utf-8")
    older = kb.sparql(count).rows[0][0]
    assert older > today + 3000                              # the spans alone are 3,051 triples
    kb.ingest([seed_path])                                  # unchanged: writes nothing, but relayouts
    assert kb.sparql(count).rows[0][0] == today
    assert kb.sparql(budget).rows == answer
    assert json.loads(views.read_text("utf-8"))["graph_layout"] == {"graph": 2}
