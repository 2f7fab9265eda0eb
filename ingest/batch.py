"""The per-file half of an ingest, run in worker processes: read → parse → checks → the
document's graph as N-Quads; and the stream of its results, in input order, that the one writer
(``ingest.pipeline``) consumes.

Only plain, picklable values cross the process boundary: a path (and the name the file is known
by) goes in, a :class:`Prepared` comes out (the normalized text, the records, the warnings and
errors, the document graph serialized as N-Quads: bytes pickle fast, pyoxigraph terms do not).
:func:`prepare_file` is a module-level function, so any ``concurrent.futures.Executor`` runs it:
the process pool :func:`executor_for` starts for more than a few files, a Dask cluster's
(``Client.get_executor()``, ``jixiao ingest --cluster``), or none (this process).

What needs the order of the batch (another version of a project in an earlier file) or the
stores (the encoder's support links, the writes) stays with the writer. :func:`prepared_stream`
keeps at most ``window`` files in flight, so memory does not grow with the corpus.

Example: ``with executor_for(len(files)) as ex: [p.doc_id for p in prepared_stream(files, ex)]``
"""
from __future__ import annotations

import dataclasses
import os
from collections import deque
from concurrent.futures import BrokenExecutor, Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

from ingest.errors import IngestError, IngestWarning, JixiaoError
from ingest.parse.result import ParseResult
from ingest.read.document import Document
from ingest.records import Project

BUG_HINT = "this is a bug in jixiao, not in the file: please report it with the file; the rest of the batch was ingested"
PARALLEL_FROM = 16       # files: below this a process pool costs more to start than it saves
WINDOW_PER_WORKER = 4    # files in flight per worker: enough to keep each busy, few enough to bound memory


@dataclass
class Prepared:
    """One file after the worker's part: ``doc`` and ``result`` are set when there is something
    to store (the checks passed for at least one record); ``graph`` is the document graph built
    from ``result`` (None with ``graph_error`` when it could not be built).

    Example: ``prepare_file("data/000_33c4abcdc6cea628.txt").graph.count > 4000``
    """

    path: str
    doc_id: str | None = None
    doc: Document | None = None
    result: ParseResult | None = None
    warnings: list[IngestWarning] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    graph: Any = None                    # ingest.graph.store.NQuads
    graph_error: IngestError | None = None


def internal_error(path: Path | str, stage: str, exc: BaseException, line: int | None = None) -> IngestError:
    """An unexpected exception while one file was processed, as that file's error."""
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return IngestError(f"{stage} failed: {type(exc).__name__}" + (f": {detail}" if detail else ""),
                       file=str(path), line=line, hint=BUG_HINT)


def record_line(doc: Document, record: Any) -> int | None:
    """The line of the document a record starts on (from its source span), or None."""
    span = getattr(record, "source", None)
    return doc.text.count("\n", 0, span.start) + 1 if span is not None and span.start <= len(doc.text) else None


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
                                      "it was not stored", file=doc.path, line=record_line(doc, r), field=missing[0][0],
                                      hint="the cell is blank, or the table's layout was not understood"))
        return not missing
    projects = [p for p in result.projects if keep(p)]
    departments = [d for d in result.departments if keep(d)]
    if not errors:
        return result, []
    return dataclasses.replace(result, projects=projects, departments=departments), errors


def failing_line(doc: Document, result: ParseResult) -> int | None:
    """The line of the first project whose graph cannot be built (to place a builder error)."""
    from ingest.graph.build import project_quads

    for p in result.projects:
        try:
            project_quads(p, doc.text, doc.doc_id)
        except Exception:  # noqa: BLE001 - this is the one
            return record_line(doc, p)
    return None


def build_graph(doc: Document, result: ParseResult):
    """The document graph of ``result`` as :class:`~ingest.graph.store.NQuads`; raises what the builder raises."""
    from ingest import identifiers as iris
    from ingest.graph.build import document_quads
    from ingest.graph.store import NQuads

    return NQuads.of(iris.graph_iri(doc.doc_id),
                     document_quads(doc.doc_id, doc.name, doc.text, result.projects, result.departments))


def graph_error(path: str, doc: Document, result: ParseResult, e: BaseException) -> IngestError:
    """The file's error for a view that could not be built from its records."""
    if isinstance(e, JixiaoError):
        return IngestError(f"its graph could not be built: {e.message}", file=path, line=e.line, hint=e.hint)
    return internal_error(path, "building its graph", e, failing_line(doc, result))


