"""Phases of 项目实施计划: the pure parser on real plan cells of the seed, and their graph nodes."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from ingest.graph.build import document_quads
from ingest.parse.plan import plan_phases


def phases(text):
    return [(p.name, p.start, p.end) for p in plan_phases(text)]


def test_name_first_with_ranges_and_wrapped_times(seed_projects):
    plan = seed_projects["“互联网+计量”公共服务平台(运维)"].section("plan")
    assert phases(plan) == [("项目启动", "2017.05", "2017.05"), ("需求调研与需求分析", "2017.05", "2017.06"),
                            ("应用开发", "2017.06", "2017.10"), ("系统上线", "2017.10", "2017.10"),
                            ("正式验收", "2017.12", "2017.12")]


def test_time_first(seed_projects):
    plan = seed_projects["上海市计量院网上政务大厅(运维)"].section("plan")
    assert phases(plan) == [("需求调研", "2016.04", "2016.04"), ("需求分析设计与确认", "2016.06", "2016.06"),
                            ("系统开发", "2016.06", "2016.10"), ("系统运行", "2016.11", "2016.11")]


def test_numbered_list_of_months_inside_prose(seed_projects):
    plan = seed_projects["国能中心（市能耗在线监测系统）"].section("plan")
    got = phases(plan)
    assert got[0] == ("用能单位范围确定", "6月", "8月")
    assert got[1] == ("专家库建设", "8月", "8月")
    assert got[-1] == ("送审验收", "11月", "11月")   # the prose after it (其次，机房搬迁…) is no phase
    assert len(got) == 7


@pytest.mark.parametrize("name", ["大型仪器项目经费", "对口援助", "技改项目经费", "时频实验室运维费"])
def test_plans_without_a_schedule_have_no_phases(seed_projects, name):
    assert plan_phases(seed_projects[name].section("plan")) == []


def test_other_forms_of_time():
    assert phases("2020年3月 启动；2020年4月至2020年6月 建设；2020年12月 验收") == [
        ("启动", "2020年3月", "2020年3月"), ("建设", "2020年4月", "2020年6月"), ("验收", "2020年12月", "2020年12月")]
    assert phases("（1）方案论证 2021-01-01~2021-03-31（2）设备采购 2021-04-01~2021-06-30") == [
        ("方案论证", "2021-01-01", "2021-03-31"), ("设备采购", "2021-04-01", "2021-06-30")]


def test_offsets_cover_the_phase(seed_projects):
    plan = seed_projects["实验室管理网系统(运维)"].section("plan")
    for p in plan_phases(plan):
        assert p.name in plan[p.start_offset:p.end_offset] and p.start in plan[p.start_offset:p.end_offset]


def test_phases_in_the_graph_trace_to_the_source(seed_doc, seed_result):
    store = ox.Store()
    store.extend(document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, seed_result.projects))
    rows = list(store.query("""
        PREFIX jx: <https://w3id.org/jixiao/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?project ?start ?end ?exact WHERE {
          ?p jx:name ?project ; jx:hasPlanPhase ?ph . ?ph jx:phaseName "正式验收" ; jx:phaseStart ?start ;
             jx:phaseEnd ?end ; prov:wasDerivedFrom/oa:hasSelector/oa:exact ?exact }""", use_default_graph_as_union=True))
    assert [(r["project"].value, r["start"].value, r["end"].value) for r in rows] == [
        ("“互联网+计量”公共服务平台(运维)", "2017.12", "2017.12")]
    assert rows[0]["exact"].value == "正式验收 2017.12"
