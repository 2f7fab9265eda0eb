"""The stored review, per document and per batch (``app/review/stored.py``): ingesting the seed, the
template fixtures and the review fixtures a batch at a time, then removing documents, stores the
same review graphs as one ingest of the final corpus, and the same findings as the in-memory
review of every project; the summary the history and peer rules read (``app/review/summary.py``)
answers as a scan of the corpus does.

The batches are cut so that a later batch moves findings of documents it does not hold:
``history_2021_ziping`` (2021 actuals) arrives after ``history_2022_shenbao``, whose 收运处置覆盖率
≥90% then falls below the 96% achieved; ``flat_units_merged`` brings 维修工程验收合格率 peers to
``peers_flat``'s 园舍维修经费 (70% against their median), and takes them away when it is removed.
The seed is ingested twice, as its text and as a PDF of it: its eight projects are reviewed once,
in the first by file, and in the other once that one is removed.
"""
from __future__ import annotations

import statistics
from decimal import Decimal

import pytest

from app.core import KnowledgeBase
from app.review.summary import AT_LEAST, CorpusSummary, indicator_key, reverse, same_project
from app.review.words import is_rate
from ingest import identifiers as iris
from ingest.parse.document import parse_document
from ingest.parse.grid import parse_grids
from ingest.read import read_path
from pdfrender import render_text_pdf
from render import render
from render.spec import REVIEW_FIXTURES, TEMPLATES, load_spec, spec_names

