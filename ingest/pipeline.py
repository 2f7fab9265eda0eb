"""Ingest a batch of files: read → parse → derive the views → write them → commit the records.

One bad file never stops the batch: any failure while a file is read, parsed, checked, turned
into graph quads or search passages, or written, becomes that file's error, with the file (and
line), and the other files go on. Each document is all or nothing: every view is computed in
memory first (a failure there writes nothing), then the views are written, then the records
(the source of truth, and the commit), then the replaced version is dropped. A failure while
writing undoes what it can and leaves the rest to healing (``ingest.sync``), so a document is
either whole everywhere or as it was. What was stored before stays stored.

Streaming and parallel: reading, parsing, the per-file checks and the document graph run in
worker processes (``ingest.batch``, through any ``concurrent.futures.Executor``), their results
come back in input order with a bounded number in flight, and one writer here checks each
document against the ones before it, ranks its support links, and writes documents in batches
(:data:`BATCH_DOCUMENTS` documents or :data:`BATCH_QUADS` quads): the views of the whole batch
first (the graphs of new documents in one pass of the bulk loader), then the records of each
document (each its own commit), then the versions they replaced go.

Also checked per file: numbers outside sane bounds (flagged and left out,
``ingest.parse.bounds``), records without a name or budget unit (left out), the same project (unit, year and name) found with other values in
another document (an error naming both files; the first version stays), and, in a folder,
symbolic links leading out of it (not followed). At most :data:`MAX_ERRORS` errors and
:data:`MAX_WARNINGS` warnings are kept per file; a last one says how many more there were.

Example: ``report = ingest_paths(["data/"], store); report.failed``
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from ingest.batch import (BUG_HINT, Prepared, check_required, executor_for, graph_error,  # noqa: F401 (re-exported)
                          internal_error, prepared_stream, record_line)
from ingest.errors import IngestError, IngestWarning, JixiaoError
from ingest.parse.document import ParseResult
from ingest.read.document import Document
from ingest.read import FOLDER_SUFFIXES
from ingest.records import Project
from ingest.storage.recordstore import RecordStore

MAX_ERRORS = 20       # errors kept per file; the rest are counted in one more
MAX_WARNINGS = 200    # warnings kept per file
BATCH_DOCUMENTS = 50  # documents written together (one bulk load, two view-state writes)
BATCH_QUADS = 600_000  # … or fewer, when their graphs hold this many quads (about 150 MB of N-Quads)


class Pending(Protocol):
    """One document's view, computed and not yet written."""

    def write(self) -> None: ...

    def undo(self) -> None: ...

    def committed(self, replaced: str | None) -> None: ...


class Sink(Protocol):
    """Something that keeps a derived view of the records (the graph, the search passages).

    ``prepare`` computes the document's part of the view in memory and writes nothing; ``stated``
    is the document graph a worker built from these records (for a sink with ``uses_graph``).
    A sink may also have ``write_many(pendings)``, to write a batch of documents at once."""

    def prepare(self, doc: Document, result: ParseResult, stated: Any = None) -> Pending: ...


@dataclass
class FileReport:
    """What happened to one input file."""

    path: str
    doc_id: str | None = None
    projects: int = 0
    indicators: int = 0              # of its projects and departments
    departments: int = 0             # 部门整体支出 records
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
    def departments(self) -> int:
        return sum(f.departments for f in self.files)

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
        n = self.departments
        departments = f"{n} department{'s' if n > 1 else ''}, " if n else ""
        return (f"{len(self.files)} files, {self.projects} projects, {departments}{self.indicators} indicators, "
                f"{len(self.warnings)} warnings, {len(self.errors)} errors")


