"""Corpus-wide aggregates served from the summary rows each document graph carries, added up once per
write into the corpus summary (``ingest/graph/summary.py``), and kept right when a document is added
again under another name or removed.

Expected values by hand from the documents. The seed (eight 2020 projects of 上海市计量测试技术研究院):
- indicators by 一级目标: 投入与管理 79, 产出目标 31, 效果目标 14, 影响力目标 7 (as tests/test_sparql_examples.py
  counts them);
- 绩效类型: 政策补贴类 4 projects 2,724,000 + 980,000 + 3,998,000 + 1,527,000 = 9,229,000; 其他类 1, 3,831,000;
  信息化建设工程类 3, 138,200 + 190,400 + 727,434 = 1,056,034; total and current year 14,116,034.
``tests/fixtures/other_layout.txt`` (one 2021 project of 上海市质量监督检验技术研究院, 其他类, 256.5 万元 =
2,565,000 yuan both years): 产出指标 3 (抽检批次, 不合格食品核查处置率, 检验报告按时出具率), 效益指标 1, 满意度指标 1.
The copy of the seed (a note line before the table: another document, the same eight projects) must
not count them twice.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.core import KnowledgeBase
from app.queries import QUERIES_DIR
from app.sparql import load_query
from ingest.graph.build import document_quads, validate
from ingest.parse.document import parse_document
from ingest.read import read_path

ROOT = Path(__file__).resolve().parent.parent
OTHER = ROOT / "tests" / "fixtures" / "other_layout.txt"
UNIT, OTHER_UNIT = "上海市计量测试技术研究院", "上海市质量监督检验技术研究院"

SEED_LEVEL1 = [("投入与管理", 79), ("产出目标", 31), ("效果目标", 14), ("影响力目标", 7)]
OTHER_LEVEL1 = [("产出指标", 3), ("效益指标", 1), ("满意度指标", 1)]
SEED_TYPES = {"政策补贴类": (4, Decimal(9229000)), "其他类": (1, Decimal(3831000)),
              "信息化建设工程类": (3, Decimal(1056034))}
SEED_UNIT_YEAR = (UNIT, 2020, 8, Decimal(14116034), Decimal(14116034))
OTHER_UNIT_YEAR = (OTHER_UNIT, 2021, 1, Decimal(2565000), Decimal(2565000))


def rows(kb, name):
    return kb.sparql(load_query(f"@{QUERIES_DIR / name}.rq")).rows


def test_the_seed_graph_carries_its_summary_rows(seed_doc, seed_result):
    quads = document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, seed_result.projects)
    summary = [q for q in quads if "/summary/" in q.subject.value]
    counts = {}
    for q in summary:
        counts.setdefault(q.subject.value, {})[q.predicate.value.rsplit("#", 1)[-1]] = q.object
    level1 = sorted(int(r["indicatorCount"].value) for r in counts.values() if "summaryLevel1" in r)
    assert level1 == sorted(n for _, n in SEED_LEVEL1)
    types = {r["summaryPerformanceType"].value: (int(r["projectCount"].value), Decimal(r["totalSum"].value))
             for r in counts.values() if "summaryPerformanceType" in r}
    assert types == SEED_TYPES
    (unit_year,) = [r for r in counts.values() if "summaryUnit" in r]
    assert (int(unit_year["summaryYear"].value), int(unit_year["projectCount"].value),
            Decimal(unit_year["totalSum"].value)) == (2020, 8, Decimal(14116034))
    ok, report = validate(quads)
    assert ok, report


@pytest.fixture()
def corpus(tmp_path, seed_path):
    """The seed, a copy of it under another name (the same projects in another document), the other layout."""
    copy = tmp_path / "in" / "seed_copy.txt"
    copy.parent.mkdir()
    copy.write_text("（复印件）\n" + seed_path.read_text("utf-8"), "utf-8")
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([seed_path, copy, OTHER], index=False)
    assert not report.failed, report.errors
    yield kb, copy
    kb.close()


def _expect(kb, seed: bool, other: bool):
    level1 = (SEED_LEVEL1 if seed else []) + (OTHER_LEVEL1 if other else [])
    assert rows(kb, "indicators_by_category") == sorted(level1, key=lambda r: (-r[1], r[0]))
    types = dict(SEED_TYPES) if seed else {}
    if other:
        n, y = types.get("其他类", (0, Decimal(0)))
        types["其他类"] = (n + 1, y + Decimal(2565000))
    assert {t: (n, y) for t, n, y in rows(kb, "budget_by_performance_type")} == types
    assert rows(kb, "budget_by_unit_year") == ([SEED_UNIT_YEAR] if seed else []) + ([OTHER_UNIT_YEAR] if other else [])
    level2 = {(a, b): n for a, b, n in rows(kb, "indicators_by_level2")}
    assert sum(level2.values()) == sum(n for _, n in level1)
    if other:
        assert level2[("产出指标", "数量指标")] == 1 and level2[("满意度指标", "服务对象满意度指标")] == 1


def test_a_project_in_two_documents_is_counted_once(corpus):
    kb, copy = corpus
    assert len(kb.records.documents()) == 3 and len(kb.projects()) == 9
    _expect(kb, seed=True, other=True)


def test_removing_a_document_removes_its_share(corpus, seed_path):
    kb, copy = corpus
    docs = {Path(v["file"]).name: d for d, v in kb.records.documents().items()}
    assert kb.remove_document(docs[copy.name], index=False)
    _expect(kb, seed=True, other=True)           # the seed still states its projects
    assert kb.remove_document(docs[seed_path.name], index=False)
    _expect(kb, seed=False, other=True)
    kb.ingest([copy], index=False)
    _expect(kb, seed=True, other=True)           # the copy alone: its rows, as the seed's


def test_a_graph_written_before_the_summary_rows_still_gets_exact_answers(corpus):
    """A store ingested before the rows existed has no jx:summaryVersion and no corpus summary: the
    next opening adds it up (KnowledgeBase.open heals), counting those documents directly."""
    from ingest.identifiers import SUMMARY_GRAPH
    kb, copy = corpus
    kb.graph.update("PREFIX jx: <https://w3id.org/jixiao/ontology#> "
                    "DELETE { GRAPH ?g { ?x ?p ?o } ?x ?p ?o } WHERE { GRAPH ?g { ?x ?p ?o } "
                    "FILTER (?p IN (jx:summaryVersion, jx:summaryOf, jx:indicatorCount, jx:projectCount)) }")
    kb.graph.drop_graph(SUMMARY_GRAPH)
    kb.views.set_derived_docs("summary", None)   # what views.json says of a store written before it
    data_dir = kb.data_dir
    kb.close()
    assert rows(kb, "budget_by_performance_type") == []     # nothing added up yet
    kb = KnowledgeBase.open(data_dir)
    try:
        assert kb.heal_note == "healed the graph: the corpus summary added up again"
        assert kb.sparql("PREFIX jx: <https://w3id.org/jixiao/ontology#> ASK { ?d jx:summaryVersion ?v }").boolean is False
        _expect(kb, seed=True, other=True)
    finally:
        kb.close()


def test_the_corpus_summary_is_added_up_once_per_change(corpus, seed_path):
    """One jx:CorpusSummaryRow per key in jxd:graph/summary, and nowhere else; an ingest that changes
    nothing leaves it as it was, row for row (its IRIs come from the keys)."""
    from ingest.identifiers import SUMMARY_GRAPH
    kb, copy = corpus
    q = ("PREFIX jx: <https://w3id.org/jixiao/ontology#> SELECT ?g ?r WHERE { GRAPH ?g { ?r a jx:CorpusSummaryRow } } "
         "ORDER BY ?r")
    before = kb.sparql(q).rows
    # 4 一级 goals of the seed and 3 of the other layout; 3 performance types (其他类 in both); 2 unit-years
    assert len([r for g, r in before if "/level1/" in r]) == 7
    assert len([r for g, r in before if "/performance_type/" in r]) == 3
    assert len([r for g, r in before if "/unit_year/" in r]) == 2
    assert {g for g, _ in before} == {SUMMARY_GRAPH}
    assert kb.sparql("PREFIX jx: <https://w3id.org/jixiao/ontology#> ASK { ?r a jx:CorpusSummaryRow }").boolean is False
    kb.ingest([seed_path], index=False)
    assert kb.sparql(q).rows == before
    _expect(kb, seed=True, other=True)


def test_sums_past_any_budget_leave_the_document_counted_directly(seed_doc, seed_result):
    """Each amount is below MAX_MAGNITUDE (ingest.parse.bounds); two 政策补贴类 projects of 6×10¹⁴
    yuan sum past it. No summary row holds such a sum: the document gets none (and no version), and
    budget_by_performance_type counts its projects directly, exactly."""
    import dataclasses

    from ingest.graph.store import EmbeddedStore
    from ingest.graph.summary import refresh_corpus_summary

    huge = Decimal(6) * Decimal(10) ** 14
    subsidies = [p for p in seed_result.projects if p.performance_type == "政策补贴类"][:2]
    projects = [dataclasses.replace(p, budget=dataclasses.replace(p.budget, total=huge)) if p in subsidies else p
                for p in seed_result.projects]
    quads = document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, projects)
    assert not [q for q in quads if "/summary/" in q.subject.value or q.predicate.value.endswith("#summaryVersion")]
    store = EmbeddedStore()
    store.replace_graph(quads[0].graph_name.value, quads)
    refresh_corpus_summary(store)         # the writer's step after every write (KnowledgeBase)
    types = {t: (n, total) for t, n, total in store.query(load_query(
        f"@{QUERIES_DIR / 'budget_by_performance_type'}.rq")).rows}
    # the seed's other two 政策补贴类 projects keep their budgets: 9,229,000 less the two replaced
    replaced = sum(p.budget.total for p in subsidies)
    assert types["政策补贴类"] == (4, 2 * huge + SEED_TYPES["政策补贴类"][1] - replaced)
    assert types["其他类"] == SEED_TYPES["其他类"]
