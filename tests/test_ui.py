"""The Streamlit UI, driven headless with ``AppTest`` against a knowledge base built from the real seed.

Each page runs as Streamlit would run it, through the app's own navigation (``Home.py``), opened
as a link with its query string would open it; the knowledge base reaches it through
``JIXIAO_DATA_DIR``, and the UI's cached ``KnowledgeBase`` is released after the module so the
graph store's lock does not outlive the tests. Expected values come from reading the seed:
国能中心's 项目总预算 is 3,998,000 元 (line 453), 对口援助's name is on line 197 and its total
980,000 元 (line 216), and the three performance types total 9,229,000 / 3,831,000 / 1,056,034 元.
"""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.core import KnowledgeBase
from app.settings import REPO_ROOT
from app.trace import trace
from app.ui import common, main_script, sparql_run, ui_command
from app.ui.upload import safe_name
from uiapp import data_dir, run  # noqa: F401 - data_dir is a fixture
from processes import wait_no_workers, workers

SEED_FILE = "data/000_33c4abcdc6cea628.txt"
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>*x*"




@pytest.fixture()
def own_dir(tmp_path, seed_path, monkeypatch):
    """A knowledge base of its own with the seed, for tests that upload or remove."""
    directory = tmp_path / "kb"
    kb = KnowledgeBase.open(directory)
    kb.ingest([seed_path])
    kb.close()
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(directory))
    yield directory
    common.reload_knowledge_base()




def charts(at: AppTest, kind: str) -> list:
    """Elements AppTest has no class for (graphviz_chart, vega_lite_chart), by proto type."""
    return list(at.get(kind))


