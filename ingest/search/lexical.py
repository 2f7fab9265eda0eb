"""BM25 over passages, with the tokens of every passage kept so the index can change in place.

Every passage (a *row*) keeps its terms and their source offsets: the BM25 matrix is built
from them with numpy (no re-tokenizing when other rows change), highlights are read from them
(no tokenizing at query time), and a query scores only the postings of its own terms.

- **Rows** are stable ids shared with the vector index: adding a passage appends a row,
  removing one marks it dead (``live``), re-tokenizing one (its text contains a user word
  that came or went) points it at new tokens. Token arrays are append-only (a log) and
  compacted when most of them are garbage.
- **Scoring** is BM25 with Lucene's idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``, and term
  part ``tf / (tf + k1 · (1 - b + b · |d| / avgdl))`` (bm25s' ``lucene`` method, which this
  module used before it kept tokens; :func:`naive_bm25` is the formula in plain Python). ``N``,
  ``df`` and ``avgdl`` are over the live rows only, so an index changed in place scores exactly
  like one built from scratch over the same passages. Each distinct query term counts once.
- **Files**: ``.npy`` arrays (memory-mapped when read: a cold search touches only the
  postings of its terms), ``vocab.json``, ``lexical.json`` and the tokenizer's ``userdict.txt``,
  written into a new directory that replaces the old one (``ingest.storage.atomic``).

Example: ``LexicalIndex.build(["能耗在线监测", "时频实验室"], Tokenizer()).scores("能耗")``
"""
from __future__ import annotations

import json
import math
import os
from array import array
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from ingest.search.tokenize import Tokenizer, merge_ranges
from ingest.storage.atomic import replace_directory, write_json, write_npy, write_text

K1 = 1.2
B = 0.75
METHOD = "lucene"
PARAMS_FILE = "lexical.json"
VOCAB_FILE = "vocab.json"
SCORE_BLOCK_TOKENS = 4_000_000   # tokens counted per block when the BM25 matrix is built
_ARRAYS = ("tok_ids", "tok_start", "tok_end", "row_off", "row_len", "live", "data", "indices", "indptr")


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenated index ranges ``[s, s + n)`` for each (s, n), vectorized."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts.astype(np.int64) - (ends - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


