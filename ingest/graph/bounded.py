"""SPARQL that cannot hurt the server: every query a user writes is checked, then run under a
time limit and a row cap, and really stopped when the limit is hit or its client goes away.

One mechanism for every front end (the CLI, the ``KnowledgeBase``, the UI and the endpoint):

1. ``ingest.graph.guard.check_query`` refuses updates and (unless allowed) ``SERVICE``;
2. on the embedded store the query runs in a process of its own (``ingest.graph.worker``), which
   opens the store read-only, so no write lock is needed and a writer may be running; the process
   is killed at the time limit or on :meth:`QueryJob.cancel` (pyoxigraph cannot interrupt a query,
   and a thread cannot be stopped, so only a process ends the work);
3. against a remote endpoint the request runs in a thread and is abandoned at the limit (the
   endpoint jixiao starts kills its own worker when the client goes away);
4. at most ``row_cap`` rows come back; ``QueryResult.truncated`` says when there were more;
5. a worker may grow by ``memory_mb`` of address space beyond its open store; a query that
   needs more ends its process.

The endpoint starts worker processes before they are needed (:class:`WorkerPool`), so a query
there pays for opening the store (~50 ms), not for starting Python (~100 ms more).

Example: ``run_query("ASK { ?s ?p ?o }", Limits(timeout=5), store_dir="var/graph").result.boolean``
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ingest.errors import JixiaoError
from ingest.graph.guard import QueryRefused, check_query
from ingest.graph.results import QueryError, QueryResult, query_error, result_from_oxigraph

UI_TIMEOUT = 10.0        # seconds: the UI's default limit
MEMORY_MB = 2048         # address space one query may add to its worker; the seed's queries need < 512 MB
CLI_TIMEOUT = 30.0       # seconds: the CLI's and the endpoint's default limit
ROW_CAP = 10_000         # rows kept from one answer
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_HINT = "narrow it with LIMIT, VALUES or a more selective pattern, or raise the limit with --timeout"


@dataclass(frozen=True)
class Limits:
    """How much one query may take: seconds, rows, memory (of its worker process), and whether
    ``SERVICE`` is allowed.

    Example: ``Limits(timeout=10, row_cap=1000)``
    """

    timeout: float = CLI_TIMEOUT
    row_cap: int = ROW_CAP
    allow_service: bool = False
    memory_mb: int = MEMORY_MB


class QueryTimeout(QueryError):
    """The query ran past its time limit (or was cancelled) and its work was stopped.

    Example: ``QueryTimeout("the query ran past the time limit of 30 s and was stopped", hint=TIMEOUT_HINT)``
    """


@dataclass(frozen=True)
class Answer:
    """A finished query: the result (cut at the row cap), whether it was cut, and how long it took."""

    result: QueryResult
    truncated: bool
    seconds: float


def timed_out(limit: float) -> QueryTimeout:
    return QueryTimeout(f"the query ran past the time limit of {limit:g} s and was stopped", hint=TIMEOUT_HINT)


# --------------------------------------------------------------------------- worker processes

def _worker_command() -> list[str]:
    return [sys.executable, "-m", "ingest.graph.worker"]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


class WorkerPool:
    """Worker processes started ahead of need: ``take()`` hands one out and starts its successor.

    A spare waits on its stdin; when this process ends, the spares' stdin closes and they exit.

    Example: ``proc = WorkerPool(spares=2).take()``
    """

    def __init__(self, spares: int = 1):
        self.spares = spares
        self._ready: list[subprocess.Popen] = []
        self._lock = threading.Lock()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(_worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=_worker_env(), cwd=str(PACKAGE_ROOT),
                                start_new_session=True)

    def _refill(self) -> None:
        try:
            while True:
                with self._lock:
                    if len(self._ready) >= self.spares:
                        return
                proc = self._spawn()
                with self._lock:
                    self._ready.append(proc)
        except OSError:
            return   # no spare this time: take() starts one itself

    def take(self) -> subprocess.Popen:
        """A worker waiting for its query (a spare if one is ready, else a new one)."""
        proc = None
        with self._lock:
            while self._ready:
                candidate = self._ready.pop(0)
                if candidate.poll() is None:
                    proc = candidate
                    break
        if proc is None:
            proc = self._spawn()
        if self.spares:
            threading.Thread(target=self._refill, daemon=True).start()
        return proc

    def close(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
        for proc in ready:
            proc.kill()
            proc.wait()


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide pool: no spares (a command runs one query; a page's query can wait for
    Python to start), so every worker alive is a query running. The endpoint keeps spares."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(spares=0)
        return _POOL


# --------------------------------------------------------------------------- one query

class QueryJob:
    """One running query. ``wait`` polls, ``cancel`` stops it, ``answer`` returns or raises.

    The time limit is enforced by the job itself: at ``limits.timeout`` the worker is killed and
    :meth:`answer` raises :class:`QueryTimeout`.

    Example: ``job = QueryJob.start("ASK {}", Limits(10), store_dir="var/graph"); job.wait(10); job.answer()``
    """

    def __init__(self, query: str, limits: Limits):
        self.query = query
        self.limits = limits
        self.started = time.monotonic()
        self._done = threading.Event()
        self._answer: Answer | None = None
        self._error: BaseException | None = None
        self._proc: subprocess.Popen | None = None
        self.cancelled = False

    @classmethod
    def start(cls, query: str, limits: Limits = Limits(), *, store_dir: str | os.PathLike | None = None,
              remote: Any = None, pool: WorkerPool | None = None) -> "QueryJob":
        """Check the query, then start it on the store in ``store_dir`` (read-only; None: an empty
        store) or on ``remote`` (a ``GraphStore``). A refused or empty query raises at once."""
        if not query.strip():
            raise QueryError("the query is empty", hint="write a SELECT, ASK, CONSTRUCT or DESCRIBE query")
        check_query(query, allow_service=limits.allow_service)
        job = cls(query, limits)
        if remote is not None:
            threading.Thread(target=job._remote, args=(remote,), daemon=True).start()
        else:
            job._proc = (pool or default_pool()).take()
            request = {"store": None if store_dir is None else str(store_dir), "query": query,
                       "row_cap": limits.row_cap, "allow_service": limits.allow_service,
                       "memory_mb": limits.memory_mb}
            threading.Thread(target=job._collect, args=(json.dumps(request).encode("utf-8") + b"\n",),
                             daemon=True).start()
        return job

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, seconds: float | None = None) -> bool:
        """Wait up to ``seconds`` (None: until it ends); True when the query has finished (answer or error)."""
        return self._done.wait(seconds)

    def cancel(self) -> None:
        """Stop the query: its process is killed (a remote query is abandoned). A no-op once finished."""
        if not self._done.is_set():
            self.cancelled = True
            if self._proc is None:
                self._finish(error=QueryTimeout("the query was cancelled", hint="run it again when you need it"))
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()

    def answer(self) -> Answer:
        """The answer; the query's error (QueryError, QueryRefused, QueryTimeout) if it failed."""
        if not self._done.is_set():
            raise QueryTimeout("the query has not finished", hint="wait() for it first")
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer

    def result(self, cancelled: Callable[[], bool] | None = None, poll: float = 0.1) -> Answer:
        """Wait for the answer; cancel when ``cancelled()`` turns true (a client that went away)."""
        while not self.wait(poll):
            if cancelled is not None and cancelled():
                self.cancel()
                break
            if self.elapsed > self.limits.timeout + 1.0:   # the worker's own watchdog is late: stop it
                self.cancel()
                self._finish(error=timed_out(self.limits.timeout))
        self.wait()
        return self.answer()

    # -- the two backends ----------------------------------------------------------------------
    def _finish(self, answer: Answer | None = None, error: BaseException | None = None) -> None:
        if self._done.is_set():
            return
        self._answer, self._error = answer, error
        self._done.set()

    def _remote(self, remote: Any) -> None:
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["result"] = remote.query(self.query)
            except BaseException as e:  # noqa: BLE001 - handed to the caller below
                box["error"] = e

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(self.limits.timeout)
        if worker.is_alive():          # abandoned: the endpoint stops the work when we go away
            self._finish(error=timed_out(self.limits.timeout))
            return
        error = box.get("error")
        if isinstance(error, JixiaoError):
            self._finish(error=error)
        elif error is not None:
            self._finish(error=QueryError(f"the query failed: {type(error).__name__}: {error}"))
        else:
            result = box["result"]
            truncated = len(result) > self.limits.row_cap
            result = result.head(self.limits.row_cap) if truncated else result
            self._finish(Answer(result, truncated, self.elapsed))

    def _collect(self, request: bytes) -> None:
        import pyoxigraph as ox

        proc = self._proc
        assert proc is not None
        try:
            out, _ = proc.communicate(request, timeout=self.limits.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            self._finish(error=timed_out(self.limits.timeout))
            return
        except (OSError, ValueError):   # the worker died before reading its query
            out = b""
        if proc.returncode != 0 or not out:
            if self.cancelled:
                self._finish(error=QueryTimeout("the query was cancelled and its process stopped",
                                                hint="run it again when you need it"))
            elif proc.returncode == -6:   # the allocator aborts when the address space is used up
                self._finish(error=QueryError(f"the query needed more than {self.limits.memory_mb} MB of memory "
                                              "and was stopped", hint="narrow it with LIMIT, VALUES or a more "
                                              "selective pattern; ORDER BY and GROUP BY hold every row"))
            else:
                self._finish(error=QueryError("the query process stopped without an answer",
                                              hint="try again; if it repeats, the query may need too much memory"))
            return
        try:
            head, _, payload = out.partition(b"\n")
            header = json.loads(head)
            if "error" in header:
                self._finish(error=_error(header, self.query))
                return
            if header["kind"] == "ask":
                result = QueryResult("ask", boolean=header["boolean"])
            elif header["kind"] == "select":
                result = result_from_oxigraph(ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON))
            else:
                result = result_from_oxigraph(list(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)))
        except (ValueError, SyntaxError, KeyError) as e:
            self._finish(error=QueryError(f"the query process gave an answer that cannot be read: {e}"))
            return
        truncated = bool(header.get("truncated"))
        if truncated:
            result = QueryResult(result.kind, result.variables, result.bindings, result.boolean, result.triples,
                                 result.solutions, truncated=True)
        self._finish(Answer(result, truncated, self.elapsed))


