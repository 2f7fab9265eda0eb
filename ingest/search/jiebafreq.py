"""jieba's built-in dictionary as a table on disk, read a word at a time.

Loading jieba's dictionary (500k words and every prefix of them) takes 0.6-0.9 s and about
100 MB in every process that cuts text, and each private ``jieba.Tokenizer`` holds a copy. A
search cuts one query of a dozen characters: a few dozen lookups. So a tokenizer starts with a
:class:`LazyFreq`, which answers jieba's lookups from an SQLite copy of the dictionary (made once
per machine, in the cache dir) and remembers each answer. A tokenizer that cuts a lot of text (an
index build) swaps it for a plain dict (:meth:`LazyFreq.materialize`) once it has made
``MATERIALIZE_AFTER`` lookups, so bulk tokenizing runs at dict speed; the answers are the same.

User words are written on top (:meth:`LazyFreq.add_user_words`), with jieba's ``add_word`` rules
(a word's frequency; each prefix that is no word yet counts as a prefix, frequency 0) but
without looking up every prefix.

Example: ``freq = LazyFreq(); freq.get("监测")`` → 3340 (the built-in frequency)
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import uuid
from bisect import bisect_left
from pathlib import Path
from typing import Iterator

from ingest.search.vectorcache import default_cache_dir

# lookups (about 60 ms through this class, a cold query makes a few hundred): past this, a dict is
# cheaper. Every lookup counts, not only those that reach SQLite: a bulk cut repeats the same words
MATERIALIZE_AFTER = 50_000
_MISSING = object()

_FULL: tuple[dict[str, int], int] | None = None
_TABLES: dict[Path, "_Table"] = {}
_LOCK = threading.Lock()


def full_dict() -> tuple[dict[str, int], int]:
    """jieba's built-in (word → frequency, total), read once per process (the dictionary itself:
    never change it)."""
    global _FULL
    if _FULL is None:
        import jieba
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        _FULL = (tk.FREQ, tk.total)
    return _FULL


def _dictionary_key() -> str:
    """Names the table after jieba's version and its dictionary file, so another jieba makes its own."""
    import jieba
    path = Path(jieba.__file__).with_name("dict.txt")
    st = path.stat()
    return f"{getattr(jieba, '__version__', '0')}-{st.st_size}-{int(st.st_mtime)}"


def table_path() -> Path:
    return default_cache_dir() / f"jieba-dict-{_dictionary_key()}.sqlite"


class _Table:
    """The read-only SQLite copy of the built-in dictionary (one connection per process, shared by
    threads under a lock: SQLite connections are not to be used by two threads at once)."""

    def __init__(self, path: Path):
        if not path.exists():
            self._write(path)
        self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.total = int(self._con.execute("SELECT f FROM meta WHERE k = 'total'").fetchone()[0])

    @staticmethod
    def _write(path: Path) -> None:
        """Write the table under a private name, then rename it: a reader never sees half of one,
        and two processes making it at once both end with a whole one."""
        freq, total = full_dict()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            con = sqlite3.connect(tmp)
            with con:
                con.execute("CREATE TABLE d (w TEXT PRIMARY KEY, f INTEGER) WITHOUT ROWID")
                con.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, f INTEGER)")
                con.executemany("INSERT INTO d VALUES (?, ?)", freq.items())
                con.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
            con.close()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, word: str) -> int | None:
        with self._lock:
            row = self._con.execute("SELECT f FROM d WHERE w = ?", (word,)).fetchone()
        return None if row is None else row[0]


def _table() -> "_Table":
    path = table_path()
    with _LOCK:
        table = _TABLES.get(path)
        if table is None:
            try:
                table = _TABLES[path] = _Table(path)
            except (OSError, sqlite3.Error):   # no writable cache dir: the dictionary in memory instead
                table = _TABLES[path] = _InMemory()
    return table


class _InMemory:
    """The table's stand-in when the cache dir cannot hold it: the full dictionary."""

    def __init__(self):
        self._freq, self.total = full_dict()

    def get(self, word: str) -> int | None:
        return self._freq.get(word)


class LazyFreq:
    """What jieba reads from ``Tokenizer.FREQ`` (``in``, ``[]``, ``get``, assignment), from the table
    on disk plus what was written on top. ``total`` is the built-in dictionary's total."""

    def __init__(self):
        self._table = _table()
        self.total = self._table.total
        self._set: dict[str, int] = {}       # written on top: user words, removals
        # the user words, whose prefixes count as prefixes (frequency 0 unless a word): a sorted list,
        # made when first asked, not a set of every prefix (4 million strings for the 100k corpus' words)
        self._words: list[str] = []
        self._sorted: list[str] | None = None
        self._seen: dict[str, int | None] = {}
        self.lookups = 0

    def _base(self, word: str) -> int | None:
        v = self._seen.get(word, _MISSING)
        if v is _MISSING:
            v = self._seen[word] = self._table.get(word)
        return v

    def get(self, word: str, default=None):
        self.lookups += 1
        v = self._set.get(word, _MISSING)
        if v is not _MISSING:
            return v
        v = self._base(word)
        if v is not None:
            return v
        return 0 if self._is_prefix(word) else default

    def _is_prefix(self, frag: str) -> bool:
        """True when ``frag`` begins a longer user word."""
        if not self._words:
            return False
        if self._sorted is None:
            self._sorted = sorted(dict.fromkeys(self._words))   # sorted input (a userdict.txt) sorts in one pass
        i = bisect_left(self._sorted, frag)
        return i < len(self._sorted) and self._sorted[i].startswith(frag) and (
            len(self._sorted[i]) > len(frag) or (i + 1 < len(self._sorted) and self._sorted[i + 1].startswith(frag)))

    def __getitem__(self, word: str) -> int:
        v = self.get(word, _MISSING)
        if v is _MISSING:
            raise KeyError(word)
        return v

    def __contains__(self, word: object) -> bool:
        return self.get(word, _MISSING) is not _MISSING

    def __setitem__(self, word: str, freq: int) -> None:
        self._set[word] = freq

    def add_user_words(self, words: dict[str, int]) -> None:
        """jieba's ``add_word(word, freq)`` for each (the frequency, and each prefix as a prefix)."""
        self._set.update(words)
        self._words.extend(words)
        self._sorted = None

    def materialize(self) -> dict[str, int]:
        """The same answers as a plain dict: the built-in dictionary, prefixes where no word, what
        was written on top."""
        full = dict(full_dict()[0])
        for w in self._words:
            for i in range(1, len(w)):
                full.setdefault(w[:i], 0)
        full.update(self._set)
        return full

    # whole-dictionary reads (the static encoder's reference words): the full dictionary
    def __iter__(self) -> Iterator[str]:
        return iter(self.materialize())

    def __len__(self) -> int:
        return len(self.materialize())

    def items(self):
        return self.materialize().items()
