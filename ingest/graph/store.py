"""The graph store: an Oxigraph database on disk, or any SPARQL 1.1 endpoint.

Both backends share one interface, ``GraphStore``; ``open_store()`` picks one.
The data lives in named graphs, one per source document (``JXD:graph/{doc_id}``);
``replace_graph`` swaps one document's graph in a single call, so re-ingesting a
document is idempotent. The default graph is kept equal to the RDF merge of the
named graphs (see ``merged``), on both backends, so queries without ``GRAPH``
count a triple once however many documents hold it. Two kinds of data are kept once,
in their own named graph, and read with ``GRAPH ?g { … }``: spans (``oa:SpecificResource``
and their selectors, a third of the quads), each of which belongs to one document, and
what jixiao derives rather than a document states (the support links of each document's
``…/inferred`` graph, the review's rules and findings). A remote server must NOT
use its own union-default-graph mode (Oxigraph: serve without
``--union-default-graph``), or every triple would be seen twice.

Writes go through Oxigraph's own loader; answers come back as pyoxigraph terms in a
``QueryResult`` (``ingest.graph.results``), which pyoxigraph also serializes.

Example: ``with open_store("var") as g: g.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows``
"""
from __future__ import annotations

import io
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyoxigraph as ox

from ingest import identifiers as iris

from ingest.graph.results import (EndpointError, QueryError, QueryResult, StoreError, default_prefixes,  # noqa: F401
                                  prefix_hint, query_error, result_from_oxigraph)


# --format name -> Oxigraph serializer. ttl/nt/jsonld hold the union of the named
# graphs (one graph of distinct triples); trig/nq keep every named graph.
EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}
QUAD_FORMATS = frozenset({"trig", "nq"})

UNION_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
NAMED_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
GRAPH_NAMES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


READ_ATTEMPTS = 5   # a read-only view re-opened this often when the writer removed a file under it


def _vanished(error: BaseException) -> bool:
    """True for the error of a read-only view whose files the writer has just replaced."""
    text = str(error)
    return "No such file" in text or "Corruption" in text


def graph_node(graph_iri: str) -> ox.NamedNode:
    """The named node of a graph IRI; a StoreError if it is not an absolute IRI."""
    try:
        return ox.NamedNode(graph_iri)
    except ValueError as e:
        raise StoreError(f"not a graph IRI: {graph_iri!r} ({e})",
                         hint="graphs are named jxd:graph/{doc_id}, see ingest/identifiers.py") from None


def in_graph(graph: ox.NamedNode, quads: Iterable[ox.Quad | ox.Triple]) -> Iterator[ox.Quad]:
    """Put triples (or default-graph quads) into ``graph``; refuse quads of another graph.

    Blank nodes are refused too: the default graph keeps a copy of every document
    triple, and a blank node cannot be matched again across graphs or requests.
    jixiao mints an IRI for every node (``ingest/identifiers.py``).
    """
    for q in quads:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            raise StoreError(f"blank node in {q}", hint="give every node an IRI (see ingest/identifiers.py)")
        if isinstance(q, ox.Triple) or isinstance(q.graph_name, ox.DefaultGraph):
            yield ox.Quad(q.subject, q.predicate, q.object, graph)
        elif q.graph_name == graph:
            yield q
        else:
            raise StoreError(f"quad {q} belongs to graph {q.graph_name}, not {graph}",
                             hint="replace_graph() writes one document's graph; group quads by graph_name")


def drop_update(graph_iri: str) -> str:
    """SPARQL Update dropping one named graph and the default-graph triples no other graph holds."""
    return (f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (?h != <{graph_iri}>) }} }} ;\n"
            f"DROP SILENT GRAPH <{graph_iri}>")


