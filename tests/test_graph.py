"""Records -> RDF (ingest/graph.py) on the real seed: counts, values, spans, IRIs, SHACL."""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pyoxigraph as ox
import pytest

from ingest import identifiers as iris
from ingest.graph.build import (
    _resolution_key_function, decimal_lexical, document_meta_quads, document_quads, project_quads, validate,
)
from ingest.records import Citation, Span
from ontology import PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def quads(seed_doc, seed_result):
    return document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, seed_result.projects)


@pytest.fixture(scope="module")
def store(quads):
    s = ox.Store()
    s.extend(quads)
    return s


def rows(store: ox.Store, query: str) -> list[tuple]:
    """Query results as tuples of Python-ish values (literal values, IRIs as str)."""
    return [tuple(None if v is None else v.value for v in sol)
            for sol in store.query(PREFIXES + query, use_default_graph_as_union=True)]


def one(store: ox.Store, query: str):
    (row,) = rows(store, query)
    return row[0] if len(row) == 1 else row


def seed_span(doc, needle: str, after: str = "") -> Span:
    start = doc.text.index(needle, doc.text.index(after) if after else 0)
    return Span(doc.doc_id, doc.name, start, start + len(needle))


# --- projects, budgets, dates ---------------------------------------------------------

def test_eight_projects_with_stable_iris(store, seed_result):
    got = {r[0] for r in rows(store, "SELECT ?p WHERE { ?p a jx:Project }")}
    assert got == {iris.project_iri(p.id) for p in seed_result.projects}
    assert len(got) == 8


def test_budget_total_by_performance_type(store):
    got = dict(rows(store, """SELECT ?t (SUM(?v) AS ?s) WHERE {
        ?p jx:performanceType ?t ; jx:hasBudget/jx:total ?v } GROUP BY ?t"""))
    assert got == {"信息化建设工程类": "1056034",  # 138200 + 190400 + 727434
                   "政策补贴类": "9229000", "其他类": "3831000"}


def test_blank_budget_cells_give_no_triple(store):
    assert rows(store, """SELECT ?x WHERE { ?p jx:name "大型仪器项目经费" ;
        jx:hasBudget ?b . OPTIONAL { ?b jx:prevYearBudget ?x } }""") == [(None,)]


def test_execution_rate_only_where_both_previous_numbers_exist(store):
    got = dict(rows(store, """SELECT ?n ?r WHERE { ?p jx:name ?n ; jx:hasBudget/jx:executionRate ?r }"""))
    assert len(got) == 5
    assert got["国能中心（市能耗在线监测系统）"] == "0.988486"  # 3953943 / 4000000
    assert got["时频实验室运维费"] == "1"


def test_dates_are_typed_xsd_date(store):
    sols = list(store.query(PREFIXES + "SELECT ?d WHERE { ?p jx:startDate ?d }", use_default_graph_as_union=True))
    assert len(sols) == 8
    assert {(s["d"].value, s["d"].datatype.value) for s in sols} == {("2020-01-01", XSD + "date")}
    assert one(store, """SELECT (COUNT(*) AS ?n) WHERE { ?p jx:endDate ?d
        FILTER (?d = "2020-12-31"^^xsd:date) }""") == "8"


def test_project_fields(store):
    assert rows(store, """SELECT ?y ?c ?gp ?u WHERE { ?p jx:name "对口援助" ; jx:year ?y ;
        jx:category ?c ; jx:govPurchase ?gp ; jx:unit/skos:prefLabel ?u }""") == [
        ("2020", "其他一次性项目", "false", "上海市计量测试技术研究院")]
    assert one(store, 'SELECT ?t WHERE { ?p jx:name "对口援助" ; jx:legalBasisText ?t }') == "2020年财政预算规定"
    # One organisation node shared by all eight projects.
    assert one(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?p jx:unit ?o }") == "1"


# --- indicators and their SKOS levels ------------------------------------------------

