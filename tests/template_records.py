"""Hand-built records of the new templates, over one made-up text copy (pipe rows).

A 自评表 project (actual values, scores, deviation reasons, budget by source with executed
amounts and printed execution rates), a 申报表 project (annual and mid-term targets, 指标方向性,
绩效标准, 指标解释, 项目审批 holding a document number, an unplaced row) and a 部门整体支出表
department. Every value and span is written by hand from ``TEXT``; the graph, SHACL and
saved-query tests (tests/test_graph_templates.py, tests/test_sparql_examples.py) check the
mapping against these numbers.

Money (万元 → 元): 自评表 年初 120.00 / 全年 100.00 / 执行 90.00 (90.00%); 财政拨款 100.00 / 80.00 /
76.00 (95.00%); 上年结转 20.00 / 20.00 / 14.00 (70.00%). Department 1200.00 = 基本支出 400.00 +
项目支出 800.00.
"""
from __future__ import annotations

from decimal import Decimal as D

from ingest.identifiers import department_id, document_id, project_id
from ingest.records import (BudgetLine, Budget, Citation, Department, Indicator, Period, Project, RawRow, Section,
                            Span)

TEXT = """\
部门预算项目支出绩效自评表
（2021年度）
项目名称 | 乡村道路养护补助资金 |
主管部门 | 某县交通运输局 | 实施单位 | 某县公路事务中心 |
项目资金（万元） | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |
年度资金总额 | 120.00 | 100.00 | 90.00 | 10 | 90.00% | 9 |
其中：当年财政拨款 | 100.00 | 80.00 | 76.00 | — | 95.00% | — |
上年结转资金 | 20.00 | 20.00 | 14.00 | — | 70.00% | — |
年度总体目标 | 完成农村公路养护里程300公里，依据某县农村公路养护管理办法（某交发〔2020〕9号）实施。 | 完成养护280公里。 |
一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |
产出指标(50分) | 数量指标 | 养护里程 | ≥300公里 | 280公里 | 20 | 18 | 汛期水毁路段抢修挤占养护计划，下年提前安排 |
产出指标(50分) | 质量指标 | 路面优良率 | ≥85% | 88% | 30 | 30 | |
效益指标(30分) | 社会效益指标 | 群众出行时间缩短率 | ≥10% | 8% | 30 | 25 | 部分路段未完工 |
满意度指标(10分) | 服务对象满意度指标 | 沿线群众满意度 | ≥90% | 95% | 10 | 10 | |

项目支出绩效目标申报表
（2022年度）
项目名称 | 农村饮水安全巩固提升工程 | 主管部门 | 某县水利局 | 实施单位 | 某县水利局 |
项目资金（元） | 年度资金总额 | 2000000 | 其中：财政拨款 | 1500000 | 上级资金 | 500000 |
项目审批 | 某发改投资〔2021〕88号 |
实施期绩效目标 | 三年内农村自来水普及率达到92%。 | 本年度绩效目标 | 新建集中供水工程12处。 |
指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | 权重 | 指标方向性 | 绩效标准 | 指标解释 |
年度 | 产出指标 | 数量指标 | 新建供水工程 | =12处 | 20 | 正向 | 计划标准 | 当年新建完成并通水的集中供水工程处数 |
年度 | 成本指标 | 经济成本指标 | 单处工程造价 | ≤50万元 | 5 | 反向 | 行业标准 | |
中期（2022-2024年） | 效益指标 | 社会效益指标 | 农村自来水普及率 | ≥92% | 10 | 正向 | 历史标准 | |
备注 | 资金已列入县级预算 |

部门整体支出绩效目标表
（2022年度）
部门名称 | 某县水利局 | 部门预算编码 | 301 |
资金（万元） | 资金总额 | 1200.00 | 基本支出 | 400.00 | 项目支出 | 800.00 |
年度履职目标 | 贯彻《某省水利工程管理条例》，保障全县水利工程安全运行。 |
目标1 | 完成水利工程巡查24次。 |
目标2 | 群众满意度达到90%以上。 |
产出指标 | 数量指标 | 水利工程巡查次数 | ≥24次 |
满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥90% |
"""
DOC_ID = document_id(TEXT)
FILE = "templates_made_up.txt"


