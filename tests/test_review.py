"""The review (绩效目标审核): rules as data, findings with the cell they are about, the review graph,
``jixiao review`` and the evaluation — on the real seed, the template fixtures and the review's own
fixtures (``tests/fixtures/review``), rendered to real files and read as users' files are read.

Expected values come from reading the tables (see each fixture's docstring, and
``tests/eval/review_cases.jsonl`` for every (project, rule) judged): on the seed,
大型仪器项目经费's ``设备检验合格率（%） >400`` (line 180) is a rate over 100 %, seven projects have
no 成本 row in 产出目标 (all but 对口援助), and five cite nothing but a budget rule and the unit's
own 办法.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import KnowledgeBase
from app.review import shacl
from app.review.checks import CHECKS
from app.review.engine import review, run_review
from app.review.model import SECTIONS, RuleBook, RuleBookError, load_rules
from ingest import identifiers as iris
from ingest.parse.document import parse_document
from ingest.parse.grid import parse_grids
from ingest.read import read_path
from render import render
from render.check import problems
from render.spec import REVIEW_FIXTURES, TEMPLATES, load_spec, spec_names

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()
LI = "大型仪器项目经费"
SEVEN = {"“互联网+计量”公共服务平台(运维)", LI, "国能中心（市能耗在线监测系统）", "技改项目经费",
         "上海市计量院网上政务大厅(运维)", "时频实验室运维费", "实验室管理网系统(运维)"}
FIVE = {"“互联网+计量”公共服务平台(运维)", "对口援助", "技改项目经费", "上海市计量院网上政务大厅(运维)",
        "实验室管理网系统(运维)"}


def parse(doc):
    return parse_grids(doc) if doc.tables else parse_document(doc)


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    """Every template and review fixture rendered as .xlsx and read: name → (doc, result)."""
    folder = tmp_path_factory.mktemp("review-fixtures")
    out = {}
    for directory in (TEMPLATES, REVIEW_FIXTURES):
        for name in spec_names(directory):
            doc = read_path(render(load_spec(name, directory), "xlsx", folder))
            out[name] = (doc, parse(doc))
    return out


@pytest.fixture(scope="module")
def corpus_review(fixtures):
    """All fixtures reviewed as one corpus (history and peers across them), without support links."""
    projects = [p for _, r in fixtures.values() for p in r.projects]
    return review(projects, {d.doc_id: d.text for d, _ in fixtures.values()})


@pytest.fixture(scope="module")
def seed_review(kb):
    """The seed as ingested (records, graph and support links), reviewed by the core."""
    return kb.review()


def fired(rv, project: str, rule: str, year: int | None = None):
    return [f for p in rv.projects if p.project == project and (year is None or p.year == year)
            for f in p.findings if f.rule == rule]


# -- rules as data ------------------------------------------------------------------------------
def test_every_rule_is_checked_somewhere_and_its_sources_exist():
    assert len(RULES.rules) >= 30
    for rule in RULES.rules.values():
        assert rule.title and rule.severity in ("error", "warning", "info") and rule.section in SECTIONS
        assert rule.sources, rule.id
        if rule.check == "python":
            assert rule.id in CHECKS, f"{rule.id} has no Python check"
    assert set(CHECKS) <= set(RULES.ids()), set(CHECKS) - set(RULES.ids())


def test_shacl_rules_and_their_shapes_agree():
    """Each SHACL rule has its shape, with the rule's severity; each shape names a rule."""
    severities = shacl.shape_severities()
    wanted = {r.id: r.severity for r in RULES.rules.values() if r.check == "shacl"}
    assert severities == wanted
    shapes, plain = shacl.shapes()
    assert plain, "review.ttl uses SHACL the Oxigraph evaluator does not implement"
    assert {s.iri.rsplit("#", 1)[1] for s in shapes} == {r.shape for r in RULES.rules.values() if r.check == "shacl"}


def test_docs_list_every_rule_with_its_source():
    doc = (ROOT / "docs" / "review-rules.md").read_text("utf-8")
    for rule in RULES.rules.values():
        assert f"`{rule.id}`" in doc, rule.id
    for source in RULES.sources.values():
        if source.number:
            assert source.number in doc, source.number