def test_indicator_count_and_values(store, seed_result, seed_projects):
    total = sum(len(p.indicators) for p in seed_result.projects)
    assert one(store, "SELECT (COUNT(?i) AS ?n) WHERE { ?p jx:hasIndicator ?i }") == str(total)
    pid = seed_projects["对口援助"].id
    assert rows(store, f"""SELECT ?name ?raw ?v ?u ?irr ?flag WHERE {{
        <{iris.indicator_iri(pid, 10)}> jx:name ?name ; jx:targetRaw ?raw ; jx:value ?v ;
            jx:valueUnit ?u ; jx:irregular ?irr ; jx:flag ?flag .
        FILTER NOT EXISTS {{ <{iris.indicator_iri(pid, 10)}> jx:operator ?op }} }}""") == [
        ("完成率", "100%", "100", "%", "true", "no_operator")]
    assert rows(store, f"""SELECT ?op ?v ?irr WHERE {{ <{iris.indicator_iri(pid, 2)}> jx:name "预算执行率" ;
        jx:operator ?op ; jx:value ?v ; jx:irregular ?irr }}""") == [("=", "100", "false")]


def test_indicator_levels_are_a_skos_hierarchy(store):
    tops = {r[0] for r in rows(store, """SELECT ?l WHERE { ?s a skos:ConceptScheme ;
        skos:hasTopConcept/skos:prefLabel ?l }""")}
    assert tops == {"投入与管理", "产出目标", "效果目标", "影响力目标"}
    assert rows(store, """SELECT ?b WHERE { ?c skos:prefLabel "数量" ; skos:broader/skos:prefLabel ?b }""") == [
        ("产出目标",)]
    assert rows(store, """SELECT ?i WHERE { ?i jx:level1 ?a ; jx:level2 ?b .
        FILTER NOT EXISTS { ?b skos:broader ?a } }""") == []


def test_every_indicator_span_quotes_the_source(store, seed_doc, seed_result):
    got = rows(store, """SELECT ?i ?s ?e ?x WHERE { ?i a jx:Indicator ; prov:wasDerivedFrom ?span .
        ?span oa:hasSource ?d ; oa:hasSelector ?pos, ?q .
        ?pos oa:start ?s ; oa:end ?e . ?q oa:exact ?x }""")
    assert len(got) == sum(len(p.indicators) for p in seed_result.projects)
    for _, start, end, exact in got:
        assert exact == seed_doc.text[int(start):int(end)]
    assert any(x.endswith("用户注册数 =50家") for *_, x in got)


def test_field_provenance(store, seed_doc, seed_projects):
    pid = seed_projects["对口援助"].id
    exact = dict(rows(store, f"""SELECT ?f ?x WHERE {{ <{iris.project_iri(pid)}> jx:fieldProvenance ?fp .
        ?fp jx:field ?f ; prov:wasDerivedFrom/oa:hasSelector/oa:exact ?x }}"""))
    assert exact["name"] == "对口援助"
    assert exact["start_date"] == "2020-01-01"
    assert exact["overview"] == "对口支援项目建设及相关工作经费"
    budget = dict(rows(store, f"""SELECT ?f ?x WHERE {{ <{iris.budget_iri(pid)}> jx:fieldProvenance ?fp .
        ?fp jx:field ?f ; prov:wasDerivedFrom/oa:hasSelector/oa:exact ?x }}"""))
    assert budget["total"] == "980,000"
    # Budget amounts are traced from the budget node only, not twice.
    assert "total" not in exact


# --- graph hygiene ---------------------------------------------------------------------

def test_one_named_graph_no_blank_nodes(quads, seed_doc):
    graph = ox.NamedNode(iris.graph_iri(seed_doc.doc_id))
    assert all(q.graph_name == graph for q in quads)
    assert not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object))


def test_reingest_is_idempotent(store, quads, seed_doc, seed_result):
    again = document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, seed_result.projects)
    assert again == quads
    before = len(store)
    store.extend(again)
    assert len(store) == before == len(set(quads))


def test_document_meta(seed_doc):
    s = ox.Store()
    s.extend(document_meta_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text))
    assert rows(s, """SELECT ?id ?f ?n WHERE { ?d a jx:SourceDocument, prov:Entity ;
        dcterms:identifier ?id ; dcterms:source ?f ; jx:charLength ?n }""") == [
        (seed_doc.doc_id, seed_doc.name, str(len(seed_doc.text)))]


