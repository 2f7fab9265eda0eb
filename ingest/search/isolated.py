"""A from-scratch search-index build in a process of its own.

A first ingest builds the index after the graph phase, in the process that wrote the graph: at
100,000 projects that writer already holds about 2.2 GB, and the build needs about 3.8 GB more
(the token log, the vectors, a chunk of records). Python rarely hands memory back, so the two add
up. Built in a spawned process, the build's memory is returned when it exits, and the writer only
maps the saved index. The child reads the records store (which the writer no longer changes),
encodes with the same encoder spec and vector cache, and saves into the search directory; errors
come back as the same :class:`~ingest.errors.JixiaoError` a build in process would raise.

The build reads only the records, so the writer does not wait for it: ``kb.ingest`` starts it
(:func:`start_isolated`), reviews, sums up and compacts the graph on the other core meanwhile, and
then waits (:meth:`IsolatedBuild.wait`).

Example: ``build_isolated(Path("var"), Path("var/search"), "static", Path("~/.cache/jixiao"))``
"""
from __future__ import annotations

import multiprocessing
import os
import queue as queue_mod
import time
from pathlib import Path
from typing import Any, Callable

from ingest.search.vectors import SearchIndexError

ProgressFn = Callable[[int, int], None]


def peak_rss() -> int:
    """This process' own peak resident memory in bytes (``VmHWM``). Not ``ru_maxrss``: a spawned
    process inherits its parent's through ``exec``, so a child of a 2 GB writer would report 2 GB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(data_dir: str, search_dir: str, spec: str, cache_dir: str, parent: int, out, progress: bool) -> None:
    """The build, in the child: results, progress and errors go to ``out``."""
    from ingest.batch import _exit_with
    from ingest.errors import JixiaoError
    _exit_with(parent)        # a killed ingest does not leave the build running
    try:
        from ingest.search.encoders import get_encoder
        from ingest.search.index import SearchIndex
        from ingest.search.vectorcache import CachedEncoder, VectorCache
        from ingest.storage.recordstore import RecordStore
        encoder = CachedEncoder(get_encoder(spec), VectorCache(Path(cache_dir)))
        inner = encoder.inner
        if progress and hasattr(inner, "progress"):
            inner.progress = lambda done, total: out.put(("progress", done, total))
        spent = [0.0]
        encode = inner.encode_passages

        def timed(texts):          # time inside the encoder: what ``bench/run.py`` reports as encoding
            t = time.perf_counter()
            try:
                return encode(texts)
            finally:
                spent[0] += time.perf_counter() - t
        inner.encode_passages = timed
        index = SearchIndex.build_documents(RecordStore(Path(data_dir)).scan, encoder, Path(search_dir))
        stats = index.stats
        out.put(("done", {"passages": stats.passages, "encoded": stats.encoded, "reused": stats.reused,
                          "documents": stats.documents, "seconds": stats.seconds, "encode_seconds": spent[0],
                          "words_encoded": getattr(inner, "words_encoded", None),
                          "peak_rss": peak_rss()}))
    except JixiaoError as e:
        out.put(("error", e.message, e.hint))
    except BaseException as e:  # noqa: BLE001 - reported by the parent as the build's error
        out.put(("error", f"{type(e).__name__}: {e}", None))


class IsolatedBuild:
    """A build running in its own process (:func:`start_isolated`): the caller may do other work
    meanwhile, then :meth:`wait` for it, or :meth:`stop` it."""

    def __init__(self, child, out, progress: ProgressFn | None):
        self.child, self.out, self.progress = child, out, progress

    def wait(self) -> dict[str, Any]:
        """Hear the build's progress until it ends; what it did (passages, encoded, seconds,
        encode_seconds, the child's peak_rss). Raises :class:`SearchIndexError` when it failed or was
        stopped; the records are untouched. Progress told while the caller was busy is heard now."""
        child, result = self.child, None
        try:
            while result is None:
                try:
                    msg = self.out.get(timeout=0.5)
                except queue_mod.Empty:
                    if not child.is_alive():
                        break
                    continue
                if msg[0] == "progress":
                    if self.progress is not None:
                        self.progress(msg[1], msg[2])
                else:
                    result = msg
            child.join()
        except BaseException:          # Ctrl-C, or the caller gave up: the child goes too
            self.stop()
            raise
        if result is None:
            code = child.exitcode
            why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise SearchIndexError(f"the search index build stopped ({why}) before it saved",
                                   hint="signal 9 is often the system running out of memory; the documents are "
                                        "stored, and the next ingest or search builds the index again")
        if result[0] == "error":
            raise SearchIndexError(result[1], hint=result[2])
        return result[1]

    def stop(self) -> None:
        """End the build unsaved (the caller failed while it ran)."""
        self.child.terminate()
        self.child.join()


def start_isolated(data_dir: Path, search_dir: Path, spec: str, cache_dir: Path,
                   progress: ProgressFn | None = None) -> IsolatedBuild:
    """Start building the search index of the records in ``data_dir`` into ``search_dir`` in a
    spawned process, with encoder ``spec`` (a resolved one, not ``auto``) and the vector cache in
    ``cache_dir``; ``progress(done, total)`` hears how far the encoding of new passages got, during
    :meth:`IsolatedBuild.wait`. The records must not change until the build has ended."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_child, name="jixiao search index",
                        args=(str(data_dir), str(search_dir), spec, str(cache_dir), os.getpid(), out,
                              progress is not None))
    child.start()
    return IsolatedBuild(child, out, progress)


def build_isolated(data_dir: Path, search_dir: Path, spec: str, cache_dir: Path,
                   progress: ProgressFn | None = None) -> dict[str, Any]:
    """:func:`start_isolated`, then wait for it: what the build did.

    Example: ``build_isolated(Path("var"), Path("var/search"), "static", Path("~/.cache/jixiao"))["passages"]``
    """
    return start_isolated(data_dir, search_dir, spec, cache_dir, progress).wait()
