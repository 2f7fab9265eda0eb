"""BM25 over passages (bm25s), with the tokenizer that made it.

The index is a directory holding bm25s' own files (JSON params and vocabulary,
``.npy`` score arrays, no pickle) and the tokenizer's ``userdict.txt``; it is
written into a new directory that then replaces the old one (``ingest.storage.atomic``).

Scoring is BM25 with Lucene's idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``, and
term part ``tf / (tf + k1 · (1 - b + b · |d| / avgdl))``; each distinct query term
counts once. See :func:`naive_bm25` for the formula in plain Python.

Example: ``LexicalIndex.build(["能耗在线监测", "时频实验室"], Tokenizer()).scores("能耗")``
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ingest.search.tokenize import Tokenizer, merge_ranges
from ingest.storage.atomic import replace_directory, write_json

K1 = 1.2
B = 0.75
METHOD = "lucene"
PARAMS_FILE = "lexical.json"


def _bm25s():
    os.environ.setdefault("DISABLE_TQDM", "1")
    import bm25s

    return bm25s


class LexicalIndex:
    """A bm25s index over passage texts plus the tokenizer used for it."""

    def __init__(self, retriever, tokenizer: Tokenizer, num_docs: int, k1: float = K1, b: float = B):
        self.retriever = retriever
        self.tokenizer = tokenizer
        self.num_docs = num_docs
        self.k1 = k1
        self.b = b

    @classmethod
    def build(cls, texts: Sequence[str], tokenizer: Tokenizer, k1: float = K1, b: float = B) -> "LexicalIndex":
        """Tokenize and index ``texts`` (one BM25 document each)."""
        bm25s = _bm25s()
        corpus = [tokenizer.terms(t) for t in texts]
        retriever = bm25s.BM25(k1=k1, b=b, method=METHOD)
        if texts:
            retriever.index(corpus, show_progress=False)
        return cls(retriever, tokenizer, len(texts), k1, b)

    def query_terms(self, query: str) -> list[str]:
        """Distinct normalized query terms (what BM25 scores and highlights show)."""
        return self.tokenizer.query_terms(query)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no term is known)."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        if not self.num_docs:
            return out
        vocab = self.retriever.vocab_dict
        ids = [vocab[t] for t in self.query_terms(query) if t in vocab]
        if not ids:
            return out
        return np.asarray(self.retriever.get_scores(ids), dtype=np.float32)

    def highlights(self, query: str | Sequence[str], text: str) -> list[tuple[int, int]]:
        """Character ranges of ``text`` where a query term occurs (merged, sorted).

        Example: ``idx.highlights("能耗监测", "本市能耗在线监测系统")`` → ``[(2, 4), (6, 8)]``
        """
        terms = set(self.query_terms(query) if isinstance(query, str) else query)
        return merge_ranges((t.start, t.end) for t in self.tokenizer.tokens(text) if t.text in terms)

    # -- persistence -----------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write the index into ``directory`` (replaced as a whole)."""
        def fill(tmp: Path) -> None:
            if self.num_docs:
                self.retriever.save(tmp, show_progress=False)
            self.tokenizer.save(tmp)
            write_json(tmp / PARAMS_FILE, {"k1": self.k1, "b": self.b, "method": METHOD, "num_docs": self.num_docs})

        replace_directory(directory, fill)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "LexicalIndex":
        """Read an index written by :meth:`save`."""
        bm25s = _bm25s()
        directory = Path(directory)
        params = json.loads((directory / PARAMS_FILE).read_text(encoding="utf-8"))
        tokenizer = Tokenizer.load(directory)
        if params["num_docs"]:
            retriever = bm25s.BM25.load(directory, mmap=False)
        else:
            retriever = bm25s.BM25(k1=params["k1"], b=params["b"], method=METHOD)
        return cls(retriever, tokenizer, params["num_docs"], params["k1"], params["b"])


def naive_bm25(corpus: Sequence[Sequence[str]], query: Sequence[str], k1: float = K1, b: float = B) -> list[float]:
    """Reference BM25 (Lucene idf variant) in plain Python, for parity tests.

    Example: ``naive_bm25([["a", "b"], ["b"]], ["a"])`` → ``[0.98…, 0.0]``
    """
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n
    out = []
    for doc in corpus:
        score = 0.0
        for term in dict.fromkeys(query):
            df = sum(1 for d in corpus if term in d)
            if not df:
                continue
            tf = doc.count(term)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            score += idf * tf / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        out.append(score)
    return out