def test_span_from_another_document_is_refused(seed_doc, seed_projects):
    with pytest.raises(ValueError, match="refers to document"):
        project_quads(seed_projects["对口援助"], seed_doc.text, doc_id="0" * 16)


def test_project_quads_defaults_to_hash_of_text(seed_doc, seed_projects):
    q = project_quads(seed_projects["对口援助"], seed_doc.text)
    assert {x.graph_name.value for x in q} == {iris.graph_iri(seed_doc.doc_id)}


def test_decimal_lexical_is_canonical():
    assert decimal_lexical(Decimal("1.2E+3")) == "1200"
    assert decimal_lexical(Decimal("100.00")) == "100"
    assert decimal_lexical(Decimal("0.50")) == "0.5"


# --- citations (hand-built from the seed's 立项依据 of 国能中心, lines 311-317) -------------

ENERGY_LAW = "中华人民共和国节约能源法"
QUOTE_27 = "用能单位应当加强能源计量管理，按照规定配备和使用经依法检定合格的能源计量器具"


@pytest.fixture(scope="module")
def cited(seed_doc, seed_projects):
    """Two projects citing the same law; one cites an article with a quote."""
    doc = seed_doc
    art = Citation(title=ENERGY_LAW, doc_number=None, article="第二十七条", article_num=27, quote=QUOTE_27,
                   section="legal_basis", level="法律", issuer="全国人民代表大会常务委员会",
                   span=seed_span(doc, "《中华人民共和国节约能源法》第二十七条", after="1、2020年市级财政预算管理办法"))
    notice = Citation(title="国家发改委、质检总局关于印发重点用能单位能耗在线监测系统推广建设工作方案的通知",
                      doc_number="发改环资〔2017〕1711号", level="规范性文件", issuer="国家发展和改革委员会",
                      span=seed_span(doc, "（发改环资[2017]1711号）"))
    law = Citation(title=ENERGY_LAW, doc_number=None, section="necessity", level="法律",
                   span=seed_span(doc, "立项依据：", after="项目名称： 技改项目经费"))
    p1 = dataclasses.replace(seed_projects["国能中心（市能耗在线监测系统）"], citations=(art, notice))
    p2 = dataclasses.replace(seed_projects["技改项目经费"], citations=(law,))
    s = ox.Store()
    q = document_quads(doc.doc_id, doc.name, doc.text, [p1, p2])
    s.extend(q)
    key = _resolution_key_function()
    return s, q, p1, p2, iris.legal_iri(key(art))


def test_citation_points_at_article_of_law(cited):
    s, _, p1, _, law = cited
    article = iris.article_iri(law, 27)
    assert rows(s, f"""SELECT ?target ?quote ?section WHERE {{ ?c a jx:Citation ;
        jx:citingProject <{iris.project_iri(p1.id)}> ; jx:cites ?target ; jx:quote ?quote ; jx:section ?section }}""") == [
        (article, QUOTE_27, "legal_basis")]
    assert rows(s, f"""SELECT ?part ?local ?n ?q WHERE {{ <{article}> a eli:LegalResource ;
        eli:is_part_of ?part ; eli:id_local ?local ; jx:articleNumber ?n ; jx:quote ?q }}""") == [
        (law, "第二十七条", "27", QUOTE_27)]
    assert rows(s, f"SELECT ?t ?lv WHERE {{ <{law}> dcterms:title ?t ; jx:level ?lv }}") == [(ENERGY_LAW, "法律")]


def test_project_cites_and_is_based_on(cited):
    s, _, p1, p2, law = cited
    p1_iri, p2_iri = iris.project_iri(p1.id), iris.project_iri(p2.id)
    assert {r[0] for r in rows(s, f"SELECT ?r WHERE {{ <{p1_iri}> eli:based_on ?r }}")} >= {law}
    assert (law,) in rows(s, f"SELECT ?r WHERE {{ <{p1_iri}> eli:cites ?r }}")
    # Cited outside 立项依据: eli:cites but not eli:based_on.
    assert rows(s, f"SELECT ?r WHERE {{ <{p2_iri}> eli:cites ?r }}") == [(law,)]
    assert rows(s, f"SELECT ?r WHERE {{ <{p2_iri}> eli:based_on ?r }}") == []
    # One law node for both projects.
    assert one(s, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?c jx:cites/eli:is_part_of* <{law}> ; jx:citingProject ?p }}") == "2"


