"""bench/generate.py: a deterministic corpus of really different tables that jixiao reads back whole."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import generate as gen  # noqa: E402

from app.core import KnowledgeBase  # noqa: E402
from ingest.parse.document import parse_document  # noqa: E402
from ingest.parse.grid import parse_grids  # noqa: E402
from ingest.read import read_path  # noqa: E402
from ingest.search.passages import build_passages  # noqa: E402

MIXED = {"text": 3, "xlsx": 1, "docx": 1, "html": 1, "pipe": 1}


def manifest(directory: Path) -> list[dict]:
    return [json.loads(line) for line in (directory / "manifest.jsonl").read_text("utf-8").splitlines()]


def test_cn_number_prints_article_numbers():
    assert [gen.cn_number(n) for n in (3, 10, 15, 27, 40, 101, 230)] == \
        ["三", "十", "十五", "二十七", "四十", "一百零一", "二百三十"]


def test_same_seed_same_bytes_and_documents_independent_of_each_other(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    gen.generate(a, 6, seed=7, formats=MIXED, projects=(2, 3))
    gen.generate(b, 6, seed=7, formats=MIXED, projects=(2, 3))
    gen.generate(c, 3, seed=7, formats={"text": 1}, projects=(2, 3), start=3)   # documents 3..5 alone
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if not name.endswith((".xlsx", ".docx")):       # office files carry a creation timestamp
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert manifest(a) == manifest(b)
    # document i depends only on (seed, i): the same units, years and project names when made alone
    assert [(m["unit"], m["year"], m["projects"]) for m in manifest(a)[3:]] == \
        [(m["unit"], m["year"], m["projects"]) for m in manifest(c)]
    other = tmp_path / "other"
    gen.generate(other, 6, seed=8, formats=MIXED, projects=(2, 3))
    assert {p for m in manifest(other) for p in m["projects"]} != {p for m in manifest(a) for p in m["projects"]}


def test_n_documents_give_n_times_k_distinct_projects_in_every_format(tmp_path):
    corpus, k, n = tmp_path / "corpus", 3, 20
    m = gen.generate(corpus, n, seed=1, formats=MIXED, projects=(k, k))
    assert (m.docs, m.projects) == (n, n * k)
    assert set(m.by_format) == set(MIXED)       # 20 draws over 5 formats: each one appears
    files = manifest(corpus)
    kb = KnowledgeBase.open(tmp_path / "kb")
    try:
        report = kb.ingest([corpus / f["file"] for f in files], index=False)
        assert not report.failed, report.summary()
        # every file gives its k projects and every indicator row it prints
        for f, fr in zip(files, report.files):
            assert (fr.projects, fr.indicators) == (k, f["indicators"]), f["file"]
        projects = kb.projects()
        assert len({p.id for p in projects}) == n * k
        printed = {name for f in files for name in f["projects"]}
        assert {p.name for p in projects} == printed
    finally:
        kb.close()


def _passages(directory: Path) -> list[str]:
    out = []
    for f in manifest(directory):
        doc = read_path(directory / f["file"])
        result = parse_grids(doc) if doc.tables else parse_document(doc)
        out += [p.text for p in build_passages(result.projects, {doc.doc_id: doc.text})]
    return out


def test_texts_are_really_different_distinct_passages_grow_with_n(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    gen.generate(small, 4, seed=2, formats={"text": 1})
    gen.generate(large, 16, seed=2, formats={"text": 1})
    few, many = _passages(small), _passages(large)
    # four times the documents: at least three times the distinct passages (suffixed copies of one
    # document would add next to none). The standard 投入与管理 rows (预算执行率 =100% …) repeat, as
    # they do in real tables, so about half the passages are distinct, not all.
    assert len(set(many)) >= 3 * len(set(few))
    assert len(set(many)) >= 0.45 * len(many)
    texts = [(large / f["file"]).read_text("utf-8") for f in manifest(large)]
    widths = {max(len(line) for line in t.splitlines()) for t in texts}
    assert len(widths) >= 3                      # wrapped at different widths
    assert all(sum(line.startswith(" ") for line in t.splitlines()) >= 2 for t in texts)   # page breaks


@pytest.mark.parametrize("fmt", ["text", "xlsx", "docx", "html", "pipe"])
def test_each_format_reads_back_to_the_drawn_projects(tmp_path, fmt):
    vocab = gen.load_vocabulary()
    doc = gen.draw_document(vocab, 5, 0, fmt, (2, 2))
    path = gen.write_document(doc, tmp_path, 5)
    read = read_path(path)
    result = parse_grids(read) if read.tables else parse_document(read)
    assert [p.name for p in result.projects] == [p.name for p in doc.projects]
    for got, drawn in zip(result.projects, doc.projects):
        rows = drawn.indicators if fmt == "text" else gen.grid_indicators(drawn)
        assert [(i.name, i.target_raw) for i in got.indicators] == [(i.name, i.target) for i in rows]
        assert got.budget.current_year == drawn.current
        if fmt == "text":
            assert (got.budget.total, got.year, got.unit) == (drawn.total, doc.year, doc.unit)


def test_a_document_that_would_repeat_a_project_identity_is_drawn_again():
    """The ingest refuses a second document holding a stored project's (unit, year, name): the
    generator draws such a document again from another stream, and leaves the others as they are."""
    vocab = gen.load_vocabulary()
    first = gen.draw_document(vocab, 3, 0, "text", (6, 10))
    seen: set = set()
    same = gen.draw_unique(vocab, 3, 0, "text", (6, 10), seen)
    assert (same.unit, same.year, [p.name for p in same.projects]) == (first.unit, first.year, [p.name for p in first.projects])
    assert seen == {(first.unit, first.year, p.name) for p in first.projects}
    again = gen.draw_unique(vocab, 3, 0, "text", (6, 10), seen)   # the same index, its identities taken
    ids = {(again.unit, again.year, p.name) for p in again.projects}
    assert ids and not ids & {(first.unit, first.year, p.name) for p in first.projects}
    assert len(seen) == len(first.projects) + len(again.projects)