def test_a_bad_rules_file_names_the_file_and_says_how_to_fix_it(tmp_path, monkeypatch):
    text = (ROOT / "app" / "review" / "rules.toml").read_text("utf-8").replace(
        'severity = "error"', 'severity = "fatal"', 1)
    with pytest.raises(RuleBookError) as e:
        RuleBook.from_toml(text, "my_rules.toml")
    assert "fatal" in str(e.value) and "my_rules.toml" in str(e.value) and "hint" in str(e.value)
    monkeypatch.setenv("JIXIAO_REVIEW_RULES", str(tmp_path / "missing.toml"))
    with pytest.raises(RuleBookError) as e:
        load_rules()
    assert "missing.toml" in str(e.value)


def test_thresholds_are_settings(tmp_path, fixtures):
    """A rules file of one's own with a satisfaction floor of 95: the clean table's ≥92% fires."""
    text = (ROOT / "app" / "review" / "rules.toml").read_text("utf-8").replace(
        "thresholds = { floor = 85 }", "thresholds = { floor = 95 }")
    strict = RuleBook.from_toml(text, "strict.toml")
    doc, result = fixtures["clean_national"]
    rv = review(result.projects, {doc.doc_id: doc.text}, rules=strict)
    assert [(f.rule, f.indicator) for f in rv.findings] == [("satisfaction_below_floor", "读者满意度"),
                                                            ("satisfaction_below_floor", "合作单位满意度")]


# -- the SHACL rules: Oxigraph evaluator = pyshacl ------------------------------------------------
def test_the_oxigraph_evaluator_gives_pyshacl_s_results(fixtures, seed_result, seed_doc):
    picked = [p for p in seed_result.projects if p.name in (LI, "技改项目经费")]
    docs = [fixtures[n] for n in ("defects_shenbao", "defects_budget", "flat_units_merged")]
    projects = picked + [p for _, r in docs for p in r.projects]
    texts = {seed_doc.doc_id: seed_doc.text, **{d.doc_id: d.text for d, _ in docs}}
    _, contexts = run_review(projects, texts)
    from ingest.graph.nodes import GraphWriter
    g = GraphWriter(iris.REVIEW_GRAPH)
    shacl.reading_quads(g, contexts)
    quads = shacl.fact_quads(projects, texts) + g.out()
    rules = {r.id for r in RULES.rules.values() if r.check == "shacl"}
    ours = {(r, f, v, " ".join(m.split())) for r, f, v, m in shacl.evaluate(quads, rules)}
    theirs = {(r, f, v, " ".join(m.split())) for r, f, v, m in shacl.evaluate_pyshacl(quads, rules)}
    assert ours == theirs
    assert {r for r, *_ in ours} == rules          # every SHACL rule has results to compare here


# -- on the seed: what the issue says must fire ----------------------------------------------------
def test_rate_over_100_on_the_seed(seed_review, seed_doc):
    (f,) = [f for f in seed_review.findings if f.rule == "rate_over_100"]
    assert (f.project, f.indicator, f.severity, f.section) == (LI, "设备检验合格率（%）", "error", "产出指标")
    assert f.text == "数量 设备检验合格率（%） >400" and seed_doc.text[f.span.start:f.span.end] == f.text
    assert seed_doc.text[:f.span.start].count("\n") + 1 == 180
    assert f.indicator_iri.endswith("/indicator/10")


def test_missing_cost_indicator_on_seven_seed_projects(seed_review):
    found = [f for f in seed_review.findings if f.rule == "missing_cost_indicator"]
    assert {f.project for f in found} == SEVEN and len(found) == 7
    # it points at the 产出 rows (数量 … 时效), where a 成本 row would be
    assert all(f.section == "产出指标" and "质量" in f.text and "时效" in f.text and "成本" not in f.text for f in found)


def test_no_concrete_basis_on_five_seed_projects(seed_review):
    found = [f for f in seed_review.findings if f.rule == "no_concrete_basis"]
    assert {f.project for f in found} == FIVE and len(found) == 5
    it = next(f for f in found if f.project.startswith("“互联网+计量"))
    assert "单位自己的《信息化项目管理办法》" in it.message and it.text == "2020年市级机关预算管理办法"
    # 时频's concrete bases (国发〔2016〕23号 …) are only in 保证措施: another finding, not this one
    assert fired(seed_review, "时频实验室运维费", "basis_outside_legal_basis")