def test_citation_issuer_and_document_number(cited):
    s, *_ = cited
    assert rows(s, """SELECT ?org ?lv WHERE { ?r jx:docNumber "发改环资〔2017〕1711号" ; jx:level ?lv ;
        eli:passed_by/skos:prefLabel ?org }""") == [("国家发展和改革委员会", "规范性文件")]


def test_citation_span(cited, seed_doc):
    s, *_ = cited
    got = rows(s, """SELECT ?x WHERE { ?c jx:cites/jx:docNumber "发改环资〔2017〕1711号" ;
        prov:wasDerivedFrom/oa:hasSelector/oa:exact ?x }""")
    assert got == [("（发改环资[2017]1711号）",)]


def test_citations_conform_to_shapes(cited):
    _, q, *_ = cited
    ok, report = validate(q)
    assert ok, report


# --- SHACL -----------------------------------------------------------------------------

def test_seed_graph_conforms_to_shapes(quads):
    ok, report = validate(quads)
    assert ok, report


def _one_project_report(seed_doc, project) -> tuple[bool, str]:
    q = document_meta_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text)
    return validate(q + project_quads(project, seed_doc.text))


def test_shapes_catch_a_missing_unit(seed_doc, seed_projects):
    ok, report = _one_project_report(seed_doc, dataclasses.replace(seed_projects["对口援助"], unit=None))
    assert not ok and "申报单位" in report


def test_shapes_catch_reversed_dates(seed_doc, seed_projects):
    p = dataclasses.replace(seed_projects["对口援助"], start_date=date(2021, 1, 1))
    ok, report = _one_project_report(seed_doc, p)
    assert not ok and "not after the planned end date" in report


def test_shapes_catch_bad_operator_and_negative_budget(seed_doc, seed_projects):
    p = seed_projects["对口援助"]
    bad = dataclasses.replace(p.indicators[1], operator="≈")
    p = dataclasses.replace(p, indicators=(bad, *p.indicators[2:]),
                            budget=dataclasses.replace(p.budget, total=Decimal("-1")))
    ok, report = _one_project_report(seed_doc, p)
    assert not ok
    assert "The operator must be one of" in report and "jx:total must be one xsd:decimal >= 0" in report


def test_shapes_catch_empty_and_overlong_spans(seed_doc, seed_projects):
    p = seed_projects["对口援助"]
    n = len(seed_doc.text)
    empty = dataclasses.replace(p.indicators[0], span=Span(seed_doc.doc_id, seed_doc.name, 5, 5))
    beyond = dataclasses.replace(p.indicators[1], span=Span(seed_doc.doc_id, seed_doc.name, n - 2, n + 3))
    ok, report = _one_project_report(seed_doc, dataclasses.replace(p, indicators=(empty, beyond)))
    assert not ok
    assert "less than its end" in report and "beyond the end of its source document" in report


def corpus_summary(quads) -> list:
    """The corpus summary a knowledge base holding ``quads`` adds up (``ingest.graph.summary``)."""
    from ingest.graph.store import EmbeddedStore
    from ingest.graph.summary import refresh_corpus_summary
    from ingest.identifiers import SUMMARY_GRAPH
    es = EmbeddedStore()
    for g in dict.fromkeys(q.graph_name.value for q in quads):
        es.replace_graph(g, [q for q in quads if q.graph_name.value == g])
    refresh_corpus_summary(es)
    return list(es.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(SUMMARY_GRAPH)))


def test_readme_sparql_examples_return_rows(quads, cited):
    import re

    from ontology import ONTOLOGY_DIR

    text = (ONTOLOGY_DIR / "README.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sparql\n(.*?)```", text, re.S)
    assert len(queries) >= 5
    s = ox.Store()
    s.extend(quads)
    s.extend(cited[1])  # the same seed projects, with hand-built citations
    s.extend(corpus_summary(quads))   # what the writer adds after a write, for the summaries' example
    for q in queries:
        assert rows(s, q), q
