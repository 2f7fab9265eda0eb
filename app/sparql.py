"""Render SPARQL answers (``ingest.graph.results.QueryResult``) for people and programs.

- ``table``: aligned text for a terminal, drawn by ``tabulate`` (Chinese characters
  count two columns, through ``wcwidth``).
- ``csv``, ``tsv``, ``json``, ``xml``: the SPARQL 1.1 Query Results formats, written by
  pyoxigraph; for CONSTRUCT/DESCRIBE answers ``json`` is JSON-LD and ``xml`` RDF/XML.
- ``nt``/``ttl``: CONSTRUCT/DESCRIBE answers as N-Triples or Turtle.

Example: ``print(render(kb.sparql(load_query("@ontology/queries/budget_change.rq")), "table"))``
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ingest.graph.results import XSD, QueryError, QueryResult, default_prefixes

FORMATS = ("table", "csv", "tsv", "json", "xml", "nt", "ttl")
NUMERIC = {XSD + t for t in (
    "decimal", "integer", "int", "long", "short", "byte", "double", "float", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}


def load_query(text: str, base_dir: str | Path | None = None) -> str:
    """The query itself, or the content of ``@file.rq`` (relative to ``base_dir``).

    Example: ``load_query("@ontology/queries/project_card.rq")``
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
    if fmt not in FORMATS:
        raise QueryError(f"unknown output format {fmt!r}", hint="choose one of " + ", ".join(FORMATS))
    if fmt in ("nt", "ttl") and result.kind != "graph":
        raise QueryError(f"--format {fmt} needs a CONSTRUCT or DESCRIBE query",
                         hint="use table, csv, tsv, json or xml for SELECT and ASK")
    if result.kind == "graph" and fmt == "json":
        fmt = "jsonld"
    if fmt == "ttl" and prefixes is None:
        prefixes = default_prefixes()
    text = result.serialize(fmt, prefixes=prefixes if fmt == "ttl" else None).decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


# --------------------------------------------------------------------------- table

def _clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal columns, with ``…`` where it was cut."""
    from wcwidth import clip, width as columns

    return text if columns(text) <= width else clip(text, 0, width - 1).rstrip() + "…"


def _cell(term: Any, prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode):
        iri = term.value
        for prefix, ns in prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"
    return " ".join(term.value.split())  # one line per row: newlines and tabs become spaces


def _is_number(term: Any) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value in NUMERIC


def to_table(result: QueryResult, *, prefixes: dict[str, str] | None = None, max_width: int = 60) -> str:
    """Aligned columns with a header and a row count; IRIs shortened with ``prefixes``; numbers
    right-aligned; cells longer than ``max_width`` columns clipped with ``…``.

    Example: ``to_table(result)`` → ``"name                total\n----------------  -------\n大型仪器项目经费   138200\n(1 row)\n"``
    """
    from tabulate import tabulate

    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    prefixes = default_prefixes() if prefixes is None else prefixes
    rows = result.bindings if result.kind == "select" else result.triples
    cells = [[_clip(_cell(t, prefixes), max_width) for t in row] for row in rows]
    numeric = [bool(rows) and all(_is_number(r[i]) or r[i] is None for r in rows) for i in range(len(result.variables))]
    text = tabulate(cells, headers=list(result.variables), tablefmt="simple", disable_numparse=True,
                    colalign=["right" if n else "left" for n in numeric] or None)
    lines = [line.rstrip() for line in text.splitlines()]
    return "\n".join(lines + [f"({len(rows)} row{'' if len(rows) == 1 else 's'})"]) + "\n"
