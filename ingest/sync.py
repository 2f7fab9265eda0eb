"""The graph as a view of the records: derive a document's two named graphs, write or drop them
so that a document is either whole in the view or absent, and heal the view after a fault.

The records (``ingest.storage``) are the source of truth. For each document the graph holds
``JXD:graph/{doc_id}`` (what it states) and ``…/inferred`` (the support links); which document
versions the graph reflects is written in ``<data_dir>/views.json`` (``ingest.storage.views``):

- **writing** a document: its quads are computed in memory first (:func:`derive_graphs`; any
  failure there changes nothing); its entry is removed from the view state, both graphs are
  replaced, then the entry is written back. A kill in between leaves the document unlisted.
  A batch of documents (:meth:`GraphView.write_many`) goes the same way with one view-state write
  before and one after: the graphs of documents new to the store through one pass of the bulk
  loader, the others replaced one by one.
- **dropping** a document: each graph goes with the default-graph triples only it held, in one
  transaction, then the entry goes.
- **healing** (:meth:`GraphView.heal`): documents in the records but not in the view are derived
  again from the stored records; graphs of documents the records no longer hold are dropped; the
  default graph is made the merge of the named graphs again. So a kill, a crash or a failed remote
  write heals on the next command that may write.

Example: ``GraphView(store, ViewState("var"), "graph").heal(RecordStore("var"))``
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ingest import identifiers as iris
from ingest.storage.recordstore import RecordStore
from ingest.storage.views import ViewState

_DOC_GRAPH = re.compile(re.escape(iris.graph_iri("")) + r"([0-9a-f]{16})(" + re.escape(iris.INFERRED) + ")?$")


@dataclass
class DerivedGraphs:
    """The quads of one document version: graph IRI → quads (the document graph, and its
    ``…/inferred`` graph when support links were computed).

    Example: ``derive_graphs(doc.doc_id, doc.name, doc.text, projects).support`` → ``False``
    """

    doc_id: str
    graphs: dict[str, Any]          # a list of quads, or ingest.graph.store.NQuads (built in a worker)
    support: bool

    @property
    def quads(self) -> int:
        return sum(len(q) for q in self.graphs.values())


def graph_iris(doc_id: str) -> tuple[str, str]:
    """The two named graphs of a document: (what it states, the inferred support links)."""
    return iris.graph_iri(doc_id), iris.inferred_graph_iri(doc_id)


def derive_graphs(doc_id: str, file: str, text: str, projects: list, departments: list = (),
                  encoder: Any = None, stated: Any = None) -> DerivedGraphs:
    """Both graphs of one document, computed in memory (nothing is written).

    With ``encoder`` the indicator → basis support links are ranked into the inferred graph
    (every basis of every indicator: trace reads the whole ranking from the graph). ``stated``
    is the document graph when it was already built from these records (in a worker process).

    Example: ``derive_graphs(doc.doc_id, doc.name, doc.text, result.projects).quads > 4000``
    """
    from ingest.graph.build import document_quads

    stated_iri, inferred = graph_iris(doc_id)
    graphs = {stated_iri: stated if stated is not None else document_quads(doc_id, file, text, projects, departments)}
    if encoder is not None:
        from ingest.support.rdf import support_quads
        from ingest.support.score import support_links

        links = support_links(projects, encoder, text)
        graphs[inferred] = support_quads(doc_id, projects, links, encoder_name=encoder.name)
    return DerivedGraphs(doc_id, graphs, encoder is not None)


def derive_from_records(records: RecordStore, doc_id: str, encoder: Any = None) -> DerivedGraphs:
    """The graphs of a stored document, derived again from its records and normalized text."""
    from pathlib import Path

    from ingest.storage.codec import department_from_dict, project_from_dict

    payload = records.payload(doc_id)
    projects = [project_from_dict(d) for d in payload["projects"]]
    departments = [department_from_dict(d) for d in payload.get("departments", ())]
    return derive_graphs(doc_id, Path(payload["file"]).name, records.text(doc_id), projects, departments, encoder)


@dataclass
class HealReport:
    """What healing did: documents derived again, documents dropped, default-graph triples fixed,
    the review graph written again, the corpus summary added up again (by the knowledge base, which
    owns both).

    Example: ``HealReport(derived=["33c4abcdc6cea628"]).summary()`` → ``"healed the graph: 1 document(s) derived again"``
    """

    derived: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    repaired: int = 0
    reviewed: bool = False
    summed: bool = False

    def __bool__(self) -> bool:
        return bool(self.derived or self.dropped or self.repaired or self.reviewed or self.summed)

    def summary(self) -> str:
        parts = []
        if self.derived:
            parts.append(f"{len(self.derived)} document(s) derived again")
        if self.dropped:
            parts.append(f"{len(self.dropped)} removed document(s) dropped")
        if self.repaired:
            parts.append(f"{self.repaired} default-graph triple(s) repaired")
        if self.reviewed:
            parts.append("the review written again")
        if self.summed:
            parts.append("the corpus summary added up again")
        return "healed the graph: " + ", ".join(parts) if parts else "the graph agrees with the records"


class GraphView:
    """The graph store seen as a view of the records.

    ``location`` names the store in the view state (``"graph"`` for the embedded store, the
    query URL for an endpoint); ``owned`` is True when every jixiao graph in the store belongs to
    this data directory (the embedded store), so graphs no record names may be dropped. On a
    shared endpoint only the graphs this directory wrote are touched.

    Example: ``GraphView(kb.graph, kb.views, "graph").drop("33c4abcdc6cea628")``
    """

    def __init__(self, store: Any, state: ViewState, location: str, owned: bool = True):
        self.store = store
        self.state = state
        self.location = location
        self.owned = owned

    def observed(self) -> dict[str, dict[str, Any]]:
        """Documents whose graph is in the store: doc id → {"support": has an inferred graph}."""
        found: dict[str, dict[str, Any]] = {}
        for g in self.store.graphs():
            m = _DOC_GRAPH.match(g)
            if m:
                entry = found.setdefault(m.group(1), {"support": False, "stated": False})
                entry["support" if m.group(2) else "stated"] = True
        return {d: {"support": e["support"]} for d, e in found.items() if e["stated"]}

    def reflected(self) -> dict[str, dict[str, Any]]:
        """The document versions the graph is known to hold whole."""
        docs = self.state.graph_docs(self.location)
        if docs is None:   # a store written before views.json existed: what is there
            docs = self.observed()
            self.state.set_graph_docs(self.location, docs)
        return docs

    def write(self, derived: DerivedGraphs) -> None:
        """Make both graphs of ``derived`` the document's graphs; listed only once both are written."""
        self.state.mark_graph(self.location, derived.doc_id, None)
        self._replace(derived)
        self.state.mark_graph(self.location, derived.doc_id, {"support": derived.support})

    def _replace(self, derived: DerivedGraphs) -> None:
        stated, inferred = graph_iris(derived.doc_id)
        self.store.replace_graph(stated, derived.graphs[stated])
        if derived.support:
            self.store.replace_graph(inferred, derived.graphs.get(inferred, []))
        else:
            self.store.drop_graph(inferred)

    def write_many(self, derived: list[DerivedGraphs]) -> None:
        """:meth:`write` for a batch of documents (distinct ids): their entries go from the view
        state in one write, then the graphs of documents the store does not hold yet are loaded in
        one pass of the bulk loader (``add_graphs``) and the others replaced one by one, then the
        entries come back in one write. A kill in between leaves them unlisted, to heal."""
        from ingest.graph.store import NQuads

        if not derived:
            return
        docs = self.reflected()
        for d in derived:
            docs.pop(d.doc_id, None)
        self.state.set_graph_docs(self.location, docs)
        new: list[NQuads] = []
        for d in derived:
            stated, inferred = graph_iris(d.doc_id)
            # on a shared endpoint a graph may be there unlisted: only an owned store's absence is sure
            if self.owned and not self.store.has_graph(stated) and not self.store.has_graph(inferred):
                new.extend(g if isinstance(g, NQuads) else NQuads.of(iri, g)
                           for iri, g in d.graphs.items() if len(g))
            else:
                self._replace(d)
        self.store.add_graphs(new)
        docs.update({d.doc_id: {"support": d.support} for d in derived})
        self.state.set_graph_docs(self.location, docs)

    def drop(self, doc_id: str) -> None:
        """Remove both graphs of a document, and its entry (after them: a kill leaves it to heal)."""
        for g in graph_iris(doc_id):
            self.store.drop_graph(g)
        self.state.mark_graph(self.location, doc_id, None)

    def heal(self, records: RecordStore, encoder: Callable[[], Any] | None = None,
             progress: Callable[[str], None] | None = None) -> HealReport:
        """Bring the graph back in line with the records; ``encoder()`` gives the encoder for
        support links of documents derived again (None: they get none)."""
        report = HealReport()
        stored = set(records.version())
        reflected = self.reflected()
        present = set(reflected)
        if self.owned:
            present |= set(self.observed())
        for doc_id in sorted(present - stored):
            self.drop(doc_id)
            report.dropped.append(doc_id)
        missing = sorted(stored - set(reflected))
        enc = encoder() if (missing and encoder is not None) else None
        for doc_id in missing:
            if progress:
                progress(doc_id)
            self.write(derive_from_records(records, doc_id, enc))
            report.derived.append(doc_id)
        if report.derived or report.dropped:
            report.repaired = self.store.repair_default_graph()
        return report


