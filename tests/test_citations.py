"""Legal-basis extraction (ingest.legal.citations), numerals, document numbers and resolution.

Expected values are read off the seed document by hand, not copied from the
functions' output. Section texts are built the way the parser builds them: the
section's lines joined with no separator, a page break's leading space removed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.legal.citations import extract_citations
from ingest.legal.docnumbers import (LEVELS, authorities, authority_for, doc_authority, find_doc_numbers,
                               find_standards, normalize_doc_number, normalize_issuer, normalize_standard)
from ingest.legal.numerals import cn_to_int
from ingest.records import Citation
from ingest.legal.resolve import canonical_title, infer_level, resolution_key, title_index, title_key

SEED = Path(__file__).resolve().parent.parent / "data" / "000_33c4abcdc6cea628.txt"
LINES = SEED.read_text(encoding="utf-8").split("\n")


def seed_text(*ranges: tuple[int, int]) -> str:
    """Lines ``a..b`` (1-based, inclusive) of the seed, joined as the parser joins wraps."""
    return "".join(line[1:] if line.startswith(" ") else line
                   for a, b in ranges for line in LINES[a - 1:b])


# 国能中心（市能耗在线监测系统）, 立项依据: lines 311-333 and 336-366; line 334 is the
# displaced label " 立项依据：" at a page break and 335 is blank.
GNZX_LEGAL_BASIS = seed_text((311, 333), (336, 366))
GNZX_OVERVIEW = seed_text((278, 310))
GNZX_NECESSITY = seed_text((370, 411))
GNZX_SAFEGUARDS = seed_text((415, 424))
SHIPIN_SAFEGUARDS = seed_text((703, 716))   # 时频实验室运维费, 保证项目实施的制度、措施
SHIPIN_OVERVIEW = seed_text((681, 689))
DAXING_LEGAL_BASIS = seed_text((120, 122))  # 大型仪器项目经费, 立项依据
DAXING_OVERVIEW = seed_text((102, 117))

JYNYF = "中华人民共和国节约能源法"
JLF = "中华人民共和国计量法"
SHJYNYTL = "上海市节约能源条例"
ZDYN = "重点用能单位节能管理办法"
NDRC = "国家发展和改革委员会"
AQSIQ = "国家质量监督检验检疫总局"

# (title, doc_number, article, article_num, quote, level, issuer), in text order.
GNZX_EXPECTED = [
    ("2020年市级财政预算管理办法", None, None, None, None, "预算管理规定", None),
    (JYNYF, None, "第二十七条", 27,
     "用能单位应当加强能源计量管理，按照规定配备和使用经依法检定合格的能源计量器具；"
     "用能单位应当建立能源消费统计和能源利用状况分析制度，对各类能源的消费实行分类计量和统计，"
     "并确保能源消费统计数据真实、完整", "法律", None),
    (JLF, None, "第四条", 4,
     "国务院计量行政部门对全国计量工作实施统一监督管理。"
     "县级以上地方人民政府计量行政部门对本行政区域内的计量工作实施监督管理", "法律", None),
    (JLF, None, "第二条", 2,
     "全国境内，建立计量基准、标准计量器具，进行计量检定，制造、修理、销售、使用计量器具，必须遵守本法",
     "法律", None),
    ("中华人民共和国网络安全法", None, "第二十一条", 21,
     "国家实行网络安全等级保护制度。网络运营者应当按照网络安全等级保护制度的要求，履行……安全保护义务，"
     "保障网络免受干扰、破坏或者未经授权的访问，防止网络数据泄露或者被窃取、篡改", "法律", None),
    (ZDYN, None, "第十五条", 15,
     "重点用能单位应当结合现有能源管理信息化平台，加强能源计量基础能力建设，按照政府管理节能工作的部门、"
     "质量技术监督部门要求建设能耗在线监测系统，提升能源管理信息化水平。", "部门规章", None),
    (ZDYN, None, "第三十一条", 31,
     "重点用能单位不按要求开展能耗在线监测系统建设和能耗在线监测工作的，由管理节能工作的部门以书面形式"
     "责令限期整改；逾期不整改的或者没有达到整改要求的，由管理节能工作的部门处一万元以上三万元以下罚款。",
     "部门规章", None),
    ("能源计量监督管理办法", None, "第三条", 3,
     "国家质量监督检验检疫总局对全国能源计量工作实施统一监督管理；"
     "县级以上地方质量技术监督部门对本行政区域内的能源计量工作实施监督管理", "部门规章", None),
    (SHJYNYTL, None, "第十八条", 18,
     "对尚未制定有关节能的国家标准、行业标准的，市质量技监行政管理部门可以根据技术先进、经济合理的原则，"
     "组织制定地方标准，并按规定报国家有关部门备案", "地方性法规", None),
    (SHJYNYTL, None, "第二十三条", 23,
     "用能单位应当建立能源计量管理制度，按照规定配备、使用经依法检定合格的能源计量器具，"
     "加强对能源计量器具的管理，按照规定定期检定", "地方性法规", None),
    (SHJYNYTL, None, "第二十九条", 29,
     "本市支持节能服务业的发展。节能服务机构应当公正、客观地为用能单位提供节能咨询、设计、评估、检测、"
     "审计、认证等服务", "地方性法规", None),
    (SHJYNYTL, None, "第六十九条", 69,
     "本市鼓励节能服务机构提供合同能源管理服务，为委托单位的节能改造提供咨询、评估、检测、设计、运行和管理等服务",
     "地方性法规", None),
    ("“十二五”节能减排综合性工作方案", None, None, None,
     "推动重点用能单位按要求配备计量器具，推行能源计量数据在线采集、实时监测。开展城市能源计量建设示范",
     "规范性文件", None),
    ("万家企业节能低碳行动实施方案", None, None, None,
     "万家企业要按照要求，配备合理的能源计量器具，努力实现能源计量数据在线采集、实时监测，"
     "建立企业能源计量数据在线采集、实时监测系统", "规范性文件", NDRC),
    ("国家城市能源计量中心建设指导意见", None, None, None, None, "规范性文件", AQSIQ),
    ("关于开展“推进能源计量数据在线采集、实时监测”工作的通知", None, None, None,
     "搭建起能源计量数据公共平台、能源计量检测技术服务平台、能源计量技术研究平台、能源计量检测人才培养平台，"
     "为政府实施节能管理提供权威准确的能源计量数据，向社会提供能源计量量值传递和溯源、能源审计、节能监测、"
     "能效评估、节能量审核、能耗限额对标、能平衡测试、能效检测等全面的节能技术服务。", "规范性文件", AQSIQ),
    ("国家发改委、质检总局关于印发重点用能单位能耗在线监测系统推广建设工作方案的通知", "发改环资〔2017〕1711号",
     None, None,
     "国家将各省（区、市）监测系统建设工作纳入节能目标责任评价考核。各地区要分解重点用能单位接入端系统建设任务"
     "并纳入对下级政府部门、对重点用能单位的节能目标的责任考核，层层分解落实，严格进行考核。", "规范性文件", NDRC),
    ("国家发改委办公厅、国家市场监管总局办公厅关于加快推进重点用能单位能耗在线监测系统建设的通知",
     "发改办环资〔2019〕424号", None, None,
     "自2019年4月开始，国家发展改革委和市场监管总局将按季度联合通报各地区建设进展和数据接入情况。"
     "对未按期完成接入端系统建设、未按要求上传数据或不能维持系统正常运行的重点用能单位，"
     "要纳入全国信用信息共享平台，实施失信惩戒", "规范性文件", "国家发展和改革委员会办公厅"),
    ("加快推进本市重点用能单位能耗在线监测系统建设的实施意见", "沪发改环资〔2015〕139号", None, None,
     "对本市重点用能单位逐步实施能源计量器具智能化改造和能耗数据自动化采集，及时准确地掌握重点用能单位能耗情况。"
     "到2015年底，基本实现本市全部重点用能单位一级（关口）能源计量数据的能耗在线采集、实时监测。",
     "规范性文件", "上海市发展和改革委员会"),
    ("上海市市场监督管理局关于开展2019年能源计量重点工作有关事项的通知", "沪市监计量〔2019〕135号", None, None,
     "市局和各区市场监管局会同节能主管部门加强监督检查，督促重点用能单位完善能源计量器具配备，建设能耗在线监测系统。"
     "对不按要求开展重点用能单位能耗在线监测系统建设和能耗在线监测工作的，通报至管理节能工作的部门并由其"
     "依法依规责令限期整改或处罚", "规范性文件", "上海市市场监督管理局"),
]

SHIPIN_EXPECTED = [
    ("上海系统推进全面创新改革试验加快建设具有全球影响力的科技创新中心方案", "国发〔2016〕23号", None, None,
     "在质量技术基础领域，推进国家时间频率中心上海计量分支机构落地，全力构建具有国际水准的支撑保障体系",
     "规范性文件", "国务院"),
    ("上海市技术基础发展和改革“十三五”规划", "沪府发〔2016〕73号", None, None, None, "规范性文件", "上海市人民政府"),
    ("国家质检总局上海市人民政府关于进一步加强合作的备忘录", None, None, None,
     "建立国家先进水平的技术机构，支持国家级质量检验检测中心落户浦东新区，"
     "加大对检验检疫基础设施和国家重点实验室建设的扶持力度，对检验检疫基础设施和国家重点实验室建设在土地、"
     "资金及设施上给予重点支持", "规范性文件", AQSIQ),
    ("质检总局办公厅关于支持上海市质量技术监督局全力建设科创中心和质量高地的函", "质检办函〔2016〕44号", None, None,
     "支持上海市质监局发挥职能优势，为上海科创中心建设提供准确、高效的时间频率服务体系。"
     "优先考虑在上海计测院实验室的基础上建立国家时间频率上海计量分支机构", "规范性文件", AQSIQ + "办公厅"),
    ("市场监管总局关于同意筹建国家时间频率计量中心上海实验室的批复", "国市监计量函〔2018〕246号", None, None, None,
     "规范性文件", "国家市场监督管理总局"),
]


def fields(c: Citation) -> tuple:
    return (c.title, c.doc_number, c.article, c.article_num, c.quote, c.level, c.issuer)


# ---------------------------------------------------------------- numerals

@pytest.mark.parametrize("text, value", [
    ("二十七", 27), ("一百零五", 105), ("十", 10), ("两", 2), ("十五", 15), ("三十一", 31), ("六十九", 69),
    ("二十", 20), ("一百一十", 110), ("一百一", 110), ("一千零一", 1001), ("两千零二十", 2020), ("一万零一", 10001),
    ("一〇五", 105), ("二〇二〇", 2020), ("贰拾柒", 27), ("廿三", 23),
    ("27", 27), ("２７", 27), ("3万", 30000), ("零", 0),
])
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize("text", ["", "条", "十十", "百十百", "二十七条"])
def test_cn_to_int_rejects_non_numerals(text):
    with pytest.raises(ValueError):
        cn_to_int(text)


# ---------------------------------------------------------------- document numbers and standards

@pytest.mark.parametrize("raw", [
    "发改环资[2017]1711号", "发改环资〔2017〕1711号", "发改环资［2017］1711号", "发改环资(2017)1711号",
    "发改环资（2017）1711号", "发改环资【2017】1711号", "发改环资 [ 2017 ] 1711 号", "发改环资\n[2017]\n1711号",
    "发改\n环资[2017]1711号", "发改环资[201\n7]171\n1号", "发改环资〔２０１７〕１７１１号", "发改环资〔2017〕第1711号",
])
def test_normalize_doc_number_bracket_forms(raw):
    assert normalize_doc_number(raw) == "发改环资〔2017〕1711号"


def test_normalize_doc_number_drops_leading_zeros_and_words_before_the_prefix():
    assert normalize_doc_number("国发〔2016〕023号") == "国发〔2016〕23号"
    assert normalize_doc_number("根据国发[2016]23号") == "国发〔2016〕23号"
    with pytest.raises(ValueError):
        normalize_doc_number("2016年23号")


def test_find_doc_numbers_on_the_seed_legal_basis():
    found = find_doc_numbers(GNZX_LEGAL_BASIS)
    assert [n for n, _, _ in found] == ["发改环资〔2017〕1711号", "发改办环资〔2019〕424号",
                                        "沪发改环资〔2015〕139号", "沪市监计量〔2019〕135号"]
    assert [GNZX_LEGAL_BASIS[s:e] for _, s, e in found] == [
        "发改环资[2017]1711号", "发改办环资[2019]424号", "沪发改环资[2015]139号", "沪市监计量[2019]135号"]


def test_find_doc_numbers_across_the_raw_wraps_of_the_seed():
    raw = "\n".join(LINES[361:363])  # 沪市监计量[ / 2019]135号
    assert [n for n, _, _ in find_doc_numbers(raw)] == ["沪市监计量〔2019〕135号"]
    raw = "\n".join(LINES[705:707])  # 沪府发[201 / 6]73号
    assert [n for n, _, _ in find_doc_numbers(raw)] == ["沪府发〔2016〕73号"]
    assert [n for n, _, _ in find_doc_numbers(SHIPIN_SAFEGUARDS)] == [
        "国发〔2016〕23号", "沪府发〔2016〕73号", "质检办函〔2016〕44号", "国市监计量函〔2018〕246号"]
    assert [n for n, _, _ in find_doc_numbers(GNZX_OVERVIEW)] == ["国质检量函〔2013〕31号", "沪发改环资〔2015〕139号"]
    assert [n for n, _, _ in find_doc_numbers(GNZX_SAFEGUARDS)] == ["沪计测〔2013〕106号"]


def test_order_numbers():
    assert normalize_doc_number("（国家质检总局令第132号）") == AQSIQ + "令第132号"
    assert normalize_doc_number("国家发展改革委等7部门令2018年第15号") == NDRC + "等7部门令2018年第15号"
    assert doc_authority("国务院令第588号").level == "行政法规"
    assert doc_authority(AQSIQ + "令第132号").level == "部门规章"


@pytest.mark.parametrize("raw, norm", [
    ("JJG 912-2010", "JJG 912-2010"), ("JJG 91\n2-2010", "JJG 912-2010"), ("JJG912—2010", "JJG 912-2010"),
    ("JJF 1001-2011", "JJF 1001-2011"), ("JJF1001－2011", "JJF 1001-2011"), ("GB 17167-2006", "GB 17167-2006"),
    ("GB/T 2589-2020", "GB/T 2589-2020"), ("GB／T2589—2020", "GB/T 2589-2020"), ("GB / T 2589-2020", "GB/T 2589-2020"),
    ("ＪＪＧ　９１２－２０１０", "JJG 912-2010"), ("DB31/T 1234-2019", "DB31/T 1234-2019"),
])
def test_normalize_standard(raw, norm):
    assert normalize_standard(raw) == norm


def test_find_standards_in_the_seed():
    assert [(n, DAXING_LEGAL_BASIS[s:e]) for n, s, e in find_standards(DAXING_LEGAL_BASIS)] == [
        ("JJG 912-2010", "JJG 912-2010")]
    assert find_standards("H30C型医用辐照器，0.6mL石墨空腔电离室") == []


# ---------------------------------------------------------------- authorities table

def test_authorities_table():
    table = authorities()
    assert table is authorities()  # loaded once
    assert len(table) >= 40
    assert all(a.level in LEVELS for a in table.values())
    expected = {
        "发改环资": NDRC, "发改办环资": NDRC + "办公厅", "沪府发": "上海市人民政府", "国发": "国务院",
        "国市监计量函": "国家市场监督管理总局", "质检办函": AQSIQ + "办公厅", "国质检量函": AQSIQ,
        "沪发改环资": "上海市发展和改革委员会", "沪市监计量": "上海市市场监督管理局", "沪计测": "上海市计量测试技术研究院",
    }
    assert {p: authority_for(p).issuer for p in expected} == expected
    assert authority_for("国市监计量规").issuer == "国家市场监督管理总局"  # longest listed prefix
    assert authority_for("不存在") is None


def test_normalize_issuer():
    assert normalize_issuer("国家发改委") == NDRC
    assert normalize_issuer("原国家质检总局") == AQSIQ
    assert normalize_issuer("市场监管总局") == "国家市场监督管理总局"
    assert normalize_issuer("国务院") == "国务院"


# ---------------------------------------------------------------- 国能中心 立项依据: every citation

def test_gnzx_legal_basis_every_citation():
    got = extract_citations(GNZX_LEGAL_BASIS, "legal_basis")
    assert [fields(c) for c, _, _ in got] == GNZX_EXPECTED
    assert all(c.section == "legal_basis" and c.span is None for c, _, _ in got)


def test_gnzx_legal_basis_offsets():
    got = extract_citations(GNZX_LEGAL_BASIS, "legal_basis")
    spans = [GNZX_LEGAL_BASIS[s:e] for _, s, e in got]
    assert spans[0] == "2020年市级财政预算管理办法"
    assert spans[1].startswith("《中华人民共和国节约能源法》第二十七条规定“") and spans[1].endswith("真实、完整”")
    assert spans[3].startswith("第二条规定“")          # second article of 计量法: from its own reference
    assert spans[6].startswith("第三十一条中对处罚措施进行了明确，提出“")
    assert spans[16].startswith("《国家发改委、质检总局") and "（发改环资[2017]1711号）" in spans[16]
    assert spans[19].endswith("整改或处罚”")
    for (c, s, e), text in zip(got, spans):
        assert c.title is None or c.title[:6] in text or c.article in text
        assert c.quote is None or c.quote[:10] in text
    assert [s for _, s, _ in got] == sorted(s for _, s, _ in got)


def test_bare_mention_of_a_cited_law_is_not_repeated():
    # "在新的《计量法》修订送审稿中" names 计量法 again without an article: no extra citation.
    got = extract_citations(GNZX_LEGAL_BASIS, "legal_basis")
    keys = [resolution_key(c) for c, _, _ in got if c.title and "计量法" in c.title]
    assert keys == ["title:计量法", "title:计量法"]


# ---------------------------------------------------------------- other seed sections

def test_shipin_safeguards():
    got = extract_citations(SHIPIN_SAFEGUARDS, "safeguards")
    assert [fields(c) for c, _, _ in got] == SHIPIN_EXPECTED
    assert {c.section for c, _, _ in got} == {"safeguards"}
    # “…推进项目”第一条 is an item of the 规划's task list, not an article of a law
    assert all(c.article is None for c, _, _ in got)


def test_daxing_standard_with_its_title():
    for text in (DAXING_LEGAL_BASIS, DAXING_OVERVIEW):
        got = extract_citations(text, "legal_basis")
        assert [fields(c) for c, _, _ in got] == [
            ("治疗水平电离室剂量计", "JJG 912-2010", None, None, None, "技术规范", None)]
        c, s, e = got[0]
        assert text[s:e] == "JJG 912-2010《治疗水平电离室剂量计》"


def test_gnzx_other_sections():
    assert [fields(c) for c, _, _ in extract_citations(GNZX_OVERVIEW, "overview")] == [
        (None, "国质检量函〔2013〕31号", None, None, None, "规范性文件", AQSIQ),
        ("加快推进本市能耗在线监测系统建设的实施意见", None, None, None, None, "规范性文件", None),
        ("加快推进本市重点用能单位能耗在线监测系统建设的实施意见", "沪发改环资〔2015〕139号", None, None, None,
         "规范性文件", "上海市发展和改革委员会"),
    ]
    assert [fields(c) for c, _, _ in extract_citations(GNZX_SAFEGUARDS, "safeguards")] == [
        ("上海市计量测试技术研究院关于印发<财务管理会计及监督制度>的通知", "沪计测〔2013〕106号", None, None, None,
         "规范性文件", "上海市计量测试技术研究院")]
    necessity = extract_citations(GNZX_NECESSITY, "necessity")
    assert [(c.doc_number, c.quote.startswith("自2019年4月开始")) for c, _, _ in necessity] == [("发改办环资〔2019〕424号", True)]


def test_quoted_names_are_not_citations():
    # “上海市计量院”, “国能中心”, “华东国家计量测试中心” … in 项目概况; “国家时间频率计量中心上海实验室”
    for text in (GNZX_OVERVIEW, SHIPIN_OVERVIEW, GNZX_NECESSITY):
        for c, _, _ in extract_citations(text, "overview"):
            assert c.title is None or "国能中心" not in c.title
    assert [c.title for c, _, _ in extract_citations(SHIPIN_OVERVIEW, "overview")] == [
        "上海系统推进全面创新改革试验加快建设具有全球影响力的科技创新中心方案"]
    # Changed for issue 9 item 6: the two names after the quoted name are bases named without 《》
    # (the seed's 保证项目实施的制度、措施 lists them), so they are citations now; “国能中心” still is not.
    assert [c.title for c, _, _ in extract_citations("（以下简称“国能中心”）。信息化项目管理办法、信息化需求变更管理办法",
                                                     "overview")] == ["信息化项目管理办法", "信息化需求变更管理办法"]
    assert [c.quote for c, _, _ in extract_citations("按照《X条例》“十三五”时期的要求", "plan")] == [None]


@pytest.mark.parametrize("text", [
    "2020年市级财政预算管理办法", "2020年市级机关预算管理办法", "2020年财政预算规定",
    "2021年度区级部门预算编制规定", "2019年 市级项目预算管理暂行办法",
])
def test_budget_rules(text):
    (c, s, e), = extract_citations(text, "legal_basis")
    assert (c.title, c.doc_number, c.level) == (text.replace(" ", ""), None, "预算管理规定")
    assert (s, e) == (0, len(text))


def test_not_budget_rules():
    assert extract_citations("2019年预算执行数为3,953,943元，按预算执行", "goals") == []


# ---------------------------------------------------------------- forms not in the seed

def test_issuer_written_before_the_title():
    (c, _, _), = extract_citations("1.国务院印发关于《某某方案》（国发[2016]23号）", "safeguards")
    assert (c.issuer, c.doc_number) == ("国务院", "国发〔2016〕23号")
    (c, _, _), = extract_citations("国家发改委《某某工作方案》明确：“要求”。", "safeguards")
    assert (c.issuer, c.quote) == (NDRC, "要求")


def test_nested_titles_and_brackets():
    for inner in ("<财务制度>", "〈财务制度〉", "《财务制度》"):
        (c, s, e), = extract_citations(f"按照《某院关于印发{inner}的通知》（沪计测〔2013〕106号）要求", "safeguards")
        assert c.title == f"某院关于印发{inner}的通知"
        assert canonical_title(c.title) == "某院关于印发〈财务制度〉的通知"
        assert c.doc_number == "沪计测〔2013〕106号"


def test_several_articles_and_sentence_breaks():
    text = "《计量法》第四条规定“甲……乙”。第二条规定“丙”；《上海市计量监督管理条例》第十条第二款：“丁”"
    got = [(c.title, c.article, c.article_num, c.quote, c.level) for c, _, _ in extract_citations(text, "legal_basis")]
    assert got == [("计量法", "第四条", 4, "甲……乙", "法律"), ("计量法", "第二条", 2, "丙", "法律"),
                   ("上海市计量监督管理条例", "第十条第二款", 10, "丁", "地方性法规")]


def test_standard_numbers_next_to_titles():
    text = "依据《GB/T 2589-2020 综合能耗计算通则》和《用能单位能源计量器具配备和管理通则》（GB 17167-2006）及JJF 1001-2011"
    got = [(c.title, c.doc_number, c.level) for c, _, _ in extract_citations(text, "legal_basis")]
    assert got == [("综合能耗计算通则", "GB/T 2589-2020", "技术规范"),
                   ("用能单位能源计量器具配备和管理通则", "GB 17167-2006", "技术规范"),
                   (None, "JJF 1001-2011", "技术规范")]


def test_duplicates_within_a_section():
    text = "《计量法》第四条；《中华人民共和国计量法》第四条；《计量法》；国发〔2016〕23号；国发[2016]23号"
    got = [(c.title, c.doc_number, c.article_num) for c, _, _ in extract_citations(text, "legal_basis")]
    assert got == [("计量法", None, 4), (None, "国发〔2016〕23号", None)]


def test_unclosed_quote_does_not_swallow_the_rest():
    (c, _, _), = extract_citations("“未闭合，《中华人民共和国计量法》第四条规定“甲”", "legal_basis")
    assert (c.article_num, c.quote) == (4, "甲")


# ---------------------------------------------------------------- levels and resolution

@pytest.mark.parametrize("title, doc, issuer, level", [
    ("中华人民共和国计量法", None, None, "法律"),
    ("计量法", None, None, "法律"),
    ("中华人民共和国计量法实施细则", None, None, "行政法规"),
    ("公共机构节能条例", None, "国务院", "行政法规"),
    ("上海市节约能源条例", None, None, "地方性法规"),
    ("能源计量监督管理办法", None, None, "部门规章"),
    ("某某办法", None, "国务院", "行政法规"),
    ("上海市某某管理办法", None, None, "规范性文件"),
    ("某某工作方案", None, None, "规范性文件"),
    ("关于某某的批复", None, None, "规范性文件"),
    ("某某规划", "沪府发〔2016〕73号", None, "规范性文件"),
    ("治疗水平电离室剂量计", "JJG 912-2010", None, "技术规范"),
    ("2020年市级财政预算管理办法", None, None, "预算管理规定"),
    ("用户手册", None, None, None),
])
def test_infer_level(title, doc, issuer, level):
    assert infer_level(title, doc, issuer) == level


def test_canonical_title_and_key():
    assert canonical_title("计量法") == canonical_title("中华人民共和国计量法") == "中华人民共和国计量法"
    assert title_key("《中华人民共和国计量法》") == title_key("计量法") == "计量法"
    assert canonical_title("节能法") == "中华人民共和国节约能源法"
    assert canonical_title("关于开展\"推进能源计量\"工作的通知") == "关于开展“推进能源计量”工作的通知"
    assert canonical_title("重点用能单位节能管理办法") == "重点用能单位节能管理办法"  # 办法 is not a law


def test_resolution_key():
    key = resolution_key
    assert key(Citation("中华人民共和国计量法", None)) == key(Citation("计量法", None, "第四条", 4))
    assert key(Citation(None, "发改环资[2017]1711号")) == key(Citation(None, "发改环资〔2017〕1711号"))
    with_title = Citation("国家发改委、质检总局关于印发重点用能单位能耗在线监测系统推广建设工作方案的通知",
                          "发改环资〔2017〕1711号")
    assert key(with_title) == key(Citation(None, "发改环资（2017）1711号")) == "doc:发改环资〔2017〕1711号"
    assert key(Citation(None, "JJG912-2010")) == key(Citation("治疗水平电离室剂量计", "JJG 912-2010"))
    assert key(Citation("上海市节约能源条例", None)) != key(Citation("上海市计量监督管理条例", None))
    with pytest.raises(ValueError):
        key(Citation(None, None))


def test_title_index_joins_a_title_to_its_document_number():
    # 时频: the overview names the 方案 without a number; the safeguards give 国发〔2016〕23号.
    cited = [c for text in (SHIPIN_OVERVIEW, SHIPIN_SAFEGUARDS) for c, _, _ in extract_citations(text, "x")]
    known = title_index(cited)
    bare = cited[0]
    assert bare.doc_number is None
    assert resolution_key(bare, known) == "doc:国发〔2016〕23号"


# ---------------------------------------------------------------- on the parser's sections

def test_extract_citations_on_parsed_seed_sections():
    from ingest.parse.document import parse_document
    from ingest.read import read_path

    doc = read_path(str(SEED))
    projects = {p.name: p for p in parse_document(doc).projects}
    gnzx = projects["国能中心（市能耗在线监测系统）"]
    assert gnzx.section("legal_basis") == GNZX_LEGAL_BASIS
    got = extract_citations(gnzx.section("legal_basis"), "legal_basis")
    assert [fields(c) for c, _, _ in got] == GNZX_EXPECTED
    shipin = projects["时频实验室运维费"]
    assert [fields(c) for c, _, _ in extract_citations(shipin.section("safeguards"), "safeguards")] == SHIPIN_EXPECTED

    # The parser attaches the citations of every section, each with a span into the document.
    legal = [c for c in gnzx.citations if c.section == "legal_basis"]
    assert [fields(c) for c in legal] == GNZX_EXPECTED
    for c in gnzx.citations + shipin.citations + projects["大型仪器项目经费"].citations:
        quoted = doc.text[c.span.start:c.span.end]
        assert (c.title or c.doc_number)[:4] in quoted.replace("\n", "") or c.article in quoted
    assert {c.section for c in gnzx.citations} == {"overview", "legal_basis", "necessity", "safeguards"}
    assert [(c.title, c.level) for c in projects["对口援助"].citations] == [("2020年财政预算规定", "预算管理规定")]
    # Changed for issue 9 item 6: line 781 lists the unit's own 办法 without 《》 and with no separator
    # (信息化项目管理办法信息化项目需求变更管理办法); they were missed before and are citations now.
    assert [(c.title, c.level, c.section) for c in projects["实验室管理网系统(运维)"].citations] == [
        ("2020年市级机关预算管理办法", "预算管理规定", "legal_basis"),
        ("信息化项目管理办法", "部门规章", "safeguards"), ("信息化项目需求变更管理办法", "部门规章", "safeguards")]
