"""Lexical tokenization of Chinese (and English) fiscal text for BM25.

The steps, each a small pure function except the jieba call:

1. :func:`normalize` folds full-width/half-width forms (NFKC) and case, one
   source character at a time, and keeps a map back to source offsets so
   matched terms can be highlighted in the original text.
2. Document numbers (发文字号 such as ``发改环资〔2017〕1711号``, 令 numbers) are pulled
   out as whole tokens before jieba can split them into digits, by the same scanner
   citations use (``ingest.legal.docnumbers.scan_doc_numbers``): the normalized number
   plus its issuer-less core ``〔2017〕1711号``.
3. jieba, a *private* ``jieba.Tokenizer`` instance with a user dictionary built
   from the corpus' labels (project names, indicator names, law titles), cuts
   the rest. Every word longer than two characters also yields the dictionary
   words inside it (``市能耗在线监测系统`` → ``能耗``, ``在线``, ``监测`` …), so a
   label that became one token still matches a query that names a part of it.
4. Punctuation, whitespace and stopwords are dropped; English words are lower-cased.

Example: ``Tokenizer(["国能中心"]).terms("国能中心（市能耗在线监测系统）")``
"""
from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ingest.legal.docnumbers import scan_doc_numbers
from ingest.search.jiebafreq import MATERIALIZE_AFTER, LazyFreq
from ingest.storage.atomic import write_text

USER_DICT_NAME = "userdict.txt"

# Function words that carry no topic. Deliberately short: 保障, 管理 … stay in.
STOPWORDS_ZH = frozenset(
    "的 了 和 与 及 以及 或 或者 等 对 对于 在 是 为 为了 将 由 从 其 之 于 并 而 也 中 把 被 向 以 "
    "按 按照 根据 关于 通过 有 个 这 那 该 各 此 即 则 就 都 又 还 所 至 到 给 让 使 上 下 内 外 "
    "一 二 三 不 没有 我 我们 你 他 她 它 他们".split()
)
STOPWORDS_EN = frozenset(
    "a an the of and or in on at to for with by from as is are was were be been being this that "
    "these those it its into about which who what how".split()
)

# jieba's own block pattern; only such runs can ever be one dictionary word.
_HAN_RUN = re.compile(r"[\u4e00-\u9fd5a-z0-9+#&._%\-]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Token:
    """One index term and where it came from: ``text[start:end]`` of the *original* text."""

    text: str
    start: int
    end: int


def normalize(text: str) -> tuple[str, list[int]]:
    """NFKC + lower-case ``text`` character by character.

    Returns the normalized string and ``origin``, where ``origin[i]`` is the source
    index of normalized character ``i`` (plus a final entry ``len(text)``).

    Example:
        >>> normalize("ＡＢ（１）")
        ('ab(1)', [0, 1, 2, 3, 4, 5])
    """
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).lower() if ord(ch) > 0x7F or ch.isupper() else ch
        for c in folded:
            chars.append(c)
            origin.append(i)
    origin.append(len(text))
    return "".join(chars), origin


def is_content(term: str) -> bool:
    """False for punctuation/whitespace-only terms and stopwords."""
    if not term or term in STOPWORDS_ZH or term in STOPWORDS_EN:
        return False
    return any(unicodedata.category(c)[0] in "LN" for c in term)


def user_dict_words(labels: Iterable[str], min_len: int = 3, max_len: int = 24) -> list[str]:
    """Candidate user-dictionary words from labels, sorted and de-duplicated.

    A label is NFKC-normalized and cut at anything jieba would treat as a
    boundary (brackets, spaces, punctuation); each Chinese run of ``min_len`` to
    ``max_len`` characters is a candidate.

    Example:
        >>> user_dict_words(["国能中心（市能耗在线监测系统）"])
        ['国能中心', '市能耗在线监测系统']
    """
    words = set()
    for label in labels:
        if not label:
            continue
        norm, _ = normalize(label)
        for run in _HAN_RUN.findall(norm):
            if min_len <= len(run) <= max_len and _CJK.search(run):
                words.add(run)
    return sorted(words)


_BASE_JIEBA = None


def _new_jieba():
    """A fresh private ``jieba.Tokenizer`` over the built-in dictionary, read word by word from its
    table on disk (``ingest.search.jiebafreq``): a process that cuts one query does not load the
    whole dictionary (0.6-0.9 s), and adding user words to one never affects another or the global one.
    """
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.FREQ = LazyFreq()
    tk.total = tk.FREQ.total
    tk.initialized = True
    return tk


