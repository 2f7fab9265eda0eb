"""Legal bases in every template (issue 9, item 6): names printed without 《》, document numbers
alone in a 项目审批 / 立项依据 cell, bases cited in 项目概况 or a goal text.

Expected citations are read off the seed by hand (lines 23, 607, 781) or are made-up fragments in
the forms the national and provincial templates print.
"""
from __future__ import annotations

import pytest

from ingest.legal.citations import extract_citations
from ingest.legal.docnumbers import doc_authority, normalize_doc_number
from ingest.legal.names import basis_names, is_basis_name
from ingest.legal.resolve import infer_level, resolution_key, title_index
from ingest.records import Citation

IT = "“互联网+计量”公共服务平台(运维)"
HALL = "上海市计量院网上政务大厅(运维)"
LAB = "实验室管理网系统(运维)"


def cites(text: str, section: str = "approval") -> list[tuple]:
    return [(c.title, c.doc_number, c.section) for c, _, _ in extract_citations(text, section)]


# ---------------------------------------------------------------- the seed's bare names

# 保证项目实施的制度、措施 of the three 信息化 projects: line 23 separates the two names with 、,
# lines 607 and 781 print them with no separator at all.
SEED_SAFEGUARD_NAMES = {
    IT: ["信息化项目管理办法", "信息化需求变更管理办法"],
    HALL: ["信息化项目管理办法", "信息化项目需求变更管理办法"],
    LAB: ["信息化项目管理办法", "信息化项目需求变更管理办法"],
}


def test_seed_safeguards_list_the_units_own_rules(seed_projects, seed_doc):
    for name, expected in SEED_SAFEGUARD_NAMES.items():
        got = [c for c in seed_projects[name].citations if c.section == "safeguards"]
        assert [c.title for c in got] == expected, name
        for c in got:   # each span is exactly the name in the document
            assert seed_doc.text[c.span.start:c.span.end] == c.title
            assert c.doc_number is None and c.article is None and c.quote is None


def test_no_other_seed_section_gains_a_bare_name(seed_projects, seed_doc):
    # Running text that ends in 制度 / 标准 / 规定 is not a name: 国能中心's 保证措施
    # "按照财务规章制度，报批使用该经费", its 概况 "按照信息化项目标准执行", its "根据市、院两级规定".
    bare = [(p.name, c.title) for p in seed_projects.values() for c in p.citations
            if "《" not in seed_doc.text[c.span.start:c.span.end] and c.doc_number is None
            and c.article is None and c.level != "预算管理规定"]
    assert sorted(bare) == sorted((n, t) for n, titles in SEED_SAFEGUARD_NAMES.items() for t in titles)


def test_bare_name_resolves_to_the_node_of_its_bracketed_form():
    (bare, _, _), = extract_citations("信息化项目管理办法", "safeguards")
    (marked, _, _), = extract_citations("按照《信息化项目管理办法》执行", "overview")
    assert resolution_key(bare) == resolution_key(marked) == "title:信息化项目管理办法"
    # a bare name without its number joins the node of the same title cited with a number elsewhere
    (numbered, _, _), = extract_citations("《某县财政专项资金管理办法》（某财预〔2020〕5号）", "legal_basis")
    (plain, _, _), = extract_citations("某县财政专项资金管理办法、某县政府采购管理办法", "safeguards")[:1]
    known = title_index([numbered])
    assert resolution_key(plain, known) == resolution_key(numbered) == "doc:某财预〔2020〕5号"


# ---------------------------------------------------------------- names without 《》 (made-up cells)

@pytest.mark.parametrize("text, names", [
    ("依据A县项目管理办法、B县资金管理办法", ["A县项目管理办法", "B县资金管理办法"]),
    ("1.某县财政专项资金管理办法（试行）；2.某县政府投资项目管理规定", ["某县财政专项资金管理办法（试行）", "某县政府投资项目管理规定"]),
    ("信息化项目管理办法 信息化需求变更管理办法", ["信息化项目管理办法", "信息化需求变更管理办法"]),
    ("甲县项目管理办法和乙县资金管理办法", ["甲县项目管理办法", "乙县资金管理办法"]),
    ("主要制度：单位财务管理制度、内部控制实施细则", ["单位财务管理制度", "内部控制实施细则"]),
    ("本单位依据某县乡村振兴衔接资金管理办法、某县项目库管理暂行办法", ["某县乡村振兴衔接资金管理办法", "某县项目库管理暂行办法"]),
    ("某市“十四五”交通运输发展规划\n某县农村公路养护管理办法", ["某市“十四五”交通运输发展规划", "某县农村公路养护管理办法"]),
    ("某县财政局关于做好2021年项目支出预算编制工作的通知", ["某县财政局关于做好2021年项目支出预算编制工作的通知"]),
])
def test_names_in_lists(text, names):
    assert [c.title for c, _, _ in extract_citations(text, "safeguards")] == names
    for c, s, e in extract_citations(text, "safeguards"):
        assert text[s:e] == c.title and c.section == "safeguards"


@pytest.mark.parametrize("text", [
    "本项目经费按照财务规章制度，报批使用该经费。",          # the seed's 国能中心 保证措施, in a sentence
    "能源中心运行经费纳入市市场监管局部门经费，按照信息化项目标准执行。",
    "建立健全财务管理制度、项目管理制度",                    # a verb phrase
    "严格按照财务管理制度、项目管理制度执行",
    "根据市、院两级规定，进行报销",
    "项目严格按照某县财政专项资金管理办法执行",
    "相关规定", "国家有关规定", "各项管理制度",               # generic, no particular document
    "贯彻落实市委、市政府、总局关于开展对口支援相关部署",
    "院检测业务服务需要，提高检测能级",
])
def test_running_text_is_not_a_name(text):
    assert extract_citations(text, "safeguards") == []


