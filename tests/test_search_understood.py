"""Search that understands the query, on the real seed: conditions on any budget amount become
filters and each hit shows the amount it was filtered on; expectations from the seed's budget lines."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from app.evaluate.search import load_queries
from app.search import NO_RESULT, dense_floor, understood_search
from app.understand import vocabulary

GUONENG = "国能中心（市能耗在线监测系统）"
SHIPIN = "时频实验室运维费"
DAXING = "大型仪器项目经费"
JIGAI = "技改项目经费"
HLW = "“互联网+计量”公共服务平台(运维)"
ZWDT = "上海市计量院网上政务大厅(运维)"
SYS = "实验室管理网系统(运维)"


def names(result):
    return [h.hit.project_name for h in result.hits]


@pytest.mark.parametrize("query, field, applied, expected", [
    # 项目当年预算 (seed lines 36 … 795): 3,998,000, 3,831,000, 2,724,000, 1,527,000 are over 1,000,000
    ("当年预算超过100万的项目", "current_year", "项目当年预算超过100万元", [GUONENG, SHIPIN, DAXING, JIGAI]),
    ("当年预算低于20万的项目", "current_year", "项目当年预算低于20万元", [ZWDT, HLW]),        # 190,400, 138,200
    # 同名项目上年预算额: 4,000,000 (line 455) and 3,423,000 (line 736); 大型仪器/对口援助/技改 left it blank
    ("上年预算额超过100万的项目", "prev_year_budget", "同名项目上年预算额超过100万元", [GUONENG, SHIPIN]),
    # 上年预算执行数: 130,400 (line 620) and 126,916 (line 38)
    ("上年执行数低于20万的项目", "prev_year_executed", "同名项目上年预算执行数低于20万元", [ZWDT, HLW]),
    # 执行率: 3,953,943 / 4,000,000 = 98.85%; every other filled pair is equal (100%)
    ("执行率低于100%的项目", "execution_rate", "上年预算执行率低于100%", [GUONENG]),
])
def test_a_condition_on_any_budget_field_filters_on_that_field(kb, query, field, applied, expected):
    r = understood_search(kb, query, with_answer=False)
    assert r.applied == [applied] and r.filters.get("budget_field") == field
    assert names(r) == expected                     # only conditions: the biggest amount first
    assert all(h.filtered_on[0] == field for h in r.hits)


def test_the_hit_shows_the_amount_it_was_filtered_on(kb):
    r = understood_search(kb, "上年预算额超过100万的项目", with_answer=False)
    assert [h.amount for h in r.hits] == [Decimal(4000000), Decimal(3423000)]
    assert r.hits[0].amount_text() == "同名项目上年预算额 4,000,000元（400万元）"
    assert r.hits[0].budget == Decimal(3998000)       # 项目总预算 is still shown beside it
    shown = r.hits[0].to_json()["filtered_on"]
    assert shown == {"field": "prev_year_budget", "label": "同名项目上年预算额", "value": "4000000"}
    rate = understood_search(kb, "执行率低于100%的项目", with_answer=False).hits[0]
    assert rate.amount_text() == "上年预算执行率 98.85%"


def test_a_total_condition_still_filters_on_the_total(kb):
    r = understood_search(kb, "预算超过300万的项目", with_answer=False)
    assert names(r) == [GUONENG, SHIPIN] and "budget_field" not in r.filters
    assert r.hits[0].filtered_on == ("total", "项目总预算")


def test_a_field_condition_with_words_still_searches_the_words(kb):
    # 上年预算额 over 100万 among the projects about 能耗: 国能中心 only (时频 has no 能耗 passage)
    r = understood_search(kb, "上年预算额超过100万的能耗监测项目", with_answer=False)
    assert r.text == "能耗监测" and names(r) == [GUONENG]
    none = understood_search(kb, "当年预算低于20万的能耗监测项目", with_answer=False)
    assert none.hits == [] and none.message == NO_RESULT


# ---------------------------------------------------------------- evaluation and the relevance floor
EVAL = Path(__file__).parent / "eval" / "search_queries.jsonl"


@pytest.fixture(scope="module")
def table(kb):
    return kb.evaluate_search(EVAL)


def test_evaluation_reports_the_understood_search_on_both_sets(table):
    assert list(table) == ["bm25", "dense", "hybrid", "understood"]
    for row in table.values():
        assert row["sets"]["original"]["queries"] == 67 and row["sets"]["extended"]["queries"] > 90
        assert row["empty_queries"] >= 20
    # conditions and questions: the understood search ranks what the plain modes cannot
    assert table["understood"]["sets"]["extended"]["ndcg@10"] > table["hybrid"]["sets"]["extended"]["ndcg@10"]
    # nothing relevant: dense and hybrid always return all eight projects, the understood search says so
    assert table["hybrid"]["honest_empty"] == 0 and table["dense"]["honest_empty"] == 0
    assert table["understood"]["honest_empty"] >= 0.8


def test_structured_queries_are_exact_under_the_understood_search(kb):
    for q in load_queries(EVAL):
        if q["kind"] == "structured":
            assert sorted(names(understood_search(kb, q["query"], with_answer=False))) == sorted(q["relevant"]), q


def test_the_english_floor_empties_no_judged_relevant_query(kb):
    english = [q for q in load_queries(EVAL) if q["relevant"] and not re.search(r"[\u4e00-\u9fff]", q["query"])]
    assert len(english) >= 10
    for q in english:
        shown = names(understood_search(kb, q["query"], with_answer=False))
        assert set(q["relevant"]) & set(shown), q["query"]      # the relevant project is above the floor


@pytest.mark.parametrize("query", ["mars rover launch", "chocolate cake recipe", "football world cup final"])
def test_english_nonsense_says_nothing_relevant(kb, query):
    r = understood_search(kb, query, with_answer=False)
    assert r.hits == [] and r.message == NO_RESULT and r.weak          # the weak hits only on request
    floor = dense_floor(kb.search_index())
    assert all(h.similarity < floor.english for h in r.weak)


def test_the_floor_is_read_off_the_null_probes(kb):
    index = kb.search_index()
    floor = dense_floor(index)
    v = vocabulary()["relevance"]
    en = sorted(max(index.mode_scores(p, "dense")["dense"].values()) for p in v["null_probes_en"])
    below = sum(1 for t in en if t < floor.english) / len(en)
    assert abs(below - v["english_quantile"]) <= 1 / len(en) + 1e-9
    assert floor.probes == len(v["null_probes_en"]) + len(v["null_probes_zh"])


def test_a_paraphrase_in_other_words_is_rescued_by_the_dense_floor(kb):
    # 对口支援地区的帮扶经费: only 对口支援 is written in 对口援助's passages (lines 203-209), under half the query
    r = understood_search(kb, "对口支援地区的帮扶经费", with_answer=False)
    assert names(r)[0] == "对口援助" and r.hits[0].coverage < 0.5 and r.hits[0].similarity is not None


def test_a_bare_amount_is_text_not_a_filter(kb):
    r = understood_search(kb, "年总收入100万元", with_answer=False)
    assert r.applied == [] and "100" in r.text and names(r)[0] == DAXING      # line 187: 经济效益 年总收入 =100万元


def test_a_judged_line_without_relevant_projects_must_say_so(tmp_path):
    from app.evaluate.search import JudgementError
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"query": "能耗", "relevant": [], "kind": "exact"}\n', encoding="utf-8")
    with pytest.raises(JudgementError, match="nonsense or empty"):
        load_queries(bad)
