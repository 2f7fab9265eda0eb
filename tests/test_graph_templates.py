"""Records of the new templates -> RDF (ingest/graph/templates.py): table kinds, periods, budget by
source, actual values, weights, scores, departments; provenance of every new field; SHACL.

The records are built by hand over a made-up text (tests/template_records.py); expected values
are the numbers printed there.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

import template_records as t
from ingest import identifiers as iris
from ingest.graph.build import document_quads, validate
from ingest.records import BudgetLine, Period
from ontology import PREFIXES


@pytest.fixture(scope="module")
def quads():
    return document_quads(t.DOC_ID, t.FILE, t.TEXT, t.PROJECTS, t.DEPARTMENTS)


@pytest.fixture(scope="module")
def store(quads):
    s = ox.Store()
    s.extend(quads)
    return s


XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = {XSD + "integer": int, XSD + "decimal": Decimal}


def value(term):
    if term is None:
        return None
    kind = getattr(term, "datatype", None)
    return TYPES.get(kind.value, str)(term.value) if kind is not None else term.value


def rows(store: ox.Store, query: str) -> list[tuple]:
    """Query results as tuples: integers as int, decimals as Decimal, other literals and IRIs as str."""
    return [tuple(value(v) for v in sol) for sol in store.query(PREFIXES + query, use_default_graph_as_union=True)]


SELF = iris.project_iri(t.SELF_PROJECT.id)
APP = iris.project_iri(t.APP_PROJECT.id)
DEPT = iris.department_iri(t.DEPARTMENT.id)


def exact(store, node: str, field: str) -> str:
    """The source text a field of ``node`` derives from (through its jx:FieldProvenance)."""
    (text,), = rows(store, f"""SELECT ?x WHERE {{ <{node}> jx:fieldProvenance ?fp . ?fp jx:field "{field}" ;
        prov:wasDerivedFrom/oa:hasSelector/oa:exact ?x }}""")
    return text


def test_the_graph_of_every_template_validates(quads):
    ok, report = validate(quads)
    assert ok, report


def test_table_kinds_and_the_department_is_not_a_project(store):
    assert sorted(rows(store, "SELECT ?kind ?name WHERE { ?r jx:tableKind ?kind ; jx:name ?name }")) == [
        ("整体支出", "某县水利局"), ("申报", "农村饮水安全巩固提升工程"), ("自评", "乡村道路养护补助资金")]
    assert not bool(store.query(PREFIXES + f"ASK {{ <{DEPT}> a jx:Project }}", use_default_graph_as_union=True))
    assert rows(store, "SELECT ?d WHERE { ?d a jx:Department }") == [(DEPT,)]
    # the department's organisation is the same node as the 申报表 project's unit and 主管部门
    assert rows(store, f"""SELECT ?same WHERE {{ <{DEPT}> jx:unit ?o . <{APP}> jx:unit ?o ; jx:budgetDepartment ?o .
        ?o skos:prefLabel ?same }}""") == [("某县水利局",)]
    assert rows(store, f"SELECT ?l WHERE {{ <{SELF}> jx:budgetDepartment/skos:prefLabel ?l }}") == [("某县交通运输局",)]
    assert exact(store, SELF, "department") == "某县交通运输局"


def test_budget_by_source_with_executed_amounts_and_rates(store):
    got = rows(store, f"""SELECT ?n ?source ?key ?planned ?adjusted ?executed ?rate WHERE {{
        <{SELF}> jx:hasBudget/jx:hasBudgetLine ?l . ?l jx:position ?n ; jx:fundSource ?source ; jx:fundSourceKey ?key ;
        jx:planned ?planned ; jx:adjusted ?adjusted ; jx:executed ?executed ; jx:reportedRate ?rate }} ORDER BY ?n""")
    assert got == [
        (1, "年度资金总额", "total", Decimal(1200000), Decimal(1000000), Decimal(900000), Decimal("0.9")),
        (2, "当年财政拨款", "fiscal", Decimal(1000000), Decimal(800000), Decimal(760000), Decimal("0.95")),
        (3, "上年结转资金", "carryover", Decimal(200000), Decimal(200000), Decimal(140000), Decimal("0.7"))]
    # the total line's 分值 / 得分 of budget execution, and the printed money unit
    assert rows(store, f"""SELECT ?w ?s ?unit WHERE {{ <{SELF}> jx:hasBudget ?b . ?b jx:moneyUnit ?unit ;
        jx:hasBudgetLine ?l . ?l jx:position 1 ; jx:weight ?w ; jx:earnedScore ?s }}""") == [
        (Decimal(10), Decimal(9), "万元")]


def test_every_budget_line_field_derives_from_its_printed_cell(store):
    line = iris.budget_line_iri(iris.budget_iri(t.SELF_PROJECT.id), 3)
    assert [exact(store, line, f) for f in ("source", "planned", "adjusted", "executed", "rate")] == [
        "上年结转资金", "20.00", "20.00", "14.00", "70.00%"]
    # the line derives from its five cells (年初 and 全年 both print 20.00, at two places)
    derived = rows(store, f"SELECT ?x WHERE {{ <{line}> prov:wasDerivedFrom/oa:hasSelector/oa:exact ?x }}")
    assert sorted(x for (x,) in derived) == sorted(["上年结转资金", "20.00", "20.00", "14.00", "70.00%"])


def test_actual_values_weights_scores_and_deviation(store):
    got = rows(store, f"""SELECT ?name ?target ?actual ?av ?au ?w ?sc ?l1w ?dev WHERE {{
        <{SELF}> jx:hasIndicator ?i . ?i jx:position ?n ; jx:name ?name ; jx:targetRaw ?target ; jx:actualRaw ?actual ;
        jx:actualValue ?av ; jx:actualUnit ?au ; jx:weight ?w ; jx:earnedScore ?sc ; jx:level1Weight ?l1w .
        OPTIONAL {{ ?i jx:deviationReason ?dev }} }} ORDER BY ?n""")
    assert got == [
        ("养护里程", "≥300公里", "280公里", Decimal(280), "公里", Decimal(20), Decimal(18), Decimal(50),
         "汛期水毁路段抢修挤占养护计划，下年提前安排"),
        ("路面优良率", "≥85%", "88%", Decimal(88), "%", Decimal(30), Decimal(30), Decimal(50), None),
        ("群众出行时间缩短率", "≥10%", "8%", Decimal(8), "%", Decimal(30), Decimal(25), Decimal(30), "部分路段未完工"),
        ("沿线群众满意度", "≥90%", "95%", Decimal(95), "%", Decimal(10), Decimal(10), Decimal(10), None)]
    first = iris.indicator_iri(t.SELF_PROJECT.id, 1)
    assert [exact(store, first, f) for f in ("actual", "weight", "score", "deviation")] == [
        "280公里", "20", "18", "汛期水毁路段抢修挤占养护计划，下年提前安排"]


def test_framework_levels_keep_the_printed_label(store):
    got = rows(store, f"""SELECT ?printed ?canonical ?l2printed ?l2canonical ?broader WHERE {{
        <{APP}> jx:hasIndicator ?i . ?i jx:position 2 ;
        jx:level1/skos:prefLabel ?printed ; jx:level1Canonical/skos:prefLabel ?canonical ;
        jx:level2/skos:prefLabel ?l2printed ; jx:level2Canonical ?c2 . ?c2 skos:prefLabel ?l2canonical ;
        skos:broader/skos:prefLabel ?broader ; skos:inScheme <{iris.FRAMEWORK_SCHEME}> }}""")
    assert got == [("成本指标", "成本", "经济成本指标", "经济成本", "成本")]
    # the framework's 产出 and the printed 产出指标 are different concepts, in different schemes
    assert rows(store, f"""SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c skos:inScheme <{iris.FRAMEWORK_SCHEME}> ;
        skos:topConceptOf <{iris.FRAMEWORK_SCHEME}> }}""") == [(4,)]   # 产出 效益 满意度 成本


def test_periods_and_the_indicators_in_each(store):
    assert rows(store, f"""SELECT ?kind ?from ?to ?label ?exact WHERE {{ <{APP}> jx:hasPeriod ?p .
        ?p jx:periodKind ?kind ; jx:startYear ?from ; jx:endYear ?to ; rdfs:label ?label ;
        prov:wasDerivedFrom/oa:hasSelector/oa:exact ?exact }} ORDER BY ?kind""") == [
        ("annual", 2022, 2022, "年度", "年度"), ("midterm", 2022, 2024, "中期（2022-2024年）", "中期（2022-2024年）")]
    assert rows(store, f"""SELECT ?name ?dir ?std WHERE {{ <{APP}> jx:hasIndicator ?i . ?i jx:name ?name ;
        jx:period/jx:periodKind "midterm" ; jx:direction ?dir ; jx:performanceStandard ?std }}""") == [
        ("农村自来水普及率", "正向", "历史标准")]
    assert rows(store, f"""SELECT ?x WHERE {{ <{APP}> jx:hasIndicator/jx:explanation ?x }}""") == [
        ("当年新建完成并通水的集中供水工程处数",)]


def test_goal_sections_and_citations_in_approval_and_goal_text(store):
    assert rows(store, f"SELECT ?a ?t ?y WHERE {{ <{APP}> jx:approval ?a ; jx:termGoal ?t ; jx:annualGoal ?y }}") == [
        ("某发改投资〔2021〕88号", t.TERM_GOAL, t.ANNUAL_GOAL)]
    # 项目审批 is a basis (eli:based_on); a basis named in a goal text is cited, not the legal basis
    based = rows(store, "SELECT ?p ?n WHERE { ?p eli:based_on/jx:docNumber ?n }")
    assert based == [(APP, "某发改投资〔2021〕88号")]
    assert rows(store, f"SELECT ?title ?sec WHERE {{ ?c jx:citingProject <{SELF}> ; jx:section ?sec ; "
                       "jx:cites/dcterms:title ?title }") == [("某县农村公路养护管理办法", "annual_goal")]


def test_department_funds_duties_goals_indicators(store):
    assert rows(store, f"""SELECT ?code ?year ?total ?basic ?proj ?unit WHERE {{ <{DEPT}> jx:departmentCode ?code ;
        jx:year ?year ; jx:hasBudget ?b . ?b jx:total ?total ; jx:basicSpending ?basic ; jx:projectSpending ?proj ;
        jx:moneyUnit ?unit }}""") == [("301", 2022, Decimal(12000000), Decimal(4000000), Decimal(8000000), "万元")]
    assert sorted(rows(store, f"SELECT ?purpose ?planned WHERE {{ <{DEPT}> jx:hasBudget/jx:hasBudgetLine ?l . "
                              "?l jx:purpose ?purpose ; jx:planned ?planned }")) == [
        ("基本支出", Decimal(4000000)), ("资金总额", Decimal(12000000)), ("项目支出", Decimal(8000000))]
    assert exact(store, iris.department_budget_iri(t.DEPARTMENT.id), "basic_spending") == "400.00"
    goals = rows(store, f"""SELECT ?field ?text WHERE {{ <{DEPT}> jx:numberedGoal ?text ; jx:fieldProvenance ?fp .
        ?fp jx:field ?field ; prov:wasDerivedFrom/oa:hasSelector/oa:exact ?text }} ORDER BY ?field""")
    assert goals == [("goal_1", t.GOAL_1), ("goal_2", t.GOAL_2)]
    assert rows(store, f"SELECT ?n WHERE {{ <{DEPT}> jx:hasIndicator/jx:name ?n }} ORDER BY ?n") == [
        ("水利工程巡查次数",), ("群众满意度",)]
    assert rows(store, f"SELECT ?t ?level WHERE {{ ?c jx:citingProject <{DEPT}> ; jx:cites ?l . ?l dcterms:title ?t ; "
                       "jx:level ?level }") == [("某省水利工程管理条例", "地方性法规")]


def test_unplaced_rows_are_kept_as_printed(store):
    assert rows(store, f"""SELECT ?raw ?why ?table ?row ?exact WHERE {{ <{APP}> jx:hasUnplacedRow ?u .
        ?u jx:rawText ?raw ; jx:reason ?why ; jx:tableLabel ?table ; jx:rowIndex ?row ;
        prov:wasDerivedFrom/oa:hasSelector/oa:exact ?exact }}""") == [
        ("备注 | 资金已列入县级预算", "no label of the vocabulary", "text table 2", 8, "备注 | 资金已列入县级预算 |")]


def test_mapping_twice_gives_the_same_quads(quads):
    assert document_quads(t.DOC_ID, t.FILE, t.TEXT, t.PROJECTS, t.DEPARTMENTS) == quads


# ---------------------------------------------------------------- the shapes catch what is wrong

def _with(project=None, department=None):
    projects = [project or t.SELF_PROJECT, t.APP_PROJECT]
    return validate(document_quads(t.DOC_ID, t.FILE, t.TEXT, projects, [department or t.DEPARTMENT]))


def test_shapes_reject_a_period_that_ends_before_it_starts():
    bad = dataclasses.replace(t.APP_PROJECT, periods=(Period("midterm", 2024, 2022, "中期"),))
    ok, report = _with(bad)
    assert not ok and "startYear" in report


def test_shapes_reject_a_negative_executed_amount_and_an_unknown_source_key():
    line = BudgetLine("年度资金总额", "everything", None, Decimal(-1), spans=t.SELF_LINES[0].spans)
    bad = dataclasses.replace(t.SELF_PROJECT, budget=dataclasses.replace(t.SELF_PROJECT.budget, sources=(line,)))
    ok, report = _with(bad)
    assert not ok and "fundSourceKey" in report and "planned" in report


def test_shapes_reject_a_department_read_as_the_wrong_kind_and_a_bad_money_unit():
    ok, report = _with(department=dataclasses.replace(t.DEPARTMENT, kind="申报", money_unit="美元"))
    assert not ok and "tableKind" in report and "moneyUnit" in report


# ---------------------------------------------------------------- the template fixtures, read end to end

FIXTURES = sorted(p.stem for p in (Path(__file__).parent / "fixtures" / "templates").glob("*.py"))


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
@pytest.mark.parametrize("name", FIXTURES)
def test_graph_of_every_template_fixture_validates(name, fmt, tmp_path):
    """Each template family (tests/fixtures/templates), rendered and read by the interpreter, maps to
    a graph the shapes accept, with one node per record of the hand-worked expectation."""
    from ingest.parse.grid import parse_grids
    from ingest.read import read_path
    from render import render
    from render.spec import load_spec

    spec = load_spec(name)
    doc = read_path(render(spec, fmt, tmp_path))
    result = parse_grids(doc)
    quads = document_quads(doc.doc_id, doc.name, doc.text, result.projects, result.departments)
    ok, report = validate(quads)
    assert ok, report
    s = ox.Store()
    s.extend(quads)
    (n,), = rows(s, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r jx:tableKind ?k }")
    assert n == len(spec.expected)