def test_seed_projects_are_read_in_the_shanghai_2020_framework(seed_review):
    assert {p.framework for p in seed_review.projects} == {"shanghai2020"}
    (f,) = fired(seed_review, "技改项目经费", "framework_level1_missing")
    assert "影响力" in f.message and f.severity == "error"


# -- every rule fires on a fixture and stays silent on a clean one -------------------------------
# rule → (table, project, indicator the finding is about or None), each worked out by reading the table
FIRES = {
    "framework_unknown": ("unknown_framework", "基层文化站免费开放补助", None),
    "framework_level1_missing": ("defects_budget", "老城区公共停车场建设", None),
    "output_level2_missing": ("flat_unit", "河湖长制工作经费", None),
    "missing_cost_indicator": ("shanghai_grid", "实验室信息管理系统升级", None),
    "benefit_level2_missing": ("defects_shenbao", "智慧社区服务平台建设", None),
    "satisfaction_missing": ("shanghai_grid", "实验室信息管理系统升级", None),
    "level_pair_invalid": ("defects_shenbao", "智慧社区服务平台建设", "社区服务事项网上办理率"),
    "cost_split_incomplete": ("defects_shenbao", "智慧社区服务平台建设", "项目实施引发投诉"),
    "target_missing": ("defects_shenbao", "智慧社区服务平台建设", "功能验收通过率"),
    "target_unit_missing": ("seed", "技改项目经费", "新增检定项目数量"),
    "target_operator_missing": ("shenbao_standard", "基层农技推广体系改革与建设补助项目", "建设农业科技示范基地"),
    "target_unparsed": ("shenbao_wanyuan", "社区居家养老服务补贴", "失能半失能老人照护覆盖率"),
    "qualitative_unknown": ("seed", "国能中心（市能耗在线监测系统）", "能耗数据异常现场处置"),
    "vague_target": ("shenbao_yuan", "困难群众医疗救助补助资金", "困难群众医疗费用负担"),
    "target_repeats_name": ("seed", "国能中心（市能耗在线监测系统）", "机房搬迁完成"),
    "name_repeats_level": ("seed", "对口援助", "质量"),
    "input_as_output": ("defects_shenbao", "智慧社区服务平台建设", "资金到位率"),
    "rate_over_100": ("seed", LI, "设备检验合格率（%）"),
    "rate_unit_mismatch": ("seed", "实验室管理网系统(运维)", "纸张节约率"),
    "operator_direction": ("defects_shenbao", "智慧社区服务平台建设", "平台可用率"),
    "duplicate_indicator": ("defects_shenbao", "智慧社区服务平台建设", "接入社区数量"),
    "indicator_count": ("defects_budget", "老城区公共停车场建设", None),
    "goal_not_specific": ("seed", "对口援助", None),
    "cost_exceeds_budget": ("defects_budget", "老城区公共停车场建设", "项目建设总成本"),
    "current_exceeds_total": ("defects_budget", "老城区公共停车场建设", None),
    "budget_sources_mismatch": ("defects_shenbao", "智慧社区服务平台建设", None),
    "execution_rate_low": ("history_2021_ziping", "农村生活垃圾收运处置补助资金", None),
    "weights_sum": ("defects_shenbao", "智慧社区服务平台建设", None),
    "score_exceeds_weight": ("history_2021_ziping", "农村生活垃圾收运处置补助资金", "群众满意度"),
    "no_concrete_basis": ("defects_shenbao", "智慧社区服务平台建设", None),
    "legal_basis_empty": ("defects_shenbao", "智慧社区服务平台建设", None),
    "legal_basis_repeats_section": ("seed", LI, None),
    "legal_basis_is_description": ("defects_budget", "老城区公共停车场建设", None),
    "basis_outside_legal_basis": ("seed", "时频实验室运维费", None),
    "indicator_support_low": ("seed", LI, "年总收入"),
    "target_below_last_actual": ("history_2022_shenbao", "农村生活垃圾收运处置补助资金", "收运处置覆盖率"),
    "satisfaction_below_floor": ("defects_shenbao", "智慧社区服务平台建设", "居民满意度"),
    "target_below_peers": ("peers_flat", "园舍维修经费", "维修工程验收合格率"),
}
YEARS = {"history_2021_ziping": 2021, "history_2022_shenbao": 2022}


def test_every_rule_has_a_firing_case():
    assert set(FIRES) == set(RULES.ids())