def links(at: AppTest) -> list[tuple[str, str, str]]:
    """(label, page, query string) of every page link."""
    return [(e.proto.label, e.proto.page, e.proto.query_string) for e in at.get("page_link")]


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def visible(at: AppTest) -> list[str]:
    """Every text a page shows: headings, Markdown, notices, code, metrics, labels, options, cells."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "code", "exception"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    out += [e.label for e in at.expander] + [b.label for b in at.button]
    for widget in (*at.selectbox, *at.radio, *at.multiselect):
        out += [widget.label] + [str(o) for o in widget.options]
    for frame in at.dataframe:
        df = frame.value
        out += [str(c) for c in df.columns]
        out += [str(v) for col in df.columns for v in df[col] if isinstance(v, str) or v is None]
    return out


def assert_clean(at: AppTest, *paths: Path) -> None:
    """No traceback, no ``None``, no absolute server path anywhere on the page."""
    texts = visible(at)
    assert not at.exception
    assert not [t for t in texts if re.search(r"\bNone\b", t)], [t for t in texts if re.search(r"\bNone\b", t)][:5]
    assert not [t for t in texts if "Traceback" in t]
    for p in (REPO_ROOT, *paths):
        assert not [t for t in texts if str(p) in t], [t for t in texts if str(p) in t][:3]


def ingest_buttons(at: AppTest) -> list:
    return [b for b in at.button if "Ingest" in b.label]


# -- home ---------------------------------------------------------------------------------------
def test_home_shows_what_is_loaded(data_dir):
    at = run("home")
    assert [(m.label, m.value) for m in at.metric] == [
        ("文档 Documents", "1"), ("项目 Projects", "8"), ("绩效指标 Indicators", "131")]
    assert at.dataframe[0].value["文件 file"][0] == SEED_FILE  # relative, not the server's layout
    assert not ingest_buttons(at)  # only offered when empty
    assert_clean(at, data_dir)


def test_home_offers_to_ingest_an_empty_knowledge_base(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(tmp_path))
    at = run("home")
    assert at.info and [m.value for m in at.metric] == ["0", "0", "0"]
    ingest_buttons(at)[0].click().run()
    assert "8 个项目 projects" in at.success[0].value
    assert [m.value for m in at.metric] == ["1", "8", "131"]


# -- search -------------------------------------------------------------------------------------
def test_search_ranks_the_energy_monitoring_project_first_with_budget_link_and_source(data_dir):
    at = run("search")
    assert at.text_input[0].placeholder == "哪些项目涉及能耗在线监测"
    at.text_input[0].input("能耗在线监测").run()
    assert at.subheader[0].value == "1. 国能中心（市能耗在线监测系统）"
    assert at.caption[0].value.startswith("项目总预算 3,998,000 元（399.80 万元） · 政策补贴类")
    label, page, query = links(at)[0]
    pid = KnowledgeBase.open(data_dir).search_index().project_ids_named(["国能中心（市能耗在线监测系统）"])[0]
    assert (page, query) == ("projects", f"project={pid}") and "项目卡片" in label
    first = at.markdown[0].value
    assert "**项目名称 name**" in first and "<mark>能耗在线监测</mark>" in first
    source = at.expander[0]
    assert re.fullmatch(r"原文 Source · data/000_33c4abcdc6cea628\.txt:\d+", source.label)
    assert "<mark>国能中心（市能耗在线监测" in source.markdown[0].value
    assert at.query_params["q"] == "能耗在线监测"  # the link reproduces the view
    assert_clean(at, data_dir)


def test_search_filters_by_performance_type_and_shows_the_filter(data_dir):
    at = run("search")
    at.sidebar.selectbox[2].select("其他类")
    at.text_input[0].input("能耗在线监测").run()
    # 时频实验室运维费, the one 其他类 project, mentions 能耗 nowhere: below the floor, held back
    assert not at.subheader and at.info[0].value.startswith("没有相关项目")
    assert "已应用的筛选 Filters applied: 绩效类型 = 其他类" in at.caption[0].value
    assert at.query_params["type"] == "其他类"
    at.toggle[0].set_value(True).run()
    assert [s.value for s in at.subheader] == ["1. 时频实验室运维费"] and at.query_params["weak"] == "1"


def test_search_applies_the_condition_in_the_query(data_dir):
    at = run("search", q="预算超过300万的项目")
    # the only totals over 3,000,000 元: 国能中心 3,998,000 (line 453) and 时频实验室运维费 3,831,000 (line 734)
    assert [s.value for s in at.subheader] == ["1. 国能中心（市能耗在线监测系统）", "2. 时频实验室运维费"]
    assert "已应用的筛选 Filters applied: 项目总预算超过300万元" in at.caption[0].value
    assert_clean(at, data_dir)


def test_search_says_no_relevant_project_for_nonsense(data_dir):
    at = run("search", q="火星探测器发射")
    assert not at.subheader and at.info[0].value.startswith("没有相关项目")


def test_search_shows_the_ask_answer_for_a_question(data_dir):
    at = run("search", q="2020年信息化建设工程类项目总预算是多少")
    assert "1056034" in shown(at.success[0].value).replace(",", "")
    assert len(at.subheader) == 3  # the three 信息化建设工程类 projects, as hits below the answer


def test_search_link_reproduces_query_mode_and_filters(data_dir):
    at = run("search", q="运维", type="信息化建设工程类", mode="bm25", k="2")
    assert at.text_input[0].value == "运维" and at.radio[0].value == "bm25" and at.slider[0].value == 2
    assert at.sidebar.selectbox[2].value == "信息化建设工程类"
    assert len(at.subheader) <= 2 and at.subheader
    # the three 信息化建设工程类 projects are the only candidates
    assert {s.value.split(". ", 1)[1] for s in at.subheader} <= {
        "“互联网+计量”公共服务平台(运维)", "上海市计量院网上政务大厅(运维)", "实验室管理网系统(运维)"}


def test_search_says_no_relevant_project_when_the_filters_exclude_all(data_dir):
    at = run("search", q="能耗在线监测", min="100000000")  # no project has a total of 1亿
    assert not at.subheader
    assert any(i.value.startswith("没有相关项目") for i in at.info)
    assert "项目总预算下限 = 100,000,000 元（10,000.00 万元）" in at.caption[0].value.replace("\\", "")


# -- SPARQL -------------------------------------------------------------------------------------
def test_sparql_saved_query_gives_the_budget_table_chart_downloads_and_limits(data_dir):
    at = run("sparql")
    groups = [o for o in at.selectbox[0].options if o.startswith("【预算 Budgets】")]
    assert groups and groups[0].startswith("【预算 Budgets】 budget_by_performance_type")  # grouped by task
    at.selectbox[0].select("budget_by_performance_type").run()  # picking an example runs it
    df = at.dataframe[0].value
    assert list(df.columns) == ["type", "projects", "yuan"]
    assert list(zip(df["type"], df["yuan"])) == [("政策补贴类", 9229000), ("其他类", 3831000), ("信息化建设工程类", 1056034)]
    assert charts(at, "vega_lite_chart")
    assert [b.label for b in at.download_button] == ["下载 CSV", "下载 SPARQL JSON"]
    limits = at.caption[0].value
    assert "时间上限 time limit **10 s**" in limits and "行数上限 row cap **10,000**" in limits
    # the link holds the query run (AppTest cuts a query string at "#": the browser test reads the real URL)
    assert "GROUP BY ?type" in at.session_state["sparql_outcome"]["query"]
    assert "3 行 rows" in at.caption[1].value
    assert_clean(at, data_dir)


def test_sparql_link_runs_its_query_with_columns_in_select_order_and_labels(data_dir):
    at = run("sparql", sparql="PREFIX jx: <https://w3id.org/jixiao/ontology#>\n"
                              "SELECT * WHERE { ?project jx:name ?name ; jx:hasBudget ?b . ?b jx:total ?total }")
    df = at.dataframe[0].value
    assert list(df.columns) == ["project", "name", "b", "total"]  # Oxigraph answers SELECT * as b, name, project, total
    row = df[df["name"] == "对口援助"].iloc[0]
    assert row["total"] == 980000
    assert re.fullmatch(r"对口援助 ‹jxd:project/[0-9a-f]+›", row["project"])  # the label beside the IRI
    # the session history holds the query
    assert at.expander[-1].label.startswith("查询历史 History（本次会话 this session · 1")
    assert "SELECT * WHERE" in at.query_params["sparql"]  # the link reproduces it


def test_sparql_construct_offers_turtle(data_dir):
    at = run("sparql", sparql="PREFIX jx: <https://w3id.org/jixiao/ontology#>\n"
                              "CONSTRUCT { ?p jx:name ?n } WHERE { ?p a jx:Project ; jx:name ?n }")
    triples = at.dataframe[0].value
    assert list(triples.columns) == ["subject", "predicate", "object"] and len(triples) == 8
    assert "对口援助" in set(triples["object"]) and set(triples["predicate"]) == {"名称 ‹jx:name›"}
    assert [b.label for b in at.download_button] == ["下载 CSV", "下载 Turtle (TTL)", "下载 JSON-LD"]


def test_sparql_error_shows_its_line_and_column_without_a_traceback(data_dir):
    at = run("sparql", sparql="SELECT ?x WHERE { ?x ?y }")
    assert shown(at.error[0].value).startswith("SPARQL error at line 1, column 26: expected")
    assert at.code[0].value.splitlines()[-1].endswith("^")
    assert all("查询 query" in d.value.columns for d in at.dataframe)  # only the history, no result table
    assert_clean(at, data_dir)


def test_sparql_error_for_an_undeclared_prefix_hints_the_declaration(data_dir):
    at = run("sparql", sparql="SELECT * { ?p jx:name ?n }")
    assert "PREFIX jx: <https://w3id.org/jixiao/ontology#>" in shown(at.error[0].value)


@pytest.mark.parametrize("query, says", [
    ("DROP ALL", "updates are not accepted"),
    ("select * { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE (federated query) is turned off"),
])
def test_sparql_refuses_updates_and_service_with_a_message(data_dir, query, says):
    at = run("sparql", sparql=query)
    assert says in shown(at.error[0].value)
    assert_clean(at, data_dir)


def test_sparql_refused_query_replaces_the_last_answer(data_dir):
    at = run("sparql", sparql="PREFIX jx: <https://w3id.org/jixiao/ontology#>\nSELECT ?n WHERE { ?p a jx:Project ; jx:name ?n }")
    assert len(at.dataframe[0].value) == 8
    at.query_params["sparql"] = "DROP ALL"  # a new link opened in the same session
    at.run()
    assert "updates are not accepted" in shown(at.error[0].value)
    assert all("查询 query" in d.value.columns for d in at.dataframe)  # the old table is gone
    assert at.expander[-1].label.startswith("查询历史 History（本次会话 this session · 2")


def test_sparql_time_limit_stops_the_query_process(data_dir, monkeypatch):
    long = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # minutes inside one Oxigraph call
    job = KnowledgeBase.open(data_dir).start_query(long, timeout=30)
    assert workers()  # a running query is a worker process of this one (so the check below can fail)
    job.cancel()
    monkeypatch.setattr(sparql_run, "TIMEOUT_S", 1.0)
    at = run("sparql", sparql=long)
    assert "ran past the time limit of 1 s and was stopped" in shown(at.error[0].value)
    assert "时间上限 time limit **1 s**" in at.caption[0].value
    assert wait_no_workers(5) == []  # the work really stopped (SIGKILL is delivered, not waited for)


# -- trace --------------------------------------------------------------------------------------
def test_trace_ranks_the_2019_notice_first_with_its_quote_and_a_readable_diagram(data_dir):
    at = run("trace")
    at.text_input[0].input("能耗数据异常故障修复率").run()
    bases = at.dataframe[0].value
    assert "发改办环资〔2019〕424号" in bases["依据 basis"][0] and bases["#"][0] == 1
    assert "纳入全国信用信息共享平台" in bases["引文 quote"][0]  # the quoted clause beside its basis
    assert re.fullmatch(r"data/000_33c4abcdc6cea628\.txt:\d+", bases["出处 source"][0])
    dot = charts(at, "graphviz_chart")[0].proto.spec
    assert dot.startswith("digraph trace") and "能耗数据异常故障修复率" in dot
    assert 'fontsize="14"' in dot  # readable at the picture's natural size
    assert at.query_params["indicator"] == "能耗数据异常故障修复率"
    assert_clean(at, data_dir)


def test_trace_shows_the_findings_about_its_project_next_to_it(data_dir):
    # 对口援助 cites only the budget rule: its indicators have no concrete basis (gaps.NO_CONCRETE_BASIS)
    at = run("trace", indicator="客户满意度", project=next(p.id for p in KnowledgeBase.open(data_dir).projects()
                                                            if p.name == "对口援助"))
    assert at.subheader[0].value == "客户满意度 · 对口援助"
    assert any("未引用具体依据" in w.value for w in at.warning)
    assert_clean(at, data_dir)


def test_trace_of_an_ambiguous_name_lists_the_candidates(data_dir):
    at = run("trace")
    at.text_input[0].input("预算执行率").run()
    options = at.radio[0].options
    assert len(options) == 7 and "技改项目经费 / 预算执行率（=100%）" in options
    assert not charts(at, "graphviz_chart")
    candidates = trace(KnowledgeBase.open(data_dir).projects(), "预算执行率").candidates  # no encoder: no ranking
    pick = candidates[options.index("技改项目经费 / 预算执行率（=100%）")]
    at.radio[0].set_value(pick).run()
    assert at.subheader[0].value == "预算执行率 · 技改项目经费"
    assert charts(at, "graphviz_chart")
    assert at.query_params["indicator"] == pick.iri  # the link names exactly this indicator


def test_trace_of_an_unknown_name_is_an_error_with_a_hint(data_dir):
    at = run("trace", indicator="能耗数据修复率")
    assert "no indicator named" in at.error[0].value and "hint" in at.error[0].value


def test_gaps_are_listed_under_the_trace(data_dir):
    gaps = run("trace").dataframe[-1].value
    assert "大型仪器项目经费" in set(gaps[gaps["类型 kind"].str.startswith("立项依据重复")]["项目 project"])


# -- projects -----------------------------------------------------------------------------------
def test_projects_page_lists_the_eight_projects_and_charts_the_budgets(data_dir):
    at = run("projects")
    table = at.dataframe[0].value
    assert len(table) == 8 and table["项目总预算 total (元)"].sum() == 9229000 + 3831000 + 1056034
    assert len(charts(at, "vega_lite_chart")) == 4  # by type, by unit, by year, last year's budget vs spent
    assert_clean(at, data_dir)


def test_project_card_opens_from_its_link_with_every_field_and_its_source_line(data_dir):
    pid = next(p.id for p in KnowledgeBase.open(data_dir).projects() if p.name == "对口援助")
    at = run("projects", project=pid)
    assert at.subheader[0].value == "对口援助"
    fields = at.dataframe[1].value.set_index("字段 field")
    assert fields.loc["项目名称", "出处 source"] == f"{SEED_FILE}:197"
    assert fields.loc["项目总预算", "值 value"] == "980,000 元（98.00 万元）"
    assert fields.loc["项目总预算", "出处 source"] == f"{SEED_FILE}:216"
    assert fields.loc["同名项目上年预算额", "值 value"] == "—"  # blank in the table, not "None"
    groups = [e.label for e in at.expander if "项 · 二级" in e.label]
    assert groups[0].startswith("投入与管理 · ") and any(g.startswith("产出目标") for g in groups)
    flagged = [d.value for d in at.dataframe if "三级 indicator" in d.value.columns]
    output = next(d for d in flagged if "完成率" in set(d["三级 indicator"]))
    assert output[output["三级 indicator"] == "完成率"]["标记 flags"].iloc[0] == "no_operator"
    assert at.query_params["project"] == pid
    assert_clean(at, data_dir)


def test_a_long_projects_table_is_cut_and_any_card_still_opens(data_dir, monkeypatch):
    """A province's table is drawn a slice at a time: with room for 3 rows, the seed's 8 projects give
    3 rows and say so; the name filter finds the rest, and a link opens a card outside the slice
    (its records read from its document alone, the table from the catalog)."""
    from app.ui import common
    monkeypatch.setattr(common, "TABLE_ROWS", 3)
    at = run("projects")
    assert len(at.dataframe[0].value) == 3
    caption = next(c.value for c in at.caption if "个项目 projects" in c.value)
    assert caption.startswith("8 / 8 个项目 projects（显示前 3 个")
    picker = next(s for s in at.selectbox if s.label == "项目卡片 Project card")
    assert len(picker.options) == 4                      # none, and the three rows drawn
    last = KnowledgeBase.open(data_dir).catalog()[-1]
    at = run("projects", project=last.id)
    assert at.subheader[0].value == last.name and len(at.dataframe[0].value) == 3
    assert next(s for s in at.selectbox if s.label == "项目卡片 Project card").value == last.id
    at = run("projects", q="对口")
    assert list(at.dataframe[0].value["项目 name"]) == ["对口援助"]
    assert_clean(at, data_dir)


def test_project_card_follows_the_picker_and_the_link_follows_the_card(data_dir):
    at = run("projects")
    assert not at.subheader  # no card until one is asked for
    target = next(p for p in KnowledgeBase.open(data_dir).projects() if p.name == "技改项目经费")
    next(s for s in at.selectbox if s.label == "项目卡片 Project card").select(target.id).run()
    assert at.subheader[0].value == "技改项目经费" and at.query_params["project"] == target.id


# -- ask ----------------------------------------------------------------------------------------
def test_ask_page_offers_example_questions_and_keeps_the_question_in_the_link(data_dir):
    at = run("ask")
    examples = [b for b in at.button if b.label.startswith("2020年信息化建设工程类")]
    examples[0].click().run()
    assert at.text_input[0].value == "2020年信息化建设工程类项目总预算是多少"
    assert at.query_params["q"] == "2020年信息化建设工程类项目总预算是多少"
    assert_clean(at, data_dir)


ASK = pytest.mark.skipif(not hasattr(KnowledgeBase, "ask"), reason="KnowledgeBase.ask (the ask issue) not there yet")


@ASK
def test_ask_answers_with_the_figure_the_reading_and_the_sparql(data_dir):
    at = run("ask", q="2020年信息化建设工程类项目总预算是多少")
    answer = shown(at.success[0].value).replace(",", "")
    assert "1056034" in answer  # the three 信息化建设工程类 totals: 138,200 + 190,400 + 727,434 (seed lines 36, 618, 795)
    sparql = [c.value for c in at.code if "SELECT" in c.value]
    assert sparql and any("在 SPARQL 中打开" in label and page == "sparql" for label, page, _ in links(at))
    assert_clean(at, data_dir)


@ASK
def test_ask_hands_a_basis_question_over_to_trace(data_dir):
    at = run("ask", q="能耗数据异常故障修复率的依据是什么")
    label, page, query = next(link for link in links(at) if link[1] == "trace")
    assert "追溯" in label and query.startswith("indicator=https%3A%2F%2Fw3id.org%2Fjixiao%2Fid%2Fproject%2F")
    assert_clean(at, data_dir)


@ASK
def test_ask_answer_rows_show_amounts_as_numbers(data_dir):
    at = run("ask", q="2020年信息化建设工程类项目总预算是多少")
    rows = at.dataframe[0].value
    assert sorted(rows["value"]) == [138200, 190400, 727434]  # seed lines 36, 618, 795


@ASK
def test_ask_falls_back_honestly_for_something_absent(data_dir):
    at = run("ask", q="火星探测器发射的预算是多少")
    assert not at.success  # no answer the SPARQL did not produce
    assert any("没有找到能确定回答的读法" in i.value for i in at.info)
    assert_clean(at, data_dir)


# -- data ---------------------------------------------------------------------------------------
def test_data_page_uploads_checks_and_reports_per_file(own_dir, seed_path):
    at = run("data")
    assert at.file_uploader[0].allowed_type and ".xlsx" in at.file_uploader[0].allowed_type
    copy = seed_path.read_bytes().replace("项目名称： 对口援助 项目类别".encode(), "项目名称： 对口援助二期 项目类别".encode())
    at.file_uploader[0].set_value([("../../etc/绩效目标表<b>.txt", copy, "text/plain"),
                                   ("not-a-table.txt", "这不是绩效目标表".encode(), "text/plain"),
                                   ("tool.exe", b"MZ\x90\x00", "application/octet-stream")])
    at.run()
    next(b for b in at.button if "Ingest" in b.label).click().run()
    assert not at.exception
    saved = f"uploads/{safe_name('../../etc/绩效目标表<b>.txt')}"
    assert saved == "uploads/绩效目标表_b_.txt"
    lines = {shown(m.value).split(" · ")[0].strip("*"): shown(m.value).replace("**", "")
             for m in at.markdown if " 个项目 projects" in m.value}
    assert " · 8 个项目 projects · 131 个指标 indicators · " in lines[saved] and lines[saved].endswith("· 0 个错误 errors")
    assert lines["uploads/not-a-table.txt"].startswith("uploads/not-a-table.txt · 错误 error · 0 个项目")
    assert lines["tool.exe"].endswith("1 个错误 errors")
    errors = [shown(e.value) for e in at.error]
    assert any(".exe is not a format jixiao reads" in e for e in errors)
    # written into the data directory's uploads/ only; the unreadable file is not kept
    assert sorted(p.name for p in (own_dir / "uploads").iterdir()) == ["绩效目标表_b_.txt"]
    assert not (own_dir.parent / "etc").exists()
    documents = at.dataframe[0].value
    assert sorted(documents["文件 file"]) == sorted([SEED_FILE, saved])
    assert_clean(at, own_dir)


def test_data_page_removes_a_document_validates_and_offers_the_graph(own_dir):
    at = run("data")
    assert [b.label for b in at.download_button] == ["下载 Turtle (.ttl)", "下载 JSON-LD (.jsonld)", "下载 TriG (.trig)"]
    next(b for b in at.button if b.label == "运行校验 Validate").click().run()
    assert at.success and "conforms" in at.success[0].value
    doc = at.multiselect[0].options[0]
    at.multiselect[0].select(doc).run()
    next(b for b in at.button if b.label == "删除所选 Remove").click().run()
    assert "已删除 Removed" in at.success[0].value
    assert any(i.value.startswith("还没有导入任何文档") for i in at.info)
    assert [m.value for m in run("home").metric] == ["0", "0", "0"]


def test_upload_checks_refuse_bad_types_sizes_and_names(tmp_path):
    from app.ui.upload import check_upload, save_upload
    from ingest.errors import IngestError

    assert safe_name("..\\a/b/<x>.XLSX") == "_x_.xlsx" and safe_name(".bashrc") == "upload.bashrc"
    assert safe_name("项目 表（2020）.pdf") == "项目 表(2020).pdf"  # NFKC: full-width brackets
    for name, size, says in [("a.doc", 10, "save it as .docx"), ("a.exe", 10, "not a format"),
                             ("a.txt", 21 * 1024 * 1024, "over the 20 MB limit"), ("a.txt", 0, "empty")]:
        with pytest.raises(IngestError) as e:
            check_upload(name, size)
        assert says in str(e.value)
    path = save_upload(tmp_path, "../../x.txt", b"text")
    assert path == (tmp_path / "uploads" / "x.txt").resolve() and path.read_bytes() == b"text"


# -- hostile input and every page ------------------------------------------------------------------
@pytest.fixture()
def hostile_dir(tmp_path, seed_path, monkeypatch):
    """The seed with 对口援助 renamed to markup that would run if it were rendered as HTML."""
    text = seed_path.read_text("utf-8").replace("项目名称： 对口援助 项目类别", f"项目名称： {HOSTILE} 项目类别", 1)
    source = tmp_path / "hostile.txt"
    source.write_text(text, "utf-8")
    directory = tmp_path / "kb"
    kb = KnowledgeBase.open(directory)
    kb.ingest([source])
    pid = next(p.id for p in kb.projects() if p.name == HOSTILE)
    kb.close()
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(directory))
    yield directory, pid
    common.reload_knowledge_base()


def test_hostile_project_names_render_as_text_on_every_page(hostile_dir):
    directory, pid = hostile_dir
    pages = [("home", {}), ("search", {"q": "客户满意度"}), ("projects", {"project": pid}),
             ("trace", {"indicator": "客户满意度", "project": pid}), ("data", {}), ("ask", {"q": "客户满意度"}),
             ("sparql", {"sparql": "PREFIX jx: <https://w3id.org/jixiao/ontology#>\n"
                                   "SELECT ?p ?name WHERE { ?p a jx:Project ; jx:name ?name }"})]
    for page, params in pages:
        at = run(page, **params)
        markdown = [m.value for m in (*at.markdown, *at.subheader, *at.caption, *at.warning, *at.info, *at.success)]
        assert not [m for m in markdown if "<img" in m or "<script" in m], (page, markdown)
        assert_clean(at, directory)
    at = run("projects", project=pid)
    assert shown(at.subheader[0].value) == HOSTILE  # shown as the text it is


def test_a_data_directory_that_is_a_file_is_an_error_with_a_hint_on_every_page(data_dir, tmp_path, monkeypatch):
    bad = tmp_path / "not-a-folder"
    bad.write_text("x")
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(bad))
    for page in ("home", "ask", "search", "sparql", "trace", "projects", "data"):
        at = run(page)
        assert "is a file, not a folder" in shown(at.error[0].value) and "hint" in at.error[0].value
        assert_clean(at, tmp_path)


def test_every_page_is_clean_on_the_seed(data_dir):
    for page in ("home", "ask", "search", "sparql", "trace", "projects", "data"):
        assert_clean(run(page), data_dir)


# -- pure parts ----------------------------------------------------------------------------------
def test_mark_escapes_each_piece_then_wraps_the_ranges():
    assert common.mark("市能耗在线监测", [(1, 3)]) == "市<mark>能耗</mark>在线监测"
    # offsets index the raw text, so escaping cannot shift a highlight
    assert common.mark("<b>能耗</b>*", [(3, 5)]) == "&lt;b&gt;<mark>能耗</mark>&lt;/b&gt;\\*"
    assert common.mark("abc", [(2, 9), (0, 1), (0, 2)]) == "<mark>a</mark><mark>b</mark><mark>c</mark>"


def test_escape_keeps_markdown_and_streamlit_directives_literal():
    assert common.escape("1. a:red[x] *b* <i>") == "1\\. a\\:red\\[x\\] \\*b\\* &lt;i&gt;"
    assert shown(common.escape("1. a:red[x] *b* <i>\n- c")) == "1. a:red[x] *b* <i> - c"


def test_context_marks_the_span_and_shows_where_it_was_cut():
    assert common.context("0123456789", 4, 6, chars=2) == "…23<mark>45</mark>67…"
    assert common.context("0123", 0, 4) == "<mark>0123</mark>"


def test_chart_needs_one_text_column_and_a_numeric_one():
    assert common.chart_columns({"type": ["a", "b"], "n": [1, 2], "yuan": [1.5, None]}) == ("type", ["n", "yuan"])
    assert common.chart_columns({"a": ["x"], "b": ["y"], "n": [1]}) is None
    assert common.chart_columns({"flag": [True], "name": ["x"]}) is None


def test_paths_are_shown_relative_and_messages_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(tmp_path))
    assert common.rel_path(REPO_ROOT / "data" / "x.txt") == "data/x.txt"
    assert common.rel_path(tmp_path / "uploads" / "a.xlsx") == "uploads/a.xlsx"
    assert common.rel_path("/srv/elsewhere/b.pdf") == "b.pdf"
    assert common.scrub(f"cannot read {tmp_path}/uploads/a.xlsx: denied") == "cannot read uploads/a.xlsx: denied"
    assert common.scrub("SPARQL error at line 1, column 26") == "SPARQL error at line 1, column 26"


def test_select_order_follows_the_query_text():
    assert sparql_run.select_order("SELECT * { ?s ?p ?o }", ("o", "p", "s")) == ["s", "p", "o"]
    assert sparql_run.select_order("SELECT ?o ?s { ?s ?p ?o }", ("o", "s")) == ["o", "s"]
    # variables in comments, strings and IRIs do not count
    assert sparql_run.select_order('# ?z\nSELECT * { ?b <http://x/?a> "?c" . ?a ?b ?c }', ("a", "b", "c")) == \
        ["b", "a", "c"]


def test_editor_completions_come_from_the_ontology():
    words = {w["caption"]: w for w in sparql_run.completions()}
    assert words["PREFIX jx:"]["value"] == "PREFIX jx: <https://w3id.org/jixiao/ontology#>\n"
    assert words["jx:Project"]["meta"].startswith("项目") and "class" in words["jx:Project"]["meta"]
    assert words["jx:performanceType"]["meta"].startswith("绩效类型")


def test_ui_command_passes_the_data_dir_in_the_environment(tmp_path):
    cmd, env = ui_command(tmp_path, 8599)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"] and cmd[4] == str(main_script())
    assert cmd[cmd.index("--server.port") + 1] == "8599" and "--server.headless" in cmd
    assert env["JIXIAO_DATA_DIR"] == str(tmp_path.resolve())
