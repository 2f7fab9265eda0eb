"""Shared fixtures: the real seed document, parsed once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse.document import parse_document
from ingest.read import read_path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_33c4abcdc6cea628.txt"


@pytest.fixture(scope="session", autouse=True)
def vector_cache(tmp_path_factory):
    """One vector cache for the test session, so the seed's passages are encoded once."""
    mp = pytest.MonkeyPatch()
    mp.setenv("JIXIAO_CACHE_DIR", str(tmp_path_factory.mktemp("vector-cache")))
    yield
    mp.undo()


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