def _settle(jb) -> None:
    """Swap a jieba's table lookups for a plain dict once it has cut enough to pay for one (same answers)."""
    freq = jb.FREQ
    if isinstance(freq, LazyFreq) and freq.lookups > MATERIALIZE_AFTER:
        jb.FREQ = freq.materialize()


def _add_words(jb, words: dict[str, int]) -> None:
    """jieba's ``add_word`` for each of ``words``, with jieba's total left at the built-in dictionary's."""
    if isinstance(jb.FREQ, LazyFreq):
        jb.FREQ.add_user_words(words)
        return
    total = jb.total
    for word, freq in words.items():
        jb.add_word(word, freq)
    jb.total = total


def _base_jieba():
    """One private jieba with the built-in dictionary only, never changed: user-word frequencies
    and the built-in cut of a user word are computed against it, so they do not depend on which
    other user words a tokenizer holds."""
    global _BASE_JIEBA
    if _BASE_JIEBA is None:
        _BASE_JIEBA = _new_jieba()
    return _BASE_JIEBA


@lru_cache(maxsize=500_000)
def _user_word_freq(word: str, hmm: bool = False) -> int | None:
    """A candidate's user-dictionary frequency, or None when it adds nothing (memoized: it depends on
    the word alone). The frequency is jieba's ``suggest_freq(word)`` against the built-in dictionary,
    computed from the same cut that decides whether the word is kept."""
    base = _base_jieba()
    _settle(base)
    if base.FREQ.get(word):
        return None
    cut = base.lcut(word, HMM=hmm)
    if len([w for w in cut if is_content(w)]) < 2:
        return None
    if hmm:
        return base.suggest_freq(word, tune=False)
    freq = 1.0                                    # suggest_freq's own arithmetic over that cut
    for seg in cut:
        freq *= base.FREQ.get(seg, 1) / float(base.total)
    return max(int(freq * base.total) + 1, base.FREQ.get(word, 1))


def label_words(labels: Iterable[str], hmm: bool = False) -> dict[str, int]:
    """The user words ``labels`` contribute, with their frequencies (see :meth:`Tokenizer.from_labels`).

    A word's entry depends on the word alone, so the words of a corpus are the union of the
    words of its documents: an index can add and drop a document's words one by one.

    Example: ``label_words(["国能中心（市能耗在线监测系统）"])`` → ``{'市能耗在线监测系统': …}``
    """
    out = {}
    for word in user_dict_words(labels):
        freq = _user_word_freq(word, hmm)
        if freq is not None:
            out[word] = freq
    return out


