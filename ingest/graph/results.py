"""SPARQL answers and errors, shared by every graph store backend.

``QueryResult`` holds an answer in pyoxigraph terms (and as Python values) and
writes it with pyoxigraph's own serializers, so rdflib stays off the query path;
the errors carry their place: ``QueryError`` the query and the line/column, and
``EndpointError`` the URL, status and body of a failed HTTP exchange.

Example: ``result_from_oxigraph(store.query("ASK {}")).boolean``
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from ingest.errors import JixiaoError

XSD = "http://www.w3.org/2001/XMLSchema#"

# --------------------------------------------------------------------------- errors

class StoreError(JixiaoError):
    """The graph store could not be opened, read or written.

    Example: ``StoreError("store is locked", hint="stop the other jixiao process")``
    """


class QueryError(StoreError):
    """A SPARQL query or update was rejected.

    ``position`` is the (line, column) the parser stopped at, both 1-based, or
    None when the endpoint did not say; the message then shows that line with a caret.

    Example: ``QueryError("expected GRAPH", query="INSERT DATA { <a> }", position=(1, 20))``
    """

    def __init__(self, message: str, *, query: str | None = None,
                 position: tuple[int, int] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.query = query
        self.position = position

    def place(self) -> str | None:
        return f"SPARQL error at line {self.position[0]}, column {self.position[1]}" if self.position else None

    def excerpt(self) -> str:
        if not self.position:
            return ""
        line, col = self.position
        lines = (self.query or "").splitlines()
        if not 0 < line <= len(lines):
            return ""
        shown = lines[line - 1]
        return f"\n  {line:>3} | {shown}\n      | {' ' * min(col - 1, len(shown))}^"


class EndpointError(StoreError):
    """A remote SPARQL endpoint answered with an error, or could not be reached.

    Example: ``EndpointError("HTTP 500", url="http://localhost:7878/query", status=500, body="…")``
    """

    def __init__(self, message: str, *, url: str, status: int | None = None,
                 body: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.url = url
        self.status = status
        self.body = body


_POSITION = (
    re.compile(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", re.S),  # Oxigraph
    re.compile(r"line (\d+), column (\d+)", re.S),  # Jena/Fuseki, RDF4J
)


# Oxigraph lists the character ranges it expected (['A' ..= 'Z' | …]): noise to a reader.
_CHAR_CLASS = re.compile(r"\[[^\[\]]*\.\.=[^\[\]]*\]")


def default_prefixes() -> dict[str, str]:
    """The ontology's namespaces: the prefixes of Turtle/TriG exports and of prefix hints."""
    from ontology import NAMESPACES

    return dict(NAMESPACES)


SYNTAX_HINT = ("the caret marks where the parser stopped; the saved queries are working examples "
               "(`jixiao queries`, ontology/queries/*.rq)")


def query_error(message: str, query: str) -> QueryError:
    """A QueryError from a parser message, with the line and column it names, if any.

    Example: ``query_error("error at 1:20: expected GRAPH", q).position == (1, 20)``
    """
    message = " ".join(_CHAR_CLASS.sub("…", message).split())
    hint = prefix_hint(query) or SYNTAX_HINT
    for pattern in _POSITION:
        m = pattern.search(message)
        if m:
            rest = m.group(3) if m.lastindex and m.lastindex >= 3 else message
            return QueryError(rest.strip() or message, query=query, hint=hint,
                              position=(int(m.group(1)), int(m.group(2))))
    return QueryError(message, query=query, hint=hint)


def prefix_hint(query: str) -> str | None:
    """How to declare the prefixes a query uses but does not declare, or None.

    Example: ``prefix_hint("SELECT * { ?p jx:name ?n }")`` → ``"declare … PREFIX jx: <https://w3id.org/jixiao/ontology#>"``
    """
    code = re.sub(r"#[^\n]*|<[^<>\s]*>|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", " ", query)
    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([\w.-]*):", code)}
    used = dict.fromkeys(re.findall(r"(?<![\w?$:/.-])([A-Za-z][\w.-]*):[\w%]", code))
    missing = [p for p in used if p.lower() not in declared and p.lower() != "prefix"]
    if not missing:
        return None
    known = default_prefixes()
    lines = [f"PREFIX {p}: <{known[p]}>" if p in known else f"PREFIX {p}: <…>" for p in missing]
    return "declare the prefixes this query uses: " + " ".join(lines)


# --------------------------------------------------------------------------- results

# SPARQL 1.1 results formats (SELECT, ASK), and RDF formats (CONSTRUCT, DESCRIBE), by name.
RESULTS_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                   "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}
RDF_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
               "xml": ox.RdfFormat.RDF_XML}
TRIPLE_VARIABLES = ("subject", "predicate", "object")