@pytest.mark.parametrize("rule", sorted(FIRES))
def test_the_rule_fires_on_its_fixture(rule, corpus_review, seed_review):
    table, project, indicator = FIRES[rule]
    rv = seed_review if table == "seed" else corpus_review
    found = fired(rv, project, rule, YEARS.get(table))
    assert found, f"{rule} did not fire on {project}"
    if indicator is not None:
        assert indicator in {f.indicator for f in found}
    f = found[0]
    assert f.severity == RULES.rule(rule).severity and f.message and f.span is not None and f.text


@pytest.mark.parametrize("name", ["clean_national", "clean_shanghai"])
def test_every_rule_is_silent_on_a_clean_table(name, fixtures):
    doc, result = fixtures[name]
    rv = review(result.projects, {doc.doc_id: doc.text})
    assert rv.findings == [], [(f.rule, f.indicator, f.message) for f in rv.findings]


def test_the_support_rule_is_silent_on_a_supported_indicator_and_without_support_links(seed_review, seed_result,
                                                                                     seed_doc):
    gn = [f for f in seed_review.findings if f.rule == "indicator_support_low"
          and f.project == "国能中心（市能耗在线监测系统）"]
    assert gn and "能耗数据异常故障修复率" not in {f.indicator for f in gn}   # 424号's clause supports it
    plain = review(seed_result.projects, {seed_doc.doc_id: seed_doc.text})   # no support links stored
    assert not [f for f in plain.findings if f.rule == "indicator_support_low"]


def test_history_needs_the_earlier_year(fixtures):
    later_doc, later = fixtures["history_2022_shenbao"]
    earlier_doc, earlier = fixtures["history_2021_ziping"]
    alone = review(later.projects, {later_doc.doc_id: later_doc.text})
    assert not [f for f in alone.findings if f.rule == "target_below_last_actual"]
    both = review([*earlier.projects, *later.projects],
                  {later_doc.doc_id: later_doc.text, earlier_doc.doc_id: earlier_doc.text})
    found = [(f.indicator, f.message) for f in both.findings if f.rule == "target_below_last_actual"]
    assert found == [("收运处置覆盖率", "“收运处置覆盖率”目标“≥90%”低于 2021 年实际完成值“96%”。"),
                     ("群众满意度", "“群众满意度”目标“≥90%”低于 2021 年实际完成值“92%”。")]


def test_review_fixtures_read_as_their_records_in_two_formats(tmp_path):
    for name in spec_names(REVIEW_FIXTURES):
        spec = load_spec(name, REVIEW_FIXTURES)
        for fmt in spec.formats:
            found = problems(parse(read_path(render(spec, fmt, tmp_path))), spec.expected)
            assert not found, f"{name}.{fmt}: {found}"


def test_findings_are_grouped_like_the_review_sheet(seed_review):
    p = next(p for p in seed_review.projects if p.project == "对口援助")
    groups = p.by_section()
    assert list(groups) == list(SECTIONS)
    assert [f.rule for f in groups["总体目标"]] == ["goal_not_specific"]
    assert {f.rule for f in groups["产出指标"]} >= {"input_as_output", "name_repeats_level"}
    assert "no_concrete_basis" in {f.rule for f in groups["需补充完善事项"]}


