"""A remote SPARQL 1.1 endpoint as a ``GraphStore``.

Queries use the SPARQL 1.1 Protocol (POST ``application/sparql-query``, JSON
results), writes use SPARQL 1.1 Update, and a graph is replaced with one
Graph Store Protocol ``PUT ?graph=IRI`` when the endpoint has a graph store
(otherwise with one ``DROP SILENT GRAPH …; INSERT DATA …`` update).

jixiao keeps the endpoint's default graph equal to the merge of the named
document graphs, as in the embedded store, so the endpoint must serve its plain
default graph: Oxigraph ``oxigraph serve --location DIR`` without
``--union-default-graph`` (with it every triple would be seen twice), Fuseki
without ``tdb2:unionDefaultGraph``.

Virtuoso (recognised by its ``Server`` header) differs in ways that change answers, and is
spoken to in its own dialect:

- its default graph is the union of *all* graphs, so jixiao's merged default graph lives in one
  graph of its own, :data:`DEFAULT_GRAPH`, and every query starts with
  ``define input:default-graph-uri`` naming it;
- ``GRAPH ?g`` would also match that graph (doubling rows such as indicator_support's) and
  Virtuoso's own system graphs: ``define input:named-graph-exclude`` leaves the system graphs
  out, and each ``GRAPH ?g { … }`` gets a ``FILTER (?g != <DEFAULT_GRAPH>)`` after it
  (excluding the default graph by a define would empty the default graph too);
- under ``input:default-graph-uri`` a ``GRAPH <iri> { … }`` gives one empty solution instead of
  its matches, so it is sent as ``GRAPH ?_jxg1 { … } FILTER (?_jxg1 = <iri>)`` (a ``SELECT *``
  then shows that variable too);
- queries and updates go to the one ``/sparql`` URL as form posts (Virtuoso 7.2 never answers a
  POST with an ``application/sparql-query`` body);
- booleans come back as ``"1"``/``"0"`` (``to_python`` reads both forms);
- server limits cut or refuse answers unless raised in ``virtuoso.ini`` ``[SPARQL]``:
  ``ResultSetMaxRows`` (silently cuts at 10,000 rows), ``MaxQueryExecutionTime`` (partial
  "anytime" answers), ``MaxQueryCostEstimationTime`` (refuses ``p?`` paths).
  ``tests/test_virtuoso.py`` runs every saved query on a real Virtuoso against the embedded store.

Example: ``RemoteStore("http://127.0.0.1:7878").query("ASK { ?s ?p ?o }").boolean``
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from ingest.graph.store import EndpointError, GraphStore, StoreError, graph_node, in_graph, merged, query_error
from ingest.identifiers import BASE

ACCEPT = ("application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
          "application/sparql-results+xml;q=0.5, application/rdf+xml;q=0.5")


# Where the merged default graph is kept on a server whose default graph is the union of all
# graphs (Virtuoso): load it there, e.g. with the bulk loader (ld_dir + rdf_loader_run).
DEFAULT_GRAPH = f"{BASE}graph/default"
# Virtuoso's own graphs, which GRAPH ?g would otherwise match.
VIRTUOSO_INSERT_CHUNK = 1000     # triples per INSERT DATA request (its parser's memory limit)
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                          "http://localuriqaserver/sparql")


def virtuoso_prologue(default_graph: str = DEFAULT_GRAPH) -> str:
    """The ``define`` lines that make a Virtuoso query see jixiao's dataset: the merged default
    graph as its default graph, and none of Virtuoso's system graphs as named graphs.

    Example: ``virtuoso_prologue().splitlines()[0]`` → ``"define input:default-graph-uri <https://w3id.org/jixiao/id/graph/default>"``
    """
    lines = [f"define input:default-graph-uri <{default_graph}>"]
    lines += [f"define input:named-graph-exclude <{g}>" for g in VIRTUOSO_SYSTEM_GRAPHS]
    return "\n".join(lines) + "\n"


# Strings, IRIs and comments are skipped whole; GRAPH ?var { and GRAPH <iri> { open a group to be
# filtered.
_TOKENS = re.compile(r'(?P<named>\bGRAPH\s+(?P<iri><[^<>"{}|^`\\\s]*>|[A-Za-z][\w.-]*:[\w.-]*|:[\w.-]*)\s*\{)|'
                     r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                     r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
                     r'|(?P<graph>\bGRAPH\s+[?$](?P<var>\w+)\s*\{)|(?P<open>\{)|(?P<close>\})', re.I)


def exclude_graph(sparql: str, graph_iri: str) -> str:
    """``sparql`` with ``FILTER (?g != <graph_iri>)`` after every ``GRAPH ?g { … }`` group, so a
    variable graph never matches ``graph_iri``, and every ``GRAPH <iri> { … }`` as
    ``GRAPH ?_jxgN { … } FILTER (?_jxgN = <iri>)`` (see the module docstring).

    Example: ``exclude_graph("SELECT * { GRAPH ?g { ?s ?p ?o } }", "urn:d")`` → ``"SELECT * { GRAPH ?g { ?s ?p ?o } FILTER (?g != <urn:d>) }"``
    """
    out, stack, pos, n = [], [], 0, 0
    for m in _TOKENS.finditer(sparql):
        if m.group("named"):
            n += 1
            out.append(sparql[pos:m.start()] + f"GRAPH ?_jxg{n} {{")
            pos = m.end()
            stack.append(f"?_jxg{n} = {m.group('iri')}")
        elif m.group("graph"):
            stack.append(f"?{m.group('var')} != <{graph_iri}>")
        elif m.group("open"):
            stack.append(None)
        elif m.group("close") and stack:
            condition = stack.pop()
            if condition is not None:
                out.append(sparql[pos:m.end()] + f" FILTER ({condition})")
                pos = m.end()
    out.append(sparql[pos:])
    return "".join(out)


def serve_hint(url: str) -> str:
    """How to start the server ``url`` should reach: ``jixiao endpoint`` over a data directory.

    Example: ``serve_hint("http://127.0.0.1:7878/query")`` → ``"is the server running? … --bind 127.0.0.1:7878 …"``
    """
    bind = urlsplit(url).netloc or "127.0.0.1:7878"
    return (f"is the server running? Serve a data directory with: jixiao endpoint --bind {bind} "
            f"(it runs oxigraph serve --location var/graph --bind {bind})")


@dataclass(frozen=True)
class Endpoints:
    """Where to send queries, updates and Graph Store Protocol requests (None: no GSP)."""

    query: str
    update: str
    graph_store: str | None


def endpoints_for(url: str, *, update: str | None = None, graph_store: str | None = None) -> Endpoints:
    """Guess an endpoint's update and graph-store URLs from its query URL.

    - ``http://host:7878`` (no path, an Oxigraph server): ``/query``, ``/update``, ``/store``.
    - ``…/query`` or ``…/sparql`` (Oxigraph, Fuseki): updates to the sibling ``…/update``.
    - anything else: updates to the same URL.
    Only the bare-host form gets a graph store; pass ``graph_store`` for the others.

    Example: ``endpoints_for("http://localhost:3030/ds/query").update == "http://localhost:3030/ds/update"``
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StoreError(f"not an HTTP(S) SPARQL endpoint URL: {url!r}",
                         hint="for example --endpoint http://127.0.0.1:7878")
    path = parts.path.rstrip("/")

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, parts.query, ""))

    if not path:
        guess = Endpoints(at("/query"), at("/update"), at("/store"))
    elif re.search(r"/(query|sparql)$", path):
        guess = Endpoints(url, at(re.sub(r"(query|sparql)$", "update", path)), None)
    else:
        guess = Endpoints(url, url, None)
    return Endpoints(guess.query, update or guess.update, graph_store or guess.graph_store)


