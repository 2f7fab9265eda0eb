"""The Streamlit UI, driven headless with ``AppTest`` against a knowledge base built from the real seed.

Each page runs as Streamlit would run it; the knowledge base reaches it through
``JIXIAO_DATA_DIR``, and the UI's cached ``KnowledgeBase`` is released after the module
so the graph store's lock does not outlive the tests.
"""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.core import KnowledgeBase
from app.trace import trace
from app.ui import common, main_script, ui_command

UI = Path(main_script()).parent
TIMEOUT = 120  # the first run loads the encoder; later runs take well under a second


@pytest.fixture(scope="module")
def data_dir(kb):
    """The session's ingested seed, shown by the UI (which opens the store itself: ``kb`` lets go of it)."""
    kb.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("JIXIAO_DATA_DIR", str(kb.data_dir))
    yield kb.data_dir
    common.reload_knowledge_base()
    mp.undo()


def run(page: str, **params: str) -> AppTest:
    """Open ``page`` (``search``, ``sparql`` …) as a link with ``params`` in its query string would."""
    at = AppTest.from_file(str(main_script()), default_timeout=TIMEOUT)
    at.switch_page(f"pages/{page}.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest, kind: str) -> list:
    """Elements AppTest has no class for (graphviz_chart, vega_lite_chart), by proto type."""
    return list(at.get(kind))


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown: backslash escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def ingest_buttons(at: AppTest) -> list:
    return [b for b in at.button if "Ingest" in b.label]


# -- pages ---------------------------------------------------------------------------------------
def test_home_shows_what_is_loaded(data_dir):
    at = run("home")
    assert [(m.label, m.value) for m in at.metric] == [
        ("文档 Documents", "1"), ("项目 Projects", "8"), ("绩效指标 Indicators", "131")]
    assert not ingest_buttons(at)  # only offered when empty


def test_search_ranks_the_energy_monitoring_project_first_with_highlights(data_dir):
    at = run("search")
    assert at.text_input[0].placeholder == "哪些项目涉及能耗在线监测"
    at.text_input[0].input("能耗在线监测").run()
    assert at.subheader[0].value == "1. 国能中心（市能耗在线监测系统）"
    first = at.markdown[0].value
    assert "**项目名称 name**" in first and "<mark>能耗在线监测</mark>" in first
    source = at.expander[0]
    assert re.fullmatch(r"原文 Source · .*000_33c4abcdc6cea628\.txt:\d+-\d+", source.label)
    assert "<mark>国能中心（市能耗在线监测" in source.markdown[0].value


def test_search_filters_by_performance_type(data_dir):
    at = run("search")
    at.sidebar.selectbox[2].select("其他类")
    at.text_input[0].input("能耗在线监测").run()
    assert [s.value for s in at.subheader] == ["1. 时频实验室运维费"]


def test_sparql_saved_query_gives_the_budget_table_chart_and_downloads(data_dir):
    at = run("sparql")
    at.selectbox[0].select("budget_by_performance_type").run()
    assert "GROUP BY ?type" in at.text_area[0].value
    at.button[0].click().run()
    df = at.dataframe[0].value
    assert list(zip(df["type"], df["yuan"])) == [("政策补贴类", 9229000), ("其他类", 3831000), ("信息化建设工程类", 1056034)]
    assert charts(at, "vega_lite_chart")
    assert [b.label for b in at.download_button] == ["下载 CSV", "下载 SPARQL JSON"]
    assert "jixiao endpoint" in at.caption[0].value


def test_sparql_error_shows_its_position(data_dir):
    at = run("sparql")
    at.text_area[0].input("SELECT ?x WHERE { ?x ?y }").run()
    at.button[0].click().run()
    assert shown(at.error[0].value).startswith("SPARQL error at line 1, column 26: expected")
    assert at.code[0].value.splitlines()[-1].endswith("^")
    assert not at.dataframe


def test_trace_ranks_the_2019_notice_first_and_draws_the_graph(data_dir):
    at = run("trace")
    at.text_input[0].input("能耗数据异常故障修复率").run()
    bases = at.dataframe[0].value
    assert bases["文号 doc number"][0] == "发改办环资〔2019〕424号" and bases["#"][0] == 1
    assert re.search(r"000_33c4abcdc6cea628\.txt:\d+-\d+$", bases["span"][0])
    dot = charts(at, "graphviz_chart")[0].proto.spec
    assert dot.startswith("digraph trace") and "能耗数据异常故障修复率" in dot


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


def test_trace_of_an_unknown_name_is_an_error_with_a_hint(data_dir):
    at = run("trace")
    at.text_input[0].input("能耗数据修复率").run()
    assert "no indicator named" in at.error[0].value and "hint" in at.error[0].value


def test_gaps_are_listed_under_the_trace(data_dir):
    gaps = run("trace").dataframe[-1].value
    assert "大型仪器项目经费" in set(gaps[gaps["类型 kind"].str.startswith("立项依据重复")]["项目 project"])


def test_projects_page_lists_the_eight_projects_and_a_card(data_dir):
    at = run("projects")
    table = at.dataframe[0].value
    assert len(table) == 8 and table["项目总预算 budget total (元)"].sum() == 9229000 + 3831000 + 1056034
    at.selectbox[0].select(2).run()  # 对口援助
    assert at.subheader[0].value == "对口援助"
    indicators = at.dataframe[1].value
    assert indicators[indicators["三级 indicator"] == "客户满意度"]["标记 flags"].iloc[0] == "no_operator"


def test_home_offers_to_ingest_an_empty_knowledge_base(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(tmp_path))
    at = run("home")
    assert at.info and [m.value for m in at.metric] == ["0", "0", "0"]
    ingest_buttons(at)[0].click().run()
    assert "8 个项目 projects" in at.success[0].value
    assert [m.value for m in at.metric] == ["1", "8", "131"]


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


def test_ui_command_passes_the_data_dir_in_the_environment(tmp_path):
    cmd, env = ui_command(tmp_path, 8599)
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"] and cmd[4] == str(main_script())
    assert cmd[cmd.index("--server.port") + 1] == "8599" and "--server.headless" in cmd
    assert env["JIXIAO_DATA_DIR"] == str(tmp_path.resolve())
    _, env = ui_command("var", 8599, endpoint="http://127.0.0.1:7878")
    assert env["JIXIAO_ENDPOINT"] == "http://127.0.0.1:7878" and env["JIXIAO_DATA_DIR"] == str(Path("var").resolve())


def test_sparql_error_for_an_undeclared_prefix_hints_the_declaration(data_dir):
    at = run("sparql")
    at.text_area[0].input("SELECT * { ?p jx:name ?n }").run()
    at.button[0].click().run()
    assert "PREFIX jx: <https://w3id.org/jixiao/ontology#>" in shown(at.error[0].value)
