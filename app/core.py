"""``KnowledgeBase``: the one core object the CLI, the Streamlit UI and the tests drive.

It owns the records store, the graph store, the search index and the encoder,
opened lazily from a data directory (or a remote SPARQL endpoint for the graph).
Each front end parses its input, calls one method and renders the result.

Example: ``kb = KnowledgeBase.open(); kb.ingest(["data/"]); kb.search("能耗在线监测")[0].project_name``
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ingest.errors import IngestError, JixiaoError
from ingest.storage.lock import LockError, StoreBusy, WriteLock
from ingest.storage.recordstore import RecordStore
from ingest.storage.views import ViewState
from ingest.records import Project

from app.settings import BUNDLED_DATA, REPO_ROOT, Settings

if TYPE_CHECKING:   # the ingest pipeline (every reader and parser) is imported by the writers that use it
    from ingest.pipeline import IngestReport

SEARCH_QUERIES = REPO_ROOT / "tests" / "eval" / "search_queries.jsonl"
TRACE_CASES = REPO_ROOT / "tests" / "eval" / "trace_cases.jsonl"
ASK_QUESTIONS = REPO_ROOT / "tests" / "eval" / "questions.jsonl"
REVIEW_CASES = REPO_ROOT / "tests" / "eval" / "review_cases.jsonl"
GRAPH_LAYOUT = 2      # spans and derived graphs kept once, out of the default graph (ingest.graph.store.merged)
COMPACT_SHARE = 0.25   # an ingest that stored at least this share of the documents compacts the graph store
# A corpus of at least this many documents (about 2,000 projects) is large: a from-scratch search-index
# build runs in a process of its own (ingest.search.isolated), so its memory is not added to the
# writer's (below, the spawn's ≈2 s of imports cost more than they save), and an ingest ends by
# preparing the question lexicon, which the first search would otherwise build (13.5 s at 10,000 projects)
LARGE_CORPUS_DOCUMENTS = 250


def _error_text(e: Exception) -> str:
    """What an error says in a batch's report: a JixiaoError's message, else its type and text."""
    return e.message if isinstance(e, JixiaoError) else f"{type(e).__name__}: {e}"


def _warn(report: IngestReport, what: str, place: Path, text: str) -> None:
    """A warning of the batch about ``what``, not about one of its files (the documents are stored)."""
    from ingest.errors import IngestWarning
    from ingest.pipeline import FileReport
    report.files.append(FileReport(f"({what})", warnings=[IngestWarning(str(place), None, None, text)]))


INGEST_HINT = "run `jixiao ingest` (the bundled data/) or `jixiao ingest FILE_OR_FOLDER …` first, " \
              "or pass --data-dir DIR where you ingested"


def _stamp(path: Path) -> tuple | None:
    """What changes when a file is rewritten (inode, mtime, size), or None when it is missing."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


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


