"""Ingest a batch of files: read → parse → records store → graph and search sinks.

One bad file never stops the batch: its error is reported with the file (and
line) and the other files go on. What was stored before stays stored.

Example: ``report = ingest_paths(["data/"], store); report.failed``
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

from ingest.errors import IngestError, IngestWarning
from ingest.parse.document import ParseResult, parse_document
from ingest.parse.grid import parse_grids
from ingest.read.document import Document
from ingest.read import FOLDER_SUFFIXES, read_path
from ingest.storage.recordstore import RecordStore



class Sink(Protocol):
    """Something that keeps a derived view of the records (the graph, the search index)."""

    def document_added(self, doc: Document, result: ParseResult, replaced: str | None) -> None: ...


@dataclass
class FileReport:
    """What happened to one input file."""

    path: str
    doc_id: str | None = None
    projects: int = 0
    indicators: int = 0
    warnings: list[IngestWarning] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)


@dataclass
class IngestReport:
    """The whole batch: one ``FileReport`` a file."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def projects(self) -> int:
        return sum(f.projects for f in self.files)

    @property
    def indicators(self) -> int:
        return sum(f.indicators for f in self.files)

    @property
    def warnings(self) -> list[IngestWarning]:
        return [w for f in self.files for w in f.warnings]

    @property
    def errors(self) -> list[IngestError]:
        return [e for f in self.files for e in f.errors]

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def summary(self) -> str:
        return (f"{len(self.files)} files, {self.projects} projects, {self.indicators} indicators, "
                f"{len(self.warnings)} warnings, {len(self.errors)} errors")


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the files inside folders named, in a stable order. A folder gives every
    file a reader reads or names with what to do (``.doc``: convert it; an image: OCR it); hidden
    files and Office lock files (``~$表.xlsx``) are left out."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in FOLDER_SUFFIXES
                              and not f.name.startswith((".", "~$"))))
        else:
            out.append(p)
    return out


def ingest_file(path: Path, store: RecordStore, sinks: Iterable[Sink] = ()) -> FileReport:
    """Read, parse and store one file; raise nothing, report everything."""
    report = FileReport(str(path))
    try:
        doc = read_path(path)
        result = parse_grids(doc) if doc.tables else parse_document(doc)
    except IngestError as e:
        report.errors.append(e)
        return report
    report.doc_id = doc.doc_id
    report.warnings, report.errors = result.warnings, list(result.errors)
    if not result.projects and not result.departments:
        return report
    replaced = store.put(doc, result)
    for sink in sinks:
        try:
            sink.document_added(doc, result, replaced)
        except IngestError as e:
            report.errors.append(e)
    report.projects = len(result.projects)
    report.indicators = sum(len(p.indicators) for p in result.projects)
    return report


def ingest_paths(paths: Iterable[str | Path], store: RecordStore, sinks: Iterable[Sink] = (),
                 progress: Callable[[list[Path]], Iterable[Path]] | None = None) -> IngestReport:
    """Ingest every file; ``progress`` wraps the file list (e.g. ``tqdm``)."""
    files = expand_paths(paths)
    report = IngestReport()
    sinks = list(sinks)
    for path in (progress(files) if progress else files):
        report.files.append(ingest_file(path, store, sinks))
    return report
