"""Passage vectors in FAISS and the index manifest.

:class:`VectorIndex` is one FAISS inner-product index keyed by passage row (the ids the
lexical index and the passages share), holding the only copy of the vectors: rows are added
and removed in place, and the vectors of kept rows are read back from it (nothing is
re-encoded). The kind follows the size (``choose_kind``):

- ``flat``: exact ``IndexFlatIP`` (in an ``IndexIDMap2``) up to ``FLAT_THRESHOLD`` vectors;
- ``ivf``: ``IndexIVFScalarQuantizer`` (float16 vectors) above it, ``nlist ≈ 4·√N`` lists trained on the vectors,
  ``nprobe`` lists searched (recall@10 against exact search in ``bench/results.md``);
  re-trained when the index has grown ``RETRAIN_GROWTH``-fold since it was trained;
- ``hnsw``: ``IndexHNSWFlat``, only when asked for (it cannot remove a vector: a removal
  rebuilds it from the vectors it holds).

A filtered search over at most ``EXACT_FILTERED`` allowed rows is exact whatever the kind
(their vectors read back and scored directly), so a narrow filter never loses hits to the
approximation. Vectors are L2-normalized, so inner product is cosine similarity.

:class:`Manifest` is ``manifest.json`` of an index directory: format version,
encoder name and dimension, document hashes → passage ranges, and the files of
the current generation. Every file is written atomically (``ingest.storage.atomic``)
and the manifest last, so a reader sees either the old index or the new one, never a mix.

Example: ``VectorIndex(np.eye(3, dtype="float32")).search(np.eye(3)[0], k=1)``
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import JixiaoError
from ingest.storage.atomic import write, write_json

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
# Exact search over 22k 256-d vectors (1,000 projects) takes a few ms here, over 228k about 80 ms:
# flat up to 50k vectors, IVF above.
FLAT_THRESHOLD = 50_000
EXACT_FILTERED = 50_000
RETRAIN_GROWTH = 4
REFILL_BLOCK = 65_536          # vectors copied at a time into a rebuilt index
# k-means points per IVF list. 256 (FAISS's own cap) meant every row up to about a million: 800 MB of
# float32 at the 100k build's retrain, 1.5 GB at its 2.2M rows. At 10k (219,193 passages, 1,872 lists)
# 64 a list gives recall@10 0.9715 against exact search, 256 gives 0.9705, and trains in 16 s, not 26
IVF_TRAIN_PER_LIST = 64
IVF_NPROBE_SHARE = 0.04       # share of the lists probed (at least IVF_MIN_NPROBE)
IVF_MIN_NPROBE = 16
# A query or a few are searched on one OpenMP thread: on this shared 2-core machine FAISS's
# threads spin against the load (one flat query over 22k vectors: 47 ms on 2 threads, 3 ms on 1).
SMALL_BATCH = 8
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# Measured on 20k uniform random 384-d unit vectors (the hardest case): recall@10 ≈ 0.97
# at efSearch 512, ~4 ms/query on two cores; real embeddings are clustered and do better.
HNSW_EF_SEARCH = 512


class SearchIndexError(JixiaoError):
    """Base of search-index errors."""


class IndexMissingError(SearchIndexError):
    """There is no index in the directory, or it is incomplete."""


class IndexMismatchError(SearchIndexError):
    """The index was built with another encoder or an unknown format version."""

    def __init__(self, message: str, *, built_with: str | None = None, requested: str | None = None,
                 hint: str | None = None):
        super().__init__(message, hint=hint)
        self.built_with = built_with
        self.requested = requested


class IndexFormatError(IndexMismatchError):
    """The index was written in another format version (rebuilt from the records, nothing re-encoded)."""


# -- manifest --------------------------------------------------------------------------------
@dataclass
class Manifest:
    """``manifest.json``: what an index directory holds and how it was built.

    - ``encoder``: ``{"name": …, "dim": …}`` of the dense encoder.
    - ``documents``: document hash (doc id) → ``{"passages": [start, end], "file": …}``,
      the half-open range of that document's passages in ``passages.jsonl``.
    - ``generation``: suffix of the current set of files; ``files`` names them.
    """

    encoder: dict[str, Any]
    generation: str
    files: dict[str, str]
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    vector_index: str = "flat"
    trained_on: int = 0           # vectors the IVF lists were trained on
    format_version: int = FORMAT_VERSION

    def write(self, directory: str | os.PathLike) -> None:
        # a shallow dict (asdict deep-copies every document entry), on one line: it is rewritten per update
        write_json(Path(directory) / MANIFEST, dict(self.__dict__), indent=None)

    @classmethod
    def read(cls, directory: str | os.PathLike) -> "Manifest":
        path = Path(directory) / MANIFEST
        if not path.exists():
            raise IndexMissingError(f"no search index in {directory} (missing {MANIFEST})",
                                    hint="`jixiao ingest <files>` builds it")
        data = json.loads(path.read_text(encoding="utf-8"))
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexFormatError(f"search index in {directory} has format version {version}, "
                                     f"this jixiao reads version {FORMAT_VERSION}",
                                     hint=f"rebuild it: `jixiao ingest <files>` (or delete {directory} first)")
        return cls(**data)

    def check_encoder(self, name: str, dim: int, directory: str | os.PathLike = "") -> None:
        """Raise :class:`IndexMismatchError` naming both encoders when they differ."""
        built, bdim = self.encoder.get("name"), self.encoder.get("dim")
        if built != name or bdim != dim:
            raise IndexMismatchError(
                f"the search index in {directory or 'this directory'} was built with encoder "
                f"{built!r} (dim {bdim}), but encoder {name!r} (dim {dim}) was requested",
                built_with=built, requested=name,
                hint=f"open it with the encoder it was built with (JIXIAO_ENCODER={built}), or run "
                     "`jixiao ingest <files>` again with the new encoder to rebuild it")


# -- FAISS -----------------------------------------------------------------------------------
def _faiss():
    import faiss

    return faiss


def choose_kind(n: int, threshold: int = FLAT_THRESHOLD) -> str:
    """The index kind for ``n`` vectors: exact below ``threshold``, IVF above.

    Example: ``choose_kind(21_963)`` → ``'flat'``
    """
    return "ivf" if n > threshold else "flat"


class _Joined:
    """The vectors of rows ``keep`` of ``old`` followed by ``added``, as the array a rebuild reads:
    by a slice or by sorted positions, read back from ``old`` only for the rows asked."""

    def __init__(self, old: "VectorIndex", keep: np.ndarray, added: np.ndarray):
        self.old, self.keep, self.added = old, keep, added

    def __len__(self) -> int:
        return len(self.keep) + len(self.added)

    def __getitem__(self, where) -> np.ndarray:
        pos = np.arange(*where.indices(len(self))) if isinstance(where, slice) else np.asarray(where, np.int64)
        inside = pos < len(self.keep)
        out = np.empty((len(pos), self.old.dim), np.float32)
        out[inside] = self.old.vectors_of(self.keep[pos[inside]])
        out[~inside] = self.added[pos[~inside] - len(self.keep)]
        return out


class VectorFile:
    """Vectors of rows 0, 1, 2 … as raw float32 in a file: where a from-scratch build puts each
    chunk's vectors, so that no index is held (and grown) while the passages are made. The index is
    made from it once, at the end (:meth:`VectorIndex.from_rows`). Rows are read with ``pread``,
    not a memory map, whose pages would count in the process' resident memory."""

    def __init__(self, path: str | os.PathLike, dim: int):
        self.path, self.dim = Path(path), dim
        self._f = open(self.path, "w+b")
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, np.float32).reshape(-1, self.dim)
        self._f.seek(self._n * self.dim * 4)
        self._f.write(vectors.tobytes())
        self._n += len(vectors)

    def __getitem__(self, where) -> np.ndarray:
        self._f.flush()
        size, fd = self.dim * 4, self._f.fileno()
        if isinstance(where, slice):
            start, stop, _ = where.indices(self._n)
            data = os.pread(fd, max(0, stop - start) * size, start * size)
            return np.frombuffer(data, np.float32).reshape(-1, self.dim).copy()
        pos = np.asarray(where, np.int64)
        out = np.empty((len(pos), self.dim), np.float32)
        for k, i in enumerate(pos.tolist()):
            out[k] = np.frombuffer(os.pread(fd, size, i * size), np.float32)
        return out

    def close(self) -> None:
        self._f.close()