def _reason(exc: Exception) -> str:
    """The useful end of a requests exception (``[Errno 111] Connection refused``)."""
    text = str(exc)
    m = re.search(r"(\[Errno -?\d+\][^'\")]*)", text)
    return m.group(1).strip() if m else text


class RemoteStore(GraphStore):
    """A SPARQL 1.1 endpoint, reached over HTTP with ``requests``.

    Example: ``RemoteStore("http://localhost:3030/ds/query", graph_store_endpoint="http://localhost:3030/ds/data")``
    """

    def __init__(self, endpoint: str, *, update_endpoint: str | None = None,
                 graph_store_endpoint: str | None = None, timeout: float = 60.0,
                 session: Any = None, dialect: str | None = None, default_graph: str = DEFAULT_GRAPH):
        import requests

        self.endpoints = endpoints_for(endpoint, update=update_endpoint, graph_store=graph_store_endpoint)
        self._explicit_update = update_endpoint is not None
        self.location = self.endpoints.query
        self.timeout = timeout
        self._session = session or requests.Session()
        self._dialect = dialect
        self.default_graph = default_graph

    @property
    def dialect(self) -> str:
        """``"virtuoso"`` or ``"sparql11"``: asked of the server once (its ``Server`` header on ``ASK {}``)."""
        if self._dialect is None:
            r = self._request("GET", self.endpoints.query, params={"query": "ASK {}"},
                              headers={"Accept": ACCEPT}, ok_statuses=range(400, 600))
            self._dialect = "virtuoso" if "virtuoso" in r.headers.get("Server", "").lower() else "sparql11"
            if self._dialect == "virtuoso" and not self._explicit_update:
                self.endpoints = Endpoints(self.endpoints.query, self.endpoints.query, self.endpoints.graph_store)
        return self._dialect

    def _dialect_text(self, sparql: str) -> str:
        if self.dialect != "virtuoso":
            return sparql
        return virtuoso_prologue(self.default_graph) + exclude_graph(sparql, self.default_graph)

    # -- HTTP ---------------------------------------------------------------------------

    def _request(self, method: str, url: str, *, sparql: str | None = None,
                 ok_statuses: Iterable[int] = (), **kwargs: Any) -> Any:
        import requests

        try:
            r = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise EndpointError(f"the SPARQL endpoint {url} did not answer within {self.timeout:g} s",
                                url=url, hint="raise the timeout, or make the query cheaper") from None
        except requests.RequestException as e:
            raise EndpointError(f"cannot reach the SPARQL endpoint {url}: {_reason(e)}",
                                url=url, hint=serve_hint(url)) from None
        if r.status_code < 400 or r.status_code in ok_statuses:
            return r
        body = r.text.strip()
        excerpt = body[:300] + ("…" if len(body) > 300 else "")
        if r.status_code == 400 and sparql is not None:
            err = query_error(body or f"rejected by {url}", sparql)
            if err.position is None:
                err.message = f"{url} rejected the request (HTTP 400): {excerpt}"
            raise err
        raise EndpointError(f"{method} {url} failed: HTTP {r.status_code} {r.reason}"
                            + (f": {excerpt}" if excerpt else ""),
                            url=url, status=r.status_code, body=body)

    def _run(self, sparql: str) -> Any:
        if self.dialect == "virtuoso":     # a form post: Virtuoso 7.2 never answers a sparql-query body
            r = self._request("POST", self.endpoints.query, sparql=sparql,
                              data={"query": self._dialect_text(sparql)}, headers={"Accept": ACCEPT})
        else:
            r = self._request("POST", self.endpoints.query, sparql=sparql, data=sparql.encode("utf-8"),
                              headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                       "Accept": ACCEPT})
        media_type = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
            if results_format is not None:
                return ox.parse_query_results(r.content, format=results_format)
            rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
            if rdf_format is not None:
                return [q.triple for q in ox.parse(r.content, format=rdf_format)]
        except (SyntaxError, ValueError) as e:
            raise EndpointError(f"cannot read the answer of {self.endpoints.query} ({media_type}): {e}",
                                url=self.endpoints.query, status=r.status_code, body=r.text[:300]) from None
        raise EndpointError(f"{self.endpoints.query} answered with {media_type or 'no content type'}, "
                            "not SPARQL results or RDF", url=self.endpoints.query,
                            status=r.status_code, body=r.text[:300],
                            hint="is this the query URL of a SPARQL endpoint?")

    # -- GraphStore ---------------------------------------------------------------------

    def update(self, sparql: str) -> None:
        if self.dialect == "virtuoso":
            # as written: updates name their graphs (forget_orphans keeps GRAPH ?h off DEFAULT_GRAPH),
            # and the GRAPH <iri> rewrite would turn INSERT DATA templates into variables
            self._request("POST", self.endpoints.update, sparql=sparql, data={"update": sparql})
            return
        self._request("POST", self.endpoints.update, sparql=sparql, data=sparql.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def replace_graph(self, graph_iri: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Replace one document graph and keep the default graph the merge of all of them.

        Without a graph store this is one SPARQL Update request, so the endpoint applies
        it atomically; with one, the named graph goes by a single PUT.
        """
        graph = graph_node(graph_iri)
        triples = [q.triple for q in dict.fromkeys(in_graph(graph, quads))]
        if not triples:
            self.drop_graph(graph_iri)
            return 0
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        # the default graph's copy leaves the spans out (ingest.graph.store.merged)
        copies = [q.triple for q in merged(ox.Quad(*t, graph) for t in triples)]
        copy = ox.serialize(copies, format=ox.RdfFormat.N_TRIPLES).decode("utf-8") if copies else ""
        if self.endpoints.graph_store:
            self.update(forget_orphans(graph_iri))
            self._request("PUT", self.endpoints.graph_store, params={"graph": graph_iri},
                          data=body.encode("utf-8"), headers={"Content-Type": "application/n-triples"})
            self.update(f"INSERT DATA {{\n{copy}}}")
        elif self.dialect == "virtuoso":
            # the merged default graph is DEFAULT_GRAPH there; Virtuoso's SPARQL parser runs out of
            # memory past a few thousand triples in one INSERT DATA, so the data goes in chunks (not
            # one atomic request: a failure part-way is repaired by replacing the document again)
            d = self.default_graph
            self.update(f"{forget_orphans(graph_iri, d)} ;\nDROP SILENT GRAPH <{graph_iri}>")
            for into, text in ((graph_iri, body), (d, copy)):
                lines = text.splitlines(keepends=True)
                for i in range(0, len(lines), VIRTUOSO_INSERT_CHUNK):
                    chunk = "".join(lines[i:i + VIRTUOSO_INSERT_CHUNK])
                    self.update(f"INSERT DATA {{ GRAPH <{into}> {{\n{chunk}}} }}")
        else:
            self.update(f"{forget_orphans(graph_iri)} ;\nDROP SILENT GRAPH <{graph_iri}> ;\n"
                        f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{body}}} }} ;\nINSERT DATA {{\n{copy}}}")
        return len(triples)

    def drop_graph(self, graph_iri: str) -> None:
        graph_node(graph_iri)
        if self.endpoints.graph_store:
            self.update(forget_orphans(graph_iri))
            self._request("DELETE", self.endpoints.graph_store, params={"graph": graph_iri},
                          ok_statuses=(404,))
        else:
            into = self.default_graph if self.dialect == "virtuoso" else None
            self.update(f"{forget_orphans(graph_iri, into)} ;\nDROP SILENT GRAPH <{graph_iri}>")

    def close(self) -> None:
        self._session.close()


def forget_orphans(graph_iri: str, default_graph: str | None = None) -> str:
    """SPARQL Update removing from the default graph (or the graph ``default_graph`` that stands for
    it, on Virtuoso) what only ``graph_iri`` holds."""
    target = f"GRAPH <{default_graph}> {{ ?s ?p ?o }}" if default_graph else "?s ?p ?o"
    others = f"?h != <{graph_iri}>" + (f" && ?h != <{default_graph}>" if default_graph else "")
    return (f"DELETE {{ {target} }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER ({others}) }} }}")