def _walk(folder: Path) -> list[tuple[Path, IngestError | None]]:
    """The files of a folder, sorted; a symbolic link leading out of the folder comes with its error."""
    root = folder.resolve()
    out: list[tuple[Path, IngestError | None]] = []
    for f in sorted(folder.rglob("*")):
        if f.name.startswith((".", "~$")) or f.suffix.lower() not in FOLDER_SUFFIXES:
            continue
        if f.is_symlink():
            try:
                target = f.resolve(strict=True)
            except FileNotFoundError:
                target = f.resolve()          # dangling: read_path says "no such file" if it is inside
            except (OSError, RuntimeError):   # a loop of links
                out.append((f, IngestError("a loop of symbolic links: not followed", file=str(f),
                                           hint="remove the link, or point it at a file")))
                continue
            if not target.is_relative_to(root):
                out.append((f, IngestError(f"a symbolic link to {target}, outside the folder being ingested: "
                                           "not followed", file=str(f),
                                           hint="copy the file into the folder, or name it on the command line")))
                continue
        if not f.is_dir():   # a file, or a pipe/device/dangling link that gets its own error
            out.append((f, None))
    return out


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the files inside folders named, in a stable order. A folder gives every
    file a reader reads or names with what to do (``.doc``: convert it; an image: OCR it); hidden
    files and Office lock files (``~$表.xlsx``) are left out, and so are symbolic links that lead
    out of the folder (:func:`ingest_paths` reports each)."""
    return [f for f, _ in _inputs(paths)]


def _inputs(paths: Iterable[str | Path]) -> list[tuple[Path, IngestError | None]]:
    out: list[tuple[Path, IngestError | None]] = []
    for p in map(Path, paths):
        out.extend(_walk(p) if p.is_dir() else [(p, None)])
    return out


def cap(items: list, limit: int, make_more: Callable[[int, Counter], Any]) -> list:
    """The first ``limit`` items and one that says how many more there were, and of what kind."""
    if len(items) <= limit:
        return items
    rest = items[limit:]
    kinds = Counter(getattr(i, "field", None) or "" for i in rest)
    return items[:limit] + [make_more(len(rest), kinds)]


def _capped(report: "FileReport") -> "FileReport":
    def more_errors(n: int, kinds: Counter) -> IngestError:
        return IngestError(f"… and {n:,} more errors like the ones above (not listed)", file=report.path,
                           hint="fix the first ones and ingest again; the file may not be a performance-target table")

    def more_warnings(n: int, kinds: Counter) -> IngestWarning:
        top = ", ".join(k for k, _ in kinds.most_common(3) if k)
        return IngestWarning(report.path, None, None, f"… and {n:,} more warnings" + (f" ({top} …)" if top else ""))
    report.errors = cap(report.errors, MAX_ERRORS, more_errors)
    report.warnings = cap(report.warnings, MAX_WARNINGS, more_warnings)
    return report


# -- one project, two versions ------------------------------------------------------------------
class StoredProjects:
    """Project and department ids of the stored documents, to find another version of a project.

    Built once per batch from the records store and kept up to date as documents are stored. It
    keeps each record's hash, not the record (a whole corpus of records would not fit in memory at
    100,000 projects); a record whose hash differs from a new one's is read again from the records
    store (or from the documents of this ingest not committed yet) to compare and name the fields.

    Example: ``StoredProjects(RecordStore(Path("var"))).by_id``
    """

    def __init__(self, store: RecordStore):
        self.store = store
        self.by_id: dict[str, list[tuple[str, str, int]]] = {}   # record id → (doc id, file, hash of the record)
        self.ids_of: dict[str, list[str]] = {}                   # doc id → its record ids
        self.pending: dict[str, dict[str, Any]] = {}             # doc id → its records, until committed
        for doc_id, info in store.documents().items():
            self._add(doc_id, info["file"], [*store.projects(doc_id), *store.departments(doc_id)])

    def _add(self, doc_id: str, file: str, records: Iterable[Any]) -> None:
        ids = self.ids_of.setdefault(doc_id, [])
        for r in records:
            self.by_id.setdefault(r.id, []).append((doc_id, file, hash(r)))
            ids.append(r.id)

    def _forget(self, doc_id: str) -> None:
        for rid in self.ids_of.pop(doc_id, ()):
            entries = [e for e in self.by_id.get(rid, ()) if e[0] != doc_id]
            if entries:
                self.by_id[rid] = entries
            else:
                self.by_id.pop(rid, None)

    def stored(self, doc: Document, result: ParseResult, replaced: str | None) -> None:
        """``doc`` is on its way into the store (replacing ``replaced``): later files are checked against it."""
        for d in {replaced, doc.doc_id} - {None}:
            self._forget(d)
        records = [*result.projects, *result.departments]
        self._add(doc.doc_id, doc.path, records)
        self.pending[doc.doc_id] = {r.id: r for r in records}

    def committed(self, doc_id: str) -> None:
        """``doc_id``'s records are in the records store now: they are read from there when needed."""
        self.pending.pop(doc_id, None)

    def others(self, record: Any, doc: Document, replaced: str | None) -> list[tuple[str, str, Any]]:
        """(doc id, file, record) of the other documents that hold a record with ``record``'s id."""
        h = hash(record)
        found = [(d, f, record if rh == h else self._record(d, record.id))
                 for d, f, rh in self.by_id.get(record.id, ()) if d not in (doc.doc_id, replaced)]
        return [e for e in found if e[2] is not None]      # None: removed from the store meanwhile

    def _record(self, doc_id: str, record_id: str) -> Any:
        held = self.pending.get(doc_id)
        if held is None:
            held = {r.id: r for r in [*self.store.projects(doc_id), *self.store.departments(doc_id)]}
        return held.get(record_id)

    def failed(self, doc: Document, replaced: str | None) -> None:
        """Undo :meth:`stored` for a document that could not be stored after all: what the
        records store holds of it (and of the version it was to replace) stands again."""
        gone = {doc.doc_id, replaced} - {None}
        for d in gone:
            self._forget(d)
            self.pending.pop(d, None)
        held = self.store.documents()
        for d in sorted(gone & set(held)):
            self._add(d, held[d]["file"], [*self.store.projects(d), *self.store.departments(d)])


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    """The fields in which two versions of a record differ (spans left out), the first ones with
    both values: ``budget.prev_year_executed: 126916 there, none here``."""
    out = []
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if not f.compare or x == y:
            continue
        if dataclasses.is_dataclass(x) and dataclasses.is_dataclass(y) and type(x) is type(y):
            out += _differences(x, y, f"{prefix}{f.name}.")
        elif isinstance(x, tuple) and isinstance(y, tuple):
            out.append(f"{prefix}{f.name} ({len(x)} there, {len(y)} here)" if len(x) != len(y)
                       else f"{prefix}{f.name}")
        else:
            def show(v: Any) -> str:
                return "none" if v is None else _clip(str(v))
            out.append(f"{prefix}{f.name}: {show(x)} there, {show(y)} here")
    return out


