"""Shared fixtures: the real seed document, parsed once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse import parse_document
from ingest.readers import read_path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_33c4abcdc6cea628.txt"


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
