"""The SPARQL 1.1 endpoint jixiao serves: a small HTTP server that checks every query and runs it
bounded, in front of the data directory's graph store.

- ``GET /query?query=…`` and ``POST /query`` (``application/sparql-query`` or a form with
  ``query=``) are checked by ``ingest.graph.guard`` (updates refused, ``SERVICE`` off unless the
  deployment allows it) and run by ``ingest.graph.bounded``: in a read-only worker process,
  killed at the time limit or as soon as the client goes away, at most ``row_cap`` rows
  (``X-Jixiao-Truncated`` says when there were more). Answers are written by pyoxigraph in the
  format the ``Accept`` header asks for (SPARQL results JSON/XML/CSV/TSV; N-Triples, Turtle,
  RDF/XML for CONSTRUCT/DESCRIBE).
- Read-only is the default and then no store lock is held: ``jixiao ingest`` can run beside it,
  and each query sees what was ingested before it started. With ``read_only=False`` an Oxigraph
  server holds the store on a private loopback port, and ``/update`` and ``/store`` (Graph Store
  Protocol) are forwarded to it, ``SERVICE`` in updates refused all the same. Nothing else is
  forwarded: the Oxigraph server itself is never reachable from outside.
- While it runs, ``<data_dir>/endpoint.json`` says where it is, so a writer that finds the store
  held can name it.

Example: ``SparqlEndpoint("var", "127.0.0.1", 7878).start().serve_forever()``
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ingest.errors import JixiaoError
from ingest.graph.bounded import Limits, QueryJob, QueryTimeout, WorkerPool
from ingest.graph.guard import QueryRefused, keywords
from ingest.graph.results import QueryError, StoreError

ENDPOINT_FILE = "endpoint.json"
MAX_QUERY_BYTES = 1 << 20          # a query is text; a megabyte is plenty
MAX_WRITE_BYTES = 1 << 30          # a Graph Store upload (read-write mode only)
CONCURRENT_QUERIES = 4             # worker processes at once; more requests wait their turn
RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "application/n-triples": "nt", "text/turtle": "ttl", "application/rdf+xml": "xml",
    "application/ld+json": "jsonld", "text/plain": "nt",
}
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
         "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_MEDIA = {"nt": "application/n-triples", "ttl": "text/turtle", "xml": "application/rdf+xml",
               "jsonld": "application/ld+json"}


def running_endpoint(data_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The endpoint serving this data directory now ({url, pid, mode}), or None."""
    path = Path(data_dir) / ENDPOINT_FILE
    try:
        info = json.loads(path.read_text("utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info


def _accepted(header: str | None, table: dict[str, str], default: str) -> str | None:
    """The format name for the best media type of an ``Accept`` header that ``table`` knows."""
    if not header:
        return default
    choices = []
    for n, part in enumerate(header.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, n, media.lower()))
    for _, _, media in sorted(choices):
        if media in table:
            return table[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    return None


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"
    server_version = "jixiao-sparql"
    sys_version = ""

    # -- plumbing -------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - the base class's name
        if self.server.endpoint.log:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, media: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            if self.server.endpoint.cors:
                self.send_header("Access-Control-Allow-Origin", "*")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client went away: nothing to tell it

    def _fail(self, status: int, error: JixiaoError | str) -> None:
        text = str(error) if isinstance(error, JixiaoError) else error
        self._send(status, (text.rstrip("\n") + "\n").encode("utf-8"))

    def _body(self, limit: int) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            self.close_connection = True
            self._fail(413, f"the request body is too large (at most {limit:,} bytes)")
            return None
        return self.rfile.read(length) if length else b""

    def _client_gone(self) -> bool:
        """True once the client has closed its side (a read-ready socket with nothing to read)."""
        try:
            ready, _, _ = select.select([self.connection], [], [], 0)
            if not ready:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    # -- routes ---------------------------------------------------------------------------------
    def do_OPTIONS(self) -> None:   # noqa: N802 - http.server's naming
        self._send(204, b"", headers={"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                      "Access-Control-Allow-Headers": "Content-Type, Accept"})

    def do_GET(self) -> None:   # noqa: N802
        url = urlsplit(self.path)
        if url.path in ("", "/"):
            mode = "read-only" if self.server.endpoint.read_only else "read-write"
            self._send(200, (f"jixiao SPARQL 1.1 endpoint ({mode}): GET or POST /query; "
                             f"time limit {self.server.endpoint.limits.timeout:g} s, "
                             f"row cap {self.server.endpoint.limits.row_cap:,}\n").encode("utf-8"))
        elif url.path == "/query":
            queries = parse_qs(url.query).get("query")
            if not queries:
                self._fail(400, "missing the query parameter: GET /query?query=SELECT…")
            else:
                self._query(queries[0])
        elif url.path == "/store" and not self.server.endpoint.read_only:
            self._forward(b"")
        else:
            self._fail(404, f"no such resource {url.path}: this endpoint answers /query")

    def do_HEAD(self) -> None:   # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:   # noqa: N802
        url = urlsplit(self.path)
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if url.path == "/query":
            body = self._body(MAX_QUERY_BYTES)
            if body is None:
                return
            if media == "application/sparql-query":
                self._query(body.decode("utf-8", errors="replace"))
            elif media == "application/x-www-form-urlencoded":
                query = parse_qs(body.decode("utf-8", errors="replace")).get("query")
                self._query(query[0]) if query else self._fail(400, "the form has no query field")
            else:
                self._fail(415, "send the query as application/sparql-query, or as a form with query=…")
        elif url.path in ("/update", "/store"):
            if self.server.endpoint.read_only:
                self._body(MAX_WRITE_BYTES)
                self._fail(403, "this endpoint is read-only: updates are not accepted "
                                "(start it with `jixiao endpoint --read-write` to accept them)")
                return
            body = self._body(MAX_WRITE_BYTES)
            if body is None:
                return
            if url.path == "/update" and not self.server.endpoint.limits.allow_service and \
                    any(w in ("SERVICE", "LOAD") for w, _ in keywords(body.decode("utf-8", errors="replace"))):
                self._fail(403, "SERVICE and LOAD are turned off: they would make this server send requests "
                                "to other addresses")
                return
            self._forward(body)
        else:
            self._fail(404, f"no such resource {url.path}: this endpoint answers /query")

    def do_PUT(self) -> None:   # noqa: N802
        self._write_store()

    def do_DELETE(self) -> None:   # noqa: N802
        self._write_store()

    def _write_store(self) -> None:
        if urlsplit(self.path).path != "/store" or self.server.endpoint.read_only:
            self._body(MAX_WRITE_BYTES)
            self._fail(403 if self.server.endpoint.read_only else 404,
                       "this endpoint is read-only: the graph store cannot be written through it")
            return
        body = self._body(MAX_WRITE_BYTES)
        if body is not None:
            self._forward(body)

    # -- work -----------------------------------------------------------------------------------
    def _query(self, query: str) -> None:
        endpoint = self.server.endpoint
        if not endpoint.slots.acquire(timeout=endpoint.limits.timeout):
            self._fail(503, "the endpoint is busy: try again in a moment")
            return
        try:
            try:
                job = QueryJob.start(query, endpoint.limits, store_dir=endpoint.store_dir, pool=endpoint.pool)
            except QueryRefused as e:
                self._fail(403, e)
                return
            except QueryError as e:
                self._fail(400, e)
                return
            try:
                answer = job.result(cancelled=self._client_gone)
            except QueryTimeout as e:
                if not job.cancelled or job.elapsed >= endpoint.limits.timeout:
                    self._fail(504, e)
                return   # cancelled because the client went away: nobody to answer
            except QueryRefused as e:
                self._fail(403, e)
                return
            except JixiaoError as e:
                self._fail(400 if isinstance(e, QueryError) and getattr(e, "position", None) else 500, e)
                return
            finally:
                job.cancel()
            self._answer(answer)
        finally:
            endpoint.slots.release()

    def _answer(self, answer: Any) -> None:
        result = answer.result
        headers = {"X-Jixiao-Truncated": str(self.server.endpoint.limits.row_cap)} if answer.truncated else {}
        accept = self.headers.get("Accept")
        if result.kind == "graph":
            fmt = _accepted(accept, GRAPH_TYPES, "nt")
            if fmt is None:
                self._fail(406, "ask for application/n-triples, text/turtle, application/rdf+xml or "
                                "application/ld+json")
                return
            body = result.serialize(fmt)
            self._send(200, body, GRAPH_MEDIA[fmt] + ("; charset=utf-8" if fmt in ("nt", "ttl") else ""), headers)
        else:
            fmt = _accepted(accept, RESULT_TYPES, "json")
            if fmt is None:
                self._fail(406, "ask for application/sparql-results+json, application/sparql-results+xml, "
                                "text/csv or text/tab-separated-values")
                return
            self._send(200, result.serialize(fmt), MEDIA[fmt], headers)

    def _forward(self, body: bytes) -> None:
        """Send an update or Graph Store request to the Oxigraph server behind (read-write mode)."""
        import http.client

        endpoint = self.server.endpoint
        conn = http.client.HTTPConnection("127.0.0.1", endpoint.upstream_port, timeout=max(endpoint.limits.timeout, 600))
        try:
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("content-type", "accept")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            self._send(r.status, data, r.getheader("Content-Type") or "text/plain")
        except OSError as e:
            self._fail(502, f"the graph store did not answer: {e}")
        finally:
            conn.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    endpoint: "SparqlEndpoint"


class SparqlEndpoint:
    """The endpoint of one data directory: ``start()``, ``serve_forever()``, ``stop()``.

    Example: ``with SparqlEndpoint("var", port=0).start() as ep: RemoteStore(ep.url)``
    """

    def __init__(self, data_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 7878, *,
                 limits: Limits = Limits(), read_only: bool = True, cors: bool = False, log: bool = False,
                 spares: int = 2):
        self.data_dir = Path(data_dir)
        self.store_dir = self.data_dir / "graph"
        self.host, self.port = host, port
        self.limits, self.read_only, self.cors, self.log = limits, read_only, cors, log
        self.pool = WorkerPool(spares=spares)   # workers started ahead, so a query does not wait for Python
        self.slots = threading.Semaphore(CONCURRENT_QUERIES)
        self.upstream: subprocess.Popen | None = None
        self.upstream_port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "SparqlEndpoint":
        """Bind the port (and start the Oxigraph server behind, read-write); raise StoreError if not."""
        if not self.read_only:
            self._start_upstream()
        try:
            self._server = _Server((self.host, self.port), _Handler)
        except OSError as e:
            self.stop()
            raise StoreError(f"cannot listen on {self.host}:{self.port}: {e.strerror or e}",
                             hint="choose another --bind HOST:PORT, or stop what listens there") from None
        self._server.endpoint = self
        self.port = self._server.server_address[1]
        from ingest.storage.atomic import write_json
        try:
            write_json(self.data_dir / ENDPOINT_FILE, {
                "url": self.url, "pid": os.getpid(), "mode": "read-only" if self.read_only else "read-write",
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        except OSError:
            pass   # a read-only data directory: the hint is only a convenience
        return self

    def _start_upstream(self) -> None:
        from ingest.graph.store import server_command

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.upstream_port = s.getsockname()[1]
        cmd = server_command(self.data_dir, f"127.0.0.1:{self.upstream_port}") + ["--timeout-s", f"{self.limits.timeout:g}"]
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.upstream = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.upstream.poll() is not None:
                message = (self.upstream.stderr.read() or b"").decode("utf-8", "replace").strip()
                raise StoreError(f"the graph store server did not start: {message[-300:]}",
                                 hint="another process may hold the store for writing: stop it")
            try:
                with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise StoreError("the graph store server did not start within 30 s")

    def serve_forever(self) -> None:
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.2)

    def serve_in_thread(self) -> "SparqlEndpoint":
        """Serve from a background thread (tests, the UI); ``stop()`` ends it."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.upstream is not None:
            self.upstream.terminate()
            try:
                self.upstream.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.upstream.kill()
            self.upstream = None
        self.pool.close()
        info = running_endpoint(self.data_dir)
        if info and info.get("pid") == os.getpid():
            (self.data_dir / ENDPOINT_FILE).unlink(missing_ok=True)

    def __enter__(self) -> "SparqlEndpoint":
        if self._server is None:
            self.start()
        return self.serve_in_thread() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the Oxigraph child: end when jixiao ends, even by SIGKILL (Linux), so no server is left
    holding the store."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