def span(needle: str, after: str = "", nth: int = 0) -> Span:
    """Span of the ``nth`` occurrence of ``needle`` after the first occurrence of ``after``."""
    pos = TEXT.index(after) if after else 0
    for _ in range(nth + 1):
        pos = TEXT.index(needle, pos)
        start, pos = pos, pos + 1
    return Span(DOC_ID, FILE, start, start + len(needle))


def line(needle: str, after: str = "") -> Span:
    """Span of the whole line holding ``needle``."""
    s = span(needle, after)
    a = TEXT.rfind("\n", 0, s.start) + 1
    return Span(DOC_ID, FILE, a, TEXT.index("\n", s.start))


def _between(first: str, last: str) -> Span:
    a = TEXT.index(first)
    return Span(DOC_ID, FILE, a, TEXT.index(last, a) + len(last))


# ---------------------------------------------------------------- 自评表
SELF = "部门预算项目支出绩效自评表"
SELF_NAME = "乡村道路养护补助资金"
SELF_UNIT = "某县公路事务中心"
SELF_GOAL = "完成农村公路养护里程300公里，依据某县农村公路养护管理办法（某交发〔2020〕9号）实施。"
SELF_SUMMARY = "完成养护280公里。"


def _cells(row_label: str, *cells: str) -> dict[str, Span]:
    """The spans of a row's cells, in order, found after the row's label."""
    out = {}
    pos = TEXT.index(row_label)
    for key, cell in cells:
        start = TEXT.index(f"| {cell} |", pos) + 2
        out[key] = Span(DOC_ID, FILE, start, start + len(cell))
        pos = start
    return out


SELF_LINES = (
    BudgetLine("年度资金总额", "total", None, D(1200000), D(1000000), D(900000), D("0.9"), D(10), D(9),
               spans={"source": span("年度资金总额"),
                      **_cells("年度资金总额", ("planned", "120.00"), ("adjusted", "100.00"), ("executed", "90.00"),
                               ("weight", "10"), ("rate", "90.00%"), ("score", "9"))}),
    BudgetLine("当年财政拨款", "fiscal", None, D(1000000), D(800000), D(760000), D("0.95"),
               spans={"source": span("当年财政拨款"),
                      **_cells("其中：当年财政拨款", ("planned", "100.00"), ("adjusted", "80.00"), ("executed", "76.00"),
                               ("rate", "95.00%"))}),
    BudgetLine("上年结转资金", "carryover", None, D(200000), D(200000), D(140000), D("0.7"),
               spans={"source": span("上年结转资金"),
                      **_cells("上年结转资金", ("planned", "20.00"), ("adjusted", "20.00"), ("executed", "14.00"),
                               ("rate", "70.00%"))}),
)


def _self_indicator(l1, c1, w1, l2, c2, name, target, op, value, unit, actual, actual_value, weight, score,
                    deviation=None) -> Indicator:
    row = line(f"| {name} |", SELF)
    cells = [("target", target), ("actual", actual), ("weight", str(weight)), ("score", str(score))]
    if deviation:
        cells.append(("deviation", deviation))
    spans = {k: v for k, v in _cells(f"| {name} |", *cells).items() if k != "target"}
    return Indicator(l1, l2, name, target, op, D(value), unit, None, (), row,
                     level1_canonical=c1, level2_canonical=c2, level1_weight=D(w1), weight=D(weight),
                     score=D(score), actual_raw=actual, actual_value=D(actual_value), actual_unit=unit,
                     deviation=deviation, spans=spans)


