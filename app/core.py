"""``KnowledgeBase``: the one core object the CLI, the Streamlit UI and the tests drive.

It owns the records store, the graph store, the search index and the encoder,
opened lazily from a data directory (or a remote SPARQL endpoint for the graph).
Each front end parses its input, calls one method and renders the result.

Example: ``kb = KnowledgeBase.open(); kb.ingest(["data/"]); kb.projects()[0].name``
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from ingest.pipeline import IngestReport, ingest_paths
from ingest.recordstore import RecordStore
from ingest.records import Project

from .settings import BUNDLED_DATA, Settings


class KnowledgeBase:
    """Everything jixiao knows, in one data directory."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = settings.data_dir
        self.records = RecordStore(self.data_dir)

    @classmethod
    def open(cls, data_dir: str | Path | None = None, **flags) -> "KnowledgeBase":
        """Open (creating if needed) the knowledge base in ``data_dir`` or the configured one."""
        return cls(Settings.load(data_dir=data_dir, **flags))

    def sinks(self) -> list:
        """Derived views kept in step with the records on every ingest."""
        return []

    def ingest(self, paths: Iterable[str | Path] | None = None,
               progress: Callable | None = None) -> IngestReport:
        """Ingest files or folders (default: the bundled ``data/`` inputs)."""
        paths = list(paths) if paths else [BUNDLED_DATA]
        return ingest_paths(paths, self.records, self.sinks(), progress=progress)

    def projects(self) -> list[Project]:
        """Every ingested project, in document order."""
        return self.records.projects()