def merged(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The default-graph copies of ``quads``.

    Every store keeps its default graph equal to the RDF merge (set union) of the
    named document graphs. A store's own "union default graph" mode repeats a
    triple once per graph that holds it, so a budget or a category label found in
    two documents would be counted twice by every SUM and COUNT.
    Not copied, because the copy would only be a second set of their quads: spans
    (``ingest.identifiers.is_span_node``), each of which belongs to one document, and the
    derived graphs (``is_derived_graph``: support links, review findings): the default graph is
    the merge of what the documents state, and what jixiao derived is read in its own graph.
    """
    return [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads
            if not (isinstance(q.subject, ox.NamedNode) and iris.is_span_node(q.subject.value))
            and not (isinstance(q.graph_name, ox.NamedNode) and iris.is_derived_graph(q.graph_name.value))]


# An N-Quads line whose subject is a span or a selector (see ``merged``), for the bulk loader's copy.
_SPAN_LINE = re.compile(rb"^<" + re.escape(iris.BASE[:-1].encode()) + iris.SPAN_NODE_PATTERN.encode()
                        + rb"> [^\n]*\n", re.M)


class NQuads:
    """One named graph serialized as N-Quads: what a worker process hands the writer (bytes
    pickle fast, pyoxigraph terms do not) and what the bulk loader reads. Iterating it gives
    the quads back, so it goes wherever a list of quads goes.

    Example: ``NQuads.of(iri, quads).count == len(set(quads))``
    """

    __slots__ = ("graph", "data", "count")

    def __init__(self, graph: str, data: bytes, count: int):
        self.graph, self.data, self.count = graph, data, count

    @classmethod
    def of(cls, graph_iri: str, quads: Iterable[ox.Quad | ox.Triple]) -> "NQuads":
        """``quads`` put in ``graph_iri`` (``in_graph``: no blank nodes, no other graph). The builders'
        ``GraphWriter`` keeps no repeats; the bulk loader would drop any anyway."""
        checked = list(in_graph(graph_node(graph_iri), quads))
        return cls(graph_iri, ox.serialize(checked, format=ox.RdfFormat.N_QUADS), len(checked))

    def with_default_copies(self) -> bytes:
        """The graph's lines and the same lines in the default graph, spans left out (see ``merged``).
        A line ends in `` <graph> .``: a literal holds no raw newline, so only line ends match."""
        if iris.is_derived_graph(self.graph):
            return self.data
        copies = _SPAN_LINE.sub(b"", self.data)
        return self.data + copies.replace(f" <{self.graph}> .\n".encode("utf-8"), b" .\n")

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(ox.parse(self.data, format=ox.RdfFormat.N_QUADS))

    def __len__(self) -> int:
        return self.count

    def __reduce__(self):
        return (NQuads, (self.graph, self.data, self.count))

    def __repr__(self) -> str:
        return f"<NQuads {self.graph} {self.count} quads>"


class _Lines(io.RawIOBase):
    """A binary stream over byte strings made one after another (each graph's lines and their
    default-graph copies), for the bulk loader."""

    def __init__(self, parts: Iterable[bytes]):
        self._parts = iter(parts)
        self._current = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not len(self._current):
            part = next(self._parts, None)
            if part is None:
                return 0
            self._current = memoryview(part)
        n = min(len(buffer), len(self._current))
        buffer[:n] = self._current[:n]
        self._current = self._current[n:]
        return n


# --------------------------------------------------------------------------- interface

class GraphStore(ABC):
    """One RDF dataset of named graphs, queried with SPARQL 1.1.

    ``location`` is the directory or URL, for messages.
    """

    location: str

    @abstractmethod
    def _run(self, sparql: str) -> Any:
        """Run a query; answer as pyoxigraph QuerySolutions, QueryBoolean or triples."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update. Example: ``store.update("DROP ALL")``"""

    @abstractmethod
    def replace_graph(self, graph_iri: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Make ``quads`` the whole content of one named graph; return the number of distinct quads.

        Triples and default-graph quads go into ``graph_iri``; a quad of another graph is an error.
        One call per document makes re-ingesting idempotent.

        Example: ``store.replace_graph(JXD + "graph/33c4abcdc6cea628", graph.document_quads(...))``
        """

    @abstractmethod
    def drop_graph(self, graph_iri: str) -> None:
        """Remove one named graph; dropping a graph that is not there is not an error."""

    def has_graph(self, graph_iri: str) -> bool:
        """True when the named graph holds at least one quad."""
        return bool(self._run(f"ASK {{ GRAPH <{graph_node(graph_iri).value}> {{ ?s ?p ?o }} }}"))

    def add_graphs(self, graphs: Iterable["NQuads"]) -> int:
        """Write named graphs that are not in the store yet, with their default-graph copies;
        returns the number of quads. Here one ``replace_graph`` each; the embedded store loads
        them all in one pass of Oxigraph's bulk loader."""
        return sum(self.replace_graph(g.graph, g) for g in graphs)

    def close(self) -> None:
        """Release the store (the on-disk lock, the HTTP connections)."""

    def compact(self) -> None:
        """Reclaim the space of what was replaced or removed. A server compacts on its own."""

    def repair_default_graph(self) -> int:
        """Make the default graph the merge of the named graphs again (after a fault between the
        two writes of a replacement); returns the number of triples added or removed."""
        count = "SELECT (COUNT(*) AS ?n) WHERE { %s }"
        stale = "?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } }"
        missing = ("GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } "   # spans, derived graphs: not copied
                   f"FILTER (!{iris.span_node_filter()} && !{iris.derived_graph_filter()})")
        n = sum(int(next(iter(self._run(count % w)))[0].value) for w in (stale, missing))
        if n:
            self.update(f"DELETE {{ ?s ?p ?o }} WHERE {{ {stale} }} ;\n"
                        f"INSERT {{ ?s ?p ?o }} WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ {missing} }} }}")
        return n

    def forget_old_copies(self, graph_iri: str) -> None:
        """Remove from the default graph the copies an older layout made of one graph's spans, or of
        a derived graph's triples (``merged``: neither is copied now), unless a document graph
        states the triple too. One update per graph, so no transaction grows with the store."""
        graph = graph_node(graph_iri).value
        if iris.is_derived_graph(graph):
            self.update(f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} ?s ?p ?o "
                        f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (!{iris.derived_graph_filter()}) }} }}")
        self.update(f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} ?s ?p ?o "
                    f"FILTER ({iris.span_node_filter()}) }}")

    def query(self, sparql: str) -> QueryResult:
        """Run a SPARQL 1.1 query; its default graph is the merge of every document graph.

        Example: ``store.query("ASK { ?s ?p ?o }").boolean``
        """
        return result_from_oxigraph(self._run(sparql))

    def graphs(self) -> list[str]:
        """IRIs of the non-empty named graphs, sorted."""
        return [s[0].value for s in self._run(GRAPH_NAMES)]

    def count_quads(self, graph_iri: str | None = None) -> int:
        """Number of quads in one named graph, or in all named graphs (jixiao writes no other)."""
        graph = f"<{graph_node(graph_iri).value}>" if graph_iri else "?g"
        solutions = self._run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        return int(next(iter(solutions))[0].value)

    def export(self, format: str = "ttl", prefixes: dict[str, str] | None = None) -> bytes:
        """Serialize the data: ttl/nt/jsonld the union of the graphs, trig/nq every named graph.

        Example: ``Path("graph.trig").write_bytes(store.export("trig"))``
        """
        if format not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format {format!r}",
                             hint="choose one of " + ", ".join(EXPORT_FORMATS))
        rdf_format = EXPORT_FORMATS[format]
        if format in QUAD_FORMATS:
            data: Iterable[Any] = [ox.Quad(s[0], s[1], s[2], s[3]) for s in self._run(NAMED_QUADS)]
        else:
            data = list(self._run(UNION_TRIPLES))
        if format in ("ttl", "trig"):
            prefixes = default_prefixes() if prefixes is None else prefixes
            return ox.serialize(data, format=rdf_format, prefixes=prefixes)
        return ox.serialize(data, format=rdf_format)

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"


