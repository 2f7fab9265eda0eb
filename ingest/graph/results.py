"""SPARQL answers and errors, shared by every graph store backend.

``QueryResult`` holds an answer in rdflib terms (and as Python values); the
errors carry their place: ``QueryError`` the query and the line/column, and
``EndpointError`` the URL, status and body of a failed HTTP exchange.

Example: ``result_from_oxigraph(store.query("ASK {}")).boolean``
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ingest.errors import JixiaoError

if TYPE_CHECKING:  # rdflib costs ~0.4 s to import; it is loaded where it is used
    import rdflib

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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
               "(`jixiao queries`, queries/*.rq)")



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
    try:
        known = default_prefixes()
    except ImportError:
        known = {}
    lines = [f"PREFIX {p}: <{known[p]}>" if p in known else f"PREFIX {p}: <…>" for p in missing]
    return "declare the prefixes this query uses: " + " ".join(lines)


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class QueryResult:
    """The answer to one SPARQL query, in rdflib terms.

    - ``kind``: ``"select"``, ``"ask"`` or ``"graph"`` (CONSTRUCT and DESCRIBE).
    - ``variables``: the SELECT variables in order, without ``?``.
    - ``bindings``: one tuple of terms per solution (URIRef, BNode, Literal, or None
      when unbound); exact RDF, with datatypes and language tags.
    - ``boolean``: the ASK answer. ``triples``: the CONSTRUCT/DESCRIBE triples.

    ``rows`` gives the same solutions as Python values: xsd:decimal → Decimal,
    xsd:integer → int, xsd:date → date, strings → str; IRIs stay URIRef.

    Example: ``store.query("SELECT ?n WHERE { ?p jx:name ?n }").rows[0] == ("大型仪器项目经费",)``
    """

    kind: str
    variables: tuple[str, ...] = ()
    bindings: tuple[tuple[Any, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[tuple[Any, Any, Any], ...] = ()

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        if self.kind == "graph":
            return [tuple(to_python(t) for t in triple) for triple in self.triples]
        return [tuple(to_python(t) for t in row) for row in self.bindings]

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.bindings)

    def graph(self) -> "rdflib.Graph":
        """CONSTRUCT/DESCRIBE triples as an rdflib Graph."""
        import rdflib

        g = rdflib.Graph()
        for triple in self.triples:
            g.add(triple)
        return g


def to_python(term: Any) -> Any:
    """A term as a Python value: typed literals → Decimal/int/date/…, others unchanged.

    Lexical forms that do not fit their datatype and datatypes rdflib does not
    know (xsd:gYear …) come back as their lexical ``str``.
    """
    from rdflib import Literal

    if isinstance(term, Literal):
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return term


def to_rdflib(term: Any) -> Any:
    """One pyoxigraph term as an rdflib term (None and DefaultGraph → None)."""
    from rdflib import BNode, Literal, URIRef

    if term is None or isinstance(term, ox.DefaultGraph):
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    raise StoreError(f"RDF-star triple terms are not supported in results: {term}")


def result_from_oxigraph(answer: Any) -> QueryResult:
    """Convert what ``pyoxigraph`` returns (solutions, boolean or triples)."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows = tuple(tuple(to_rdflib(solution[i]) for i in range(len(variables))) for solution in answer)
        return QueryResult("select", variables=variables, bindings=rows)
    triples = tuple((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in answer)
    return QueryResult("graph", variables=("subject", "predicate", "object"), triples=triples)