class LexicalIndex:
    """The tokens of every passage row, a BM25 matrix over the live ones, and the tokenizer."""

    def __init__(self, tokenizer: Tokenizer, vocab: Sequence[str], arrays: Mapping[str, np.ndarray],
                 k1: float = K1, b: float = B):
        self.tokenizer = tokenizer
        self.vocab = list(vocab)
        self.term_id = {t: i for i, t in enumerate(self.vocab)}
        self.k1, self.b = k1, b
        a = dict(arrays)
        self.tok_ids, self.tok_start, self.tok_end = a["tok_ids"], a["tok_start"], a["tok_end"]
        self.row_off, self.row_len, self.live = a["row_off"], a["row_len"], a["live"]
        if "data" in a:
            self.data, self.indices, self.indptr = a["data"], a["indices"], a["indptr"]
        else:
            self._score_matrix()

    # -- building and changing -------------------------------------------------------------
    @classmethod
    def build(cls, texts: Sequence[str], tokenizer: Tokenizer, k1: float = K1, b: float = B) -> "LexicalIndex":
        """Tokenize and index ``texts`` (row i = text i)."""
        empty = {"tok_ids": np.zeros(0, np.int32), "tok_start": np.zeros(0, np.int32),
                 "tok_end": np.zeros(0, np.int32), "row_off": np.zeros(0, np.int64),
                 "row_len": np.zeros(0, np.int32), "live": np.zeros(0, bool)}
        index = cls(tokenizer, [], empty, k1, b)
        index.update(set_rows=dict(enumerate(texts)))
        return index

    @property
    def num_rows(self) -> int:
        return len(self.row_len)

    @property
    def num_docs(self) -> int:
        """Live rows: the N of BM25."""
        return int(np.count_nonzero(self.live))

    def update(self, set_rows: Mapping[int, str] | None = None, kill: Iterable[int] = (),
               rescore: bool = True) -> None:
        """Give rows new texts (new rows may extend the table) and mark rows dead, then rebuild the
        BM25 matrix from the stored tokens (only the texts in ``set_rows`` are tokenized). With
        ``rescore=False`` the matrix is left behind until an update that rescores (a build adding
        rows a chunk at a time scores once, at its end)."""
        set_rows = dict(set_rows or {})
        n = max([self.num_rows - 1, *set_rows]) + 1 if set_rows else self.num_rows
        if n > self.num_rows:
            grow = n - self.num_rows
            self.row_off = np.concatenate([self.row_off, np.zeros(grow, np.int64)])
            self.row_len = np.concatenate([self.row_len, np.zeros(grow, np.int32)])
            self.live = np.concatenate([self.live, np.zeros(grow, bool)])
        else:
            self.row_off, self.row_len, self.live = (np.array(self.row_off), np.array(self.row_len),
                                                     np.array(self.live))
        kill = list(kill)
        if kill:
            self.live[kill] = False
            self.row_len[kill] = 0
        if set_rows:
            # 4-byte arrays, not lists: a first build at 100k projects appends ~10^8 tokens, and a
            # list would hold a 28-byte int object per entry (about 10 GB)
            ids, starts, ends, base = array("i"), array("i"), array("i"), len(self.tok_ids)
            for row, text in sorted(set_rows.items()):
                toks = self.tokenizer.tokens(text)
                self.row_off[row], self.row_len[row], self.live[row] = base, len(toks), True
                base += len(toks)
                ids.extend(self.term_id.setdefault(t.text, len(self.term_id)) for t in toks)
                starts.extend(t.start for t in toks)
                ends.extend(t.end for t in toks)
            self.vocab.extend(list(self.term_id)[len(self.vocab):])
            self.tok_ids = np.concatenate([self.tok_ids, np.frombuffer(ids, np.int32)])
            self.tok_start = np.concatenate([self.tok_start, np.frombuffer(starts, np.int32)])
            self.tok_end = np.concatenate([self.tok_end, np.frombuffer(ends, np.int32)])
        if len(self.tok_ids) > 2 * max(int(self.row_len.sum()), 1024):
            self._compact()
        if rescore:
            self._score_matrix()

    def take(self, rows: np.ndarray) -> None:
        """Keep only ``rows``, renumbered ``0..len(rows)-1`` in that order (an index compacting)."""
        rows = np.asarray(rows, np.int64)
        self.row_off, self.row_len, self.live = (np.array(self.row_off[rows]), np.array(self.row_len[rows]),
                                                 np.array(self.live[rows]))
        self._compact()
        self._score_matrix()

    def _compact(self) -> None:
        """Drop the token-log entries no row points at any more."""
        take = _ranges(self.row_off, self.row_len)
        self.tok_ids, self.tok_start, self.tok_end = self.tok_ids[take], self.tok_start[take], self.tok_end[take]
        self.row_off = np.concatenate([[0], np.cumsum(self.row_len)[:-1]]).astype(np.int64)

    def _block_pairs(self, rows: np.ndarray, lens: np.ndarray):
        """Each block's distinct (term, row) pairs with their counts, sorted by term then row; a
        block holds about ``SCORE_BLOCK_TOKENS`` tokens, so the int64 keys that sorting needs exist
        for one block only."""
        step = max(1, SCORE_BLOCK_TOKENS * len(rows) // int(lens.sum()))
        for k in range(0, len(rows), step):
            block, blens = rows[k:k + step].astype(np.int64), lens[k:k + step]
            terms = self.tok_ids[_ranges(self.row_off[block], blens)].astype(np.int64)
            owner = np.repeat(block, blens)
            pairs, tf = np.unique(terms * self.num_rows + owner, return_counts=True)   # by term, then row
            del terms, owner
            yield (pairs // self.num_rows).astype(np.int32), (pairs % self.num_rows).astype(np.int32), tf

    def _score_matrix(self) -> None:
        """The BM25 score of every (live row, term) pair, grouped by term (CSC: ``indptr``).

        Two passes over the blocks of :meth:`_block_pairs`: the first only counts each term's rows
        (``df``, hence ``indptr`` and idf), the second puts each block's pairs straight into their
        place in the term-ordered arrays (a counting sort: a term's pairs start at its ``indptr`` and
        blocks come in row order, so rows stay ascending within a term, as one ``np.unique`` over the
        whole corpus would give). Counting twice costs a few seconds at 100,000 projects; keeping
        every block between the passes held 12 more bytes a pair beside the 8 of the result (the
        largest moment of a 100k index build), and a global sort held the pairs three times over."""
        rows = np.flatnonzero(self.live)
        lens = self.row_len[rows].astype(np.int64)
        n_terms = len(self.vocab)
        if not len(rows) or not lens.sum():
            self.data, self.indices = np.zeros(0, np.float32), np.zeros(0, np.int32)
            self.indptr = np.zeros(n_terms + 1, np.int64)
            return
        df = np.zeros(n_terms, np.int64)
        for term, _, _ in self._block_pairs(rows, lens):
            df += np.bincount(term, minlength=n_terms)
        n_docs, avgdl = len(rows), float(lens.sum()) / len(rows)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        self.indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        total = int(self.indptr[-1])
        self.data, self.indices = np.empty(total, np.float32), np.empty(total, np.int32)
        fill = self.indptr[:-1].copy()              # where each term's next pair goes
        for term, row, tf in self._block_pairs(rows, lens):
            starts = np.flatnonzero(np.concatenate([[True], term[1:] != term[:-1]]))   # each term's first pair
            counts = np.diff(np.append(starts, len(term)))
            first = np.repeat(starts, counts)
            pos = fill[term] + (np.arange(len(term)) - first)
            fill[term[starts]] += counts
            f = tf.astype(np.float64)               # float64 temporaries for one block only
            dl = self.row_len[row].astype(np.float64)
            self.data[pos] = idf[term] * f / (f + self.k1 * (1 - self.b + self.b * dl / avgdl))
            self.indices[pos] = row
            del term, row, tf, starts, counts, first, pos, f, dl

    # -- querying ----------------------------------------------------------------------------
    def query_terms(self, query: str) -> list[str]:
        """Distinct normalized query terms (what BM25 scores and highlights show)."""
        return self.tokenizer.query_terms(query)

    def matches(self, query: str | Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, scores)`` of the rows any query term occurs in, rows ascending.

        Reads only the postings of the query's terms: the cost follows how common the terms
        are, not the size of the index.
        """
        terms = self.query_terms(query) if isinstance(query, str) else list(dict.fromkeys(query))
        ids = [self.term_id[t] for t in terms if t in self.term_id]
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        parts = [(self.indptr[i], self.indptr[i + 1]) for i in ids]
        rows = np.concatenate([self.indices[s:e] for s, e in parts])
        data = np.concatenate([self.data[s:e] for s, e in parts])
        if len(ids) == 1:
            return rows.astype(np.int64), np.asarray(data, np.float32)
        uniq, inverse = np.unique(rows, return_inverse=True)
        return uniq.astype(np.int64), np.bincount(inverse, weights=data).astype(np.float32)

    def scores(self, query: str | Sequence[str]) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros where no term occurs, and for dead rows)."""
        out = np.zeros(self.num_rows, dtype=np.float32)
        rows, s = self.matches(query)
        out[rows] = s
        return out

    def row_highlights(self, row: int, query: str | Sequence[str]) -> list[tuple[int, int]]:
        """Character ranges of row ``row``'s text where a query term occurs, from the stored tokens."""
        terms = self.query_terms(query) if isinstance(query, str) else query
        ids = {self.term_id[t] for t in terms if t in self.term_id}
        s, n = int(self.row_off[row]), int(self.row_len[row])
        return merge_ranges((a, b) for i, a, b in zip(self.tok_ids[s:s + n].tolist(), self.tok_start[s:s + n].tolist(),
                                                      self.tok_end[s:s + n].tolist()) if i in ids)

    def highlights(self, query: str | Sequence[str], text: str) -> list[tuple[int, int]]:
        """Character ranges of any ``text`` where a query term occurs (merged, sorted).

        Example: ``idx.highlights("能耗监测", "本市能耗在线监测系统")`` → ``[(2, 4), (6, 8)]``
        """
        terms = set(self.query_terms(query) if isinstance(query, str) else query)
        return merge_ranges((t.start, t.end) for t in self.tokenizer.tokens(text) if t.text in terms)

    def row_terms(self, row: int) -> list[str]:
        """The terms of one row, in text order (for tests and debugging)."""
        s, n = int(self.row_off[row]), int(self.row_len[row])
        return [self.vocab[i] for i in self.tok_ids[s:s + n].tolist()]

    # -- persistence -----------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write the index into ``directory`` (replaced as a whole)."""
        def fill(tmp: Path) -> None:
            for name in _ARRAYS:
                write_npy(tmp / f"{name}.npy", np.ascontiguousarray(getattr(self, name)))
            write_text(tmp / VOCAB_FILE, json.dumps(self.vocab, ensure_ascii=False))
            self.tokenizer.save(tmp)
            write_json(tmp / PARAMS_FILE, {"k1": self.k1, "b": self.b, "method": METHOD,
                                           "num_docs": self.num_docs, "rows": self.num_rows})

        replace_directory(directory, fill)

    @classmethod
    def load(cls, directory: str | os.PathLike, mmap: bool = True) -> "LexicalIndex":
        """Read an index written by :meth:`save`; the arrays are memory-mapped unless ``mmap=False``."""
        directory = Path(directory)
        params = json.loads((directory / PARAMS_FILE).read_text(encoding="utf-8"))
        vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        # plain ndarray views of the maps (a memmap's per-slice bookkeeping costs more than the slice)
        arrays = {name: np.asarray(np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None,
                                           allow_pickle=False)) for name in _ARRAYS}
        return cls(Tokenizer.load(directory), vocab, arrays, params["k1"], params["b"])


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