class Tokenizer:
    """jieba with a corpus user dictionary, NFKC folding and document-number tokens.

    Each instance owns a private ``jieba.Tokenizer``; the global jieba dictionary
    is never touched. User words get the smallest frequency that lets the whole
    label win where it appears verbatim (``suggest_freq`` against the *built-in*
    dictionary), so they do not override good built-in splits elsewhere. jieba's
    total frequency stays the built-in one whatever user words are added: so a user
    word changes the cut of a text only where the word occurs in it, which lets an
    index re-tokenize just those passages when its user dictionary changes.

    Example: ``Tokenizer.from_labels(["时频实验室运维费"]).terms("时频实验室")``
    """

    def __init__(self, user_words: dict[str, int] | None = None, hmm: bool = False):
        self.hmm = hmm
        self.user_words: dict[str, int] = dict(user_words or {})
        self._base_cut: dict[str, list[tuple[str, int, int]]] = {}
        self._jb = None       # the private jieba, made when a text is first cut

    @property
    def _jieba(self):
        if self._jb is None:
            jb = _new_jieba()
            _add_words(jb, self.user_words)
            self._jb = jb
        return self._jb

    def add_words(self, words: dict[str, int]) -> None:
        """Add user words (word → frequency). A user word adds a whole-label term but never
        removes the terms the built-in split gives (kept in ``_base_cut``)."""
        self.user_words.update(words)
        if self._jb is not None:
            _add_words(self._jb, words)

    def remove_words(self, words: Iterable[str]) -> None:
        """Drop user words again (a frequency of 0 is what jieba reads as "not a word")."""
        for word in words:
            if self.user_words.pop(word, None) is not None and self._jb is not None:
                self._jb.FREQ[word] = _base_jieba().FREQ.get(word, 0)

    def _base_parts(self, word: str) -> list[tuple[str, int, int]]:
        """How the built-in dictionary alone cuts a user word (computed when first met)."""
        parts = self._base_cut.get(word)
        if parts is None:
            _settle(_base_jieba())
            parts = self._base_cut[word] = list(_base_jieba().tokenize(word, mode="default", HMM=self.hmm))
        return parts

    @classmethod
    def from_labels(cls, labels: Iterable[str], hmm: bool = False) -> "Tokenizer":
        """Build the user dictionary from labels; frequencies are computed on the built-in dictionary.

        A candidate is kept only when the built-in dictionary cuts it into at least
        two content words (``的通知`` or a word jieba already knows adds nothing).
        """
        return cls(label_words(labels, hmm), hmm=hmm)

    # -- persistence -------------------------------------------------------------------
    def user_dict_text(self) -> str:
        """The user dictionary in jieba's ``word freq`` format (LF line ends)."""
        return "".join(f"{w} {f}\n" for w, f in sorted(self.user_words.items()))

    def save(self, directory: str | os.PathLike) -> Path:
        """Write ``userdict.txt`` (UTF-8 without BOM, LF) atomically into ``directory``."""
        path = Path(directory) / USER_DICT_NAME
        write_text(path, self.user_dict_text())
        return path

    @classmethod
    def load(cls, directory: str | os.PathLike, hmm: bool = False) -> "Tokenizer":
        """Read a ``userdict.txt`` written by :meth:`save`."""
        words = {}
        text = (Path(directory) / USER_DICT_NAME).read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.strip():
                word, _, freq = line.rpartition(" ")
                words[word] = int(freq)
        return cls(words, hmm=hmm)

    # -- tokenizing --------------------------------------------------------------------
    def _cut(self, norm: str, lo: int, hi: int, out: list[tuple[str, int, int]]) -> None:
        """Cut ``norm[lo:hi]`` with jieba; append (term, norm_start, norm_end), incl. sub-words."""
        if lo >= hi:
            return
        _settle(self._jieba)
        freq = self._jieba.FREQ
        for word, s, e in self._jieba.tokenize(norm[lo:hi], mode="default", HMM=self.hmm):
            s += lo
            out.append((word, s, s + len(word)))
            parts = self._base_parts(word) if word in self.user_words else None
            if parts is not None:  # a user word: also what the built-in dictionary sees in it
                out.extend((w, s + a, s + b) for w, a, b in parts if len(w) < len(word))
            n = len(word)
            if n > 2 and _CJK.search(word):
                for size in range(2, n):
                    for i in range(0, n - size + 1):
                        sub = word[i:i + size]
                        if freq.get(sub) and (parts is None or sub not in self.user_words):
                            out.append((sub, s + i, s + i + size))

    def tokens(self, text: str) -> list[Token]:
        """All content terms of ``text`` with their source offsets, in text order."""
        norm, origin = normalize(text)
        raw: list[tuple[str, int, int]] = []
        pos = 0
        for number in scan_doc_numbers(norm):
            if number.start < pos:  # inside the number before it
                continue
            self._cut(norm, pos, number.start, raw)
            raw.append((number.text, number.start, number.end))
            if number.core:
                raw.append((number.core, number.start, number.end))
            pos = number.end
        self._cut(norm, pos, len(norm), raw)
        result = []
        seen = set()
        for term, s, e in raw:
            term = term.strip()
            if is_content(term) and (term, s, e) not in seen:
                seen.add((term, s, e))
                result.append(Token(term, origin[s], origin[e - 1] + 1))
        return result

    def terms(self, text: str) -> list[str]:
        """Just the terms of :meth:`tokens` (with repeats, as BM25 needs)."""
        return [t.text for t in self.tokens(text)]

    def query_terms(self, text: str) -> list[str]:
        """Distinct terms of a query, in first-seen order."""
        return list(dict.fromkeys(self.terms(text)))


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching ``(start, end)`` ranges.

    Example:
        >>> merge_ranges([(3, 5), (0, 2), (1, 4)])
        [(0, 5)]
    """
    merged: list[list[int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]
