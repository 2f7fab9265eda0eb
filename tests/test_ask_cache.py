"""The asker's lexicon kept on disk per graph version (``app/ask/cache.py``): a second process
reads it instead of asking the graph, an ingest makes it stale, and a damaged file is rebuilt.

Expected values from reading the inputs: the seed's projects include 国能中心（市能耗在线监测系统）;
``tests/fixtures/other_layout.txt`` adds 食品安全抽检监测经费 of 上海市质量监督检验技术研究院 (its
name is wrapped over two lines there).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core import KnowledgeBase
from app.understand.lexicon import Lexicon

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
    assert json.loads((data_dir / "ask" / "lexicon.json").read_text("utf-8"))["key"]

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
    path = data_dir / "ask" / "lexicon.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["entries"] = {"x": [["project"]]}        # an entry with fields missing
    path.write_text(json.dumps(doc), "utf-8")
    assert SEED_PROJECT in projects(KnowledgeBase.open(data_dir).asker())
    path.write_text("{not json", "utf-8")
    assert len(projects(KnowledgeBase.open(data_dir).asker())) == 8


def test_a_read_lexicon_links_fuzzily_as_the_one_it_was_built_from(data_dir):
    """The cache keeps each surface's fuzzy-comparison form, so a fresh process does not normalize
    every name in the graph again; what it links must not change (a mistyped indicator name here)."""
    first = KnowledgeBase.open(data_dir).asker()
    doc = json.loads((data_dir / "ask" / "lexicon.json").read_text("utf-8"))
    assert len(doc["cores"]) == len(doc["entries"])
    again = KnowledgeBase.open(data_dir).asker()
    assert again.lexicon.cores == doc["cores"]
    assert again.lexicon.fuzzy_surfaces() == first.lexicon.fuzzy_surfaces()
    question = "能耗数据异常修复率的目标值是多少"
    assert repr(again.understand(question)) == repr(first.understand(question))


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
    assert (tmp_path / "kb" / "ask" / "lexicon.json").exists()

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