def _clip(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def check_conflicts(doc: Document, result: ParseResult, stored: StoredProjects | None,
                    replaced: str | None) -> tuple[ParseResult, list[IngestError]]:
    """``result`` without the projects (and departments) that another stored document, or this one
    already, holds with other values; an error for each naming both files. Equal copies (the
    same table as text and as PDF) are not conflicts."""
    errors: list[IngestError] = []

    def keep(records: list) -> list:
        kept: dict[str, Any] = {}
        for r in records:
            what = (f"project {r.name!r} ({r.unit or '?'}, {r.year or '?'})" if isinstance(r, Project)
                    else f"department {r.name!r} ({r.year or '?'})")
            if r.id in kept:
                if kept[r.id] != r:
                    errors.append(IngestError(
                        f"{what} appears twice in this file with other values ({'; '.join(_differences(kept[r.id], r)[:3])}; "
                        f"the first, at line {record_line(doc, kept[r.id])}, is kept)", file=doc.path,
                        line=record_line(doc, r), hint="remove the duplicate table, or give one of them its own name"))
                continue
            clash = next(((d, f, other) for d, f, other in (stored.others(r, doc, replaced) if stored else ())
                          if other != r), None)
            if clash is not None:
                _, other_file, other = clash
                errors.append(IngestError(
                    f"{what} is already ingested from {other_file} with other values "
                    f"({'; '.join(_differences(other, r)[:3])}): this file's version was not stored",
                    file=doc.path, line=record_line(doc, r),
                    hint=f"keep one version: `jixiao remove {other_file}` and ingest this file again, "
                         "or correct the one that is wrong"))
                continue
            kept[r.id] = r
        return list(kept.values())

    projects, departments = keep(result.projects), keep(result.departments)
    if not errors:
        return result, []
    return dataclasses.replace(result, projects=projects, departments=departments), errors


# -- the writer -----------------------------------------------------------------------------------
@dataclass
class _Entry:
    """A document on its way into the stores."""

    report: FileReport
    doc: Document
    result: ParseResult
    replaced: str | None
    pending: list[Pending]
    written: list[Pending] = field(default_factory=list)


class Writer:
    """The one writer of an ingest: takes prepared files in input order, checks each against the
    documents before it, and writes them in batches (see the module docstring).

    With ``background`` a batch is written by a thread of its own while the next one is checked and
    its support links ranked (the bulk loader and the file writes release the GIL): at most one batch
    is being written and one gathered. Call :meth:`close` at the end: it writes the last batch and
    waits for it.

    Example: ``w = Writer(store, sinks, StoredProjects(store)); report = w.add(prepare_file(path)); w.close()``
    """

    def __init__(self, store: RecordStore, sinks: Iterable[Sink], stored: StoredProjects | None,
                 documents: int = BATCH_DOCUMENTS, quads: int = BATCH_QUADS, background: bool = False):
        import threading

        self.store, self.sinks, self.stored = store, list(sinks), stored
        self.limit_documents, self.limit_quads = documents, quads
        self.batch: list[_Entry] = []
        self.quads = 0
        self.background = background
        self._thread: threading.Thread | None = None
        self._writing: set[str] = set()          # the documents of the batch being written
        self._error: BaseException | None = None
        self._lock = threading.Lock()            # StoredProjects: checked here, undone by a failed write there

    def add(self, prepared: Prepared) -> FileReport:
        """The file's report (filled in when its batch is written: call :meth:`flush` at the end)."""
        report = FileReport(prepared.path, doc_id=prepared.doc_id, warnings=prepared.warnings,
                            errors=prepared.errors)
        if prepared.doc is None:
            return _capped(report)
        doc, result = prepared.doc, prepared.result
        if any(e.doc.doc_id == doc.doc_id for e in self.batch):
            self.flush()             # the same text twice (two paths): the second after the first is stored
        if doc.doc_id in self._writing:
            self._join()
        try:
            replaced = self.store.replaced_by(doc)
            with self._lock:
                checked, conflicts = check_conflicts(doc, result, self.stored, replaced)
            report.errors += conflicts
        except Exception as e:  # noqa: BLE001
            report.errors.append(internal_error(prepared.path, "checking the records", e))
            return _capped(report)
        if not checked.projects and not checked.departments:
            return _capped(report)
        built = checked is result         # the worker's graph is of these records, unless some were dropped
        if built and prepared.graph_error is not None:
            report.errors.append(prepared.graph_error)
            return _capped(report)
        # 1. every view in memory: nothing is written if any of them fails
        try:
            pending = [sink.prepare(doc, checked, prepared.graph if built and getattr(sink, "uses_graph", False)
                                    else None) for sink in self.sinks]
        except Exception as e:  # noqa: BLE001
            report.errors.append(graph_error(prepared.path, doc, checked, e))
            return _capped(report)
        self.batch.append(_Entry(report, doc, checked, replaced, pending))
        if self.stored is not None:
            with self._lock:
                self.stored.stored(doc, checked, replaced)     # the next files are checked against it
        self.quads += sum(getattr(getattr(p, "derived", None), "quads", 0) for p in pending)
        if len(self.batch) >= self.limit_documents or self.quads >= self.limit_quads:
            self.flush()
        return report

    def flush(self) -> None:
        """Write the batch gathered so far (in the background: once the one before is written)."""
        import threading

        batch, self.batch, self.quads = self.batch, [], 0
        self._join()
        if not batch:
            return
        if not self.background:
            self._write(batch)
            return
        self._writing = {e.doc.doc_id for e in batch}
        self._thread = threading.Thread(target=self._run, args=(batch,), name="jixiao-ingest-writer")
        self._thread.start()

    def close(self) -> None:
        """Write the last batch and wait until every batch is written."""
        self.flush()
        self._join()

    def _run(self, batch: list[_Entry]) -> None:
        try:
            self._write(batch)
        except BaseException as e:  # noqa: BLE001 - raised again in the ingest's thread (_join)
            self._error = e

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread, self._writing = None, set()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write(self, batch: list[_Entry]) -> None:
        """2. the views, 3. the records of each document (its commit), 4. the versions they
        replaced go. A failure undoes that document's writes."""
        ok = list(batch)
        for k, sink in enumerate(self.sinks):
            many = getattr(sink, "write_many", None)
            if many is not None and len(ok) > 1:
                try:
                    many([e.pending[k] for e in ok])
                    for e in ok:
                        e.written.append(e.pending[k])
                    continue
                except Exception:  # noqa: BLE001 - undone; then one document at a time, so only the bad one fails
                    for e in ok:
                        _undo([e.pending[k]])
            for e in list(ok):
                try:
                    e.pending[k].write()
                    e.written.append(e.pending[k])
                except Exception as ex:  # noqa: BLE001
                    self._failed(e, ex)
                    ok.remove(e)
        for e in ok:
            try:
                self.store.put(e.doc, e.result)
            except Exception as ex:  # noqa: BLE001 - a store that cannot be written: this file is not stored
                self._failed(e, ex)
                continue
            if self.stored is not None:
                with self._lock:
                    self.stored.committed(e.doc.doc_id)
            for p in e.written:
                try:
                    p.committed(e.replaced)
                except Exception as ex:  # noqa: BLE001 - stored; the old version's graphs are healed away later
                    e.report.warnings.append(IngestWarning(e.report.path, None, None,
                                                           f"the version it replaced is still in a view ({ex}); "
                                                           "the next ingest or remove drops it"))
            e.report.projects, e.report.departments = len(e.result.projects), len(e.result.departments)
            e.report.indicators = sum(len(r.indicators) for r in e.result.projects + e.result.departments)
        for e in batch:
            _capped(e.report)

    def _failed(self, e: _Entry, error: Exception) -> None:
        _undo(e.written)
        e.written = []
        if self.stored is not None:
            with self._lock:
                self.stored.failed(e.doc, e.replaced)
        detail = error.message if isinstance(error, JixiaoError) else f"{type(error).__name__}: {error}"
        e.report.errors.append(IngestError(f"could not be stored, so nothing of it was kept: {detail}",
                                           file=e.report.path, hint=getattr(error, "hint", None)
                                           or "check that the data directory and the graph store can be written"))
        e.report.doc_id = None


def _undo(written: list[Pending]) -> None:
    for p in reversed(written):
        try:
            p.undo()
        except Exception:  # noqa: BLE001 - left to healing (ingest.sync) on the next write
            pass


def ingest_file(path: Path, store: RecordStore, sinks: Iterable[Sink] = (),
                stored: StoredProjects | None = None) -> FileReport:
    """Read, parse, check and store one file in every view, in this process; raise nothing, report everything."""
    import os
    from ingest.batch import prepare_file

    writer = Writer(store, sinks, stored)
    report = writer.add(prepare_file(os.path.abspath(path), str(path)))
    writer.close()
    return report


def ingest_paths(paths: Iterable[str | Path], store: RecordStore, sinks: Iterable[Sink] = (),
                 progress: Callable[[list[Path]], Iterable[Path]] | None = None,
                 executor: Any = None, window: int | None = None,
                 batch_documents: int = BATCH_DOCUMENTS) -> IngestReport:
    """Ingest every file; ``progress`` wraps the file list (e.g. ``tqdm``) and moves as each file is
    taken in. ``executor`` (a ``concurrent.futures.Executor``, e.g. a Dask client's) runs the
    per-file work; without one, a process pool does for more than a few files
    (``ingest.batch.executor_for``); ``False``: this process does. ``window`` bounds the files in flight; ``batch_documents`` how
    many documents are written together (1: each on its own, as before batches)."""
    inputs = _inputs(paths)
    refused = {f: e for f, e in inputs if e is not None}
    files = [f for f, _ in inputs]
    report = IngestReport()
    sinks = list(sinks)
    todo = (f for f in files if f not in refused)
    graph = any(getattr(s, "uses_graph", False) for s in sinks)
    with executor_for(len(files) - len(refused), executor) as ex:
        # with workers, this thread ranks support links while a batch is bulk-loaded beside it
        writer = Writer(store, sinks, StoredProjects(store), documents=batch_documents, background=ex is not None)
        stream = prepared_stream(todo, ex, window, graph=graph)
        try:
            for path in (progress(files) if progress else files):
                if path in refused:
                    report.files.append(FileReport(str(path), errors=[refused[path]]))
                    continue
                report.files.append(writer.add(next(stream)))
        finally:
            writer.close()           # the batch gathered so far is written, even when interrupted
    return report
