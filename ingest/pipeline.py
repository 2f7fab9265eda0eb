"""Ingest a batch of files: read → parse → derive the views → write them → commit the records.

One bad file never stops the batch: any failure while a file is read, parsed, checked, turned
into graph quads or search passages, or written, becomes that file's error, with the file (and
line), and the other files go on. Each document is all or nothing: every view is computed in
memory first (a failure there writes nothing), then the views are written, then the records
(the source of truth, and the commit), then the replaced version is dropped. A failure while
writing undoes what it can and leaves the rest to healing (``ingest.sync``), so a document is
either whole everywhere or as it was. What was stored before stays stored.

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

from ingest.errors import IngestError, IngestWarning, JixiaoError
from ingest.parse.bounds import check_bounds
from ingest.parse.document import ParseResult
from ingest.parse.dispatch import parse_any
from ingest.read.document import Document
from ingest.read import FOLDER_SUFFIXES, read_path
from ingest.records import Project
from ingest.storage.recordstore import RecordStore

MAX_ERRORS = 20       # errors kept per file; the rest are counted in one more
MAX_WARNINGS = 200    # warnings kept per file
BUG_HINT = "this is a bug in jixiao, not in the file: please report it with the file; the rest of the batch was ingested"


class Pending(Protocol):
    """One document's view, computed and not yet written."""

    def write(self) -> None: ...

    def undo(self) -> None: ...

    def committed(self, replaced: str | None) -> None: ...


class Sink(Protocol):
    """Something that keeps a derived view of the records (the graph, the search passages).

    ``prepare`` computes the document's part of the view in memory and writes nothing."""

    def prepare(self, doc: Document, result: ParseResult) -> Pending: ...


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


def internal_error(path: Path | str, stage: str, exc: BaseException, line: int | None = None) -> IngestError:
    """An unexpected exception while one file was processed, as that file's error."""
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return IngestError(f"{stage} failed: {type(exc).__name__}" + (f": {detail}" if detail else ""),
                       file=str(path), line=line, hint=BUG_HINT)


