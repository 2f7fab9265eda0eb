"""A data directory with the seed ingested once per module (graph with support links, search
index), closed, and a fresh copy of it for each test that writes: the concurrency and
consistency tests start every case from the same stored state without ingesting again.

Example: ``from seeded import data_dir, seeded  # noqa: F401 - fixtures``
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core import KnowledgeBase


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, seed_path) -> Path:
    """The seed ingested into a data directory of this module's own, closed."""
    d = tmp_path_factory.mktemp("seeded") / "kb"
    kb = KnowledgeBase.open(d)
    assert not kb.ingest([seed_path]).failed
    kb.close()
    return d


@pytest.fixture()
def data_dir(seeded, tmp_path) -> Path:
    """A copy of ``seeded`` for one test (links copied as links)."""
    d = tmp_path / "kb"
    shutil.copytree(seeded, d, symlinks=True)
    return d