class KnowledgeBase:
    """Everything jixiao knows, in one data directory.

    The records are the source of truth; the graph and the search index are views of them, and
    ``<data_dir>/views.json`` says which document versions each reflects. Every operation that
    writes takes the data directory's write lock first (:meth:`writing`) and brings the views back
    in line with the records (:meth:`heal`), so a kill or a failed write heals on the next command.
    Readers take no lock: SPARQL runs in a read-only worker process under a time limit and a row
    cap (``ingest.graph.bounded``), trace and exports read a read-only view of the store, and
    search says when its index is behind the records (``search_note``). One object may serve many
    threads.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.data_dir = check_data_dir(settings.data_dir)
        try:
            self.records = RecordStore(self.data_dir)
        except OSError as e:
            raise KnowledgeBaseError(f"cannot use the data directory {self.data_dir}: {e.strerror or e}",
                                     hint="pass --data-dir DIR, a folder you can write to") from None
        self.lock = WriteLock(self.data_dir)
        self.views = ViewState(self.data_dir)
        self._search = None
        self._search_docs: set[str] | None = None
        self.search_note: str | None = None     # why search answered from an index behind the records
        self.heal_note: str | None = None       # why the views could not be healed on open
        self.review_update = None               # what the last stored-review update did (app.review.stored)
        self.search_build: dict | None = None    # what the last from-scratch index build in its own process did
        self._reader: tuple[Any, Any] | None = None
        self._parts = threading.RLock()

    @classmethod
    def open(cls, data_dir: str | Path | None = None, **flags) -> "KnowledgeBase":
        """Open (creating if needed) the knowledge base in ``data_dir`` or the configured one; if a
        writer died and left the graph behind the records, heal it now (when nobody is writing)."""
        kb = cls(Settings.load(data_dir=data_dir, **flags))
        kb.heal_if_needed()
        return kb

    # ------------------------------------------------------------------ parts, opened lazily

    @cached_property
    def graph(self):
        """The graph store, opened for writing: embedded Oxigraph in ``<data_dir>/graph`` (which
        locks it) or the remote endpoint. Readers use :meth:`reader` instead; writers go through
        :meth:`writing`, which closes the embedded store again when it is done."""
        from ingest.graph import open_store
        from ingest.graph.store import StoreError
        try:
            return open_store(self.data_dir, endpoint=self.settings.endpoint)
        except StoreError as e:
            raise self._store_held(e) from None

    def _store_held(self, error: JixiaoError) -> JixiaoError:
        """The error for a graph store that another process holds, naming the endpoint if it is one."""
        from ingest.graph.serve import running_endpoint
        from ingest.graph.store import StoreError
        server = running_endpoint(self.data_dir)
        if server:
            return StoreError(f"the graph store in {self.data_dir / 'graph'} is held by the SPARQL endpoint "
                              f"{server['url']} (pid {server['pid']}, {server['mode']})",
                              hint=f"write through it: `jixiao --endpoint {server['url']} ingest …`, or stop it; "
                                   "an endpoint started with `jixiao endpoint` (read-only, the default) "
                                   "holds no lock, and reading works meanwhile")
        return StoreError(f"{error.message}", hint="another program holds the store for writing (an "
                          "`oxigraph serve`, an older jixiao): stop it, or pass --endpoint URL of the server "
                          "that holds it; reading (sparql, validate, export) works meanwhile")

    @property
    def graph_location(self) -> str:
        """The store's name in ``views.json``: ``graph`` (embedded) or the endpoint's URL."""
        return self.settings.endpoint or "graph"

    def graph_view(self):
        """The graph store as a view of the records (``ingest.sync.GraphView``), for writing."""
        from ingest.sync import GraphView
        return GraphView(self.graph, self.views, self.graph_location, owned=not self.settings.endpoint)

    def reader(self):
        """A store to read the graph from without the write lock: the endpoint, or a read-only view
        of the embedded store opened afresh when the records or the graph changed (a read-only
        view sees what was written before it was opened)."""
        if self.settings.endpoint:
            return self.graph
        from ingest.graph.store import EmbeddedStore
        key = (self.records.version(), _stamp(self.views.path), _stamp(self.data_dir / "graph" / "CURRENT"))
        with self._parts:
            if self._reader is None or self._reader[0] != key:
                path = self.data_dir / "graph"
                self._reader = (key, EmbeddedStore(path, read_only=True) if (path / "CURRENT").exists()
                                else EmbeddedStore())
            return self._reader[1]

    @property
    def store_dir(self) -> Path | None:
        """The embedded store's directory (None with an endpoint): where SPARQL workers read."""
        return None if self.settings.endpoint else self.data_dir / "graph"

    @cached_property
    def encoder_spec(self) -> str:
        """The ``encoder`` setting, with ``auto`` (the default) resolved: e5 for a small corpus and the
        static encoder for a large one, counting the stored documents and ``expected_passages`` (set
        by ``jixiao ingest`` from the files' sizes); a data directory keeps the encoder its index was
        built with (``ingest.search.static.auto_encoder``)."""
        spec = self.settings.encoder
        if spec == "auto":
            from ingest.search.static import PASSAGES_PER_DOCUMENT, auto_encoder
            spec = auto_encoder(self.search_dir, len(self.records.documents()) * PASSAGES_PER_DOCUMENT
                                + getattr(self, "expected_passages", 0))
        return spec

    @cached_property
    def encoder(self):
        """The dense encoder :attr:`encoder_spec` names, with the vector cache."""
        from ingest.search.encoders import get_encoder
        from ingest.search.vectorcache import CachedEncoder, VectorCache
        return CachedEncoder(get_encoder(self.encoder_spec), VectorCache(self.settings.cache_dir))

    @property
    def search_dir(self) -> Path:
        return self.data_dir / "search"

    def close(self) -> None:
        """Release the graph store (its lock) and the read-only view."""
        with self._parts:
            if "graph" in self.__dict__:
                self.__dict__.pop("graph").close()
            if self._reader is not None:
                self._reader[1].close()
                self._reader = None

    # ------------------------------------------------------------------ writing, and healing

    @contextmanager
    def writing(self, what: str) -> Iterator[Any]:
        """Hold the write lock (taken before anything changes), open the graph for writing, heal
        the views; yield the graph view. The embedded store is closed afterwards, so its lock is
        held only while this process writes.

        Example: ``with kb.writing("jixiao remove"): kb.records.remove(doc_id)``
        """
        with self.lock.hold(what):
            try:
                view = self.graph_view()
                self._heal(view)
                yield view
            finally:
                if not self.settings.endpoint:
                    with self._parts:
                        if "graph" in self.__dict__:
                            self.__dict__.pop("graph").close()

    def _heal(self, view) -> Any:
        self._relayout(view)
        report = view.heal(self.records, encoder=lambda: self.encoder)
        if not self._derived_current("review"):
            self._store_review(view)     # the review graph too is a view of every stored document
            report.reviewed = True
        report.summed = self._store_summary(view)   # so is the corpus summary (none in an older store)
        if report:
            self.heal_note = report.summary()
        return report

    def _derived_current(self, name: str) -> bool:
        """True when the derived view ``name`` (the review, the corpus summary) was made from exactly
        the stored documents (an empty knowledge base needs none, unless it claims some: the rows of
        the last document removed must go)."""
        stored, made = set(self.records.version()), self.views.derived_docs(name)
        return made == stored or not (stored or made)

    def _relayout(self, view) -> None:
        """An embedded store written before spans and derived graphs left the default graph keeps
        their old copies (an unchanged document is never written again): forget them once, graph
        by graph, and record the layout. A remote store keeps its copies (answers are the same)."""
        if self.settings.endpoint or self.views.graph_layout(view.location) >= GRAPH_LAYOUT:
            return
        graphs = view.store.graphs()     # the writer has it open: a new store has none
        for g in graphs:      # about 0.1 s a graph: 6 minutes for a 10,000-project store, once
            view.store.forget_old_copies(g)
        if graphs:
            view.store.compact()      # three quarters of the default graph went
            self.heal_note = f"the graph store was brought to layout {GRAPH_LAYOUT} ({len(graphs)} graphs)"
        self.views.set_graph_layout(view.location, GRAPH_LAYOUT)

    def views_agree(self) -> bool:
        """True when the graph's view state lists exactly the stored documents."""
        from ingest.sync import GraphView
        stored = set(self.records.version())
        docs = self.views.graph_docs(self.graph_location)
        if not (self._derived_current("review") and self._derived_current("summary")):
            return False
        if docs is None:   # never recorded (a store written before views.json): look at it
            if not self.settings.endpoint and not (self.data_dir / "graph" / "CURRENT").exists():
                return not stored
            try:
                docs = GraphView(self.reader(), self.views, self.graph_location).observed()
            except JixiaoError:
                return False   # cannot read it (half made by a killed first ingest): a writer repairs it
        return set(docs) == stored

    def heal(self):
        """Bring the graph back in line with the records now (taking the write lock); the search
        index follows on the next search. Returns an ``ingest.sync.HealReport``."""
        with self.writing("jixiao heal") as view:
            return self._heal(view)

    def heal_if_needed(self) -> None:
        """:meth:`heal` when the views disagree with the records and nobody is writing; a writer
        that is running (or a store held elsewhere) is left alone, and ``heal_note`` says why."""
        from ingest.graph.results import StoreError
        if self.views_agree():
            return
        holder = self.lock.holder()
        if holder is not None:
            self.heal_note = f"the views are being updated by pid {holder.get('pid')} ({holder.get('command', '')})"
            return
        try:
            self.heal()
        except (LockError, StoreError, OSError) as e:
            self.heal_note = f"the graph could not be healed now: {getattr(e, 'message', e)}"

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: Iterable[str | Path] | None = None, progress: Callable | None = None,
               index: bool = True, encode_progress: Callable[[int, int], None] | None = None,
               executor: Any = None) -> IngestReport:
        """Ingest files or folders (default: the bundled ``data/`` inputs), then update the search index.

        The write lock is taken and the store opened first, so a locked or unreachable store fails
        before anything is written. Each document is stored in every view or not at all; a file that
        fails is reported and the batch goes on (``ingest.pipeline``). ``progress`` wraps the list of
        files (e.g. ``tqdm``); ``encode_progress(done, total)`` is told how far the encoding of new
        passages has got. ``executor`` (a ``concurrent.futures.Executor``: a Dask client's, a process
        pool) reads, parses and builds each file's graph; by default a process pool does for more than
        a few files (``ingest.batch``), and this process writes.
        """
        from ingest.pipeline import ingest_paths
        from ingest.sync import GraphSink
        paths = list(paths) if paths else [BUNDLED_DATA]
        with self.writing("jixiao ingest") as view:
            if index and encode_progress and hasattr(self.encoder.inner, "progress"):
                self.encoder.inner.progress = encode_progress
            sinks = [GraphSink(view, self.encoder if index else None)]
            if index:
                from ingest.sync import PassageSink
                sinks.append(PassageSink())
            report = ingest_paths(paths, self.records, sinks, progress=progress, executor=executor)
            finish, stop = (self._start_search_rebuild(report)
                            if index and (any(f.projects for f in report.files) or not self._search_fresh())
                            else (None, None))
            try:   # a large first build runs in a process of its own meanwhile: these write the graph alone
                self._store_review(view, report)
                self._store_summary(view, report)
                self._compact(view.store, report)
            except BaseException:
                if stop:
                    stop()
                raise
            if finish:
                finish()
        if self._large_corpus():
            self._prepare_asker(report)
            self._prepare_catalog(report)
        return report

    def _prepare_catalog(self, report: IngestReport) -> None:
        """Read the catalog now, which writes it into one file when many documents are new
        (``ingest.storage.catalogpack``), so the UI's first page does not open every document's."""
        try:
            self.records.catalog()
        except Exception as e:  # noqa: BLE001 - a cache: the first list reads the files instead
            _warn(report, "catalog", self.records.dir, f"not packed: {_error_text(e)}; the first list reads "
                                                       "each document's catalog file")

    def _prepare_asker(self, report: IngestReport) -> None:
        """Build and keep the question lexicon now (``asker``), from the graph just written, so the
        first search or question does not wait for it; a failure only leaves that to the first one."""
        try:
            self.asker()
        except Exception as e:  # noqa: BLE001 - a cache: the first question builds it instead
            _warn(report, "question lexicon", self.data_dir / "ask",
                  f"not prepared: {_error_text(e)}; the first question builds it")

    def _large_corpus(self) -> bool:
        """At least :data:`LARGE_CORPUS_DOCUMENTS` documents are stored."""
        return len(self.records.documents()) >= LARGE_CORPUS_DOCUMENTS

    def _compact(self, store, report: IngestReport) -> None:
        """Compact the graph store after a batch that wrote a large share of the documents (a first
        ingest, a re-ingest of most files): that is when the store holds most garbage, and a full
        compaction costs about as much as a twentieth of the ingest. A small batch into a large store
        leaves it to RocksDB's own background compaction, so adding one file stays quick."""
        from ingest.graph.store import StoreError
        written = sum(1 for f in report.files if f.doc_id and not f.errors)
        if written and written >= COMPACT_SHARE * len(self.records.documents()):
            try:
                store.compact()
            except StoreError as e:   # the data is stored; only the space is not reclaimed yet
                _warn(report, "graph store", self.data_dir / "graph", f"not compacted: {e.message}")

    def _store_review(self, view, report: IngestReport | None = None, changed: Iterable[str] = ()) -> None:
        """Bring the stored review up to date: each document's in ``jxd:graph/review/{doc_id}``, only
        the documents the batch (``changed``, and what the review's summary and the records disagree
        on) added, removed or can move (history, peers; ``app/review/stored.py``); a failure is the
        batch's error, the documents stay stored."""
        from app.review.kb import store_review

        def build():
            self.review_update = store_review(self, view.store, changed)
        self._store_derived("review", build, report, "review",
                            "the documents are stored; `jixiao review` still reviews them, the next ingest stores it")

    def _store_summary(self, view, report: IngestReport | None = None) -> bool:
        """Add up the corpus-wide aggregates again (``ingest.graph.summary.refresh_corpus_summary``)
        when the stored documents are not those it was added up from (a document's id is its text's:
        the same ids are the same graphs). True when it was added up."""
        from ingest.graph.summary import refresh_corpus_summary
        if self._derived_current("summary"):
            return False
        return self._store_derived("summary", lambda: refresh_corpus_summary(view.store), report, "corpus summary",
                                   "the documents are stored; the next ingest or removal adds the summary up")

    def _store_derived(self, name: str, build: Callable[[], Any], report: IngestReport | None, what: str,
                       hint: str) -> bool:
        """Write the derived view ``name`` (the review, the corpus summary) of every stored document:
        views.json claims nothing while ``build`` runs, then the documents it was built from, so a
        failure or a kill leaves it to the next writer (or a reader's heal). A failure is the batch's
        error when there is a batch, the documents stay stored. True when it was written."""
        from ingest.pipeline import FileReport
        try:
            docs = set(self.records.version())
            self.views.set_derived_docs(name, None)
            build()
            self.views.set_derived_docs(name, docs)
            return True
        except Exception as e:  # noqa: BLE001 - the records and graph are stored; the next write derives it again
            if report is None:
                raise
            report.files.append(FileReport(f"({what})", errors=[IngestError(
                f"the {what} could not be stored: {_error_text(e)}", file=str(self.data_dir), hint=hint)]))
            return False

    def _start_search_rebuild(self, report: IngestReport):
        """Start updating the index with the batch's documents (a file ingested again whose text did
        not change keeps its doc id: it is looked at, and left alone when its passages and metadata
        are the same); returns (finish, stop). A failure is the batch's error, not a traceback. A
        from-scratch build of a large corpus runs in a process of its own until ``finish``, so the
        writer's review, summary and compaction use the other core (about a fifth of a 100,000-project
        ingest); any other update is done before this returns. The caller holds the write lock."""
        from ingest.pipeline import FileReport

        def failed(e: Exception) -> None:
            if isinstance(e, JixiaoError):
                message, hint = e.message, e.hint
            else:       # the records and graph are stored; search heals later
                message, hint = _error_text(e), "the documents are stored; the next search rebuilds the index"
            report.files.append(FileReport("(search index)", errors=[IngestError(
                f"the search index could not be rebuilt: {message}", file=str(self.search_dir), hint=hint)]))
        try:
            build, stop = self._search_builder({f.doc_id for f in report.files if f.doc_id})
        except Exception as e:  # noqa: BLE001 - reported as the batch's error
            failed(e)
            return None, None

        def finish() -> None:
            try:
                build()
            except Exception as e:  # noqa: BLE001 - reported as the batch's error
                failed(e)
        return finish, stop

    def drop_document_graphs(self, doc_id: str) -> None:
        with self.writing("jixiao remove") as view:
            view.drop(doc_id)

    def remove_document(self, doc_id: str, index: bool = True) -> bool:
        """Remove one document: its records, its named graphs, its passages. Nothing else.

        The lock is taken first; the graphs go first (one transaction each), then the records
        (the commit), then the search index. A failure leaves the document as it was, or healed
        away by the next writer. Returns False when no such document is stored."""
        with self.writing("jixiao remove") as view:
            if doc_id not in self.records.documents():
                return False
            view.drop(doc_id)
            self.records.remove(doc_id)
            if index:
                self.build_search_index(changed=[doc_id])   # in place: only its passages go
            self._store_review(view)
            self._store_summary(view)
            return True

    def projects(self) -> list[Project]:
        """Every ingested project, in document order (kept in memory per document version by the
        records store: only documents changed since the last call are read)."""
        return self.records.projects()

    def catalog(self):
        """Every ingested project as a catalog entry (id, name, unit, year, category, type, budget
        amounts, document, indicator names): what finding and listing one needs, without reading the
        records (``ingest.storage.catalog``)."""
        return self.records.catalog()

    def project(self, project_id: str) -> Project | None:
        """One ingested project by id, reading only the document that holds it."""
        return self.records.project(project_id)

    def require_documents(self) -> None:
        """A :class:`KnowledgeBaseError` saying how to ingest when nothing is (reads no record)."""
        if not self.records.documents():
            raise KnowledgeBaseError(f"nothing is ingested in {self.data_dir} yet", hint=INGEST_HINT)

    def require_projects(self) -> list[Project]:
        """Every ingested project; a :class:`KnowledgeBaseError` saying how to ingest when nothing is."""
        if not self.records.documents():
            raise KnowledgeBaseError(f"nothing is ingested in {self.data_dir} yet", hint=INGEST_HINT)
        return self.projects()

    def doc_texts(self) -> dict[str, str]:
        """doc id → normalized text, for every ingested document."""
        return {d: self.records.text(d) for d in self.records.documents()}

    # ------------------------------------------------------------------ search

    def build_search_index(self, changed: Iterable[str] | None = None):
        """Bring the search index in line with the records, under the write lock, in place: the
        documents added or removed since it was saved, and the doc ids in ``changed`` (re-parsed
        ones), are updated; nothing else is read, tokenized or encoded (``SearchIndex.update``).
        A missing index, or one of another format or encoder, is built from scratch (vectors
        reused by text). ``views.json`` then records the document versions it reflects."""
        with self.lock.hold("jixiao search index"):
            build, _ = self._search_builder(changed)
            return build()

    def _search_builder(self, changed: Iterable[str] | None):
        """:meth:`build_search_index` in two steps, under the write lock: (build, stop). ``build()``
        ends it and returns the index; ``stop()`` gives up a build still running. A from-scratch build
        of a large corpus (:data:`LARGE_CORPUS_DOCUMENTS`) runs in a process of its own from now until
        ``build()``, and is then memory-mapped here; everything else is done before this returns."""
        from ingest.search.index import SearchIndex
        from ingest.search.vectors import SearchIndexError
        docs = set(self.records.version())
        held = self.views.search_docs()
        self.views.set_search_docs(None)     # the old index no longer claims anything
        index = None
        if held is not None:
            try:
                # a fresh copy: readers in other threads keep the one they have until it is replaced
                index = SearchIndex.load(self.search_dir, self.encoder)
            except SearchIndexError:
                index = None

        def claim(built):
            self.views.set_search_docs(docs)
            self._search, self._search_docs, self.search_note = built, docs, None
            return built
        if index is None and self._large_corpus():
            from ingest.search.isolated import start_isolated
            running = start_isolated(self.data_dir, self.search_dir, self.encoder_spec, self.settings.cache_dir,
                                     progress=getattr(self.encoder.inner, "progress", None))

            def build():
                self.search_build = running.wait()
                return claim(SearchIndex.load(self.search_dir, self.encoder, mmap=True))
            return build, running.stop
        if index is None:
            index = SearchIndex.build_documents(self.records.scan, self.encoder, self.search_dir)
        else:
            removed = {d for d in index.documents if d not in docs and not d.startswith("project:")}
            redo = (docs - set(index.documents)) | (set(changed or ()) & docs) | (index.shadowing(removed) & docs)
            index.update({d: self.records.projects(d) for d in sorted(redo)}, removed,
                         doc_texts={d: self.records.text(d) for d in redo})
        claim(index)
        return (lambda: index), (lambda: None)

    def _search_fresh(self) -> bool:
        return self.views.search_docs() == set(self.records.version()) and (self.search_dir / "manifest.json").exists()

    def search_index(self):
        """The search index of the stored documents: loaded from disk, or rebuilt when it is behind
        the records (a killed ingest, an ingest with ``index=False``). While another writer holds the
        lock it is not rebuilt: the index there is used and ``search_note`` says it is behind."""
        from ingest.search.index import SearchIndex
        from ingest.search.vectors import IndexFormatError, IndexMissingError
        current = set(self.records.version())
        with self._parts:
            if self._search is not None and self._search_docs == current:
                # it covers every stored document: a note another thread left while a writer ran is over
                self.search_note = None
                return self._search
            if self.views.search_docs() == current:
                try:
                    self._search, self._search_docs, self.search_note = \
                        SearchIndex.load(self.search_dir, self.encoder, mmap=True), current, None
                    return self._search
                except (IndexMissingError, IndexFormatError):   # an older format: rebuilt, nothing re-encoded
                    pass
        try:
            return self.build_search_index()
        except StoreBusy:
            pass
        holder = self.lock.holder() or {}
        with self._parts:
            if self._search is None:
                try:
                    self._search = SearchIndex.load(self.search_dir, self.encoder, mmap=True)
                except (IndexMissingError, IndexFormatError):   # nothing to fall back on: an index in memory, not saved
                    self._search = SearchIndex.build(self.projects(), self.encoder, None, doc_texts=self.doc_texts())
                    self._search_docs = current
                    return self._search
            covered = len(self._search_docs if self._search_docs is not None else self.views.search_docs() or ())
            self.search_note = (f"the search index is being updated by pid {holder.get('pid', '?')} "
                                f"({holder.get('command', 'a writer')}); results cover {covered} of the "
                                f"{len(current)} stored documents until it finishes")
            return self._search

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Any = None):
        """The ``k`` best projects for ``query`` with highlighted passages (list of ``SearchHit``)."""
        self.require_documents()
        return self.search_index().search(query, k=k, mode=mode, filters=filters)

    def evaluate_search(self, path: str | Path | None = None, understood: bool = True) -> dict[str, Any]:
        """recall@5, MRR, nDCG@10 (original and extended query sets) and the honest-empty rate of
        bm25, dense, hybrid and, with ``understood``, the understood search (``app/search.py``)."""
        from app.evaluate.search import evaluate_search
        from app.search import understood_ranking
        self.require_projects()
        return evaluate_search(self.search_index(), path or SEARCH_QUERIES,
                               understood=(lambda q: understood_ranking(self, q)) if understood else None)

    # ------------------------------------------------------------------ ask

    def asker(self):
        """The question answerer over this graph (labels read once; rebuilt after ingest)."""
        from app.ask import cache
        from app.ask.engine import Asker
        docs = self.records.documents()
        if getattr(self, "_asker", None) is None or self._asker_docs != docs:
            # its SPARQL comes from its own templates, so it runs in this process (read-only);
            # its lexicon is kept on disk per graph version (building it is most of a cold search)
            key, path = cache.cache_key(docs, self.settings.endpoint), self.data_dir / "ask" / cache.FILE
            known = cache.load(path, key)
            self._asker = Asker(self.query, search=self._ask_search, trace=self.trace, known=known)
            if known is None:
                cache.save(path, self._asker.lexicon, self._asker.tokenizer.user_words, key)
            self._asker_docs = docs
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
        self.require_documents()
        # found in the catalog (names only), then only the indicator's document is read
        return trace(self.records.catalog(), query, project, store=self.reader(), doc_text_fn=self.records.text,
                     document_projects=self.records.projects)

    def review(self, project: str | None = None):
        """The performance-target review (绩效目标审核) of every project, or of one (its name, a unique
        part of it, or its id): an ``app.review.model.Review`` whose findings name their rule,
        severity, project, indicator and source cell. Rules: ``app/review/rules.toml`` and
        ``ontology/review.ttl``; history and peers come from every stored project.

        Example: ``kb.review("大型仪器项目经费").findings[0].rule``
        """
        from app.review.kb import review_knowledge_base
        self.require_projects()
        return review_knowledge_base(self, project)

    def evaluate_review(self, path: str | Path | None = None) -> dict[str, Any]:
        """Precision and recall per rule of :meth:`review` on judged (project, rule) cases
        (``tests/eval/review_cases.jsonl``)."""
        from app.evaluate.review import evaluate_review
        return evaluate_review(self.review(), path or REVIEW_CASES)

    def gaps(self):
        """Findings for reviewers: indicators without a concrete basis, 立项依据 that repeat other sections."""
        from app.gaps import gaps
        self.require_documents()
        # a project's findings depend on that project alone: remembered per project version (its
        # catalog entry, the same object while its document is unchanged); only the documents with
        # a project not seen before are read, one at a time (a document's entries are contiguous in
        # the catalog), so a first call at 100,000 projects does not hold every record at once
        entries = self.records.catalog()
        memo = self.__dict__.get("_gaps_memo", {})
        out, fresh = [], {}
        doc, records = None, {}
        for e in entries:
            found = memo.get(e.id)
            if found is None or found[0] is not e:
                if e.doc != doc:
                    doc, records = e.doc, {p.id: p for p in self.records.projects(e.doc)}
                found = (e, gaps([records[e.id]]))
            fresh[e.id] = found
            out.extend(found[1])
        self._gaps_memo = fresh
        return out

    def evaluate_trace(self, path: str | Path | None = None) -> dict[str, Any]:
        """top-1/top-3/MRR of the support ranking on judged pairs; scores afresh with the encoder
        (the same function ingest stores), so a change of weights can be measured before re-ingesting."""
        from app.evaluate.trace import evaluate_trace
        return evaluate_trace(self.require_projects(), self.encoder, path or TRACE_CASES, doc_texts=self.doc_texts())

    # ------------------------------------------------------------------ SPARQL

    def limits(self, timeout: float | None = None, row_cap: int | None = None, default_timeout: float | None = None):
        """The ``ingest.graph.bounded.Limits`` of a query: the arguments, else the settings, else
        ``default_timeout`` (the front end's: 10 s in the UI, 30 s in the CLI)."""
        from ingest.graph.bounded import CLI_TIMEOUT, Limits
        return Limits(timeout=float(timeout or self.settings.sparql_timeout or default_timeout or CLI_TIMEOUT),
                      row_cap=int(row_cap or self.settings.row_cap),
                      allow_service=bool(self.settings.allow_service))

    def start_query(self, query: str, timeout: float | None = None, row_cap: int | None = None,
                    default_timeout: float | None = None):
        """Start a user's SPARQL query (a ``QueryJob``: wait, cancel, answer): checked by the guard
        (no updates; no SERVICE unless allowed), run read-only in a worker process (or against the
        endpoint) under the time limit, cut at the row cap."""
        from ingest.graph.bounded import QueryJob
        limits = self.limits(timeout, row_cap, default_timeout)
        if self.settings.endpoint:
            return QueryJob.start(query, limits, remote=self.graph)
        return QueryJob.start(query, limits, store_dir=self.store_dir if (self.store_dir / "CURRENT").exists() else None)

    def sparql(self, query: str, timeout: float | None = None, row_cap: int | None = None):
        """Run a user's SPARQL query over the graph (the union of every document's graph), bounded
        as :meth:`start_query` says; a ``QueryResult`` whose ``truncated`` says if rows were cut.

        Example: ``kb.sparql("ASK { ?s ?p ?o }", timeout=5).boolean``
        """
        job = self.start_query(query, timeout, row_cap)
        try:
            return job.result().result
        finally:
            job.cancel()

    def query(self, query: str):
        """Run jixiao's own read-only SPARQL (ask's templates, trace, labels) in this process, on the
        read-only view: checked by the guard, but not sent to a worker. Not for a user's query."""
        from ingest.graph.guard import check_query
        check_query(query, allow_service=bool(self.settings.allow_service))
        return self.reader().query(query)

    def export_graph(self, fmt: str = "ttl") -> bytes:
        """The whole graph in one RDF format, read without the write lock."""
        return self.reader().export(fmt)

    def validate(self) -> tuple[bool, str]:
        """SHACL-validate the whole graph against ``ontology/shapes.ttl``, and check that every span's
        quoted text (``oa:exact``) is the source text at its offsets. Reads without the write lock."""
        import pyoxigraph as ox
        from ingest.graph.build import validate
        from ingest.graph.provenance import check_spans
        store = self.reader()
        ok, report = validate(ox.parse(store.export("nq"), format=ox.RdfFormat.N_QUADS))
        spans = check_spans(store, self.records.text)
        return ok and spans.ok, report.rstrip("\n") + "\n\n" + spans.report()