def prepare_file(path: str, name: str | None = None, graph: bool = True) -> Prepared:
    """Read, parse and check one file and build its document graph; raise nothing, report everything.

    ``path`` is opened (absolute, so a worker's working directory does not matter); ``name`` (default
    ``path``) is what the document, its records and its messages are called.

    Example: ``prepare_file("/work/main/data/000_33c4abcdc6cea628.txt", "data/000_33c4abcdc6cea628.txt").doc.path``
    """
    from ingest.parse.bounds import check_bounds
    from ingest.parse.dispatch import parse_any
    from ingest.read import read_path

    name = name or path
    out = Prepared(name)
    try:
        doc = read_path(path)
        if name != path:
            doc = dataclasses.replace(doc, path=name)
        result = parse_any(doc)          # its tables, else its text (a form in paragraphs)
    except IngestError as e:
        if e.file == path:
            e.file = name
        out.errors.append(e)
        return out
    except RecursionError as e:
        out.errors.append(IngestError(f"the file is nested too deeply to be read ({type(e).__name__})",
                                      file=name, hint="is this a generated or hostile file?"))
        return out
    except Exception as e:  # noqa: BLE001 - a reader or parser bug is this file's error, not the batch's
        out.errors.append(internal_error(name, "reading the file", e))
        return out
    out.doc_id = doc.doc_id
    out.warnings, out.errors = list(result.warnings), list(result.errors)
    try:
        result, flagged = check_bounds(result, doc.text, doc.path)
        out.warnings += flagged
        result, incomplete = check_required(doc, result)
        out.errors += incomplete
    except Exception as e:  # noqa: BLE001
        out.errors.append(internal_error(name, "checking the records", e))
        return out
    if not result.projects and not result.departments:
        return out
    out.doc, out.result = dataclasses.replace(doc, tables=()), result    # the grids are not needed any more
    if graph:
        try:
            out.graph = build_graph(doc, result)
        except Exception as e:  # noqa: BLE001 - reported by the writer, which may drop records first
            out.graph_error = graph_error(name, doc, result, e)
    return out


# -- the executor, and the stream of results ----------------------------------------------------
@contextmanager
def executor_for(files: int, executor: Executor | None | bool = None) -> Iterator[Executor | None]:
    """``executor`` when one is given (the caller owns it); None (this process) when it is False;
    else a process pool of one worker per core for :data:`PARALLEL_FROM` files or more, or None
    for fewer.

    Workers are spawned (not forked from a process that holds the graph store, the vector cache
    and threads), and each exits when this process does, even killed (:func:`_exit_with`).

    Example: ``with executor_for(3) as ex: ex`` → ``None``
    """
    workers = os.cpu_count() or 1
    if executor is False:
        yield None
        return
    if executor is True:               # asked for a pool: the same as letting the size decide
        executor = None
    if executor is not None or files < PARALLEL_FROM or workers < 2:
        yield executor
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _exit_with(pid: int) -> None:
    """A worker's initializer: exit as soon as process ``pid`` (the ingest) has ended. A killed
    ingest would otherwise leave its workers blocked on a result nobody reads."""
    import threading

    def watch() -> None:
        try:
            import select
            fd = os.pidfd_open(pid)          # readable once the process has ended
            select.select([fd], [], [])
        except (AttributeError, OSError):    # no pidfd here (or it ended already): ask every second
            import time
            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1)
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="exit-with-the-ingest").start()


def _window(executor: Executor) -> int:
    workers = getattr(executor, "_max_workers", None)
    if workers is None:                       # a Dask ClientExecutor: its cluster's threads
        try:
            workers = sum(executor._client.nthreads().values())  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - unknown: as many as this machine's cores
            workers = None
    return WINDOW_PER_WORKER * max(1, workers or os.cpu_count() or 1)


def prepared_stream(paths: Iterable[Path | str], executor: Executor | None = None,
                    window: int | None = None, graph: bool = True) -> Iterator[Prepared]:
    """:func:`prepare_file` of every path, yielded in input order, at most ``window`` in flight.

    A task that fails in the executor (its worker died, the cluster lost it) is that file's error;
    a broken pool (a worker killed) hands the rest of the batch to this process.

    Example: ``[p.path for p in prepared_stream(["a.txt", "b.txt"])]`` → ``['a.txt', 'b.txt']``
    """
    items = iter(paths)
    if executor is None:
        for p in items:
            yield prepare_file(os.path.abspath(p), str(p), graph)
        return
    window = window or _window(executor)
    flight: deque = deque()            # (path, future), or (path, None) once the pool is broken
    broken = False

    def submit(p) -> None:
        nonlocal broken
        future = None
        if not broken:
            try:
                future = executor.submit(prepare_file, os.path.abspath(p), str(p), graph)
            except (BrokenExecutor, RuntimeError):     # broken, or shut down under us
                broken = True
        flight.append((p, future))

    try:
        for p in islice(items, window):
            submit(p)
        while flight:
            p, future = flight.popleft()
            try:
                # a worker that died (killed, out of memory) breaks the pool: the rest is read here
                prepared = prepare_file(os.path.abspath(p), str(p), graph) if future is None else future.result()
            except BrokenExecutor:
                broken = True
                prepared = prepare_file(os.path.abspath(p), str(p), graph)
            except Exception as e:  # noqa: BLE001 - the executor lost this task: its error, the rest goes on
                prepared = Prepared(str(p), errors=[internal_error(p, "preparing the file in a worker", e)])
            nxt = next(items, None)
            if nxt is not None:
                submit(nxt)
            yield prepared
    finally:
        for _, f in flight:
            if f is not None:
                f.cancel()
