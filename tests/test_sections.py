"""The six long sections: wraps joined, page breaks removed, displaced labels repaired."""
import pytest

from ingest.parse.sections import infer_start


def test_wraps_are_joined(seed_projects):
    plan = seed_projects["“互联网+计量”公共服务平台(运维)"].section("plan")
    assert plan == "项目启动 2017.05 需求调研与需求分析 2017.05-2017.06应用开发 2017.06-2017.10系统上线 2017.10正式验收 2017.12"
    overview = seed_projects["大型仪器项目经费"].section("overview")
    assert "60Co γ参考源（更换新60Co的活度" in overview and "目前60Co参考源" in overview
    assert "JJG 912-2010《治疗水平电离室剂量计》" in overview


def test_page_break_space_is_removed(seed_projects):
    necessity = seed_projects["国能中心（市能耗在线监测系统）"].section("necessity")
    assert "对这部分企业来说，之前并未建立" in necessity   # line 403/404: " 部分企业来说"


def test_displaced_legal_basis_label(seed_projects):
    p = seed_projects["国能中心（市能耗在线监测系统）"]
    basis = p.section("legal_basis")
    overview = p.section("overview")
    assert basis.startswith("1、2020年市级财政预算管理办法2、《中华人民共和国节约能源法》第二十七条规定")
    assert "按照规定定期检定”；第二十九条规定" in basis          # the label no longer splits 定期
    assert "立项依据" not in basis
    assert basis.endswith("通报至管理节能工作的部门并由其依法依规责令限期整改或处罚”。")
    assert overview.endswith("能源中心运行经费纳入市市场监管局部门经费，按照信息化项目标准执行。")
    assert "2020年市级财政预算管理办法" not in overview
    section = next(s for s in p.sections if s.key == "legal_basis")
    assert section.inferred_start is True
    assert all(not s.inferred_start for s in p.sections if s.key != "legal_basis")


def test_displaced_label_is_warned_with_its_line(seed_result):
    msgs = [w for w in seed_result.warnings if w.field == "legal_basis"]
    assert len(msgs) == 1 and msgs[0].line == 334 and "line 311" in msgs[0].message


def test_section_span_covers_its_text(seed_doc, seed_projects):
    s = next(s for s in seed_projects["国能中心（市能耗在线监测系统）"].sections if s.key == "legal_basis")
    source = seed_doc.text[s.span.start:s.span.end]
    assert source.startswith("1、2020年市级财政预算管理办法") and source.endswith("或处罚”。")


def test_short_sections(seed_projects):
    p = seed_projects["对口援助"]
    assert [p.section(k) for k in ("overview", "legal_basis", "necessity", "plan", "goals")] == [
        "对口支援项目建设及相关工作经费", "2020年财政预算规定", "贯彻落实市委、市政府、总局关于开展对口支援相关部署",
        "对口援助", "对口援助"]
    assert p.section("safeguards") == "贯彻落实市委、市政府、总局关于开展对口支援相关部署"


def test_budget_heading_is_not_part_of_goals(seed_projects):
    for p in seed_projects.values():
        assert "资金使用情况" not in p.section("goals")


@pytest.mark.parametrize("before,after,expected", [
    # a numbered list that runs across the label
    ("概况。1、甲法2、乙法", "3、丙法", 3),
    ("（1）概况。一、总述。1.甲2.乙", "3.丙", 11),
    # no list: for 立项依据, the run of sentences that cite something
    ("项目背景说明。本市开展工作。根据《计量法》规定。依据《节约能源法》第二十七条", "要求", 14),
    # nothing to go on: unknown
    ("项目背景说明，本市开展工作", "继续", None),
])
def test_infer_start(before, after, expected):
    assert infer_start(before, after, "legal_basis") == expected