class GraphSink:
    """The graph as an ingest sink: derive in ``prepare`` (nothing written), then write.

    Example: ``ingest_paths(["data/"], records, [GraphSink(view, encoder)])``
    """

    uses_graph = True       # ingest.pipeline has workers build the document graph for it

    def __init__(self, view: GraphView, encoder: Any = None):
        self.view = view
        self.encoder = encoder

    def prepare(self, doc: Any, result: Any, stated: Any = None) -> "PendingGraphs":
        """The document's graphs; ``stated`` is its document graph when a worker built it from
        these records (the support links need the encoder, so they are ranked here)."""
        derived = derive_graphs(doc.doc_id, doc.name, doc.text, result.projects, result.departments, self.encoder,
                                stated=stated)
        return PendingGraphs(self.view, derived)

    def write_many(self, pending: list["PendingGraphs"]) -> None:
        """Write a batch of documents' graphs at once (``GraphView.write_many``)."""
        listed = self.view.state.graph_docs(self.view.location) or {}
        for p in pending:
            p.existed = p.derived.doc_id in listed
        self.view.write_many([p.derived for p in pending])


@dataclass
class PendingGraphs:
    """A document's graphs, computed and not yet written."""

    view: GraphView
    derived: DerivedGraphs
    existed: bool = False

    def write(self) -> None:
        self.existed = self.derived.doc_id in (self.view.state.graph_docs(self.view.location) or {})
        self.view.write(self.derived)

    def undo(self) -> None:
        """After a failure: a document the records do not hold leaves no graph (best effort;
        what cannot be undone now is healed by the next writer)."""
        if not self.existed:
            self.view.drop(self.derived.doc_id)

    def committed(self, replaced: str | None) -> None:
        if replaced and replaced != self.derived.doc_id:
            self.view.drop(replaced)


class PassageSink:
    """The search passages as an ingest sink: ``prepare`` cuts the document's passages (so a file
    that cannot be indexed fails alone, before anything is written); the index itself is rebuilt
    once after the batch, from the records.

    Example: ``ingest_paths(["data/"], records, [GraphSink(view, encoder), PassageSink()])``
    """

    def prepare(self, doc: Any, result: Any, stated: Any = None) -> "NoWrite":
        from ingest.search.passages import build_passages

        build_passages(result.projects, {doc.doc_id: doc.text})
        return NoWrite()


class NoWrite:
    """A view part with nothing to write per document."""

    def write(self) -> None:
        pass

    def undo(self) -> None:
        pass

    def committed(self, replaced: str | None) -> None:
        pass