def test_two_names_with_no_separator_are_split_but_one_long_title_is_not():
    assert [n for _, _, n in basis_names("信息化项目管理办法信息化项目需求变更管理办法")] == [
        "信息化项目管理办法", "信息化项目需求变更管理办法"]
    assert [n for _, _, n in basis_names("某县预算绩效管理条例实施细则")] == ["某县预算绩效管理条例实施细则"]
    assert [n for _, _, n in basis_names("某市户籍制度改革实施方案")] == ["某市户籍制度改革实施方案"]


def test_is_basis_name():
    assert is_basis_name("信息化项目管理办法") and is_basis_name("某县财政专项资金管理办法（试行）")
    assert is_basis_name("某县人民政府关于印发某某方案的通知")
    assert not is_basis_name("县发改局批复")         # 批复 / 通知 / 函 need 的 or 关于 before them
    assert not is_basis_name("原国家质量监督检验检疫总局发函")
    assert not is_basis_name("管理制度")             # too short to name a document
    assert not is_basis_name("本项目依据某县资金管理办法")


# ---------------------------------------------------------------- document numbers alone (项目审批)

@pytest.mark.parametrize("raw", ["某发改投资〔2021〕88号", "某发改投资[2021]88号", "某发改投资(2021)88号",
                                 "某发改投资（2021）88号", "某发改投资【2021】88号", "某发改投资〔2021〕第88号"])
def test_document_number_alone_in_an_approval_cell(raw):
    (c, s, e), = extract_citations(raw, "approval")
    assert (c.title, c.doc_number, c.section, c.level, c.issuer) == (
        None, "某发改投资〔2021〕88号", "approval", "规范性文件", None)
    assert (s, e) == (0, len(raw))
    assert resolution_key(c) == "doc:某发改投资〔2021〕88号"


def test_place_abbreviation_is_part_of_the_code():
    # 湘发改投资 is 湖南省发改委's, not 国家发改委's: one character before a national prefix is kept
    assert normalize_doc_number("湘财预[2021]5号") == "湘财预〔2021〕5号"
    assert normalize_doc_number("川发改投资(2021)7号") == "川发改投资〔2021〕7号"
    assert doc_authority("川发改投资〔2021〕7号") is None
    assert doc_authority("发改投资〔2021〕7号").issuer == "国家发展和改革委员会"
    # words of running text before a national prefix are still dropped
    assert normalize_doc_number("根据国发[2016]23号") == "国发〔2016〕23号"
    assert normalize_doc_number("文件国发[2016]23号") == "国发〔2016〕23号"
    assert normalize_doc_number("按国发[2016]23号") == "国发〔2016〕23号"


@pytest.mark.parametrize("text, expected", [
    ("批复文号：某发改投资（2021）88号", [(None, "某发改投资〔2021〕88号", "approval")]),
    ("经县发改局批复（县发改投资〔2021〕88号），同意建设", [(None, "县发改投资〔2021〕88号", "approval")]),
    ("某县人民政府关于印发某某方案的通知（某政发[2019]3号）",
     [("某县人民政府关于印发某某方案的通知", "某政发〔2019〕3号", "approval")]),
    ("某发改投资〔2021〕88号、某财建〔2021〕12号",
     [(None, "某发改投资〔2021〕88号", "approval"), (None, "某财建〔2021〕12号", "approval")]),
])
def test_approval_cells(text, expected):
    assert cites(text) == expected


# ---------------------------------------------------------------- inside 项目概况 and goal texts

def test_basis_in_an_overview_sentence_before_its_number():
    text = "本项目依据某县农村饮水安全工程管理办法（某水发〔2020〕12号）实施，完成12处水厂改造。"
    (c, s, e), = extract_citations(text, "overview")
    assert (c.title, c.doc_number, c.section) == ("某县农村饮水安全工程管理办法", "某水发〔2020〕12号", "overview")
    assert text[s:e] == "某县农村饮水安全工程管理办法（某水发〔2020〕12号）"


def test_basis_in_goal_texts():
    goal = "根据《某市“十四五”生态环境保护规划》要求，完成河道整治12公里，水质达标率≥90%。"
    assert cites(goal, "annual_goal") == [("某市“十四五”生态环境保护规划", None, "annual_goal")]
    term = "落实某省发改投资〔2021〕5号文件精神，三年内建成乡村公路80公里。"
    assert cites(term, "term_goal") == [(None, "某省发改投资〔2021〕5号", "term_goal")]
    assert cites("完成河道整治12公里，群众满意度≥90%。", "annual_goal") == []


# ---------------------------------------------------------------- levels of local documents

@pytest.mark.parametrize("title, level", [
    ("某县财政专项资金管理办法", "规范性文件"), ("长沙市政府投资项目管理规定", "规范性文件"),
    ("湘西土家族苗族自治州某某条例", "地方性法规"), ("城市供水条例", "行政法规"),
    ("中华人民共和国预算法", "法律"), ("预算法", "法律"),
])
def test_levels_of_local_and_national_titles(title, level):
    assert infer_level(title) == level


def test_budget_law_is_a_law_not_an_algorithm():
    (c, _, _), = extract_citations("《预算法》第三十二条规定“各级预算应当根据年度经济社会发展目标”", "legal_basis")
    assert (c.title, c.article_num, c.level) == ("预算法", 32, "法律")
    assert resolution_key(c) == resolution_key(Citation("中华人民共和国预算法", None))
