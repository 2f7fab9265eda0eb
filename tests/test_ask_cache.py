"""The asker's lexicon kept on disk per graph version (``app/ask/cache.py``): a second process
reads it instead of asking the graph, an ingest makes it stale, and a damaged file is rebuilt.
The file is an SQLite table looked up by surface: what a read lexicon finds must be what the
built one holds.

Expected values from reading the inputs: the seed's projects include 国能中心（市能耗在线监测系统）;
``tests/fixtures/other_layout.txt`` adds 食品安全抽检监测经费 of 上海市质量监督检验技术研究院 (its
name is wrapped over two lines there).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from app.ask import cache
from app.core import KnowledgeBase
from app.understand.lexicon import Lexicon, norm

OTHER = Path(__file__).parent / "fixtures" / "other_layout.txt"
SEED_PROJECT = "国能中心（市能耗在线监测系统）"
OTHER_PROJECT = "食品安全抽检监测经费"


def projects(asker) -> set[str]:
    return {e.label for e in asker.lexicon.labels.get("project", [])}


@pytest.fixture()
def data_dir(tmp_path, seed_path) -> Path:
    kb = KnowledgeBase.open(tmp_path / "kb")
    assert not kb.ingest([seed_path], index=False).failed
    kb.close()
    return tmp_path / "kb"


def test_a_second_process_reads_the_lexicon_instead_of_the_graph(data_dir, monkeypatch):
    first = KnowledgeBase.open(data_dir).asker()
    assert SEED_PROJECT in projects(first) and len(projects(first)) == 8
    con = sqlite3.connect(data_dir / "ask" / cache.FILE)
    assert con.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()[0]
    con.close()

    def no_graph(cls, run):
        raise AssertionError("the lexicon was read from the graph again")
    monkeypatch.setattr(Lexicon, "from_graph", classmethod(no_graph))
    again = KnowledgeBase.open(data_dir).asker()
    assert projects(again) == projects(first)
    assert again.tokenizer.user_words == first.tokenizer.user_words
    question = "国能中心的项目总预算是多少"
    assert repr(again.understand(question)) == repr(first.understand(question))


def test_an_ingest_makes_the_cached_lexicon_stale(data_dir):
    kb = KnowledgeBase.open(data_dir)
    assert OTHER_PROJECT not in projects(kb.asker())
    assert not kb.ingest([OTHER], index=False).failed
    assert OTHER_PROJECT in projects(kb.asker())
    assert OTHER_PROJECT in projects(KnowledgeBase.open(data_dir).asker())   # and in the next process


def test_a_damaged_cache_is_built_again(data_dir):
    KnowledgeBase.open(data_dir).asker()
    path = data_dir / "ask" / cache.FILE
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])       # cut short (a full disk, a copy stopped half way)
    assert SEED_PROJECT in projects(KnowledgeBase.open(data_dir).asker())
    path.write_text("{not a database", "utf-8")
    assert len(projects(KnowledgeBase.open(data_dir).asker())) == 8
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '1' WHERE name = 'format'")    # a file of another format
    con.commit()
    con.close()
    assert len(projects(KnowledgeBase.open(data_dir).asker())) == 8
    assert cache.load(path, "another key") is None


def test_a_read_lexicon_finds_what_the_built_one_holds(data_dir):
    """Every surface of the built lexicon, looked up in the file, gives the same entries in the same
    order; a surface it does not hold gives nothing; the labels of every kind come back too."""
    first = KnowledgeBase.open(data_dir).asker()
    again = KnowledgeBase.open(data_dir).asker()
    assert isinstance(again.lexicon.entries, cache.StoredEntries)
    built, stored = first.lexicon.entries, again.lexicon.entries
    assert len(stored) == len(built) and list(stored) == list(built)
    for surface, entries in built.items():
        assert stored.get(surface) == entries, surface
    assert stored.get("没有这个名字") is None and "没有这个名字" not in stored
    assert {k: list(v) for k, v in again.lexicon.labels.items()} == first.lexicon.labels
    assert norm(SEED_PROJECT) in stored


def test_a_lexicon_of_the_old_format_is_replaced(data_dir):
    """Format 1 was one JSON file read whole; writing the table removes it."""
    old = data_dir / "ask" / "lexicon.json"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text('{"key": "x", "entries": {}}', "utf-8")
    assert SEED_PROJECT in projects(KnowledgeBase.open(data_dir).asker())
    assert not old.exists() and (data_dir / "ask" / cache.FILE).exists()


def test_an_ingest_of_a_large_corpus_prepares_the_lexicon_for_the_first_question(tmp_path, seed_path, monkeypatch):
    """At scale the lexicon takes seconds to read from the graph (13.5 s at 10,000 projects), so an
    ingest of a large corpus ends by building it: the next process reads it from disk. The threshold
    is lowered to one document so the seed counts as large."""
    import app.core
    monkeypatch.setattr(app.core, "LARGE_CORPUS_DOCUMENTS", 1)
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([seed_path], index=False)
    assert not report.failed and not any(f.path == "(question lexicon)" for f in report.files)
    kb.close()
    assert (tmp_path / "kb" / "ask" / cache.FILE).exists()

    def no_graph(cls, run):
        raise AssertionError("the first question read the lexicon from the graph")
    monkeypatch.setattr(Lexicon, "from_graph", classmethod(no_graph))
    assert SEED_PROJECT in projects(KnowledgeBase.open(tmp_path / "kb").asker())


def test_the_level_labels_are_those_of_the_indicators_levels(data_dir):
    """The lexicon's 一级/二级 labels come from the concepts indicators point to (looked up once each):
    the seed's tables (line 40 on) head their rows 投入与管理 / 产出目标 / 效果目标 (一级) and
    投入管理 / 财务管理 / 实施管理 … (二级)."""
    lexicon = KnowledgeBase.open(data_dir).asker().lexicon
    level1 = {e.label for e in lexicon.labels.get("level1", [])}
    assert {"投入与管理", "产出目标", "效果目标"} <= level1
    assert {"投入管理", "财务管理", "实施管理"} <= {e.label for e in lexicon.labels.get("level2", [])}
    assert not level1 & {e.label for e in lexicon.labels.get("level2", [])}
