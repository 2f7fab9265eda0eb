"""The asker's lexicon and tokenizer user words, kept on disk per version of the graph.

Building them asks the graph for every label (14 queries) and computes a jieba frequency for
each new word: about 2 s of every cold ``jixiao search`` or ``jixiao ask`` at 1,000 projects and
6.5 s at 10,000, for an answer that only changes when a document is ingested or removed. So the
first process after a change writes ``<data_dir>/ask/lexicon.sqlite`` and the next ones read it.
The key covers what the lexicon is made of: the stored documents and their versions, the
endpoint, and the vocabulary and legal tables shipped with the code. A cache that cannot be
written (a read-only data directory) is not an error: the lexicon is then built every time.

The file is an SQLite table looked up by surface, not a document read whole: a question looks up
a few hundred surfaces, and at 100,000 projects there are about 200,000 of them (a JSON copy was
8 MB and 0.25 s to read at 10,000 projects, so seconds at 100,000, in every cold process). Only
the fuzzy-comparison forms are read whole (rapidfuzz compares a run against all of them), as one
column; the entries behind them are read for the few that come near.

Example: ``lexicon, words = load(path, key) or build()``
"""
from __future__ import annotations

import json
import operator
import os
import sqlite3
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Iterator

from ingest.identifiers import digest

from app.understand.lexicon import VOCABULARY, Entry, Lexicon

FORMAT = 2   # bump when Lexicon or the user-word arithmetic changes what a file means
FILE = "lexicon.sqlite"
_OLD_FILES = ("lexicon.json",)   # format 1, read whole: removed when a new file is written
_MISSING = object()


def cache_key(documents: dict[str, Any], endpoint: str | None) -> str:
    """What the lexicon depends on, hashed: the stored documents and the shipped word lists."""
    from ingest.legal.docnumbers import TABLES_DIR
    shipped = [VOCABULARY, *sorted(TABLES_DIR.glob("*.tsv"))]
    parts = [str(FORMAT), endpoint or "", json.dumps(documents, sort_keys=True, ensure_ascii=False, default=str)]
    parts += [p.read_text("utf-8") for p in shipped]
    return digest("\n\x00".join(parts), 32, "sha256")


_FIELDS = tuple(Entry.__dataclass_fields__)


def _values(entries: list[Entry]) -> list[list]:
    return [[e.kind, e.label, e.iri, e.weight, e.extra] for e in entries]


def _entries_json(entries: list[Entry]) -> str:
    return json.dumps(_values(entries), ensure_ascii=False)


def _read_entry(values: list) -> Entry:
    """``Entry(*values)`` without the frozen dataclass' per-field ``object.__setattr__``."""
    if not isinstance(values, list) or len(values) != len(_FIELDS):
        raise ValueError(f"not an entry of {len(_FIELDS)} fields: {values!r}")
    e = object.__new__(Entry)
    e.__dict__.update(zip(_FIELDS, values))
    return e


def _read_entries(text: str) -> list[Entry]:
    return [_read_entry(v) for v in json.loads(text)]


class _File:
    """One read-only connection to a lexicon file, shared by threads under a lock (the UI serves
    each session from its own thread; an SQLite connection must not be used by two at once)."""

    def __init__(self, path: Path):
        self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def one(self, sql: str, args: tuple = ()) -> tuple | None:
        with self._lock:
            return self._con.execute(sql, args).fetchone()

    def rows(self, sql: str) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql).fetchall()

    def column(self, sql: str) -> list:
        return [r[0] for r in self.rows(sql)]


class StoredEntries(Mapping):
    """surface → entries, each surface looked up in the file when first asked for (and kept)."""

    def __init__(self, file: _File):
        self._file = file
        self._memo: dict[str, list[Entry] | None] = {}

    def get(self, surface: str, default: Any = None) -> Any:
        hit = self._memo.get(surface, _MISSING)
        if hit is _MISSING:
            row = self._file.one("SELECT entries FROM entries WHERE surface = ?", (surface,))
            hit = self._memo[surface] = None if row is None else _read_entries(row[0])
        return default if hit is None else hit

    def __getitem__(self, surface: str) -> list[Entry]:
        hit = self.get(surface)
        if hit is None:
            raise KeyError(surface)
        return hit

    def __contains__(self, surface: object) -> bool:
        return isinstance(surface, str) and self.get(surface) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._file.column("SELECT surface FROM entries ORDER BY n"))

    def __len__(self) -> int:
        return self._file.one("SELECT COUNT(*) FROM entries")[0]


