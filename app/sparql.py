"""Render SPARQL answers (``ingest.graph.store.QueryResult``) for people and programs.

- ``table``: aligned text for a terminal; Chinese characters count two columns.
- ``csv``: SPARQL 1.1 Query Results CSV (plain values, CRLF line ends).
- ``json``: SPARQL 1.1 Query Results JSON (``head.vars``, ``results.bindings``,
  ``boolean``); for CONSTRUCT/DESCRIBE answers, JSON-LD.
- ``nt``/``ttl``: CONSTRUCT/DESCRIBE answers as N-Triples or Turtle.

Example: ``print(render(kb.sparql(load_query("@queries/budgets.rq")), "table"))``
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ingest.graph.results import QueryError, QueryResult

FORMATS = ("table", "csv", "json", "nt", "ttl")
NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "decimal", "integer", "int", "long", "short", "byte", "double", "float", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}


def load_query(text: str, base_dir: str | Path | None = None) -> str:
    """The query itself, or the content of ``@file.rq`` (relative to ``base_dir``).

    Example: ``load_query("@queries/projects.rq")``
    """
    if not text.startswith("@"):
        return text
    path = Path(text[1:]).expanduser()
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise QueryError(f"cannot read the query file {path}: {e.strerror or e}",
                         hint="write @path/to/query.rq, or the query text itself") from None
    except UnicodeDecodeError as e:
        raise QueryError(f"the query file {path} is not UTF-8: {e}",
                         hint="save it as UTF-8 (iconv -f GB18030 -t UTF-8)") from None


def render(result: QueryResult, fmt: str = "table", *, prefixes: dict[str, str] | None = None) -> str:
    """One answer in one of ``FORMATS``. Example: ``render(result, "csv")``"""
    if fmt == "table":
        return to_table(result, prefixes=prefixes)
    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return to_json(result) if result.kind != "graph" else _graph_as(result, "json-ld", prefixes)
    if fmt in ("nt", "ttl") and result.kind == "graph":
        return _graph_as(result, "nt" if fmt == "nt" else "turtle", prefixes)
    if fmt in ("nt", "ttl"):
        raise QueryError(f"--format {fmt} needs a CONSTRUCT or DESCRIBE query",
                         hint="use table, csv or json for SELECT and ASK")
    raise QueryError(f"unknown output format {fmt!r}", hint="choose one of " + ", ".join(FORMATS))


# --------------------------------------------------------------------------- JSON

def term_json(term: Any) -> dict[str, str]:
    """One RDF term as a SPARQL 1.1 JSON binding: ``{"type": "uri", "value": …}`` etc."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"not an RDF term: {term!r}")


def to_json(result: QueryResult, indent: int | None = 2) -> str:
    """SPARQL 1.1 Query Results JSON of a SELECT or ASK answer (unbound variables left out)."""
    if result.kind == "ask":
        doc: dict[str, Any] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        rows = result.bindings if result.kind == "select" else result.triples
        doc = {"head": {"vars": list(result.variables)},
               "results": {"bindings": [
                   {var: term_json(t) for var, t in zip(result.variables, row) if t is not None}
                   for row in rows]}}
    return json.dumps(doc, ensure_ascii=False, indent=indent) + "\n"


# --------------------------------------------------------------------------- CSV

def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV: a header of variables, then plain values (IRIs, lexical forms)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerows([["boolean"], ["true" if result.boolean else "false"]])
        return buf.getvalue()
    writer.writerow(result.variables)
    rows = result.bindings if result.kind == "select" else result.triples
    for row in rows:
        writer.writerow(["" if t is None else _plain(t) for t in row])
    return buf.getvalue()


def _plain(term: Any) -> str:
    from rdflib import BNode

    return f"_:{term}" if isinstance(term, BNode) else str(term)


# --------------------------------------------------------------------------- table

def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: 2 for CJK characters, 0 for combining marks."""
    from wcwidth import wcswidth, wcwidth

    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth(c), 0) for c in text)


def _clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns, with ``…`` where it was cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def _cell(term: Any, prefixes: dict[str, str]) -> str:
    from rdflib import BNode, URIRef

    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    text = str(term)
    if isinstance(term, URIRef):
        for prefix, ns in prefixes.items():
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    return " ".join(text.split())  # one line per row: newlines and tabs become spaces


def _is_number(term: Any) -> bool:
    return term is not None and str(getattr(term, "datatype", None) or "") in NUMERIC


def to_table(result: QueryResult, *, prefixes: dict[str, str] | None = None, max_width: int = 60) -> str:
    """Aligned columns with a header and a row count; IRIs shortened with ``prefixes``.

    Example: ``to_table(result)`` → ``"name          total\\n────────────  ──────\\n大型仪器项目经费  138200\\n(1 row)\\n"``
    """
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    if prefixes is None:
        from ingest.graph.store import default_prefixes

        prefixes = default_prefixes()
    rows = result.bindings if result.kind == "select" else result.triples
    header = list(result.variables)
    cells = [[_clip(_cell(t, prefixes), max_width) for t in row] for row in rows]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(header)]
    numeric = [bool(rows) and all(_is_number(r[i]) or r[i] is None for r in rows) for i in range(len(header))]
    lines = ["  ".join(_pad(h, w, n) for h, w, n in zip(header, widths, numeric)).rstrip(),
             "  ".join("─" * w for w in widths)]
    lines += ["  ".join(_pad(c, w, n) for c, w, n in zip(row, widths, numeric)).rstrip() for row in cells]
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- graphs

def _graph_as(result: QueryResult, fmt: str, prefixes: dict[str, str] | None) -> str:
    if prefixes is None and fmt == "turtle":
        from ingest.graph.store import default_prefixes

        prefixes = default_prefixes()
    graph = result.graph()
    for prefix, ns in (prefixes or {}).items():
        graph.bind(prefix, ns, override=True)
    return graph.serialize(format=fmt)
