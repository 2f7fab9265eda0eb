"""One SPARQL query in a process of its own, so that it can be stopped by ending the process.

Oxigraph evaluates an aggregate (``COUNT``, ``GROUP BY``, ``ORDER BY``) inside one call that
Python cannot interrupt, and its own server timeout does not stop every query; a thread could
only be abandoned, still busy. So every query a user writes runs here (``ingest.graph.bounded``
starts the process, enforces the time limit and kills it). The process opens the embedded store
read-only (a store another process is writing can still be read, and a fresh read-only view sees
everything the writer has written), reads one request as a JSON line on stdin, writes one JSON
header line, then the answer: SPARQL JSON results for SELECT, N-Triples for CONSTRUCT/DESCRIBE.
At most ``row_cap`` rows are written; the header says whether there were more. It answers one
query and exits; it starts before it is needed, so pyoxigraph is already loaded when a query comes.

Run: ``echo '{"store": "var/graph", "query": "ASK {}", "row_cap": 10, "memory_mb": 2048}' | python -m ingest.graph.worker``
Example header: ``{"kind": "select", "rows": 3, "truncated": false}``
"""
from __future__ import annotations

import json
import sys

import pyoxigraph as ox

from ingest.graph.guard import QueryRefused, check_query

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict:
    """A term in the SPARQL 1.1 results JSON form."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD_STRING:
        out["datatype"] = t.datatype.value
    return out


def _open(store_dir: str | None) -> ox.Store:
    if store_dir is None:
        return ox.Store()                      # no graph yet: an empty dataset answers nothing
    try:
        return ox.Store.read_only(store_dir)
    except OSError:
        from pathlib import Path

        if not (Path(store_dir) / "CURRENT").exists():
            return ox.Store()                  # nothing ingested yet
        raise


def _opened(store_dir: str | None) -> ox.Store | None:
    """The store opened before the memory cap is set (None: answer() reports why, with its retries)."""
    try:
        return _open(store_dir)
    except Exception:  # noqa: BLE001 - a view the writer just replaced (RuntimeError: Corruption), unreadable files
        return None


def _vanished(error: BaseException) -> bool:
    """The error of a read-only view whose files the writer has just replaced (open it again)."""
    return "No such file" in str(error) or "Corruption" in str(error)


def answer(store_dir: str | None, query: str, row_cap: int, allow_service: bool = False,
           attempts: int = 5, store: ox.Store | None = None) -> tuple[dict, bytes]:
    """(header, payload) for one query; errors are a header with ``error`` and ``message``.
    ``store`` is a view already opened on ``store_dir``, used for the first attempt."""
    import time

    for attempt in range(attempts):
        header, payload = _answer(store_dir, query, row_cap, allow_service, store)
        store = None   # a retry opens a fresh view; this one goes, or each view's reservation would add up
        if header.get("error") not in ("io", "other") or not header.get("vanished") or attempt == attempts - 1:
            header.pop("vanished", None)
            return header, payload
        time.sleep(0.05 * (attempt + 1))
    return header, payload


def _answer(store_dir: str | None, query: str, row_cap: int, allow_service: bool,
            store: ox.Store | None = None) -> tuple[dict, bytes]:
    try:
        check_query(query, allow_service=allow_service)   # the caller checked; a second look is cheap
        result = (store if store is not None else _open(store_dir)).query(query)
        if isinstance(result, ox.QueryBoolean):
            return {"kind": "ask", "boolean": bool(result)}, b""
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, truncated = [], False
            for solution in result:
                if len(rows) == row_cap:
                    truncated = True
                    break
                rows.append({n: _term(solution[i]) for i, n in enumerate(names) if solution[i] is not None})
            doc = {"head": {"vars": names}, "results": {"bindings": rows}}
            return ({"kind": "select", "rows": len(rows), "truncated": truncated},
                    json.dumps(doc, ensure_ascii=False).encode("utf-8"))
        triples, truncated = [], False
        for t in result:
            if len(triples) == row_cap:
                truncated = True
                break
            triples.append(t)
        return ({"kind": "graph", "rows": len(triples), "truncated": truncated},
                ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
    except QueryRefused as e:
        return {"error": "refused", "message": e.message, "hint": e.hint}, b""
    except SyntaxError as e:
        return {"error": "syntax", "message": str(e)}, b""
    except OSError as e:   # a SERVICE that cannot be reached, an unreadable store
        return {"error": "io", "message": str(e), "vanished": _vanished(e)}, b""
    except MemoryError:
        return {"error": "memory", "message": "the query needed more memory than this server allows"}, b""
    except Exception as e:  # noqa: BLE001 - any failure is reported to the caller, never a traceback
        return {"error": "other", "message": f"{type(e).__name__}: {e}", "vanished": _vanished(e)}, b""


def address_space() -> int:
    """This process's address space in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            import os

            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(mb: int) -> None:
    """Let this process grow by at most ``mb`` MB of address space: a query that needs more ends
    this process (the allocator aborts), not the server's memory. The cap is counted from what
    the process holds now, with its store open, because RocksDB reserves address space per
    core (about 400 MB on 2 cores): an absolute cap would mean less on a bigger machine."""
    import resource

    if mb > 0:
        cap = address_space() + mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def main() -> int:
    line = sys.stdin.buffer.readline()
    if not line.strip():
        return 0                               # the parent went away before sending a query
    request = json.loads(line)
    views = [_opened(request.get("store"))]    # held by answer() alone, so a retry can let it go
    limit_memory(int(request.get("memory_mb") or 0))
    header, payload = answer(request.get("store"), request["query"], int(request.get("row_cap", 10_000)),
                             bool(request.get("allow_service")), store=views.pop())
    sys.stdout.buffer.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