def _line(doc: Document, record: Any) -> int | None:
    span = getattr(record, "source", None)
    return doc.text.count("\n", 0, span.start) + 1 if span is not None and span.start <= len(doc.text) else None


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

    Built once per batch from the records store and kept up to date as documents are stored."""

    def __init__(self, store: RecordStore):
        self.store = store
        self.by_id: dict[str, list[tuple[str, str, Any]]] = {}
        for doc_id, info in store.documents().items():
            self._add(doc_id, info["file"], store.projects(doc_id), store.departments(doc_id))

    def _add(self, doc_id: str, file: str, projects: Iterable[Any], departments: Iterable[Any]) -> None:
        for r in [*projects, *departments]:
            self.by_id.setdefault(r.id, []).append((doc_id, file, r))

    def stored(self, doc: Document, result: ParseResult, replaced: str | None) -> None:
        for entries in self.by_id.values():
            entries[:] = [e for e in entries if e[0] not in (replaced, doc.doc_id)]
        self._add(doc.doc_id, doc.path, result.projects, result.departments)

    def others(self, record: Any, doc: Document, replaced: str | None) -> list[tuple[str, str, Any]]:
        return [e for e in self.by_id.get(record.id, ()) if e[0] not in (doc.doc_id, replaced)]


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


def check_required(doc: Document, result: ParseResult) -> tuple[ParseResult, list[IngestError]]:
    """``result`` without the records that lack what every table names (a project's name and
    budget unit, a department's name): whatever a parser made of a layout, the graph keeps its
    shapes (``ontology/shapes.ttl`` requires them). An error for each record left out."""
    errors: list[IngestError] = []

    def blank(v: Any) -> bool:
        return v is None or not str(v).strip()

    def keep(r: Any) -> bool:
        missing = [(field, label) for field, label in (("name", "名称 (name)"), ("unit", "申报单位 (budget unit)"))
                   if (isinstance(r, Project) or field == "name") and blank(getattr(r, field, None))]
        if missing:
            errors.append(IngestError(f"a table names no {' and no '.join(label for _, label in missing)}: "
                                      "it was not stored", file=doc.path, line=_line(doc, r), field=missing[0][0],
                                      hint="the cell is blank, or the table's layout was not understood"))
        return not missing
    projects = [p for p in result.projects if keep(p)]
    departments = [d for d in result.departments if keep(d)]
    if not errors:
        return result, []
    return dataclasses.replace(result, projects=projects, departments=departments), errors


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
                        f"the first, at line {_line(doc, kept[r.id])}, is kept)", file=doc.path,
                        line=_line(doc, r), hint="remove the duplicate table, or give one of them its own name"))
                continue
            clash = next(((d, f, other) for d, f, other in (stored.others(r, doc, replaced) if stored else ())
                          if other != r), None)
            if clash is not None:
                _, other_file, other = clash
                errors.append(IngestError(
                    f"{what} is already ingested from {other_file} with other values "
                    f"({'; '.join(_differences(other, r)[:3])}): this file's version was not stored",
                    file=doc.path, line=_line(doc, r),
                    hint=f"keep one version: `jixiao remove {other_file}` and ingest this file again, "
                         "or correct the one that is wrong"))
                continue
            kept[r.id] = r
        return list(kept.values())

    projects, departments = keep(result.projects), keep(result.departments)
    if not errors:
        return result, []
    return dataclasses.replace(result, projects=projects, departments=departments), errors


# -- one file ------------------------------------------------------------------------------------
def ingest_file(path: Path, store: RecordStore, sinks: Iterable[Sink] = (),
                stored: StoredProjects | None = None) -> FileReport:
    """Read, parse, check and store one file in every view; raise nothing, report everything."""
    return _capped(_ingest_file(path, store, list(sinks), stored))


def _ingest_file(path: Path, store: RecordStore, sinks: list[Sink], stored: StoredProjects | None) -> FileReport:
    report = FileReport(str(path))
    try:
        doc = read_path(path)
        result = parse_any(doc)          # its tables, else its text (a form in paragraphs)
    except IngestError as e:
        report.errors.append(e)
        return report
    except RecursionError as e:
        report.errors.append(IngestError(f"the file is nested too deeply to be read ({type(e).__name__})",
                                         file=str(path), hint="is this a generated or hostile file?"))
        return report
    except Exception as e:  # noqa: BLE001 - a reader or parser bug is this file's error, not the batch's
        report.errors.append(internal_error(path, "reading the file", e))
        return report
    report.doc_id = doc.doc_id
    report.warnings, report.errors = list(result.warnings), list(result.errors)
    try:
        result, flagged = check_bounds(result, doc.text, doc.path)
        report.warnings += flagged
        result, incomplete = check_required(doc, result)
        report.errors += incomplete
        replaced = store.replaced_by(doc)
        result, conflicts = check_conflicts(doc, result, stored, replaced)
        report.errors += conflicts
    except Exception as e:  # noqa: BLE001
        report.errors.append(internal_error(path, "checking the records", e))
        return report
    if not result.projects and not result.departments:
        return report
    # 1. every view in memory: nothing is written if any of them fails
    try:
        pending = [sink.prepare(doc, result) for sink in sinks]
    except JixiaoError as e:
        report.errors.append(IngestError(f"its graph could not be built: {e.message}", file=str(path),
                                         line=e.line, hint=e.hint))
        return report
    except Exception as e:  # noqa: BLE001
        report.errors.append(internal_error(path, "building its graph", e, _failing_line(doc, result)))
        return report
    # 2. the views, then 3. the records (the commit); a failure undoes this document's writes
    written: list[Pending] = []
    try:
        for p in pending:
            p.write()
            written.append(p)
        store.put(doc, result)
    except Exception as e:  # noqa: BLE001 - a store that cannot be written: this file is not stored
        for p in reversed(written):
            try:
                p.undo()
            except Exception:  # noqa: BLE001 - left to healing (ingest.sync) on the next write
                pass
        detail = e.message if isinstance(e, JixiaoError) else f"{type(e).__name__}: {e}"
        report.errors.append(IngestError(f"could not be stored, so nothing of it was kept: {detail}",
                                         file=str(path), hint=getattr(e, "hint", None)
                                         or "check that the data directory and the graph store can be written"))
        report.doc_id = None
        return report
    # 4. the version it replaced goes from the views
    for p in written:
        try:
            p.committed(replaced)
        except Exception as e:  # noqa: BLE001 - stored; the old version's graphs are healed away later
            report.warnings.append(IngestWarning(str(path), None, None,
                                                 f"the version it replaced is still in a view ({e}); "
                                                 "the next ingest or remove drops it"))
    if stored is not None:
        stored.stored(doc, result, replaced)
    report.projects, report.departments = len(result.projects), len(result.departments)
    report.indicators = sum(len(r.indicators) for r in result.projects + result.departments)
    return report


def _failing_line(doc: Document, result: ParseResult) -> int | None:
    """The line of the first project whose graph cannot be built (to place a builder error)."""
    from ingest.graph.build import project_quads

    for p in result.projects:
        try:
            project_quads(p, doc.text, doc.doc_id)
        except Exception:  # noqa: BLE001 - this is the one
            return _line(doc, p)
    return None


def ingest_paths(paths: Iterable[str | Path], store: RecordStore, sinks: Iterable[Sink] = (),
                 progress: Callable[[list[Path]], Iterable[Path]] | None = None) -> IngestReport:
    """Ingest every file; ``progress`` wraps the file list (e.g. ``tqdm``)."""
    inputs = _inputs(paths)
    refused = {f: e for f, e in inputs if e is not None}
    files = [f for f, _ in inputs]
    report = IngestReport()
    sinks = list(sinks)
    stored = StoredProjects(store)
    for path in (progress(files) if progress else files):
        if path in refused:
            report.files.append(FileReport(str(path), errors=[refused[path]]))
            continue
        report.files.append(ingest_file(path, store, sinks, stored))
    return report