@dataclass(frozen=True)
class QueryResult:
    """The answer to one SPARQL query, in pyoxigraph terms.

    - ``kind``: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT and DESCRIBE).
    - ``variables``: the SELECT variables in order, without ``?``.
    - ``bindings``: one tuple of terms per solution (``NamedNode``, ``BlankNode``,
      ``Literal``, or None when unbound); exact RDF, with datatypes and language tags.
    - ``boolean``: the ASK answer. ``triples``: the CONSTRUCT/DESCRIBE (subject, predicate, object) terms.
    - ``solutions``: the SELECT/ASK answer as the engine wrote it (SPARQL results JSON),
      which :meth:`serialize` turns into the other formats.

    ``truncated`` is True when the answer was cut at a row cap (there were more rows).

    ``rows`` gives the same solutions as Python values (see :func:`to_python`): IRIs as
    ``str``, xsd:decimal → Decimal, xsd:integer → int, xsd:date → date, strings → str.

    Example: ``store.query("SELECT ?n WHERE { ?p jx:name ?n }").rows[0] == ("大型仪器项目经费",)``
    """

    kind: str
    variables: tuple[str, ...] = ()
    bindings: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Any, Any, Any], ...] = ()
    solutions: bytes = field(default=b"", repr=False, compare=False)
    truncated: bool = field(default=False, compare=False)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [tuple(to_python(t) for t in row) for row in (self.triples if self.kind == "graph" else self.bindings)]

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.bindings)

    def head(self, n: int) -> "QueryResult":
        """The first ``n`` solutions or triples (a row cap)."""
        if self.kind == "graph":
            return QueryResult(self.kind, self.variables, triples=self.triples[:n],
                               truncated=self.truncated or len(self.triples) > n)
        if self.kind == "ask" or len(self.bindings) <= n:
            return self
        answer = json.loads(self.solutions)
        answer["results"]["bindings"] = answer["results"]["bindings"][:n]
        return QueryResult(self.kind, self.variables, self.bindings[:n],
                           solutions=json.dumps(answer, ensure_ascii=False).encode("utf-8"), truncated=True)

    def serialize(self, format: str, prefixes: dict[str, str] | None = None) -> bytes:
        """The answer written by pyoxigraph: a SELECT or ASK answer in a SPARQL 1.1 results
        format (``json``, ``csv``, ``tsv``, ``xml``); a CONSTRUCT or DESCRIBE answer in an RDF
        format (``nt``, ``ttl``, ``jsonld``, ``xml`` for RDF/XML; Turtle with ``prefixes``), or
        as solutions of ?subject ?predicate ?object (``csv``, ``tsv``, ``json`` results).

        Example: ``store.query("SELECT * { ?s ?p ?o } LIMIT 1").serialize("csv")``
        """
        if self.kind == "graph" and format in RDF_FORMATS:
            triples = [ox.Triple(*t) for t in self.triples]
            return ox.serialize(triples, format=RDF_FORMATS[format], prefixes=prefixes) or b""
        if format not in RESULTS_FORMATS:
            raise QueryError(f"no {format!r} serialization of a {self.kind.upper()} answer",
                             hint="choose one of " + ", ".join(RESULTS_FORMATS))
        return self._solutions().serialize(format=RESULTS_FORMATS[format])

    def _solutions(self) -> Any:
        """The answer as pyoxigraph ``QuerySolutions`` / ``QueryBoolean``, ready to serialize."""
        if self.kind == "graph":  # the triples as solutions of ?subject ?predicate ?object
            store = ox.Store()
            store.extend(ox.Quad(*t, ox.DefaultGraph()) for t in self.triples)
            return store.query("SELECT ?%s ?%s ?%s WHERE { ?subject ?predicate ?object }" % TRIPLE_VARIABLES)
        solutions = self.solutions
        if self.kind == "ask" and not solutions:
            solutions = b'{"head":{},"boolean":%s}' % (b"true" if self.boolean else b"false")
        return ox.parse_query_results(solutions, format=ox.QueryResultsFormat.JSON)


def _number(kind: type, lexical: str) -> Any:
    try:
        return kind(lexical)
    except (ValueError, InvalidOperation):
        return lexical


_INTEGERS = frozenset(XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"))
_VALUES = {XSD + "decimal": lambda v: _number(Decimal, v), XSD + "double": lambda v: _number(float, v),
           XSD + "float": lambda v: _number(float, v), XSD + "date": lambda v: _number(date.fromisoformat, v),
           XSD + "dateTime": lambda v: _number(datetime.fromisoformat, v),
           XSD + "boolean": lambda v: {"true": True, "1": True, "false": False, "0": False}.get(v, v)}


def to_python(term: Any) -> Any:
    """A term as a Python value: an IRI as ``str``; xsd:decimal, the integer types, double/float,
    boolean, date and dateTime literals as Decimal, int, float, bool, date, datetime; other
    literals (strings, xsd:gYear …) and lexical forms that do not fit their type as ``str``;
    blank nodes and None unchanged.

    Example: ``to_python(ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal"))) == Decimal("1.50")``
    """
    if isinstance(term, ox.NamedNode):
        return term.value
    if not isinstance(term, ox.Literal):
        return term
    datatype = term.datatype.value
    if datatype in _INTEGERS:
        return _number(int, term.value)
    convert = _VALUES.get(datatype)
    return convert(term.value) if convert else term.value


def result_from_oxigraph(answer: Any) -> QueryResult:
    """Convert what ``pyoxigraph`` returns (solutions, boolean or triples)."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        written = answer.serialize(format=ox.QueryResultsFormat.JSON)
        solutions = ox.parse_query_results(written, format=ox.QueryResultsFormat.JSON)
        variables = tuple(v.value for v in solutions.variables)
        rows = tuple(tuple(solution[i] for i in range(len(variables))) for solution in solutions)
        return QueryResult("select", variables=variables, bindings=rows, solutions=written)
    triples = tuple((t.subject, t.predicate, t.object) for t in answer)
    return QueryResult("graph", variables=TRIPLE_VARIABLES, triples=triples)