class StoredFuzzyEntries(Sequence):
    """The entries behind the i-th fuzzy-comparison form, read when a question comes near it."""

    def __init__(self, file: _File, n: int):
        self._file, self._n = file, n
        self._memo: dict[int, list[Entry]] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        i = operator.index(i)       # a numpy integer would be bound as a blob, and match no row
        if not -self._n <= i < self._n:
            raise IndexError(i)
        i %= self._n
        if i not in self._memo:
            self._memo[i] = _read_entries(self._file.one("SELECT entries FROM fuzzy WHERE n = ?", (i,))[0])
        return self._memo[i]


class StoredLabels(Mapping):
    """The labels of each kind (only building and tests read them): parsed on first use."""

    def __init__(self, file: _File):
        self._file = file
        self._labels: dict[str, list[Entry]] | None = None

    def _all(self) -> dict[str, list[Entry]]:
        if self._labels is None:
            raw = json.loads(self._file.one("SELECT value FROM meta WHERE name = 'labels'")[0])
            self._labels = {k: [_read_entry(v) for v in vs] for k, vs in raw.items()}
        return self._labels

    def __getitem__(self, kind: str) -> list[Entry]:
        return self._all()[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def load(path: Path, key: str) -> tuple[Lexicon, dict[str, int]] | None:
    """The stored lexicon and user words when ``path`` holds them for ``key``; None otherwise (no
    file, another key, a damaged or foreign file: the caller builds the lexicon again)."""
    if not Path(path).is_file():
        return None
    try:
        file = _File(Path(path))
        meta = dict(file.rows("SELECT name, value FROM meta WHERE name != 'labels'"))
        if meta.get("format") != str(FORMAT) or meta.get("key") != key:
            return None
        cores = meta["cores"].split("\n") if meta["cores"] else []
        words = json.loads(meta["user_words"])     # word -> frequency, as save wrote it
        if not isinstance(words, dict):
            return None
        lexicon = Lexicon(entries=StoredEntries(file), labels=StoredLabels(file),
                          _fuzzy=(cores, StoredFuzzyEntries(file, len(cores))))
        # one row of each table read now: a file cut short fails here, not in the middle of a question
        file.one("SELECT entries FROM entries LIMIT 1")
        file.one("SELECT entries FROM fuzzy LIMIT 1")
        return lexicon, words
    except (sqlite3.Error, KeyError, TypeError, ValueError, AttributeError):
        return None


def save(path: Path, lexicon: Lexicon, user_words: dict[str, int], key: str) -> None:
    """Write the file under a private name, then rename it over ``path`` (a reader never sees half
    of one; a process that has the old one open keeps reading it). A data directory that cannot be
    written keeps no cache."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    cores, lists = lexicon.fuzzy_surfaces()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(tmp)
        with con:
            con.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            con.execute("CREATE TABLE entries (surface TEXT PRIMARY KEY, n INTEGER, entries TEXT) WITHOUT ROWID")
            con.execute("CREATE TABLE fuzzy (n INTEGER PRIMARY KEY, entries TEXT)")
            labels = {k: _values(es) for k, es in lexicon.labels.items()}
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("format", str(FORMAT)), ("key", key),
                ("user_words", json.dumps(user_words, ensure_ascii=False)),
                # the fuzzy forms, one string (no form holds a newline: norm() drops white space); read
                # whole by every process, and a column of 140,000 rows took 0.13 s to scan
                ("cores", "\n".join(cores)),
                ("labels", json.dumps(labels, ensure_ascii=False))])
            con.executemany("INSERT INTO entries VALUES (?, ?, ?)",
                            ((s, n, _entries_json(es)) for n, (s, es) in enumerate(lexicon.entries.items())))
            con.executemany("INSERT INTO fuzzy VALUES (?, ?)", ((n, _entries_json(es)) for n, es in enumerate(lists)))
        con.close()
        os.replace(tmp, path)
        for old in _OLD_FILES:
            (path.parent / old).unlink(missing_ok=True)
    except (OSError, sqlite3.Error):
        pass
    finally:
        tmp.unlink(missing_ok=True)
