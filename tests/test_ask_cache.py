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
