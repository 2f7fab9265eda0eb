"""Shared fixtures: the real seed document, parsed once per session, and ``kb``, the seed
ingested once per session into a knowledge base that the search, trace, CLI and UI tests drive."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.parse.document import parse_document
from ingest.read import read_path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_33c4abcdc6cea628.txt"
# Kept between runs (git-ignored), so a warm run encodes nothing; JIXIAO_CACHE_DIR overrides it.
TEST_CACHE = ROOT / ".cache" / "jixiao"


@pytest.fixture(scope="session", autouse=True)
def vector_cache():
    """The vector cache every encoder of the session shares, kept between local runs: the seed's
    passages are encoded once per machine, not once per run. Cached vectors equal fresh ones
    (tests/test_vectorcache.py), so the cache changes no result."""
    mp = pytest.MonkeyPatch()
    mp.setenv("JIXIAO_CACHE_DIR", os.environ.get("JIXIAO_CACHE_DIR") or str(TEST_CACHE))
    yield os.environ["JIXIAO_CACHE_DIR"]
    mp.undo()


@pytest.fixture(scope="session")
def kb(tmp_path_factory, vector_cache):
    """The seed ingested once (records, graph with its support links, search index) into a
    temporary data directory. Tests only read it; a test that ingests or removes builds its own.
    Its graph store is opened lazily: call ``kb.close()`` before another process or another
    ``KnowledgeBase`` (a CLI run, the UI) opens the same directory."""
    from app.core import KnowledgeBase

    base = KnowledgeBase.open(tmp_path_factory.mktemp("kb"))
    report = base.ingest([SEED])
    assert not report.failed, report.errors
    yield base
    base.close()


@pytest.fixture()
def kb_dir(kb) -> Path:
    """The data directory of ``kb``, its store released for whoever opens it next."""
    kb.close()
    return kb.data_dir


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_doc():
    return read_path(SEED)


@pytest.fixture(scope="session")
def seed_result(seed_doc):
    return parse_document(seed_doc)


@pytest.fixture(scope="session")
def seed_projects(seed_result):
    return {p.name: p for p in seed_result.projects}