def _error(header: dict[str, Any], query: str) -> JixiaoError:
    """The error a worker reported, as the exception the caller raises."""
    kind, message = header["error"], header.get("message", "")
    if kind == "refused":
        return QueryRefused(message, hint=header.get("hint"))
    if kind == "syntax":
        return query_error(message, query)
    if kind == "io":
        return QueryError(f"the query could not be answered: {_short(message)}",
                          hint="a SERVICE endpoint that cannot be reached, or a store that cannot be read")
    if kind == "memory":
        return QueryError(message, hint="narrow the query")
    return QueryError(f"the query failed: {_short(message)}")


def _short(message: str) -> str:
    """An engine message without the paths of this server (shown to remote users)."""
    import re

    return re.sub(r"(/[^\s:'\"]+)+", "…", message)[:300]


def run_query(query: str, limits: Limits = Limits(), *, store_dir: str | os.PathLike | None = None,
              remote: Any = None, cancelled: Callable[[], bool] | None = None,
              pool: WorkerPool | None = None) -> Answer:
    """Check, run and wait for one query under ``limits``: the blocking form of :class:`QueryJob`.

    Example: ``run_query("SELECT * { ?s ?p ?o }", Limits(5, 100), store_dir="var/graph").truncated``
    """
    job = QueryJob.start(query, limits, store_dir=store_dir, remote=remote, pool=pool)
    try:
        return job.result(cancelled)
    finally:
        job.cancel()