# -- findings as data: the review graph, the export ------------------------------------------------
def test_findings_are_a_named_graph_generated_by_the_run(kb, seed_review):
    (doc,) = kb.records.documents()
    g = f"<{iris.review_graph_iri(doc)}>"             # the document's review; the rules in jxd:graph/review
    rows = kb.sparql(f"""PREFIX jx: <https://w3id.org/jixiao/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT (COUNT(DISTINCT ?f) AS ?n) (COUNT(DISTINCT ?run) AS ?runs) WHERE {{
          GRAPH {g} {{ ?f a jx:Finding ; prov:wasGeneratedBy ?run . ?run a jx:ReviewRun }} }}""").rows
    assert rows == [(len(seed_review.findings), 1)]
    in_documents = kb.sparql(f"""PREFIX jx: <https://w3id.org/jixiao/ontology#>
        ASK {{ GRAPH ?g {{ ?f a jx:Finding }} FILTER (?g != {g}) }}""").boolean
    assert not in_documents
    # kept once, in the review's graph: the merged default graph is what the documents state
    assert not kb.sparql("PREFIX jx: <https://w3id.org/jixiao/ontology#> ASK { ?f a jx:Finding }").boolean
    spans = kb.sparql(f"""PREFIX jx: <https://w3id.org/jixiao/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?exact ?where WHERE {{ GRAPH ?rules {{ ?r dcterms:identifier "rate_over_100" }}
                                      GRAPH {g} {{ ?f jx:rule ?r ; prov:wasDerivedFrom ?span }}
                                      GRAPH ?where {{ ?span oa:hasSelector/oa:exact ?exact }} }}""").rows
    # the indicator row's span node, as the document graph states it (not written twice)
    assert spans == [("数量 设备检验合格率（%） >400", iris.graph_iri(doc))]
    # a span no record has (the 产出 rows a missing cost indicator points at) is written in the review graph
    block = kb.sparql(f"""PREFIX jx: <https://w3id.org/jixiao/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT (COUNT(?exact) AS ?n) WHERE {{ GRAPH ?rules {{ ?r dcterms:identifier "missing_cost_indicator" }}
                    GRAPH {g} {{ ?f jx:rule ?r ; prov:wasDerivedFrom ?span . ?span oa:hasSelector/oa:exact ?exact }} }}""").rows
    assert block == [(7,)]


