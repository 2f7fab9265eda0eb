"""A hostile folder (tests/hostile.py: bombs, XXE, links out of the folder, a named pipe, a damaged
GB18030 file, 10,000 table headers, an absurd amount, a conflicting copy …) ingested beside the seed:
every file gets its error or warning with its place, nothing reaches a traceback, nothing is
fetched, nothing outside the folder is read, the seed is stored whole, and the store stays valid."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from app.core import KnowledgeBase
from hostile import make_corpus
from listener import Listener

pytestmark = pytest.mark.slow   # ~35 s: the corpus, the seed's support links and the index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, seed_path):
    """The corpus ingested with the seed (graph and support links; the index is built as well)."""
    base = tmp_path_factory.mktemp("hostile")
    listener = Listener()
    cases = make_corpus(base / "in", seed_path, listener_url=f"http://127.0.0.1:{listener.port}")
    kb = KnowledgeBase.open(base / "kb")
    report = kb.ingest([seed_path, base / "in"])
    listener.close()
    yield kb, report, cases, listener, base
    kb.close()


def test_every_hostile_file_is_named_with_what_went_wrong(hostile):
    kb, report, cases, _, base = hostile
    by_file = {Path(f.path).name: f for f in report.files}
    assert len(cases) >= 20
    for case in cases:
        f = by_file[case.name]
        said = [str(m) for m in (f.errors if case.kind == "error" else f.warnings)]
        assert said, f"{case.name}: nothing said"
        assert any(case.expect in s for s in said), (case.name, said[:3])
        assert all(case.name in s for s in said), (case.name, said[:3])   # each message names its file
        assert f.projects == case.projects, (case.name, f.projects)
        if case.line is not None:
            hit = next(m for m in (f.errors if case.kind == "error" else f.warnings) if case.expect in str(m))
            assert hit.line == case.line, (case.name, hit.line)


def test_no_traceback_and_no_literal_placeholder(hostile):
    _, report, _, _, _ = hostile
    text = "\n".join(str(m) for m in [*report.errors, *report.warnings])
    assert "Traceback" not in text and "<ENCODING>" not in text
    assert "this is a bug in jixiao" not in text      # no file reached an unexpected exception


def test_the_damaged_gb18030_file_points_at_byte_500_line_26(hostile):
    _, report, _, _, _ = hostile
    [err] = next(f for f in report.files if f.path.endswith("gb18030-damaged.txt")).errors
    assert err.line == 26 and "byte 500" in err.message and "0xff" in err.message
    assert "iconv -c -f GB18030" in err.hint


def test_ten_thousand_table_headers_give_twenty_errors_and_a_summary(hostile):
    _, report, _, _, _ = hostile
    errors = next(f for f in report.files if f.path.endswith("headers.txt")).errors
    assert len(errors) == 21
    assert "… and 9,980 more errors like the ones above" in errors[-1].message


def test_nothing_was_fetched_and_nothing_outside_the_folder_was_read(hostile):
    kb, _, cases, listener, _ = hostile
    assert listener.connections == 0
    texts = "\n".join(kb.doc_texts().values())
    for case in cases:
        if case.must_not_contain:
            assert case.must_not_contain not in texts, case.name


def test_the_seed_is_whole_and_the_absurd_amount_is_left_out(hostile):
    kb, report, _, _, _ = hostile
    seed_file = next(f for f in report.files if f.path.endswith("000_33c4abcdc6cea628.txt"))
    assert seed_file.projects == 8 and not seed_file.errors
    absurd = next(f for f in report.files if f.path.endswith("absurd-amount.txt"))
    [warning] = [w for w in absurd.warnings if "beyond any budget" in w.message]
    assert warning.field == "prev_year_executed" and warning.line == 38
    # 8 seed projects + 8 of the copy under another unit + the 7 equal projects of the conflicting copy
    assert len(kb.projects()) == 16
    # one absurd value would have left every SUM unbound; the sums are the seed's, twice, less 126,916
    total = kb.sparql("PREFIX jx: <https://w3id.org/jixiao/ontology#> "
                      "SELECT (SUM(?x) AS ?t) WHERE { ?b jx:prevYearExecuted ?x }").rows
    seed_total = sum(p.budget.prev_year_executed or 0 for p in kb.records.projects(seed_file.doc_id))
    assert total == [(2 * seed_total - Decimal(126916),)]


def test_the_conflicting_copy_names_both_files_and_keeps_the_first_version(hostile):
    kb, report, _, _, _ = hostile
    f = next(f for f in report.files if f.path.endswith("conflicting-copy.txt"))
    [err] = f.errors
    assert "000_33c4abcdc6cea628.txt" in err.message and "budget.total: 138200 there, 138201 here" in err.message
    assert err.line == 2
    internet = next(p for p in kb.projects() if p.name.startswith("“互联网+计量”"))
    assert internet.budget.total == Decimal(138200)


def test_after_all_that_the_views_agree_and_the_graph_is_valid(hostile):
    kb, _, _, _, _ = hostile
    stored = set(kb.records.version())
    assert set(kb.views.graph_docs("graph")) == stored == kb.views.search_docs()
    ok, text = kb.validate()
    assert ok, text[-2000:]
    assert "every quote (oa:exact) is the source text at its offsets" in text


def test_the_cli_says_the_same_without_a_traceback(hostile, tmp_path):
    _, _, _, _, base = hostile
    files = [str(base / "in" / n) for n in ("gb18030-damaged.txt", "headers.txt", "pipe.txt", "zip-bomb.xlsx",
                                             "binary.txt")]
    r = subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(tmp_path / "kb"), "ingest", "-q", *files],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert "gb18030-damaged.txt:26: cannot decode byte 0xff at byte 500" in r.stderr
    assert r.stderr.count("headers.txt") == 21
    assert "not a regular file" in r.stderr and "zip bomb" in r.stderr
    assert "5 files, 0 projects" in r.stdout