# --------------------------------------------------------------------------- embedded

class EmbeddedStore(GraphStore):
    """An Oxigraph store in a directory (``<data_dir>/graph/``), or in memory when ``path`` is None.

    Only one process may open the directory for writing; ``read_only=True`` opens
    a secondary, read-only view (for a UI next to a running ingest).

    Example: ``EmbeddedStore("var/graph").replace_graph(iri, quads)``
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.location = str(path) if path is not None else ":memory:"
        self._path, self.read_only = path, read_only
        try:
            if path is None:
                self._store: ox.Store | None = ox.Store()
            elif read_only:
                self._store = self._open_read_only()
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except (OSError, RuntimeError) as e:
            if read_only:
                raise StoreError(f"cannot read the graph store in {path}: {e}",
                                 hint="it may be half made (a first ingest killed while it created it): "
                                      "the next `jixiao ingest` repairs it") from None
            raise StoreError(f"cannot open the graph store in {path}: {e}",
                             hint="another jixiao process (ingest, UI) may have it open: stop it, "
                                  "or open this one read-only") from e

    def _open_read_only(self, attempts: int = READ_ATTEMPTS) -> ox.Store:
        """A read-only view; asked again when the writer is just creating or compacting the store."""
        import time
        for attempt in range(attempts):
            try:
                return ox.Store.read_only(str(self._path))
            except (OSError, RuntimeError) as e:
                transient = _vanished(e) or "Column family not found" in str(e)
                if attempt == attempts - 1 or not transient:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise StoreError(f"cannot read the graph store in {self._path}")

    def graphs(self) -> list[str]:
        """IRIs of the non-empty named graphs, sorted. The writer reads them from the store's graph
        index (the SPARQL form scans every quad: 90–156 s per write at 1,000 projects); a read-only
        view asks SPARQL, which opens a view the writer replaced afresh."""
        if self.read_only:
            return super().graphs()
        store = self.oxigraph
        try:
            return sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)
                          and next(iter(store.quads_for_pattern(None, None, None, g)), None) is not None)
        except OSError as e:
            raise StoreError(f"cannot read the graph store {self.location}: {e}") from e

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph Store."""
        if self._store is None:
            raise StoreError(f"the graph store {self.location} is closed")
        return self._store

    def _run(self, sparql: str) -> Any:
        if self.read_only:
            return self._run_read_only(sparql)
        try:
            return self.oxigraph.query(sparql)
        except SyntaxError as e:
            raise query_error(str(e), sparql) from None
        except OSError as e:
            raise StoreError(f"cannot read the graph store {self.location}: {e}") from e

    def _run_read_only(self, sparql: str, attempts: int = READ_ATTEMPTS) -> Any:
        """A query on a read-only view, answered in full before it returns. The writer may delete
        files (after a flush or a compaction) that this view still lists; then the view is opened
        afresh and the query asked again."""
        for attempt in range(attempts):
            try:
                answer = self.oxigraph.query(sparql)
                if isinstance(answer, ox.QuerySolutions):
                    return ox.parse_query_results(answer.serialize(format=ox.QueryResultsFormat.JSON),
                                                  format=ox.QueryResultsFormat.JSON)
                return answer if isinstance(answer, ox.QueryBoolean) else list(answer)
            except SyntaxError as e:
                raise query_error(str(e), sparql) from None
            except (OSError, RuntimeError) as e:
                if attempt == attempts - 1 or not _vanished(e):
                    raise StoreError(f"cannot read the graph store {self.location}: {e}") from None
                import time
                time.sleep(0.05 * (attempt + 1))
                try:
                    self._store = ox.Store.read_only(str(self._path))
                except (OSError, RuntimeError):
                    continue
        raise StoreError(f"cannot read the graph store {self.location}")

    def update(self, sparql: str) -> None:
        try:
            self.oxigraph.update(sparql)
        except SyntaxError as e:
            raise query_error(str(e), sparql) from None
        except OSError as e:
            raise StoreError(f"cannot write the graph store {self.location}: {e}") from e

    def replace_graph(self, graph_iri: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Make ``quads`` the graph's content, writing only the difference.

        Re-ingesting an unchanged document writes nothing, and a small edit
        writes a small change (removing a whole graph costs Oxigraph about as
        much as loading it again). Deletions and insertions are two transactions.
        """
        graph = graph_node(graph_iri)
        canonical = ox.Store()  # Oxigraph stores literals canonically ("1.50" → "1.5"): compare like with like
        canonical.extend(in_graph(graph, quads))
        new = set(canonical)
        try:
            old = set(self.oxigraph.quads_for_pattern(None, None, None, graph))
            stale = old - new
            if stale == old and old:
                self.oxigraph.remove_graph(graph)
            elif stale:
                self._delete(graph, stale)
            self._forget_orphans(q.triple for q in stale)
            added = new - old
            self.oxigraph.extend([*added, *merged(added)])  # one transaction
        except OSError as e:
            raise StoreError(f"cannot write graph <{graph_iri}> to {self.location}: {e}") from e
        return len(new)

    def _forget_orphans(self, triples: Iterable[ox.Triple]) -> None:
        """Remove from the default graph the triples no named graph holds any more."""
        store = self.oxigraph
        for t in set(triples):
            if not any(isinstance(q.graph_name, ox.NamedNode)
                       for q in store.quads_for_pattern(t.subject, t.predicate, t.object, None)):
                store.remove(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))

    def _delete(self, graph: ox.NamedNode, quads: set[ox.Quad]) -> None:
        """Delete quads: one DELETE DATA for those without blank nodes (not allowed there)."""
        plain = [q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))]
        if plain:
            body = ox.serialize([q.triple for q in plain], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            self.oxigraph.update(f"DELETE DATA {{ GRAPH <{graph.value}> {{\n{body}}} }}")
        for q in quads.difference(plain):
            self.oxigraph.remove(q)

    def has_graph(self, graph_iri: str) -> bool:
        graph = graph_node(graph_iri)
        return next(iter(self.oxigraph.quads_for_pattern(None, None, None, graph)), None) is not None

    def add_graphs(self, graphs: Iterable[NQuads]) -> int:
        """Write new named graphs and their default-graph copies with Oxigraph's bulk loader, in
        one call (about 3× one transaction per graph, see bench/results.md).

        For graphs not in the store yet (a graph already there would keep its stale quads: use
        ``replace_graph``). Not one transaction: a crash part-way leaves some of the quads, which
        is why ``ingest.sync`` lists a document in views.json only after this returns, and heals
        (drops or derives again) a document it does not list.
        """
        graphs = [g for g in graphs if g.count]
        if not graphs:
            return 0
        try:
            # our own serializer wrote it (valid IRIs, canonical terms): lenient skips re-validating them;
            # read as a stream, so the batch is never copied into one buffer
            self.oxigraph.bulk_load(_Lines(g.with_default_copies() for g in graphs), format=ox.RdfFormat.N_QUADS,
                                    lenient=True)
        except OSError as e:
            raise StoreError(f"cannot write {len(graphs)} graphs to {self.location}: {e}") from e
        return sum(g.count for g in graphs)

    def drop_graph(self, graph_iri: str) -> None:
        """One SPARQL Update, so one transaction: the graph and the default-graph triples only it
        held go together, and a crash leaves both or neither."""
        graph = graph_node(graph_iri)
        try:
            self.oxigraph.update(drop_update(graph.value))
        except OSError as e:
            raise StoreError(f"cannot drop graph <{graph_iri}> in {self.location}: {e}") from e

    def compact(self) -> None:
        """Compact the database (RocksDB's full compaction, through Oxigraph's ``optimize``).

        Bulk loads write files side by side and replaced graphs leave their old quads behind until
        a compaction: a 10,424-project store took 7.4 GiB before and 4.4 GiB after (57 s). It rewrites
        the whole store, so ``KnowledgeBase.ingest`` asks for it only after large batches.
        Example: ``store.compact()``
        """
        try:
            self.oxigraph.optimize()
        except OSError as e:
            raise StoreError(f"cannot compact the graph store {self.location}: {e}") from e

    def close(self) -> None:
        if self._store is not None and not self.read_only:
            try:
                self._store.flush()
            except (OSError, RuntimeError):
                pass  # an in-memory store has nothing to flush
        self._store = None  # the RocksDB lock goes with the last reference


def server_command(data_dir: str | Path, bind: str = "127.0.0.1:7878", *, read_only: bool = False,
                   cors: bool = False) -> list[str]:
    """The Oxigraph server command that serves a data directory's graph store over SPARQL 1.1.

    The store's default graph is already the merge of the document graphs, so
    the server runs without ``--union-default-graph``. Read-write (the default)
    locks the store: ingest through it with ``jixiao --endpoint http://BIND ingest``.

    Example: ``subprocess.run(server_command("var", "127.0.0.1:7878"))``
    """
    import shutil
    import sys

    beside = Path(sys.executable).with_name("oxigraph")
    binary = str(beside) if beside.exists() else shutil.which("oxigraph")
    if binary is None:
        raise StoreError("the Oxigraph server binary is not installed", hint="pip install oxigraph")
    location = Path(data_dir) / "graph"
    if read_only and not location.exists():
        raise StoreError(f"no graph store in {data_dir}", hint="run `jixiao ingest` first")
    cmd = [binary, "serve-read-only" if read_only else "serve", "--location", str(location), "--bind", bind]
    return cmd + (["--cors"] if cors else [])