SELF_INDICATORS = (
    _self_indicator("产出指标", "产出", 50, "数量指标", "数量", "养护里程", "≥300公里", ">=", 300, "公里", "280公里", 280,
                    20, 18, "汛期水毁路段抢修挤占养护计划，下年提前安排"),
    _self_indicator("产出指标", "产出", 50, "质量指标", "质量", "路面优良率", "≥85%", ">=", 85, "%", "88%", 88, 30, 30),
    _self_indicator("效益指标", "效益", 30, "社会效益指标", "社会效益", "群众出行时间缩短率", "≥10%", ">=", 10, "%", "8%", 8,
                    30, 25, "部分路段未完工"),
    _self_indicator("满意度指标", "满意度", 10, "服务对象满意度指标", "服务对象满意度", "沿线群众满意度", "≥90%", ">=", 90, "%",
                    "95%", 95, 10, 10),
)

SELF_PROJECT = Project(
    id=project_id(SELF_UNIT, 2021, SELF_NAME), year=2021, name=SELF_NAME, unit=SELF_UNIT, category=None,
    performance_type=None, gov_purchase=None, start_date=None, end_date=None,
    budget=Budget(current_year=D(1000000), sources=SELF_LINES, money_unit="万元",
                  spans={"current_year": SELF_LINES[0].spans["adjusted"]}),   # 全年预算数 of the total
    sections=(Section("annual_goal", "年度总体目标", SELF_GOAL, span=span(SELF_GOAL)),
              Section("summary", "实际完成情况", SELF_SUMMARY, span=span(SELF_SUMMARY))),
    indicators=SELF_INDICATORS,
    citations=(Citation("某县农村公路养护管理办法", "某交发〔2020〕9号", section="annual_goal", level="规范性文件",
                        span=span("某县农村公路养护管理办法（某交发〔2020〕9号）")),),
    spans={"name": span(SELF_NAME), "unit": span(SELF_UNIT), "department": span("某县交通运输局")},
    source=_between(SELF, "| 10 | 10 | |"),
    kind="自评", department="某县交通运输局",
)

# ---------------------------------------------------------------- 申报表
APP = "项目支出绩效目标申报表"
APP_NAME = "农村饮水安全巩固提升工程"
APP_UNIT = "某县水利局"
TERM_GOAL = "三年内农村自来水普及率达到92%。"
ANNUAL_GOAL = "新建集中供水工程12处。"
MIDTERM_LABEL = "中期（2022-2024年）"

APP_LINES = (
    BudgetLine("年度资金总额", "total", None, D(2000000), spans={"source": span("年度资金总额", APP),
                                                           "planned": span("2000000", APP)}),
    BudgetLine("财政拨款", "fiscal", None, D(1500000), spans={"source": span("财政拨款", APP),
                                                         "planned": span("1500000", APP)}),
    BudgetLine("上级资金", "superior", None, D(500000), spans={"source": span("上级资金", APP),
                                                          "planned": span("500000", "上级资金")}),
)


def _app_indicator(period, l1, c1, l2, c2, name, target, op, value, unit, weight, direction, standard,
                   explanation=None) -> Indicator:
    cells = [("target", target), ("weight", str(weight)), ("direction", direction), ("standard", standard)]
    if explanation:
        cells.append(("explanation", explanation))
    spans = {k: v for k, v in _cells(f"| {name} |", *cells).items() if k != "target"}
    return Indicator(l1, l2, name, target, op, D(value), unit, None, (), line(f"| {name} |", APP),
                     level1_canonical=c1, level2_canonical=c2, weight=D(weight), direction=direction,
                     standard=standard, explanation=explanation, period=period, spans=spans)


APP_INDICATORS = (
    _app_indicator("annual", "产出指标", "产出", "数量指标", "数量", "新建供水工程", "=12处", "=", 12, "处", 20, "正向",
                   "计划标准", "当年新建完成并通水的集中供水工程处数"),
    _app_indicator("annual", "成本指标", "成本", "经济成本指标", "经济成本", "单处工程造价", "≤50万元", "<=", 50, "万元", 5,
                   "反向", "行业标准"),
    _app_indicator("midterm", "效益指标", "效益", "社会效益指标", "社会效益", "农村自来水普及率", "≥92%", ">=", 92, "%", 10,
                   "正向", "历史标准"),
)