def test_removing_a_document_reviews_again(tmp_path, seed_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([seed_path], index=False)
    count = "PREFIX jx: <https://w3id.org/jixiao/ontology#> SELECT (COUNT(?f) AS ?n) WHERE { GRAPH ?g { ?f a jx:Finding } }"
    assert kb.sparql(count).rows[0][0] == len(kb.review().findings) > 0
    (doc,) = kb.records.documents()
    assert kb.remove_document(doc, index=False)
    assert kb.sparql(count).rows == [(0,)]
    kb.close()


def test_export_records_carries_the_findings(kb_dir):
    r = CliRunner().invoke(cli, ["export", "records", "--flags", "--data-dir", str(kb_dir)], obj={})
    assert r.exit_code == 0, r.output
    li = next(p for p in json.loads(r.output) if p["name"] == LI)
    rate = next(f for f in li["findings"] if f["rule"] == "rate_over_100")
    assert (rate["severity"], rate["indicator"], rate["text"]) == ("error", "设备检验合格率（%）", "数量 设备检验合格率（%） >400")
    plain = CliRunner().invoke(cli, ["export", "records", "--data-dir", str(kb_dir)], obj={})
    assert "findings" not in json.loads(plain.output)[0]


# -- jixiao review ---------------------------------------------------------------------------------
def invoke(kb_dir, *args):
    return CliRunner().invoke(cli, ["review", *args, "--data-dir", str(kb_dir)], obj={})


def test_cli_review_prints_the_review_sheet_and_the_counts(kb_dir, seed_review):
    r = invoke(kb_dir)
    assert r.exit_code == 0, r.output
    assert r.output.count("一、总体目标") == r.output.count("五、需补充完善事项") == 8
    c = seed_review.counts()
    assert r.output.rstrip().endswith(f"合计：错误 {c['error']} · 警告 {c['warning']} · 提示 {c['info']}"
                                      f"（8 个项目，{len(seed_review.findings)} 条）")
    one = invoke(kb_dir, LI)
    assert one.output.count("项目：") == 1 and "出处 data/000_33c4abcdc6cea628.txt:180" in one.output


def test_cli_review_json_md_and_docx(kb_dir, tmp_path):
    data = json.loads(invoke(kb_dir, LI, "--json").output)
    (p,) = data["projects"]
    assert p["project"] == LI and p["framework"] == "shanghai2020"
    assert {"rule", "severity", "indicator", "message", "where", "text", "span"} <= set(p["findings"][0])
    md = invoke(kb_dir, LI, "--format", "md").output
    assert md.startswith("# 绩效目标审核意见") and "### 二、产出指标" in md and "| 错误 | 比率或满意度超过 100%" in md
    out = tmp_path / "审核.docx"
    r = invoke(kb_dir, "--format", "docx", "-o", str(out))
    assert r.exit_code == 0 and r.output.startswith(f"wrote {out}: 8 projects")
    import docx
    d = docx.Document(out)
    assert d.paragraphs[0].text == "绩效目标审核意见"
    cells = {c.text for t in d.tables for row in t.rows for c in row.cells}
    assert "修改意见" in cells and any("rate_over_100" in c for c in cells)


def test_cli_review_of_an_unknown_project_says_so(kb_dir):
    r = invoke(kb_dir, "大型仪器项目")
    assert r.exit_code == 0 and "项目：大型仪器项目经费" in r.output      # a unique part of a name is enough
    r = invoke(kb_dir, "火星探测")
    assert r.exit_code == 2 and "no project named '火星探测'" in r.output and "hint" in r.output


# -- the evaluation ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def eval_kb(tmp_path_factory, seed_path, vector_cache):
    """The seed with its support links, and every fixture (without), as the README measures."""
    folder = tmp_path_factory.mktemp("eval")
    kb = KnowledgeBase.open(folder / "kb")
    kb.ingest([seed_path])
    files = [render(load_spec(n, d), "xlsx", folder) for d in (TEMPLATES, REVIEW_FIXTURES) for n in spec_names(d)]
    report = kb.ingest(files, index=False)
    assert not report.failed, report.errors
    yield kb
    kb.close()


def test_precision_and_recall_per_rule_are_at_least_0_9(eval_kb):
    result = eval_kb.evaluate_review()
    assert result["skipped"] == 0 and result["unjudged"] == []
    low = {r: (v["precision"], v["recall"]) for r, v in result["rules"].items()
           if (v["precision"] is not None and v["precision"] < 0.9) or (v["recall"] is not None and v["recall"] < 0.9)}
    assert not low, (low, result["wrong"])
    assert all(v["tp"] >= 1 for v in result["rules"].values())    # every rule fires on some judged case
    r = CliRunner().invoke(cli, ["eval", "review", "--data-dir", str(eval_kb.data_dir)], obj={})
    assert "rate_over_100" in r.output and r.output.splitlines()[0].split()[:3] == ["rule", "tp", "fp"]


# -- odd input never stops the review --------------------------------------------------------------
def test_a_check_that_cannot_run_is_reported_and_the_others_still_run(fixtures):
    text = (ROOT / "app" / "review" / "rules.toml").read_text("utf-8").replace(
        "thresholds = { floor = 85 }", 'thresholds = { floor = "eighty-five" }')
    doc, result = fixtures["defects_shenbao"]
    rv = review(result.projects, {doc.doc_id: doc.text}, rules=RuleBook.from_toml(text, "odd.toml"))
    assert len(rv.failures) == 1 and rv.failures[0].startswith("satisfaction_below_floor @ 智慧社区服务平台建设")
    assert {f.rule for f in rv.findings} >= {"weights_sum", "duplicate_indicator", "legal_basis_empty"}
    from app.review.render import render_text
    assert "注意：有检查未能完成 satisfaction_below_floor" in render_text(rv)


def test_a_table_with_nothing_in_it_is_reviewed_without_error(seed_result):
    import dataclasses
    bare = dataclasses.replace(seed_result.projects[2], sections=(), indicators=(), citations=(), id="bare")
    rv = review([bare])
    # no framework, no basis cell, no goal: only that it has no indicator at all
    assert rv.failures == () and [(f.rule, f.message) for f in rv.findings] == [
        ("indicator_count", "全表共 0 个绩效指标，不在 3–30 个之间。")]


def test_the_review_graph_and_shapes_use_only_declared_terms(seed_result, seed_doc):
    import rdflib
    from rdflib import URIRef
    from ontology import JX, REVIEW_TTL, VOCABULARY_TTL
    from app.review.rdf import review_quads
    vocab = rdflib.Graph().parse(VOCABULARY_TTL, format="turtle")
    declared = {str(s) for s in vocab.subjects() if str(s).startswith(str(JX))}
    rv, contexts = run_review(seed_result.projects, {seed_doc.doc_id: seed_doc.text})
    quads = review_quads(rv, contexts, {seed_doc.doc_id: seed_doc.text})
    used = {q.predicate.value for q in quads} | {q.object.value for q in quads if q.predicate.value.endswith("#type")}
    used |= {str(t) for triple in rdflib.Graph().parse(REVIEW_TTL, format="turtle") for t in triple
             if isinstance(t, URIRef)}
    assert {u for u in used if u.startswith(str(JX))} <= declared
    assert all(q.graph_name.value == iris.REVIEW_GRAPH for q in quads)
