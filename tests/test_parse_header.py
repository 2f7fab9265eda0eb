"""Header fields, budgets and project splitting on the real seed."""
from decimal import Decimal

import pytest

from ingest.parse.document import split_projects
from ingest.parse.values import parse_amount, parse_bool, parse_date, parse_money
from seed_expected import COMMON, NAMES_IN_ORDER, PROJECTS


def test_seed_has_eight_projects_in_order(seed_result):
    assert [p.name for p in seed_result.projects] == NAMES_IN_ORDER
    assert seed_result.errors == []


def test_split_projects_starts_each_table_at_its_title(seed_doc):
    chunks = split_projects(seed_doc.text)
    assert len(chunks) == 8
    for start, _ in chunks:
        assert seed_doc.text[start:start + 20].strip().startswith("财政项目支出绩效目标表")


@pytest.mark.parametrize("name", NAMES_IN_ORDER)
def test_header_fields(seed_projects, name):
    p = seed_projects[name]
    for field, value in COMMON.items():
        assert getattr(p, field) == value, field
    assert p.performance_type == PROJECTS[name]["performance_type"]


@pytest.mark.parametrize("name", NAMES_IN_ORDER)
def test_budget_in_yuan_blank_is_none(seed_projects, name):
    b = seed_projects[name].budget
    expected = PROJECTS[name]["budget"]
    got = (b.total, b.current_year, b.prev_year_budget, b.prev_year_executed)
    assert got == tuple(None if v is None else Decimal(v) for v in expected)


def test_execution_rate(seed_projects):
    assert seed_projects["国能中心（市能耗在线监测系统）"].budget.execution_rate == Decimal(3953943) / Decimal(4000000)
    assert seed_projects["对口援助"].budget.execution_rate is None


def test_wrapped_project_names_are_joined(seed_projects):
    # "“互联网+计量”公共服务" + "平台(运维)" and "国能中心（市能耗在线监测" + "系统）" in the seed
    assert "“互联网+计量”公共服务平台(运维)" in seed_projects
    assert "国能中心（市能耗在线监测系统）" in seed_projects
    assert "上海市计量院网上政务大厅(运维)" in seed_projects


def test_spans_point_at_the_source(seed_doc, seed_projects):
    p = seed_projects["大型仪器项目经费"]
    s = p.spans["name"]
    assert seed_doc.text[s.start:s.end] == "大型仪器项目经费"
    b = p.budget.spans["total"]
    assert seed_doc.text[b.start:b.end].strip() == "2,724,000"
    assert s.doc == seed_doc.doc_id and s.file.endswith("000_33c4abcdc6cea628.txt")


def test_project_ids_are_stable_and_distinct(seed_result):
    ids = [p.id for p in seed_result.projects]
    assert len(set(ids)) == 8
    from ingest.identifiers import project_id
    p = seed_result.projects[1]
    assert p.id == project_id("上海市计量测试技术研究院", 2020, "大型仪器项目经费")


@pytest.mark.parametrize("raw,scale,expected", [
    ("138,200", 1, Decimal(138200)), (" ", 1, None), ("", 1, None), ("3,998,000.50", 1, Decimal("3998000.50")),
    ("12.5", 10000, Decimal(125000)),
])
def test_parse_amount(raw, scale, expected):
    assert parse_amount(raw, scale) == expected


@pytest.mark.parametrize("typed,yuan", [
    ("3000000", 3_000_000), ("3,000,000", 3_000_000), ("300万", 3_000_000), ("300万元", 3_000_000),
    ("1.5亿", 150_000_000), ("2千万", 20_000_000), ("5千", 5_000), ("３００万", 3_000_000), ("3，000，000", 3_000_000),
    ("1,234.5万", 12_345_000), ("272.4万", 2_724_000), ("12.5", Decimal("12.5")),
])
def test_parse_money_reads_what_people_type(typed, yuan):
    assert parse_money(typed) == yuan


@pytest.mark.parametrize("typed", ["", "abc", "-3", "3e6", "1,5", "300美元", "万"])
def test_parse_money_refuses_anything_else_saying_what_works(typed):
    with pytest.raises(ValueError, match="300万"):
        parse_money(typed)


def test_parse_date_and_bool():
    from datetime import date
    assert parse_date("2020-01-01") == date(2020, 1, 1)
    assert parse_date("2020年1月31日") == date(2020, 1, 31)
    assert parse_date("2020/12/31") == date(2020, 12, 31)
    assert parse_date("待定") is None
    assert parse_bool("否") is False and parse_bool("是") is True and parse_bool("") is None


def test_title_words_inside_a_paragraph_do_not_start_a_table(seed_doc):
    text = seed_doc.text.replace("项目概况： 对口支援项目建设及相关工作经费",
                                 "项目概况： 对口支援项目建设，详见财政项目支出绩效目标表说明及相关工作经费")
    assert len(split_projects(text)) == 8


def test_year_from_a_title_with_the_year_in_front():
    from ingest.parse.document import parse_document
    from ingest.read.document import read_bytes
    from pathlib import Path
    text = (Path(__file__).parent / "fixtures" / "other_layout.txt").read_text("utf-8")
    text = text.replace("项目支出绩效目标申报表\n（2021年度）", "2021年度项目支出绩效目标申报表")
    [p] = parse_document(read_bytes(text.encode(), "x.txt")).projects
    assert p.year == 2021 and p.name == "食品安全抽检监测经费"