REVIEW = "https://w3id.org/jixiao/id/graph/review"
STORED = f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER (STRSTARTS(STR(?g), "{REVIEW}") && ?p != <http://www.w3.org/ns/prov#startedAtTime>) }}"""
FINDINGS = """PREFIX jx: <https://w3id.org/jixiao/ontology#>
SELECT ?f ?m WHERE { GRAPH ?g { ?f a jx:Finding ; jx:message ?m } }"""
FIRST = {"peers_flat", "history_2022_shenbao", "bumen_zhengti", "shanghai_grid", "defects_shenbao", "clean_national",
         "seed"}
SECOND = {"history_2021_ziping", "flat_units_merged", "zipingbiao_split", "shenbao_standard", "seed.pdf"}


@pytest.fixture(scope="module")
def files(tmp_path_factory, seed_path):
    """name → file: every template and review fixture as .xlsx, the seed and a PDF of it."""
    folder = tmp_path_factory.mktemp("stored-review")
    out = {name: render(load_spec(name, d), "xlsx", folder) for d in (TEMPLATES, REVIEW_FIXTURES)
           for name in spec_names(d)}
    out["seed"] = seed_path
    out["seed.pdf"] = render_text_pdf(seed_path.read_text("utf-8"), folder / "zz_seed.pdf")
    return out


def stored(kb) -> set[tuple]:
    return {tuple(str(v) for v in row) for row in kb.sparql(STORED).rows}


def computed(kb):
    """The review of every stored project, computed now in memory (what kb.review did before it read
    the stored review)."""
    from app.review.engine import run_review
    from app.review.kb import _inputs
    projects, departments, texts, support = _inputs(kb)
    return run_review(projects, texts, support=support, departments=departments)[0]


def graph_of(kb, name, files) -> str:
    return iris.review_graph_iri(kb.records.doc_for_path(str(files[name])))


def test_batches_and_removals_store_what_one_full_review_stores(tmp_path, files):
    kb = KnowledgeBase.open(tmp_path / "batches")
    third = set(files) - FIRST - SECOND - {"flat_units_merged"}
    kb.ingest([files[n] for n in sorted(FIRST)], index=False)
    assert kb.review_update.full and kb.review_update.reviewed == len(FIRST)
    history_2022 = graph_of(kb, "history_2022_shenbao", files)
    moved = f"ASK {{ GRAPH <{history_2022}> {{ ?f <https://w3id.org/jixiao/ontology#message> ?m }} " \
            "FILTER (CONTAINS(STR(?m), \"2021 年实际完成值\")) }"
    assert not kb.sparql(moved).boolean                          # no 2021 actuals yet

    kb.ingest([files[n] for n in sorted(SECOND)], index=False)
    docs = {n: kb.records.doc_for_path(str(files[n])) for n in FIRST | SECOND | {"seed"}}
    update = kb.review_update
    assert not update.full and update.reviewed < len(kb.records.documents())
    # documents the batch did not hold, whose findings it moved: history and peers
    assert {docs["history_2022_shenbao"], docs["peers_flat"]} <= update.moved
    assert kb.sparql(moved).boolean
    # of the seed's text and its PDF, the first by file reviews the eight projects, the other nothing
    manifest = kb.records.documents()
    first, second = sorted((docs[n] for n in ("seed", "seed.pdf")), key=lambda d: (manifest[d]["file"], d))
    assert iris.review_graph_iri(first) in kb.graph.graphs()
    assert iris.review_graph_iri(second) not in kb.graph.graphs()

    kb.ingest([files[n] for n in sorted(third)], index=False)
    assert kb.remove_document(docs["flat_units_merged"], index=False)
    assert docs["peers_flat"] in kb.review_update.moved and kb.review_update.reviewed == 1
    assert kb.remove_document(first, index=False)
    assert iris.review_graph_iri(second) in kb.graph.graphs()    # the other copy reviews them now
    incremental = stored(kb)
    from app.review.stored import load
    assert load(kb) is not None and kb.review().to_json() == computed(kb).to_json()   # kb.review reads it
    kb.close()

    final = sorted(n for n in set(files) - {"flat_units_merged"} if docs.get(n) != first)
    fresh = KnowledgeBase.open(tmp_path / "fresh")
    fresh.ingest([files[n] for n in final], index=False)
    assert fresh.review_update.full
    assert incremental == stored(fresh)
    # and the findings are those of the review of every project at once, in memory
    in_memory = {(iris.finding_iri(f.rule, f.subject, f.detail), f.message) for f in fresh.review().findings}
    assert {(str(f), str(m)) for f, m in fresh.sparql(FINDINGS).rows} == in_memory
    assert any(f.rule == "target_below_last_actual" for f in fresh.review().findings)
    assert fresh.review().to_json() == computed(fresh).to_json()
    fresh.close()


def test_a_review_graph_per_document_and_the_rules_apart(tmp_path, seed_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([seed_path], index=False)
    (doc,) = kb.records.documents()
    assert kb.graph.graphs() == sorted([iris.graph_iri(doc), iris.REVIEW_GRAPH, iris.review_graph_iri(doc),
                                        iris.SUMMARY_GRAPH])
    rules = kb.sparql(f"""PREFIX jx: <https://w3id.org/jixiao/ontology#>
        SELECT (COUNT(?r) AS ?n) WHERE {{ GRAPH <{iris.REVIEW_GRAPH}> {{ ?r a jx:ReviewRule }} }}""").rows
    assert rules == [(len(kb.review().rules.rules),)]
    again = kb.ingest([seed_path], index=False)          # nothing changed: nothing reviewed again
    assert not again.failed and kb.review_update.reviewed == 0
    assert kb.remove_document(doc, index=False)
    assert kb.graph.graphs() == []
    kb.close()


# -- the summary answers as a scan of the corpus ------------------------------------------------
def scan_last(p, corpus):
    """``target_below_last_actual``'s corpus scan before the summary: the latest earlier record."""
    earlier = [q for q in corpus if q.id != p.id and q.year is not None and p.year is not None and q.year < p.year
               and same_project(p, q) and any(i.actual_value is not None for i in q.indicators)]
    if not earlier:
        return None
    last = max(earlier, key=lambda q: q.year)
    return last.year, {indicator_key(i.name): i.actual_value for i in last.indicators if i.actual_value is not None}


def scan_peers(p, key, corpus):
    """``target_below_peers``'s corpus scan before the summary."""
    values = [j.value for q in corpus if q.id != p.id and not same_project(p, q) for j in q.indicators
              if indicator_key(j.name) == key and j.value is not None and is_rate(j) and j.operator in AT_LEAST]
    return (len(values), statistics.median(values)) if values else None


def test_the_summary_gives_what_a_scan_of_the_corpus_gives(files):
    corpus = []
    for name in sorted(files):
        if name.endswith(".pdf"):
            continue
        doc = read_path(files[name])
        corpus += (parse_grids(doc) if doc.tables else parse_document(doc)).projects
    summary = CorpusSummary.of(corpus)
    checked = {"history": 0, "peers": 0}
    for p in corpus:
        last = summary.last_actuals(p)
        want = scan_last(p, corpus)
        assert (None if last is None else (last.year, {k: v[0] for k, v in last.actuals.items()})) == want
        checked["history"] += want is not None
        for i in p.indicators:
            if i.value is None or not is_rate(i) or i.operator not in AT_LEAST or reverse(i):
                continue
            key = indicator_key(i.name)
            got, expected = summary.peer_median(p, key), scan_peers(p, key, corpus)
            assert got == expected and (got is None or str(got[1]) == str(expected[1])), (p.name, i.name)
            checked["peers"] += expected is not None and expected[0] >= 2
    assert checked["history"] >= 1 and checked["peers"] >= 3


def test_medians_leave_out_the_same_project_in_other_years():
    from ingest.records import Budget, Indicator, Project

    def project(name, unit, year, value, code=None):
        i = Indicator(level1="产出指标", level2="质量指标", name="验收合格率", target_raw=f"≥{value}%",
                      operator=">=", value=Decimal(value), unit="%")
        return Project(id=iris.project_id(unit, year, name), year=year, name=name, unit=unit, category=None,
                       performance_type=None, gov_purchase=None, start_date=None, end_date=None,
                       budget=Budget(), sections=(), indicators=(i,), code=code)
    a20, a21 = project("甲", "一局", 2020, "60"), project("甲", "一局", 2021, "70")
    others = [project("乙", "二局", 2021, "90"), project("丙", "三局", 2021, "96"), project("丁", "四局", 2021, "99")]
    s = CorpusSummary.of([a20, a21, *others])
    # 甲 of 2021 is compared with 乙, 丙, 丁 only: not with its own 2020 table
    assert s.peer_median(a21, "验收合格率") == (3, Decimal("96"))
    # a code, when both records have one, decides: the same code is the same project whatever its
    # name and unit, and two codes are two projects even under one name and unit
    coded = [project("乙", "二局", 2021, "90", code="C1"), project("庚", "六局", 2021, "10", code="C1"), *others[1:]]
    s = CorpusSummary.of(coded)
    assert s.peer_median(project("己", "七局", 2022, "50", code="C1"), "验收合格率") == (2, Decimal("97.5"))
    assert s.peer_median(project("乙", "二局", 2022, "50", code="C2"), "验收合格率") == (4, Decimal("93"))
    # without codes, the same name of another unit is another project
    assert s.peer_median(project("丙", "九局", 2022, "50"), "验收合格率") == (4, Decimal("93"))