def ivf_lists(n: int) -> int:
    """``nlist`` for ``n`` vectors: about 4·√N, at least 16."""
    return max(16, int(4 * math.sqrt(max(n, 1))))


class VectorIndex:
    """Unit vectors keyed by row in one FAISS inner-product index (``kind``: flat, ivf or hnsw).

    ``ids`` (default ``0..n-1``) are the rows of ``vectors``; ``kind`` defaults to
    :func:`choose_kind` of the size.
    """

    def __init__(self, vectors: np.ndarray | None = None, kind: str | None = None,
                 threshold: int = FLAT_THRESHOLD, ids: np.ndarray | None = None, dim: int | None = None,
                 m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION,
                 ef_search: int = HNSW_EF_SEARCH, _index=None, _trained_on: int = 0):
        self.threshold, self.m, self.ef_construction, self.ef_search = threshold, m, ef_construction, ef_search
        self.mapped = False           # read-only lists mapped from the file (``load(mmap=True)``)
        if _index is not None:
            self.index, self.kind, self._dim, self.trained_on = _index, kind, _index.d, _trained_on
            return
        vectors = np.zeros((0, dim or 0), np.float32) if vectors is None else \
            np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-d array")
        ids = np.arange(len(vectors), dtype=np.int64) if ids is None else np.asarray(ids, np.int64)
        self._dim = vectors.shape[1]
        self.kind = kind or choose_kind(len(vectors), threshold)
        self.index, self.trained_on = self._make(vectors), len(vectors)
        self._add(ids, vectors)

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def _make(self, sample: np.ndarray):
        faiss = _faiss()
        if self.kind == "flat":
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        if self.kind == "hnsw":
            index = faiss.IndexHNSWFlat(self.dim, self.m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.ef_construction
            return faiss.IndexIDMap2(index)
        if self.kind == "ivf":
            nlist = min(ivf_lists(len(sample)), max(1, len(sample) // 39))
            # vectors kept as float16: half the memory of IVFFlat (1.1 GB instead of 2.2 GB for the 2.2M
            # passages of 100,000 projects), scores within ~1e-3 of float32 (recall in bench/results.md)
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dim), self.dim, nlist,
                                                  faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            if len(sample):
                rng = np.random.default_rng(0)       # a fixed sample: the same vectors give the same index
                take = rng.choice(len(sample), min(len(sample), IVF_TRAIN_PER_LIST * nlist), replace=False)
                index.train(np.ascontiguousarray(sample[np.sort(take)], np.float32))
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
            return index
        raise ValueError(f"unknown vector index kind {self.kind!r}")

    @classmethod
    def from_rows(cls, rows, threshold: int = FLAT_THRESHOLD) -> "VectorIndex":
        """The index of rows ``0..len(rows)-1`` from ``rows`` (a :class:`VectorFile`, or anything
        read by slices and positions), of the kind its size calls for, read a block at a time."""
        out = cls(kind=choose_kind(len(rows), threshold), threshold=threshold, dim=rows.dim)
        if len(rows):
            out.index = out._make(rows)
            out._fill(out.index, rows, np.arange(len(rows), dtype=np.int64))
            out.trained_on = len(rows)
        return out

    def _fill(self, index, rows, ids: np.ndarray) -> None:
        """Add ``rows`` (``rows[i]`` is the vector of ``ids[i]``) to ``index``, a fresh one of ``self.kind``.

        IVF lists are filled list by list: each row's list is found first (one pass of the coarse
        quantizer), then the rows are added in list order with that assignment (``add_core``), so a
        list grows once or twice, not once per block. Added block by block, every list's buffer
        grows by doubling and ends up to twice its size (1.4-1.55× the vectors overall: 600 MB at
        100,000 projects). Within a list the rows stay in ascending id order, as a sequential add
        leaves them, so searches tie-break the same way."""
        faiss = _faiss()
        if self.kind != "ivf":
            for s in range(0, len(ids), REFILL_BLOCK):
                index.add_with_ids(rows[s:s + REFILL_BLOCK], np.ascontiguousarray(ids[s:s + REFILL_BLOCK]))
            return
        assign = np.empty(len(ids), np.int64)
        for s in range(0, len(ids), REFILL_BLOCK):
            assign[s:s + REFILL_BLOCK] = index.quantizer.search(rows[s:s + REFILL_BLOCK], 1)[1][:, 0]
        order = np.argsort(assign, kind="stable")
        for s in range(0, len(order), REFILL_BLOCK):
            pos = order[s:s + REFILL_BLOCK]
            inside = np.argsort(pos, kind="stable")      # read in file order, add in list order
            block = np.empty((len(pos), self.dim), np.float32)
            block[inside] = rows[pos[inside]]
            block_ids = np.ascontiguousarray(ids[pos], np.int64)
            lists = np.ascontiguousarray(assign[pos])
            index.add_core(len(pos), faiss.swig_ptr(block), faiss.swig_ptr(block_ids), faiss.swig_ptr(lists))

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.asarray(ids, np.int64))

    @property
    def ids(self) -> np.ndarray:
        """The rows held, ascending."""
        faiss = _faiss()
        if isinstance(self.index, faiss.IndexIDMap2):
            return np.sort(faiss.vector_to_array(self.index.id_map))
        lists = self.index.invlists
        out = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
               for i in range(lists.nlist) if lists.list_size(i)]
        return np.sort(np.concatenate(out)) if out else np.zeros(0, np.int64)

    def vectors_of(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (rows held), in that order."""
        ids = np.asarray(ids, np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return self.index.reconstruct_batch(ids)

    @property
    def vectors(self) -> np.ndarray:
        """Every stored vector, by ascending row (a copy; for tests and re-encoding checks)."""
        return self.vectors_of(self.ids)

    def update(self, add_ids: np.ndarray | None = None, add_vectors: np.ndarray | None = None,
               remove_ids: np.ndarray | None = None) -> None:
        """Remove rows, then add rows (a replaced row is removed and added). The kind follows the new
        size: crossing the threshold, or growing ``RETRAIN_GROWTH``-fold since IVF was trained,
        rebuilds the index from the vectors it holds (no encoding)."""
        if self.mapped:
            raise ValueError("a memory-mapped vector index is read-only: load it with mmap=False to change it")
        faiss = _faiss()
        remove_ids = np.zeros(0, np.int64) if remove_ids is None else np.asarray(remove_ids, np.int64)
        add_ids = np.zeros(0, np.int64) if add_ids is None else np.asarray(add_ids, np.int64)
        add_vectors = np.zeros((0, self.dim), np.float32) if add_vectors is None else \
            np.asarray(add_vectors, np.float32).reshape(-1, self.dim)
        size = len(self) - len(remove_ids) + len(add_ids)
        wanted = self.kind if self.kind == "hnsw" else choose_kind(size, self.threshold)
        regrow = self.kind == "ivf" and size > RETRAIN_GROWTH * max(self.trained_on, 1)
        if wanted != self.kind or regrow or (self.kind == "hnsw" and len(remove_ids)):
            # the new index is trained on its sample and filled a block at a time from the old one: the
            # vectors are never all copied out as float32 at once (at 800,000 rows that was 1.6 GB for
            # a moment, twice: the rows read back, then joined to the new ones)
            keep = np.setdiff1d(self.ids, remove_ids)
            ids = np.concatenate([keep, add_ids])
            rows = _Joined(self, keep, add_vectors)
            self.kind = wanted
            index = self._make(rows)           # filled from the old index, which stays until then
            self._fill(index, rows, ids)
            self.index, self.trained_on = index, len(ids)
            return
        if len(remove_ids):
            ids = np.ascontiguousarray(remove_ids, np.int64)   # IVF's hash-table direct map takes an array only
            self.index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids)))
        if len(add_ids):
            self._add(add_ids, add_vectors)

    def nprobe(self) -> int:
        return min(self.index.nlist, max(IVF_MIN_NPROBE, int(IVF_NPROBE_SHARE * self.index.nlist)))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` by inner product: ``(scores, rows)``, each ``(n_queries, k')``.

        ``allowed`` (rows) restricts the search, exactly when there are at most
        ``EXACT_FILTERED`` of them; ``k'`` ≤ ``k`` drops the ``-1`` padding FAISS returns
        when fewer rows qualify.
        """
        faiss = _faiss()
        q = np.ascontiguousarray(np.atleast_2d(query), dtype=np.float32)
        k = min(k, len(self) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        if allowed is not None and len(allowed) <= EXACT_FILTERED:
            rows = np.asarray(allowed, np.int64)
            sims = q @ self.vectors_of(rows).T
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            return np.take_along_axis(sims, top, 1), rows[top]
        sel = None if allowed is None else faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        if self.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe or self.nprobe())
        else:
            if self.kind == "hnsw":
                faiss.downcast_index(self.index.index).hnsw.efSearch = max(self.ef_search, 2 * k)
            params = None if sel is None else faiss.SearchParameters(sel=sel)
        threads = faiss.omp_get_max_threads()
        if len(q) < SMALL_BATCH:
            faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(q, k, params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        keep = (ids >= 0).all(axis=0)
        return scores[:, keep], ids[:, keep]

    def save(self, directory: str | os.PathLike, stem: str) -> dict[str, str]:
        """Write ``{stem}.faiss``, the one copy of the vectors; returns the file names."""
        files = {"faiss": f"{stem}.faiss"}
        faiss = _faiss()
        # streamed into the file: no copy of the whole index in memory (233 MB at 10k projects)
        write(Path(directory) / files["faiss"], lambda f: faiss.write_index(self.index, faiss.PyCallbackIOWriter(f.write)))
        return files

    @classmethod
    def load(cls, directory: str | os.PathLike, files: dict[str, str], kind: str, trained_on: int = 0,
             threshold: int = FLAT_THRESHOLD, mmap: bool = False) -> "VectorIndex":
        """Read what :meth:`save` wrote. With ``mmap`` an IVF index's lists are memory-mapped, not read:
        a reader opens the 100k index (1.2 GB) in 0.13 s and 91 MiB instead of 1.65 s and 1.1 GB, and
        the pages a search touches are read then. A mapped index is read-only (:meth:`update` refuses)."""
        faiss = _faiss()
        path = str(Path(directory) / files["faiss"])
        mapped = mmap and kind == "ivf"
        index = faiss.read_index(path, faiss.IO_FLAG_MMAP) if mapped else faiss.read_index(path)
        out = cls(kind=kind, threshold=threshold, _index=index, _trained_on=trained_on)
        out.mapped = mapped
        return out