APP_PROJECT = Project(
    id=project_id(APP_UNIT, 2022, APP_NAME), year=2022, name=APP_NAME, unit=APP_UNIT, category=None,
    performance_type=None, gov_purchase=None, start_date=None, end_date=None,
    budget=Budget(current_year=D(2000000), sources=APP_LINES, money_unit="元",
                  spans={"current_year": span("2000000", APP)}),
    sections=(Section("approval", "项目审批", "某发改投资〔2021〕88号", span=span("某发改投资〔2021〕88号")),
              Section("term_goal", "实施期绩效目标", TERM_GOAL, span=span(TERM_GOAL)),
              Section("annual_goal", "本年度绩效目标", ANNUAL_GOAL, span=span(ANNUAL_GOAL))),
    indicators=APP_INDICATORS,
    citations=(Citation(None, "某发改投资〔2021〕88号", section="approval", level="规范性文件",
                        span=span("某发改投资〔2021〕88号")),),
    spans={"name": span(APP_NAME), "unit": span(APP_UNIT, APP_NAME, 1), "department": span(APP_UNIT, APP_NAME)},
    source=_between(APP, "资金已列入县级预算 |"),
    kind="申报", department=APP_UNIT,
    periods=(Period("annual", 2022, 2022, "年度", span("年度", "| 指标解释 |")),
             Period("midterm", 2022, 2024, MIDTERM_LABEL, span(MIDTERM_LABEL))),
    unplaced=(RawRow(("备注", "资金已列入县级预算"), "no label of the vocabulary", "text table 2", 8,
                     line("资金已列入县级预算")),),
)

# ---------------------------------------------------------------- 部门整体支出表
DEPT = "部门整体支出绩效目标表"
DEPT_NAME = "某县水利局"
DUTIES = "贯彻《某省水利工程管理条例》，保障全县水利工程安全运行。"
GOAL_1 = "完成水利工程巡查24次。"
GOAL_2 = "群众满意度达到90%以上。"

DEPARTMENT = Department(
    id=department_id("301", 2022, DEPT_NAME), year=2022, name=DEPT_NAME, code="301",
    total=D(12000000), project_spending=D(8000000), basic_spending=D(4000000),
    budget=(BudgetLine("资金总额", "total", "资金总额", D(12000000), spans={"planned": span("1200.00", DEPT)}),
            BudgetLine("基本支出", "total", "基本支出", D(4000000), spans={"planned": span("400.00", DEPT)}),
            BudgetLine("项目支出", "total", "项目支出", D(8000000), spans={"planned": span("800.00", DEPT)})),
    sections=(Section("annual_duties", "年度履职目标", DUTIES, span=span(DUTIES)),
              Section("goal_1", "目标1", GOAL_1, span=span(GOAL_1)),
              Section("goal_2", "目标2", GOAL_2, span=span(GOAL_2))),
    indicators=(Indicator("产出指标", "数量指标", "水利工程巡查次数", "≥24次", ">=", D(24), "次", None, (),
                          line("水利工程巡查次数"), level1_canonical="产出", level2_canonical="数量"),
                Indicator("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", ">=", D(90), "%", None, (),
                          line("| 群众满意度 |"), level1_canonical="满意度", level2_canonical="服务对象满意度")),
    citations=(Citation("某省水利工程管理条例", None, section="annual_duties", level="地方性法规",
                        span=span("《某省水利工程管理条例》")),),
    money_unit="万元",
    spans={"name": span(DEPT_NAME, DEPT), "code": span("301", DEPT), "total": span("1200.00", DEPT),
           "basic_spending": span("400.00", DEPT), "project_spending": span("800.00", DEPT)},
    source=_between(DEPT, "| ≥90% |\n"),
)

PROJECTS = [SELF_PROJECT, APP_PROJECT]
DEPARTMENTS = [DEPARTMENT]
