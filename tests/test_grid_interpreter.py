"""The grid interpreter on tables built cell by cell, one per template family.

Every table here is made up, in the layout of real published forms (申报表, a unit's flat
table, 自评表, 批复表 with its mid-term block, 部门整体支出绩效目标表, the Shanghai 目标表); the
expected records were worked out by hand from the cells, never copied from the program.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from ingest.errors import IngestError
from ingest.parse.document import parse_document
from ingest.parse.grid import parse_grids
from ingest.parse.vocabulary import VOCABULARY, normalize, strip_score
from ingest.read.document import Document
from ingest.read.grid import Cell, Table
from ingest.records import KIND_APPLICATION, KIND_REPLY, KIND_SELF_EVAL, KIND_TARGETS, Department
from ingest.storage.codec import department_from_dict, department_to_dict, project_from_dict, project_to_dict


# ---- building documents -------------------------------------------------------------------
class C:
    """A printed cell: text, rows and columns it spans."""

    def __init__(self, text: str, rs: int = 1, cs: int = 1):
        self.text, self.rs, self.cs = text, rs, cs


def place(rows: list[list]) -> list[tuple[int, int, C]]:
    """(row, col, cell) of every cell, skipping positions merged from above (as HTML lists them)."""
    covered: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        col = 0
        for item in row:
            c = item if isinstance(item, C) else C(str(item))
            while (r, col) in covered:
                col += 1
            out.append((r, col, c))
            for rr in range(r, r + c.rs):
                for cc in range(col, col + c.cs):
                    covered.add((rr, cc))
            col += c.cs
    return out


def document(*parts, name: str = "fixture.xlsx") -> Document:
    """A document of preamble lines (str) and tables (lists of rows), laid out as grid text the
    way the office readers lay it out, every cell pointing at its text."""
    text = ""
    tables = []
    for n, part in enumerate(parts):
        if isinstance(part, str):
            text += part + "\n"
            continue
        cells = []
        last_row = None
        for r, col, c in place(part):
            if last_row is not None and r != last_row:
                text += "\n"
            elif last_row is not None:
                text += " | "
            last_row = r
            start = len(text)
            text += c.text
            cells.append(Cell(r, col, c.text, c.rs, c.cs, start, start + len(c.text)))
        text += "\n\n"
        tables.append(Table.of(cells, f"table {len(tables) + 1}"))
    return Document(name, text, "utf-8", "xlsx", tuple(tables))


def rows_of(p) -> list[str]:
    """Indicators as ``level1|level2|name|target_raw|operator|value|unit|qualitative``."""
    def s(x):
        return "" if x is None else str(x)
    return ["|".join(s(x) for x in (i.level1, i.level2, i.name, i.target_raw, i.operator, i.value, i.unit,
                                    i.qualitative)) for i in p.indicators]


# ---- 项目支出绩效目标申报表, split targets, 金额单位：元 in a header cell --------------------------------
SHENBAO = [
    [C("金额单位：元", cs=10)],
    ["项目支出名称", C("城区公共厕所改造提升工程", cs=9)],
    ["预算部门", C("某市城市管理局", cs=4), "实施单位", C("某市环境卫生服务中心", cs=4)],
    ["项目类别", C("延续性项目", cs=4), "项目支出实施期", C("2022年-2024年", cs=4)],
    ["年度本级预算金额", C("1,850,000.00", cs=4), "该项目支出上级资金", C("300,000.00", cs=4)],
    ["项目审批", C("某发改投资〔2021〕35号", cs=9)],
    ["实施期绩效目标", C("三年内完成城区60座公共厕所改造，如厕环境明显改善。", cs=9)],
    ["本年度绩效目标", C("完成20座公共厕所改造并通过验收。", cs=9)],
    ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重", "指标方向性", "绩效标准", "指标解释"],
    [C("产出指标", rs=3), "数量指标", "改造公共厕所数量", "≥", "20", "座", "20", "正向", "计划标准", "当年完成改造并验收的座数"],
    ["质量指标", "改造工程验收合格率", "＝", "100", "%", "20", "正向", "行业标准", "验收合格座数/改造座数"],
    ["时效指标", "改造完成时间", "定性", "2022年11月底前", "", "10", "正向", "计划标准", ""],
    ["成本指标", "经济成本指标", "单座改造成本", "≤", "9.25", "万元", "20", "反向", "历史标准", "年度预算/改造座数"],
    ["效益指标", "社会效益指标", "群众如厕环境改善", "定性", "明显改善", "", "20", "正向", "其他", ""],
    ["满意度指标", "服务对象满意度指标", "周边居民满意度", "≥", "90", "%", "10", "正向", "行业标准", "抽样问卷调查"],
]


def test_shenbao_header_budget_and_split_targets():
    result = parse_grids(document("2022年度项目支出绩效目标申报表", SHENBAO))
    assert not result.errors and len(result.projects) == 1
    p = result.projects[0]
    assert (p.kind, p.year, p.name) == (KIND_APPLICATION, 2022, "城区公共厕所改造提升工程")
    assert (p.unit, p.department, p.category) == ("某市环境卫生服务中心", "某市城市管理局", "延续性项目")
    assert p.budget.current_year == D(1850000) and p.budget.money_unit == "元"
    assert [(x.source, x.source_key, x.planned) for x in p.budget.sources] == [
        ("年度本级预算金额", "total", D(1850000)), ("该项目支出上级资金", "superior", D(300000))]
    assert p.section("approval") == "某发改投资〔2021〕35号"
    assert p.section("term_goal") == "三年内完成城区60座公共厕所改造，如厕环境明显改善。"
    assert p.section("annual_goal") == "完成20座公共厕所改造并通过验收。"
    assert rows_of(p) == [
        "产出指标|数量指标|改造公共厕所数量|≥20座|>=|20|座|",
        "产出指标|质量指标|改造工程验收合格率|＝100%|=|100|%|",
        "产出指标|时效指标|改造完成时间|2022年11月底前||||2022年11月底前",
        "成本指标|经济成本指标|单座改造成本|≤9.25万元|<=|9.25|万元|",
        "效益指标|社会效益指标|群众如厕环境改善|明显改善||||明显改善",
        "满意度指标|服务对象满意度指标|周边居民满意度|≥90%|>=|90|%|",
    ]
    first, cost = p.indicators[0], p.indicators[3]
    assert (first.weight, first.direction, first.standard, first.explanation) == (D(20), "正向", "计划标准",
                                                                                  "当年完成改造并验收的座数")
    assert (cost.direction, cost.standard, cost.level1_canonical, cost.level2_canonical) == ("反向", "历史标准",
                                                                                            "成本", "经济成本")
    assert [i.weight for i in p.indicators] == [D(20), D(20), D(10), D(20), D(20), D(10)]
    assert all(not i.flags for i in p.indicators)
    assert p.periods == () and all(i.period is None for i in p.indicators)
    # every value points at its own characters
    doc = document("2022年度项目支出绩效目标申报表", SHENBAO)
    name_span = p.spans["name"]
    assert doc.text[name_span.start:name_span.end] == "城区公共厕所改造提升工程"
    s = first.spans["weight"]
    assert doc.text[s.start:s.end] == "20"


def test_shenbao_records_round_trip_through_the_store_codec():
    p = parse_grids(document("2022年度项目支出绩效目标申报表", SHENBAO)).projects[0]
    back = project_from_dict(project_to_dict(p, full=True))
    assert back == p
    assert back.indicators[0].spans == p.indicators[0].spans and back.budget.money_unit == "元"
    plain = project_to_dict(p)
    assert plain["kind"] == "申报" and plain["department"] == "某市城市管理局"
    assert plain["indicators"][0]["weight"] == 20 and plain["indicators"][0]["direction"] == "正向"


# ---- one flat table for a whole unit ------------------------------------------------------------
FLAT_HEADER = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标值"]
FLAT_COPY = [  # as copied out of Excel: merged cells printed once, blanks below
    FLAT_HEADER,
    ["801-某县教育局", "", "1,234.50", "", "", "", "", ""],
    ["某县第一中学", "校舍维修改造", "120.00", "完成教学楼屋面防水和外墙维修", "产出指标", "数量指标", "维修校舍面积", "≥3000平方米"],
    ["", "", "", "", "效益指标", "社会效益指标", "校舍安全隐患消除率", "100%"],
    ["", "", "", "", "产出指标", "时效指标", "完工时间", "2021年8月底前"],
    ["", "学生营养改善计划", "80.50", "保障农村义务教育学生营养膳食补助", "产出指标", "数量指标", "受益学生人数", "≥1500人"],
    ["", "", "", "", "满意度指标", "服务对象满意度指标", "家长满意度", "≥90%"],
    ["802-某县卫生健康局", "", "300.00", "", "", "", "", ""],
    ["某县人民医院", "医疗设备购置", "300万", "购置DR等医疗设备", "产出指标", "数量指标", "购置设备台数", "5台"],
]
FLAT_MERGED = [
    FLAT_HEADER,
    ["801-某县教育局", "", "1,234.50", "", "", "", "", ""],
    [C("某县第一中学", rs=5), C("校舍维修改造", rs=3), C("120.00", rs=3), C("完成教学楼屋面防水和外墙维修", rs=3),
     "产出指标", "数量指标", "维修校舍面积", "≥3000平方米"],
    ["效益指标", "社会效益指标", "校舍安全隐患消除率", "100%"],
    ["产出指标", "时效指标", "完工时间", "2021年8月底前"],
    [C("学生营养改善计划", rs=2), C("80.50", rs=2), C("保障农村义务教育学生营养膳食补助", rs=2),
     "产出指标", "数量指标", "受益学生人数", "≥1500人"],
    ["满意度指标", "服务对象满意度指标", "家长满意度", "≥90%"],
    ["802-某县卫生健康局", "", "300.00", "", "", "", "", ""],
    ["某县人民医院", "医疗设备购置", "300万", "购置DR等医疗设备", "产出指标", "数量指标", "购置设备台数", "5台"],
]


@pytest.mark.parametrize("rows", [FLAT_COPY, FLAT_MERGED], ids=["blank-cells", "merged-cells"])
def test_flat_unit_table_gives_one_project_per_block(rows):
    result = parse_grids(document("某县2021年度部门项目支出绩效目标表", "单位：万元", rows))
    assert not result.errors
    ps = result.projects
    assert [(p.unit, p.name, p.budget.current_year) for p in ps] == [
        ("某县第一中学", "校舍维修改造", D(1200000)),
        ("某县第一中学", "学生营养改善计划", D(805000)),
        ("某县人民医院", "医疗设备购置", D(3000000)),           # 300万 is 300 × 10,000 whatever the header says
    ]
    assert all(p.year == 2021 and p.budget.money_unit == "万元" for p in ps)
    assert len({p.id for p in ps}) == 3
    assert ps[0].section("annual_goal") == "完成教学楼屋面防水和外墙维修"
    assert rows_of(ps[0]) == [
        "产出指标|数量指标|维修校舍面积|≥3000平方米|>=|3000|平方米|",
        "效益指标|社会效益指标|校舍安全隐患消除率|100%||100|%|",
        "产出指标|时效指标|完工时间|2021年8月底前||||2021年8月底前",   # rows need not be grouped by 一级
    ]
    assert rows_of(ps[1]) == ["产出指标|数量指标|受益学生人数|≥1500人|>=|1500|人|",
                              "满意度指标|服务对象满意度指标|家长满意度|≥90%|>=|90|%|"]
    assert rows_of(ps[2]) == ["产出指标|数量指标|购置设备台数|5台||5|台|"]
    assert ps[2].indicators[0].flags == ("no_operator",)
    assert not any(p.unplaced for p in ps)          # the subtotal lines are not projects, nor raw rows


def test_flat_table_copy_and_merged_cells_give_equal_records():
    a = parse_grids(document("某县2021年度部门项目支出绩效目标表", "单位：万元", FLAT_COPY)).projects
    b = parse_grids(document("某县2021年度部门项目支出绩效目标表", "单位：万元", FLAT_MERGED)).projects
    assert a == b


def test_same_project_name_in_two_units_or_years_never_merges():
    rows = [FLAT_HEADER,
            ["甲镇人民政府", "农村公路养护", "50.00", "养护", "产出指标", "数量指标", "养护里程", "≥30公里"],
            ["乙镇人民政府", "农村公路养护", "40.00", "养护", "产出指标", "数量指标", "养护里程", "≥20公里"]]
    ps = parse_grids(document("2021年度项目支出绩效目标表", "单位：万元", rows)).projects
    later = parse_grids(document("2022年度项目支出绩效目标表", "单位：万元", rows)).projects
    assert [p.unit for p in ps] == ["甲镇人民政府", "乙镇人民政府"]
    assert len({p.id for p in ps + later}) == 4


# ---- 自评表: budget execution by source, actual values, scores, template rows ----------------------
ZIPING = [
    ["项目名称", C("社区养老服务补助", cs=8)],
    ["主管部门", C("某区民政局", cs=3), C("实施单位", cs=2), C("某区养老服务指导中心", cs=3)],
    [C("项目资金（万元）", rs=5), C("", cs=2), "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [C("年度资金总额", cs=2), "200.00", "180.00", "171.00", "10", "95.00%", "9.5"],
    [C("其中：当年财政拨款", cs=2), "150.00", "150.00", "146.00", "—", "97.33%", "—"],
    [C("上年结转资金", cs=2), "30.00", "30.00", "25.00", "—", "83.33%", "—"],
    [C("其他资金", cs=2), "20.00", "0.00", "0.00", "—", "—", "—"],
    [C("年度总体目标", rs=2), C("预期目标", cs=4), C("实际完成情况", cs=4)],
    [C("为辖区60个社区养老服务站提供运营补助", cs=4), C("58个社区站点获得补助，2个未通过验收", cs=4)],
    [C("绩效指标", rs=8), "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
     "偏差原因分析及改进措施"],
    [C("产出指标(50分)", rs=4), C("数量指标(20分)", rs=2), "指标1：补助社区养老服务站数量", "≥60个", "58个", "10", "9",
     "2个社区站点未通过验收，下年整改"],
    ["指标2：", "", "", "", "", ""],
    ["质量指标", "服务站验收合格率", "100%", "96.7%", "20", "19", ""],
    ["时效指标", "……", "", "", "", "", ""],
    [C("效益指标(30分)"), "社会效益指标", "受益老年人数", "≥3000人次", "3200人次", "30", "30", ""],
    [C("满意度指标（10分）"), "服务对象满意度指标", "老年人满意度", "≥90%", "93%", "10", "10", ""],
    [C("总分", cs=6), "100", "88.5", ""],
]


def test_ziping_budget_execution_and_actual_values():
    result = parse_grids(document("项目支出绩效自评表", "（2022年度）", ZIPING))
    assert not result.errors
    p = result.projects[0]
    assert (p.kind, p.year, p.name, p.unit, p.department) == (KIND_SELF_EVAL, 2022, "社区养老服务补助",
                                                              "某区养老服务指导中心", "某区民政局")
    lines = [(x.source, x.source_key, x.planned, x.adjusted, x.executed, x.rate, x.weight, x.score)
             for x in p.budget.sources]
    assert lines == [
        ("年度资金总额", "total", D(2000000), D(1800000), D(1710000), D("0.95"), D(10), D("9.5")),
        ("当年财政拨款", "fiscal", D(1500000), D(1500000), D(1460000), D("0.9733"), None, None),
        ("上年结转资金", "carryover", D(300000), D(300000), D(250000), D("0.8333"), None, None),
        ("其他资金", "other", D(200000), D(0), D(0), None, None, None),
    ]
    assert p.budget.current_year == D(1800000) and p.budget.money_unit == "万元"
    assert p.section("annual_goal") == "为辖区60个社区养老服务站提供运营补助"
    assert p.section("summary") == "58个社区站点获得补助，2个未通过验收"
    assert rows_of(p) == [
        "产出指标|数量指标|补助社区养老服务站数量|≥60个|>=|60|个|",
        "产出指标|质量指标|服务站验收合格率|100%||100|%|",
        "效益指标|社会效益指标|受益老年人数|≥3000人次|>=|3000|人次|",
        "满意度指标|服务对象满意度指标|老年人满意度|≥90%|>=|90|%|",
    ]
    first = p.indicators[0]
    assert (first.level1_weight, first.level2_weight, first.weight, first.score) == (D(50), D(20), D(10), D(9))
    assert (first.actual_raw, first.actual_value, first.actual_unit) == ("58个", D(58), "个")
    assert first.deviation == "2个社区站点未通过验收，下年整改"
    assert [i.level1_weight for i in p.indicators] == [D(50), D(50), D(30), D(10)]
    assert [i.score for i in p.indicators] == [D(9), D(19), D(30), D(10)]
    assert p.indicators[1].actual_value == D("96.7") and p.indicators[1].deviation is None
    assert any("2 unfilled template rows" in w.message for w in result.warnings)
    assert not p.unplaced


# ---- 批复表: a mid-term block beside the annual one, 成本指标 as its own 一级 --------------------------
PIFU = [
    ["项目名称", C("老旧小区雨污分流改造", cs=7)],
    ["主管部门", C("某区住房和城乡建设局", cs=3), "实施单位", C("某区市政工程中心", cs=3)],
    [C("项目资金（万元）", rs=3), "中期资金总额", C("2,400.00", cs=2), C("年度资金总额", cs=2), C("900.00", cs=2)],
    ["其中：财政拨款", C("2,000.00", cs=2), C("其中：财政拨款", cs=2), C("800.00", cs=2)],
    ["其他资金", C("400.00", cs=2), C("其他资金", cs=2), C("100.00", cs=2)],
    [C("绩效指标", rs=11), C("中期目标（2021—2023年）", cs=4), C("2021年度目标", cs=3)],
    ["一级指标", "二级指标", "三级指标", "指标值", "二级指标", "三级指标", "指标值"],
    [C("预期产出指标", rs=3), "数量指标(或建筑规模指标)", "改造小区数量", "36个", "数量指标(或建筑规模指标)", "改造小区数量", "12个"],
    ["质量指标", "工程验收合格率", "100%", "质量指标", "工程验收合格率", "100%"],
    ["时效指标(工期指标、形象进度指标)", "完工时间", "2023年底前", "时效指标(工期指标、形象进度指标)", "当年完工时间",
     "2021年12月底前"],
    [C("成本指标(0-20)分", rs=3), "经济成本指标", "单个小区改造成本", "≤66.7万元", "经济成本指标", "单个小区改造成本",
     "≤75万元"],
    ["社会成本指标", "施工期间交通影响", "不造成主干道拥堵", "社会成本指标", "施工期间交通影响", "不造成主干道拥堵"],
    ["生态环境成本指标", "施工扬尘", "符合标准", "生态环境成本指标", "施工扬尘", "符合标准"],
    [C("效果指标", rs=2), "生态效益指标", "污水直排口消除率", "100%", "生态效益指标", "污水直排口消除率", "100%"],
    ["社会效益指标", "受益居民户数", "≥8000户", "社会效益指标", "受益居民户数", "≥3000户"],
    ["满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", "服务对象满意度指标", "居民满意度", "≥90%"],
]


def test_pifu_midterm_block_beside_the_annual_block():
    result = parse_grids(document("2021年项目支出绩效目标批复表", PIFU))
    assert not result.errors
    p = result.projects[0]
    assert (p.kind, p.year, p.name, p.unit) == (KIND_REPLY, 2021, "老旧小区雨污分流改造", "某区市政工程中心")
    assert (p.budget.total, p.budget.current_year) == (D(24000000), D(9000000))
    assert [(x.purpose, x.source, x.planned) for x in p.budget.sources] == [
        ("中期", "中期资金总额", D(24000000)), (None, "年度资金总额", D(9000000)),
        ("中期", "财政拨款", D(20000000)), (None, "财政拨款", D(8000000)),
        ("中期", "其他资金", D(4000000)), (None, "其他资金", D(1000000))]
    assert [(x.kind, x.start_year, x.end_year) for x in p.periods] == [("midterm", 2021, 2023), ("annual", 2021, 2021)]
    mid = [i for i in p.indicators if i.period == "midterm"]
    annual = [i for i in p.indicators if i.period == "annual"]
    assert len(mid) == len(annual) == 9 and len(p.indicators) == 18
    assert [(i.level1, i.level2, i.name, i.target_raw) for i in mid[:4]] == [
        ("预期产出指标", "数量指标(或建筑规模指标)", "改造小区数量", "36个"),
        ("预期产出指标", "质量指标", "工程验收合格率", "100%"),
        ("预期产出指标", "时效指标(工期指标、形象进度指标)", "完工时间", "2023年底前"),
        ("成本指标", "经济成本指标", "单个小区改造成本", "≤66.7万元"),
    ]
    assert [(i.name, i.target_raw, i.operator, i.value, i.unit) for i in annual[2:4]] == [
        ("当年完工时间", "2021年12月底前", None, None, None), ("单个小区改造成本", "≤75万元", "<=", D(75), "万元")]
    cost = mid[3]
    assert (cost.level1_canonical, cost.level1_weight, cost.level2_canonical) == ("成本", D(20), "经济成本")
    assert [i.level2_canonical for i in mid] == ["数量", "质量", "时效", "经济成本", "社会成本", "生态环境成本",
                                                 "生态效益", "社会效益", "服务对象满意度"]
    assert {i.level1_canonical for i in annual} == {"产出", "成本", "效益", "满意度"}
    assert annual[7].target_raw == "≥3000户" and mid[7].target_raw == "≥8000户"


# ---- 部门整体支出绩效目标表 → a Department, not a project ---------------------------------------------
DEPARTMENT = [
    ["部门名称", C("某县市场监督管理局", cs=3), "部门预算编码", "126001"],
    [C("部门预算资金（万元）", rs=4), C("", cs=2), "资金总额", "财政拨款", "其他资金"],
    [C("合计", cs=2), "1,580.00", "1,500.00", "80.00"],
    [C("基本支出", cs=2), "1,080.00", "1,080.00", "0.00"],
    [C("项目支出", cs=2), "500.00", "420.00", "80.00"],
    [C("年度履职目标", rs=3), C("目标1：完成食品安全监督抽检2000批次以上。", cs=5)],
    [C("目标2：开展特种设备安全检查，隐患整改率100%。", cs=5)],
    [C("目标3：办结消费投诉举报，群众满意。", cs=5)],
    [C("年度绩效指标", rs=5), "一级指标", "二级指标", C("三级指标", cs=2), "指标值"],
    [C("产出指标", rs=2), "数量指标", C("食品安全监督抽检批次", cs=2), "≥2000批次"],
    ["质量指标", C("特种设备隐患整改率", cs=2), "100%"],
    ["效益指标", "社会效益指标", C("重大食品安全事故", cs=2), "0起"],
    ["满意度指标", "服务对象满意度指标", C("投诉举报办结满意率", cs=2), "≥95%"],
]


def test_department_table_gives_a_department_record():
    result = parse_grids(document("部门整体支出绩效目标表", "（2022年度）", DEPARTMENT))
    assert not result.errors and result.projects == []
    [d] = result.departments
    assert isinstance(d, Department)
    assert (d.kind, d.year, d.name, d.code) == ("整体支出", 2022, "某县市场监督管理局", "126001")
    assert (d.total, d.basic_spending, d.project_spending) == (D(15800000), D(10800000), D(5000000))
    assert d.money_unit == "万元"
    by = {(x.purpose, x.source): x.planned for x in d.budget}
    assert by[(None, "财政拨款")] == D(15000000) and by[(None, "其他资金")] == D(800000)
    assert by[("项目支出", "财政拨款")] == D(4200000) and by[("基本支出", "其他资金")] == D(0)
    assert d.section("goal_1") == "完成食品安全监督抽检2000批次以上。"
    assert d.section("goal_3") == "办结消费投诉举报，群众满意。"
    assert d.section("annual_duties").count("目标") == 3
    assert rows_of(d) == [
        "产出指标|数量指标|食品安全监督抽检批次|≥2000批次|>=|2000|批次|",
        "产出指标|质量指标|特种设备隐患整改率|100%||100|%|",
        "效益指标|社会效益指标|重大食品安全事故|0起||0|起|",
        "满意度指标|服务对象满意度指标|投诉举报办结满意率|≥95%|>=|95|%|",
    ]
    assert department_from_dict(department_to_dict(d, full=True)) == d


# ---- the Shanghai 财政项目支出绩效目标表 as a grid gives the seed's records ---------------------------
def shanghai_grid(p) -> list[list]:
    """One seed project laid out as the Excel form of its template (label | value rows, then the
    indicator table with its levels merged down)."""
    sec = {s.key: s.text for s in p.sections}
    b = p.budget

    def money(x):
        return "" if x is None else f"{x:,}"

    rows = [
        ["申报单位名称：", C(p.unit, cs=3)],
        ["项目名称：", C(p.name, cs=3)],
        ["项目类别：", C(p.category, cs=3)],
        ["计划开始日期：", p.start_date.isoformat(), "计划完成日期：", p.end_date.isoformat()],
        ["是否含有政府购买服务：", "是" if p.gov_purchase else "否", "绩效类型：", p.performance_type],
        ["项目概况：", C(sec["overview"], cs=3)],
        ["立项依据：", C(sec["legal_basis"], cs=3)],
        ["项目设立的必要性：", C(sec["necessity"], cs=3)],
        ["保证项目实施的制度、措施：", C(sec["safeguards"], cs=3)],
        ["项目实施计划：", C(sec["plan"], cs=3)],
        ["总目标及阶段性目标：", C(sec["goals"], cs=3)],
        [C("本项目上年度市级财政资金使用情况", cs=4)],
        ["项目总预算（元）：", money(b.total), "项目当年预算（元）：", money(b.current_year)],
        ["同名项目上年预算额（元）：", money(b.prev_year_budget), "同名项目上年预算执行数（元）：", money(b.prev_year_executed)],
        [C(f"{p.year}年绩效目标", cs=4)],
        ["一级目标", "二级目标", "三级目标", "指标目标值"],
    ]
    inds = list(p.indicators)
    for n, i in enumerate(inds):
        row = []
        if n == 0 or inds[n - 1].level1 != i.level1:
            row.append(C(i.level1, rs=sum(1 for _ in _run(inds, n, lambda x: x.level1))))
        if n == 0 or inds[n - 1].level1 != i.level1 or inds[n - 1].level2 != i.level2:
            row.append(C(i.level2, rs=sum(1 for _ in _run(inds, n, lambda x: (x.level1, x.level2)))))
        rows.append(row + [i.name, i.target_raw])
    return rows


def _run(items, n, key):
    k = key(items[n])
    for x in items[n:]:
        if key(x) != k:
            return
        yield x


def test_shanghai_template_as_a_grid_gives_the_seed_records(seed_doc):
    seed = parse_document(seed_doc).projects
    for p in seed:
        grid = parse_grids(document("财政项目支出绩效目标表", f"（{p.year}年度）", shanghai_grid(p)))
        assert not grid.errors, grid.errors
        [g] = grid.projects
        # the seed parser flags rows whose cells it had to join from space-separated words; a grid
        # has its cells, so those flags (and only those) are the seed's own
        # and it infers where a section starts when a page break displaced its label
        layout_flags = {"name_joined", "target_on_next_line"}
        seed_p = replace(p, indicators=tuple(replace(i, flags=tuple(f for f in i.flags if f not in layout_flags))
                                             for i in p.indicators),
                         sections=tuple(replace(s, inferred_start=False) for s in p.sections))
        assert g == seed_p, p.name
        assert g.id == p.id and g.budget.money_unit == "元"


# ---- honest partial reads ----------------------------------------------------------------------------
def test_table_cut_before_its_indicators_is_kept_with_a_warning():
    result = parse_grids(document("2022年度项目支出绩效目标申报表", SHENBAO[:6], name="cut.xlsx"))
    [p] = result.projects
    assert p.name == "城区公共厕所改造提升工程" and p.indicators == () and p.budget.current_year == D(1850000)
    assert any("no indicator rows" in w.message and w.file == "cut.xlsx" for w in result.warnings)


def test_table_cut_inside_its_indicators_keeps_the_rows_it_has():
    result = parse_grids(document("2022年度项目支出绩效目标申报表", SHENBAO[:11]))
    assert [i.name for i in result.projects[0].indicators] == ["改造公共厕所数量", "改造工程验收合格率"]


def test_rows_it_cannot_place_are_kept_raw_and_flagged():
    rows = SHENBAO[:3] + [["附：项目现场照片见附件", C("略", cs=9)]] + SHENBAO[3:]
    result = parse_grids(document("2022年度项目支出绩效目标申报表", rows, name="odd.xlsx"))
    p = result.projects[0]
    assert [(r.cells, r.table, r.row) for r in p.unplaced] == [(("附：项目现场照片见附件", "略"), "table 1", 3)]
    w = next(w for w in result.warnings if w.field == "unplaced")
    assert w.file == "odd.xlsx" and "table 1, row 4" in w.message and w.line == 5
    assert len(p.indicators) == 6          # the rest is read as before


def test_a_table_with_no_project_name_is_an_error_naming_the_table():
    rows = [r for r in SHENBAO if r[0] != "项目支出名称"]
    result = parse_grids(document("2022年度项目支出绩效目标申报表", rows, name="noname.xlsx"))
    assert result.projects == []
    [e] = result.errors
    assert isinstance(e, IngestError) and e.file == "noname.xlsx" and "table 1" in e.message and "项目名称" in e.message


def test_tables_with_no_target_table_at_all_are_refused():
    with pytest.raises(IngestError, match="no 绩效目标表"):
        parse_grids(document([["姓名", "电话"], ["张三", "123"]], name="phones.xlsx"))


def test_an_indicator_table_broken_over_two_pages_is_one_project():
    head, rest = SHENBAO[:12], SHENBAO[12:]
    result = parse_grids(document("2022年度项目支出绩效目标申报表", head, rest, name="two-pages.pdf"))
    [p] = result.projects
    assert [i.name for i in p.indicators] == ["改造公共厕所数量", "改造工程验收合格率", "改造完成时间", "单座改造成本",
                                              "群众如厕环境改善", "周边居民满意度"]
    assert p.indicators[3].weight == D(20)


def test_two_projects_in_one_sheet_are_two_records():
    rows = SHENBAO[1:] + [r if r[0] != "项目支出名称" else ["项目支出名称", C("公园绿地养护", cs=9)] for r in SHENBAO[1:]]
    ps = parse_grids(document("2022年度项目支出绩效目标申报表", "金额单位：元", rows)).projects
    assert [p.name for p in ps] == ["城区公共厕所改造提升工程", "公园绿地养护"]
    assert [len(p.indicators) for p in ps] == [6, 6] and ps[1].year == 2022


def test_labels_and_values_in_one_cell():
    table = [[C("项目名称：乡村道路硬化", cs=2), C("实施单位：某镇人民政府", cs=2)],
             [C("资金情况（万元）：年度资金总额：300万 其中：财政拨款：250 其他资金：50", cs=4)],
             ["一级指标", "二级指标", "三级指标", "指标值及单位"],
             ["产出指标", "数量指标", "硬化道路长度", "≥5公里"]]
    p = parse_grids(document("2021年项目支出绩效目标表", table)).projects[0]
    assert (p.name, p.unit) == ("乡村道路硬化", "某镇人民政府")
    assert p.budget.current_year == D(3000000)
    assert [(x.source, x.planned) for x in p.budget.sources] == [("年度资金总额", D(3000000)), ("财政拨款", D(2500000)),
                                                                  ("其他资金", D(500000))]
    assert rows_of(p) == ["产出指标|数量指标|硬化道路长度|≥5公里|>=|5|公里|"]


def test_a_copy_without_row_boundaries_is_reflowed_by_its_labels():
    texts = ["项目名称", "村级公益事业补助", "主管部门", "某县财政局", "实施单位", "某县农村综合改革服务中心",
             "年度资金总额（万元）", "60", "一级指标", "二级指标", "三级指标", "指标值",
             "产出指标", "数量指标", "补助村数", "≥12个", "质量指标", "项目验收合格率", "100%",
             "效益指标", "社会效益指标", "受益群众满意度提升", "明显提升"]
    text, cells = "", []
    for n, t in enumerate(texts):
        cells.append(Cell(n, 0, t, start=len(text), end=len(text) + len(t)))
        text += t + " |\n"
    table = replace(Table.of(cells, "lines 1-23"), rows_marked=False)
    doc = Document("copy.txt", "2021年度项目支出绩效目标表\n" + text, "utf-8", "text",
                   (replace(table, cells=tuple(replace(c, start=c.start + 16, end=c.end + 16) for c in cells)),))
    p = parse_grids(doc).projects[0]
    assert (p.name, p.department, p.unit, p.budget.current_year) == ("村级公益事业补助", "某县财政局",
                                                                     "某县农村综合改革服务中心", D(600000))
    assert rows_of(p) == ["产出指标|数量指标|补助村数|≥12个|>=|12|个|",
                          "产出指标|质量指标|项目验收合格率|100%||100|%|",
                          "效益指标|社会效益指标|受益群众满意度提升|明显提升||||明显提升"]


# ---- the vocabulary -----------------------------------------------------------------------------------
def test_label_normalisation_keeps_units_and_points_apart():
    assert normalize("项 目 名 称：").base == "项目名称"
    assert normalize("项目资金（万元）").scale == 10000
    assert normalize("产出指标(50分)").points == D(50)
    assert VOCABULARY.lookup("实施单位（盖章）") == {"field": "unit"}
    assert VOCABULARY.lookup("其中：当年财政拨款") == {"source": "fiscal"}
    assert strip_score("成本指标(0-20)分") == ("成本指标", D(20))
    assert strip_score("数量指标(或建筑规模指标)") == ("数量指标(或建筑规模指标)", None)


@pytest.mark.parametrize("label, level1", [("产出指标(50分)", "产出"), ("预期产出指标", "产出"), ("效果指标", "效益"),
                                           ("项目效益(35分)", "效益"), ("满意度指标", "满意度"),
                                           ("成本指标(0-20)分", "成本"), ("投入与管理目标", "投入与管理"),
                                           ("影响力目标", "影响力"), ("不是一级", None)])
def test_canonical_level1(label, level1):
    assert VOCABULARY.canonical_level1(label) == level1


@pytest.mark.parametrize("label, level2", [("数量指标(或建筑规模指标)", "数量"), ("时效指标(工期指标、形象进度指标)", "时效"),
                                           ("经济成本指标", "经济成本"), ("生态环境成本指标", "生态环境成本"),
                                           ("环境效益", "生态效益"), ("可持续影响指标", "可持续影响"),
                                           ("社会公众或服务对象满意度指标", "服务对象满意度"), ("数量", "数量")])
def test_canonical_level2(label, level2):
    assert VOCABULARY.canonical_level2(label) == level2


# ---- more layouts seen in published tables (content invented) ----------------------------------------
# A provincial 自评表: 预算执行情况 by 总额 / 其中:财政资金 / 财政专户管理资金 / 单位资金 / 其他资金 with
# 年初预算 / 调整后预算数 / 预算执行数 / 预算执行率 / 权重 / 得分; split targets beside 完成值; 合计, 评价结论 …
SICHUAN_ZIPING = [
    ["项目名称", C("51000021R000000012345-乡镇综合文化站免费开放", cs=10)],
    ["主管部门", C("某县文化广播电视和旅游局本级", cs=4), C("实施单位（盖章）", cs=2), C("某县文化馆", cs=4)],
    [C("项目基本情况", rs=3), C("1.项目年度目标完成情况", rs=2), C("项目年度目标", cs=4), C("年度目标完成情况", cs=5)],
    [C("保障12个乡镇综合文化站免费开放", cs=4), C("12个站点全年免费开放", cs=5)],
    ["2.项目实施内容及过程概述", C("按季度拨付运行经费。", cs=9)],
    [C("预算执行情况(10分)", rs=6), C("年度预算数(万元)", cs=2), "年初预算", "调整后预算数", "预算执行数", "预算执行率",
     "权重", "得分", C("原因", cs=2)],
    [C("总额", cs=2), "24.00", "24.00", "22.80", "95.00%", "10", "9.5", C("1.预算执行率=预算执行数/调整后预算数", rs=5, cs=2)],
    [C("其中:财政资金", cs=2), "24.00", "24.00", "22.80", "95.00%", "/", "/"],
    [C("财政专户管理资金", cs=2), "0.00", "0.00", "0.00", "0.00%", "/", "/"],
    [C("单位资金", cs=2), "0.00", "0.00", "0.00", "0.00%", "/", "/"],
    [C("其他资金", cs=2), "", "", "", "", "/", "/"],
    [C("绩效指标(90分)", rs=4), "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重", "得分",
     "未完成原因分析"],
    [C("产出指标", rs=2), "数量指标", "免费开放站点数", "≥", "12", "个", "12", "40", "40", ""],
    ["时效指标", "资金拨付及时率", "=", "100", "%", "90", "20", "18", "第四季度资金延迟拨付"],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥", "90", "%", "92", "30", "30", ""],
    [C("合计", cs=8), "100", "97.5", ""],
    ["评价结论", C("项目总体完成较好，自评97.5分。", cs=10)],
    ["存在问题", C("个别季度资金拨付不及时。", cs=10)],
    ["改进措施", C("加快资金拨付进度。", cs=10)],
    [C("项目负责人：张某", cs=5), C("财务负责人：李某", cs=6)],
]


def test_provincial_ziping_with_split_targets_and_execution_by_source():
    result = parse_grids(document("部门预算项目支出绩效自评表（2023年度）", SICHUAN_ZIPING))
    [p] = result.projects
    assert (p.kind, p.year, p.code, p.name) == (KIND_SELF_EVAL, 2023, "51000021R000000012345", "乡镇综合文化站免费开放")
    assert (p.unit, p.department, p.budget.current_year) == ("某县文化馆", "某县文化广播电视和旅游局本级", D(240000))
    assert [(x.source, x.source_key, x.planned, x.adjusted, x.executed, x.rate) for x in p.budget.sources] == [
        ("总额", "total", D(240000), D(240000), D(228000), D("0.95")),
        ("财政资金", "fiscal", D(240000), D(240000), D(228000), D("0.95")),
        ("财政专户管理资金", "fiscal", D(0), D(0), D(0), D(0)),
        ("单位资金", "own", D(0), D(0), D(0), D(0)),
    ]
    assert (p.budget.sources[0].weight, p.budget.sources[0].score) == (D(10), D("9.5"))
    assert rows_of(p) == ["产出指标|数量指标|免费开放站点数|≥12个|>=|12|个|",
                          "产出指标|时效指标|资金拨付及时率|=100%|=|100|%|",
                          "满意度指标|服务对象满意度指标|群众满意度|≥90%|>=|90|%|"]
    assert [(i.actual_value, i.actual_unit, i.weight, i.score) for i in p.indicators] == [
        (D(12), "个", D(40), D(40)), (D(90), "%", D(20), D(18)), (D(92), "%", D(30), D(30))]
    assert p.indicators[1].deviation == "第四季度资金延迟拨付"
    assert (p.section("annual_goal"), p.section("summary")) == ("保障12个乡镇综合文化站免费开放", "12个站点全年免费开放")
    assert (p.section("conclusion"), p.section("improvements")) == ("项目总体完成较好，自评97.5分。", "加快资金拨付进度。")
    assert not p.unplaced


# A municipal 自评表 scored on the evaluation framework (项目决策 / 项目产出 / 项目效益, 二级 with points),
# its budget a row of figures under 年度资金总额.
EVALUATION_ZIPING = [
    ["项目名称", C("初中公用经费", cs=7)],
    ["主管部门", C("某市教育局", cs=3), "实施单位", C("某市第六中学", cs=3)],
    [C("项目资金（万元）", rs=2), "年度资金总额", "年初预算数", "调整预算数(A)", "全年执行数(B)", C("执行率(B/A)", cs=3)],
    ["", "64.80", "64.80", "60.00", C("92.59%", cs=3)],
    [C("年度总体目标", rs=2), C("年初设定目标", cs=4), C("年度总体目标完成情况", cs=3)],
    [C("保障学校正常运转", cs=4), C("保障了学校正常运转", cs=3)],
    ["一级指标", "二级指标", "三级指标", "分值", "指标值(A)", "全年实际值(B)", "得分", "未完成原因分析及改进措施"],
    [C("项目决策(10分)", rs=2), "项目目标", "目标完整性", "4", "目标明确", "目标明确", "4", ""],
    ["项目立项", "相关性", "6", "按标准管理", "按标准管理", "6", ""],
    [C("项目产出(30分)", rs=2), "数量指标(10分)", "保障人数", "10", "2370人", "2370人", "10", ""],
    ["时效指标(5分)", "公用经费完成时间", "5", "2021年12月", "2021年12月", "4", "第四季度支付延迟"],
    [C("项目效益(35分)"), "社会效益指标", "办学条件改善", "35", "改善", "改善", "33", ""],
    ["满意度(10分)", "服务对象满意度指标(10分)", "学生满意度", "10", "≥90%", "95%", "10", ""],
    [C("总分", cs=3), "100", "", "", "97", ""],
]


def test_ziping_on_the_evaluation_framework_with_level_points():
    [p] = parse_grids(document("某市本级部门项目支出绩效自评表（2021年）", EVALUATION_ZIPING)).projects
    # 年初预算数 64.80 | 调整预算数 64.80 | 全年执行数 60.00 万元: the year's budget is the adjusted one
    assert (p.kind, p.year, p.unit, p.budget.current_year) == (KIND_SELF_EVAL, 2021, "某市第六中学", D(648000))
    [line] = p.budget.sources
    assert (line.source, line.planned, line.adjusted, line.executed, line.rate) == (
        "年度资金总额", D(648000), D(648000), D(600000), D("0.9259"))
    assert p.section("annual_goal") == "保障学校正常运转" and p.section("summary") == "保障了学校正常运转"
    assert [(i.level1, i.level1_canonical, i.level1_weight, i.level2, i.level2_weight) for i in p.indicators] == [
        ("项目决策", "决策", D(10), "项目目标", None), ("项目决策", "决策", D(10), "项目立项", None),
        ("项目产出", "产出", D(30), "数量指标", D(10)), ("项目产出", "产出", D(30), "时效指标", D(5)),
        ("项目效益", "效益", D(35), "社会效益指标", None), ("满意度", "满意度", D(10), "服务对象满意度指标", D(10))]
    assert [(i.name, i.weight, i.score) for i in p.indicators][3] == ("公用经费完成时间", D(5), D(4))
    assert p.indicators[3].deviation == "第四季度支付延迟"
    assert (p.indicators[5].target_raw, p.indicators[5].actual_value) == ("≥90%", D(95))


# A provincial 项目绩效目标表: 长期绩效指标 and 年度绩效指标 stacked, 指标内容 for 三级, 备注; its money in one
# cell (总额：… 财政拨款：…（其中：上级财政资金：…）).
STACKED = [
    ["项目名称", C("镇域基础设施提质改造", cs=3), "项目属性", C("延续项目", cs=2)],
    ["主管部门", C("某镇人民政府", cs=3), "主管部门编码", C("101", cs=2)],
    ["项目单位", C("某镇人民政府", cs=3), "项目负责人", C("王某", cs=2)],
    ["项目起止时间", C("2021年1月-2023年12月", cs=6)],
    ["年度资金总额及构成", C("总额：500万元 财政拨款：420万元（其中：上级财政资金：300万元；本级财政：120万元） 其他：80万元", cs=6)],
    [C("项目绩效目标", rs=2), "长期目标", C("三年完成集镇主干道提质改造", cs=5)],
    ["年度目标", C("完成集镇立面改造", cs=5)],
    [C("长期绩效指标", rs=3), "一级指标", "二级指标", C("指标内容", cs=2), "指标值", "备注"],
    [C("产出指标", rs=2), "数量指标", C("改造道路长度", cs=2), "≥6公里", ""],
    ["质量指标", C("工程验收合格率", cs=2), "100%", ""],
    [C("年度绩效指标", rs=5), "一级指标", "二级指标", C("指标内容", cs=2), "指标值", "备注"],
    [C("产出指标", rs=2), "数量指标", C("改造立面面积", cs=2), "≥2万平方米", "按设计"],
    ["时效指标", C("完工时间", cs=2), "2021年12月底前", ""],
    ["效益指标", "社会效益指标", C("群众出行条件改善", cs=2), "明显改善", ""],
    ["满意度指标", "服务对象满意度指标", C("沿街居民满意度", cs=2), "≥90%", ""],
]


def test_stacked_long_term_and_annual_blocks():
    [p] = parse_grids(document("项目绩效目标表", "（2021年度）", "填报单位（盖章）：某镇人民政府", STACKED)).projects
    assert (p.name, p.unit, p.category, p.year) == ("镇域基础设施提质改造", "某镇人民政府", "延续项目", 2021)
    assert p.budget.current_year == D(5000000) and p.budget.money_unit == "万元"
    assert [(x.source, x.source_key, x.planned) for x in p.budget.sources] == [
        ("总额", "total", D(5000000)), ("财政拨款", "fiscal", D(4200000)), ("上级财政资金", "superior", D(3000000)),
        ("本级财政", "fiscal", D(1200000)), ("其他", "other", D(800000))]
    assert (p.section("term_goal"), p.section("annual_goal")) == ("三年完成集镇主干道提质改造", "完成集镇立面改造")
    assert [(x.kind, x.start_year, x.end_year) for x in p.periods] == [("midterm", 2021, 2023), ("annual", 2021, 2021)]
    assert [(i.period, i.name, i.target_raw) for i in p.indicators] == [
        ("midterm", "改造道路长度", "≥6公里"), ("midterm", "工程验收合格率", "100%"),
        ("annual", "改造立面面积", "≥2万平方米"), ("annual", "完工时间", "2021年12月底前"),
        ("annual", "群众出行条件改善", "明显改善"), ("annual", "沿街居民满意度", "≥90%")]
    assert p.indicators[2].explanation == "按设计"            # 备注, kept beside the indicator


# A provincial 部门整体支出绩效目标申报表: 收入构成 and 支出构成 side by side, 部门职能概述, 年度履职目标.
SIDE_BY_SIDE = [
    ["部门（单位）名称", C("某市人民政府办公室", cs=3), "填报人", C("某某", cs=2)],
    [C("部门总体资金情况（单位：万元）", rs=4), "收入构成", "当年金额", "占比", "支出构成", "当年金额", "占比"],
    ["财政拨款", "968.19", "100%", "基本支出", "724.23", "74.8%"],
    ["其他资金", "", "", "项目支出", "243.96", "25.2%"],
    ["合计", "968.19", "100%", "合计", "968.19", "100%"],
    ["部门职能概述", C("负责市政府日常运转的综合协调工作。", cs=6)],
    ["年度履职目标", C("目标1：保障市政府会议和公务活动。目标2：办好人大建议和政协提案。", cs=6)],
    [C("年度绩效指标", rs=4), "一级指标", "二级指标", C("三级指标", cs=2), C("指标值", cs=2)],
    ["产出指标", "数量指标", C("办理建议提案件数", cs=2), C("≥120件", cs=2)],
    ["效益指标", "社会效益指标", C("按期办结率", cs=2), C("100%", cs=2)],
    ["满意度指标", "服务对象满意度指标", C("代表委员满意度", cs=2), C("≥95%", cs=2)],
]


def test_department_with_income_and_spending_side_by_side():
    result = parse_grids(document("2021年部门整体支出绩效目标申报表", SIDE_BY_SIDE))
    [d] = result.departments
    assert (d.name, d.year, d.money_unit) == ("某市人民政府办公室", 2021, "万元")
    assert (d.total, d.basic_spending, d.project_spending) == (D(9681900), D(7242300), D(2439600))
    assert [(x.purpose, x.source, x.planned) for x in d.budget] == [
        (None, "财政拨款", D(9681900)), ("基本支出", "合计", D(7242300)), ("项目支出", "合计", D(2439600)),
        (None, "合计", D(9681900))]
    assert d.section("functions") == "负责市政府日常运转的综合协调工作。"
    assert (d.section("goal_1"), d.section("goal_2")) == ("保障市政府会议和公务活动。", "办好人大建议和政协提案。")
    assert [i.name for i in d.indicators] == ["办理建议提案件数", "按期办结率", "代表委员满意度"]
    assert not [w for w in result.warnings if "cut short" in w.message]


def stream_document(*parts, name: str = "copy.txt") -> Document:
    """The same tables as a page scraper copies them: one cell a line ending in `` |`` (an empty
    cell a bare ``|``), merged cells once, no row boundaries (``rows_marked=False``)."""
    text, tables = "", []
    for part in parts:
        if isinstance(part, str):
            text += part + "\n"
            continue
        cells = []
        for n, (_, _, c) in enumerate(place(part)):
            start = len(text)
            text += (c.text + " |\n") if c.text else "|\n"
            if c.text:
                cells.append(Cell(n, 0, c.text, start=start, end=start + len(c.text)))
        tables.append(replace(Table.of(cells, f"lines of table {len(tables) + 1}"), rows_marked=False))
    return Document(name, text, "utf-8", "text", tuple(tables))


@pytest.mark.parametrize("title, rows", [("部门预算项目支出绩效自评表（2023年度）", SICHUAN_ZIPING),
                                         ("项目支出绩效自评表（2022年度）", ZIPING),
                                         ("2022年度项目支出绩效目标申报表", SHENBAO)],
                         ids=["provincial-ziping", "ziping", "shenbao"])
def test_a_copy_one_cell_a_line_gives_the_records_of_the_grid(title, rows):
    grid = parse_grids(document(title, rows))
    copy = parse_grids(stream_document(title, rows))
    assert copy.projects == grid.projects
    assert not copy.errors


# The national 部门（单位）整体支出绩效目标申报表: 年度主要任务 with their money by source (万元 over a
# sub-header), 金额合计, 年度总体目标 with numbered goals.
TASKS = [
    ["部门（单位）名称", C("某县自然资源局", cs=6)],
    [C("年度主要任务", rs=4), "任务名称", C("主要内容", cs=2), C("预算金额（万元）", cs=3)],
    [C("", cs=3), "总额", "财政拨款", "其他资金"],
    ["不动产登记", C("完成不动产登记2万件", cs=2), "120", "100", "20"],
    ["地质灾害防治", C("排查隐患点300处", cs=2), "80", "80", "0"],
    [C("金额合计", cs=4), "200", "180", "20"],
    ["年度总体目标", C("目标1：不动产登记便民高效。目标2：地质灾害零伤亡。", cs=6)],
    [C("年度绩效指标", rs=4), "一级指标", "二级指标", C("三级指标", cs=2), C("指标值", cs=2)],
    ["产出指标", "数量指标", C("不动产登记件数", cs=2), C("≥2万件", cs=2)],
    ["效益指标", "社会效益指标", C("地质灾害伤亡人数", cs=2), C("0人", cs=2)],
    ["满意度指标", "服务对象满意度指标", C("办事群众满意度", cs=2), C("≥90%", cs=2)],
]


def test_department_tasks_and_their_money_by_source():
    result = parse_grids(document("部门（单位）整体支出绩效目标申报表", "（2022年度）", TASKS))
    [d] = result.departments
    assert (d.name, d.year, d.total, d.money_unit) == ("某县自然资源局", 2022, D(2000000), "万元")
    by = {(x.purpose, x.source): x.planned for x in d.budget}
    assert by == {("不动产登记", "总额"): D(1200000), ("不动产登记", "财政拨款"): D(1000000),
                  ("不动产登记", "其他资金"): D(200000), ("地质灾害防治", "总额"): D(800000),
                  ("地质灾害防治", "财政拨款"): D(800000), ("地质灾害防治", "其他资金"): D(0),
                  (None, "总额"): D(2000000), (None, "财政拨款"): D(1800000), (None, "其他资金"): D(200000)}
    assert d.section("annual_tasks") == "不动产登记：完成不动产登记2万件\n地质灾害防治：排查隐患点300处"
    assert (d.section("goal_1"), d.section("goal_2")) == ("不动产登记便民高效。", "地质灾害零伤亡。")
    assert [i.name for i in d.indicators] == ["不动产登记件数", "地质灾害伤亡人数", "办事群众满意度"]
    assert not d.unplaced and not result.errors


def test_cells_run_together_with_spaces_and_blank_cells_between_them():
    """A copy that ran the cells together with spaces loses its blank cells without a trace: each
    indicator row is spread back over its columns by what its cells hold (an operator, a number
    under 权重, 正向/反向, a qualitative actual equal to its target), blanks where nothing fits."""
    from ingest.parse.document import parse_document
    text = ("2023年度项目支出绩效自评表\n"
            "项目名称 乡村道路保洁补助\n"
            "实施单位 某镇人民政府\n"
            "一级指标 二级指标 三级指标 指标性质 指标值 度量单位 完成值 权重 得分 指标方向性 备注\n"
            "产出指标 数量指标 保洁道路里程 ≥ 120 公里 126 30 30 正向 按月统计\n"
            "质量指标 路面保洁达标率 ≥ 95 % 97 30 30 正向\n"
            "效益指标 社会效益指标 村容村貌 定性 明显改善 明显改善 20 20 正向\n"
            "满意度指标 服务对象满意度指标 村民满意度 ≥ 90 % 93 20 19 正向 抽样调查200户\n")
    [p] = parse_document(Document(path="spaced.txt", text=text, encoding="utf-8")).projects
    got = {i.name: (i.operator, i.value, i.unit, i.qualitative, i.actual_value, i.actual_qualitative, i.weight,
                    i.score, i.direction) for i in p.indicators}
    assert got == {
        "保洁道路里程": (">=", D("120"), "公里", None, D("126"), None, D("30"), D("30"), "正向"),
        "路面保洁达标率": (">=", D("95"), "%", None, D("97"), None, D("30"), D("30"), "正向"),
        "村容村貌": (None, None, None, "明显改善", None, "明显改善", D("20"), D("20"), "正向"),
        "村民满意度": (">=", D("90"), "%", None, D("93"), None, D("20"), D("19"), "正向"),
    }


@pytest.mark.parametrize("title,above,below,year", [
    ("项目支出绩效目标申报表", "填报单位：某县文化馆    填报日期：2022年10月8日", "", 2023),   # budget request: autumn before
    ("项目支出绩效目标申报表", "填报日期：2023年3月", "", 2023),
    ("项目支出绩效自评表", "", "填报人：李某    联系电话：0000-1234567    填报时间：2024年3月1日", 2023),  # after the year
    ("绩效目标批复表", "2023年2月20日", "", 2023),
    ("项目支出绩效自评表", "", "2023年12月28日", 2023),
])
def test_the_year_from_the_filing_date_when_no_other_is_printed(title, above, below, year):
    """No year in the title or a field: the record's year comes from its 填报日期 / 填报时间 or a
    date printed alone above or under the table, read on the fiscal calendar."""
    from ingest.read.textgrid import text_tables
    text = (f"{title}\n{above}\n项目名称 | 送戏下乡 |\n实施单位 | 某县文化馆 |\n年度资金总额 | 20万元 |\n"
            "一级指标 | 二级指标 | 三级指标 | 指标值 |\n产出指标 | 数量指标 | 演出场次 | ≥30场 |\n"
            f"效益指标 | 社会效益指标 | 群众文化生活 | 丰富 |\n{below}\n")
    doc = Document(path="a.txt", text=text, encoding="utf-8", kind="text", tables=tuple(text_tables(text, "a.txt")))
    [p] = parse_grids(doc).projects
    assert (p.name, p.year) == ("送戏下乡", year)


# Labels as printed on published forms of several provinces (studied for issue 9), and what they mean.
PUBLISHED_WORDING = [
    ("项目资金申请(万元)", ("group", "group")), ("资金总数", ("amount", "current_year")),
    ("其中：当年财政拨款", ("source", "fiscal")), ("其中：本年财政拨款", ("source", "fiscal")),
    ("其中：中央、省、市补助县级资金", ("source", "superior")), ("其它资金", ("source", "other")),
    ("地方资金", ("source", "fiscal")), ("中央补助", ("source", "superior")),
    ("当年年度预算", ("amount", "current_year")), ("项目总预算", ("amount", "total")),
    ("上年度预算安排资金", ("amount", "prev_year_budget")),
    ("专项资金名称", ("field", "name")), ("转移支付（项目）名称", ("field", "name")),
    ("业务主管部门", ("field", "department")), ("县级主管部门", ("field", "department")),
    ("地方主管部门", ("field", "department")), ("资金使用单位", ("field", "unit")),
    ("编制单位（盖章）", ("field", "filer")), ("建设周期", ("field", "term")),
    ("项目计划实施时间", ("field", "term")), ("填报日期", ("field", "filed_date")),
    ("项目总体概况", ("section", "overview")), ("年度主要目标和成果", ("section", "annual_goal")),
    ("项目年度绩效目标", ("section", "annual_goal")), ("项目总体绩效目标（长期目标）", ("section", "goals")),
    ("年度总体目标完成情况综述", ("section", "summary")),
    ("年度部门总体运行情况及取得的成绩", ("section", "summary")),
    ("保障绩效目标实现措施", ("section", "safeguards")),
    ("项目申请原因（包括设立依据、可行性及必要性）", ("section", "necessity")),
    ("区域绩效目标", ("group", "group")), ("项目资金预算执行（10分）", ("group", "group")),
    ("财政资金科目代码", ("ignore", "ignore")), ("第三方机构审核意见", ("ignore", "ignore")),
    ("负责人及电话", ("ignore", "ignore")), ("注", ("ignore", "ignore")),
]


@pytest.mark.parametrize("label,meant", PUBLISHED_WORDING)
def test_wording_of_published_forms(label, meant):
    from ingest.parse.grid_form import meaning
    assert meaning(label) == meant


@pytest.mark.parametrize("label,column", [
    ("当年预期实现值", "target"), ("全年完成值", "actual"), ("全年实际值（B）", "actual"),
    ("未完成原因及拟采取的改进措施", "deviation"), ("未完成原因和改进措施", "deviation"),
    ("目标值(标准)", "target"), ("计量单位", "unit"), ("指标内容", "name"), ("绩效标准", "standard"),
])
def test_indicator_columns_of_published_forms(label, column):
    assert VOCABULARY.lookup(label).get("indicator_column") == column


def test_a_ticked_choice_is_the_field():
    """项目属性 / 项目类别 printed as tick boxes: the ticked option, without its number."""
    from ingest.parse.grid_record import ticked
    assert ticked("新增项目□ 延续项目√") == "延续项目"
    assert ticked("□新增 ☑延续") == "延续"
    assert ticked("1.重大课题（规划）□ 2.网络运行维护□ 11.设备购置√ 19.其他□") == "设备购置"
    assert ticked("☑是 □否") == "是" and ticked("√是 √否") == "√是 √否" and ticked("延续项目") == "延续项目"


@pytest.mark.parametrize("printed,operator,value,unit", [
    ("≥９５％", ">=", "95", "%"), ("不低于90％", ">=", "90", "%"), ("＞350人", ">", "350", "人"),
    ("大于等于95%", ">=", "95", "%"), ("小于或等于3天", "<=", "3", "天"), ("≥95％（含）", ">=", "95", "%"),
    ("95%以上", ">=", "95", "%"), ("≤3个月", "<=", "3", "个月"), ("不少于12.3万元", ">=", "12.3", "万元"),
    ("≥1,234.5万元", ">=", "1234.5", "万元"), ("达到100%", ">=", "100", "%"), ("100％", None, "100", "%"),
])
def test_targets_in_the_wordings_of_published_forms(printed, operator, value, unit):
    from ingest.parse.indicators import parse_target
    t = parse_target(printed)
    assert (t.operator, t.value, t.unit) == (operator, D(value), unit)


@pytest.mark.parametrize("row", [
    "项目资金申请（万元） | 资金总额： | 50 | 财政拨款： | 45 | 自有资金： |  | 其他： | 5 |",
    "项目资金申请（万元） | 资金总额:50 | 财政拨款:45 | 自有资金: | 其他:5 |",
])
def test_money_as_label_colon_cells_with_an_empty_one(row):
    """The 2016 form's 项目资金申请 row: labels ending in a colon, their figures beside them or in the same
    cell (ASCII colons too); an empty one (自有资金：) takes no other label's figure."""
    from ingest.read.textgrid import text_tables
    text = (f"财政支出项目绩效目标申报表（2023年度）\n项目名称 | 某项目 |\n实施单位 | 某单位 |\n{row}\n"
            "一级指标 | 二级指标 | 三级指标 | 指标值 |\n产出指标 | 数量指标 | 某数量 | 10个 |\n"
            "效益指标 | 社会效益指标 | 某效益 | 提升 |\n")
    doc = Document(path="a.txt", text=text, encoding="utf-8", kind="text", tables=tuple(text_tables(text, "a.txt")))
    [p] = parse_grids(doc).projects
    assert p.budget.current_year == D(500000)
    assert [(b.source_key, b.planned) for b in p.budget.sources] == [
        ("total", D(500000)), ("fiscal", D(450000)), ("other", D(50000))]
