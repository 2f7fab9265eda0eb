"""One SPARQL query in a process of its own, so that the UI can stop it by ending the process.

Oxigraph evaluates an aggregate (``COUNT``, ``GROUP BY``, ``ORDER BY``) inside one call that
Python cannot interrupt; a thread could only be abandoned, still busy. This process opens the
embedded store read-only (a second process may read a store the UI holds open), reads the query
on stdin and writes one JSON header line, then the answer: SPARQL JSON results for SELECT,
N-Triples for CONSTRUCT/DESCRIBE. At most ``row_cap`` rows are written; the header says whether
there were more.

Run: ``echo 'ASK {}' | python -m app.ui.sparql_worker var/graph 1000``
Example header: ``{"kind": "select", "rows": 3, "truncated": false}``
"""
from __future__ import annotations

import json
import sys


def _term(t) -> dict:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = t.datatype.value
    return out


def answer(store_dir: str, query: str, row_cap: int) -> tuple[dict, bytes]:
    """(header, payload) for one query; errors are a header with ``error`` and ``message``."""
    import pyoxigraph as ox

    try:
        store = ox.Store.read_only(store_dir)
        result = store.query(query)
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
    except SyntaxError as e:
        return {"error": "syntax", "message": str(e)}, b""
    except OSError as e:
        return {"error": "io", "message": str(e)}, b""
    except Exception as e:  # noqa: BLE001 - any failure is reported to the UI, never a traceback
        return {"error": "other", "message": f"{type(e).__name__}: {e}"}, b""


def main(argv: list[str]) -> int:
    store_dir, row_cap = argv[0], int(argv[1])
    query = sys.stdin.buffer.read().decode("utf-8")
    header, payload = answer(store_dir, query, row_cap)
    sys.stdout.buffer.write(json.dumps(header).encode("utf-8") + b"\n" + payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
