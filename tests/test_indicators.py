"""The indicator table: every row of every seed project, and the broken rows."""
from decimal import Decimal

import pytest

from ingest.parse.indicators import parse_target
from seed_expected import NAMES_IN_ORDER, rows_of


def _row(i):
    return (i.level1, i.level2, i.name, i.target_raw, i.operator,
            None if i.value is None else str(i.value), i.unit, i.qualitative)


@pytest.mark.parametrize("name", NAMES_IN_ORDER)
def test_every_indicator_row(seed_projects, name):
    assert [_row(i) for i in seed_projects[name].indicators] == rows_of(name)


def test_indicator_counts(seed_projects):
    counts = {n: len(p.indicators) for n, p in seed_projects.items()}
    assert counts == {n: len(rows_of(n)) for n in NAMES_IN_ORDER}
    assert sum(counts.values()) == 131


def _find(project, name):
    return next(i for i in project.indicators if i.name == name)


def test_broken_rows_are_flagged_not_guessed(seed_projects):
    aid = seed_projects["对口援助"]
    assert "name_joined" in _find(aid, "成本率").flags            # 成本 成本 率 =100
    assert "name_repeats_category" in _find(aid, "质量").flags     # 质量 质量 好
    assert "no_operator" in _find(aid, "客户满意度").flags         # 客户满意度 99%
    big = seed_projects["大型仪器项目经费"]
    rate = _find(big, "设备检验合格率（%）")                         # 数量 设备检验合格率（%） >400
    assert {"unit_from_name", "rate_over_100"} <= set(rate.flags)
    it = seed_projects["“互联网+计量”公共服务平台(运维)"]
    assert _find(it, "计划完成及时率").flags == ("no_unit",)       # 时效 计划完成及时率 =100
    assert _find(it, "预算执行率").flags == ()


def test_indicator_span_is_its_row(seed_doc, seed_projects):
    ind = _find(seed_projects["国能中心（市能耗在线监测系统）"], "企业能源计量培训")
    assert seed_doc.text[ind.span.start:ind.span.end] == "效果目标 社会效益 企业能源计量培训 =3次"


@pytest.mark.parametrize("raw,op,value,unit,qual", [
    ("=100%", "=", "100", "%", None), (">=95", ">=", "95", None, None), ("≥ 95%", ">=", "95", "%", None),
    ("＞5000单", ">", "5000", "单", None), ("95%以上", ">=", "95", "%", None), ("不低于90%", ">=", "90", "%", None),
    ("<=3天", "<=", "3", "天", None), ("=100万元", "=", "100", "万元", None), ("1,000", None, "1000", None, None),
    ("99.5%", None, "99.5", "%", None), ("健全", None, None, None, "健全"),
    ("在线采集故障维护和修复", None, None, None, "在线采集故障维护和修复"),
])
def test_parse_target(raw, op, value, unit, qual):
    t = parse_target(raw)
    assert (t.operator, None if t.value is None else str(t.value), t.unit, t.qualitative) == (op, value, unit, qual)
    if value:
        assert isinstance(t.value, Decimal)


def test_rows_of_other_layouts():
    """Rows as the national template prints them: 指标 wording, operators apart from numbers."""
    from ingest.parse.indicators import read_rows, row_flags
    from ingest.parse.layout import lines_of
    text = "产出指标 数量指标 培训人次 ≥ 500人次\n质量指标 合格率 ≥95%\n满意度指标\n服务对象满意度指标 群众满意度 ≥90%\n"
    rows, notes = read_rows(lines_of(text))
    got = [(r.level1, r.level2, r.name, r.target_raw) for r in rows]
    assert got == [("产出指标", "数量指标", "培训人次", "≥500人次"), ("产出指标", "质量指标", "合格率", "≥95%"),
                   ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%")]
    assert notes == []
    t, flags = row_flags(rows[0], parse_target(rows[0].target_raw))
    assert (t.operator, t.value, t.unit, flags) == (">=", Decimal(500), "人次", ())


def test_units_and_names_printed_apart():
    from ingest.parse.indicators import join_name, read_rows
    from ingest.parse.layout import lines_of
    rows, _ = read_rows(lines_of("产出目标\n数量 培训人数 ≥ 95 %\nGDP growth rate ≥5%\n质量 质量 好\n"))
    assert [(r.level2, r.name, r.target_raw) for r in rows] == [
        ("数量", "培训人数", "≥95%"), ("数量", "GDP growth rate", "≥5%"), ("质量", "质量", "好")]
    assert join_name(["成本", "率"]) == "成本率"


def test_table_without_column_header_starts_after_its_heading(seed_doc):
    from ingest.parse.document import parse_document
    from ingest.read.document import read_bytes
    text = seed_doc.text.replace("一级目标 二级目标 三级目标 指标目标值\n", "")
    result = parse_document(read_bytes(text.encode(), "x.txt"))
    assert [len(p.indicators) for p in result.projects] == [19, 15, 15, 20, 15, 18, 10, 19]
