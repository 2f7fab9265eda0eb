"""The passage rows of a search index, read from its passages file only when asked for.

A saved index's ``passages-<gen>.jsonl`` holds one JSON line per row (``null`` for a removed
one). :class:`PassageFile` memory-maps it and finds the line starts with one vectorized pass,
so opening an index parses no passage: a search parses the few rows it shows. :class:`Rows`
is the list a :class:`~ingest.search.index.SearchIndex` keeps, rows of the file followed by
rows added since, with removed rows set to None; :meth:`Rows.lines` gives the file's next
generation without re-encoding the rows that did not change.

Example: ``Rows.of_file(PassageFile("index/passages-1a2b3c4d5e6f.jsonl"))[0].text``
"""
from __future__ import annotations

import itertools
import json
import mmap
import os
import unicodedata
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ingest.records import Span
from ingest.search.passages import Passage
from ingest.storage.atomic import write, write_npy

_MISSING = object()
READ_BLOCK = 1 << 24      # bytes read at a time when a passages file is opened or copied
TAIL_BLOCK = 10_000       # new rows written at a time


def passage_json(p: Passage, h: str) -> dict[str, Any]:
    span = None if p.span is None else [p.span.doc, p.span.file, p.span.start, p.span.end]
    return {"id": p.id, "project_id": p.project_id, "project_name": p.project_name, "field": p.field,
            "text": p.text, "span": span, "hash": h}


def passage_from_json(d: Mapping[str, Any]) -> Passage:
    span = Span(*d["span"]) if d.get("span") else None
    return Passage(d["id"], d["project_id"], d["project_name"], d["field"], d["text"], span)


class PassageFile:
    """A passages file, memory-mapped: ``raw(i)`` is row i's line (bytes, with its newline).
    ``starts``: the line starts saved beside it (:meth:`Rows.write`), read instead of the file
    when they are that file's (at 100,000 projects: 0.37 s and 843 MB read, against 17 MB)."""

    def __init__(self, path: str | Path, starts: str | Path | None = None):
        self.path = Path(path)
        # kept open, as the map is: a later save may delete this generation's file while it is read
        self._fd = os.open(self.path, os.O_RDONLY)
        size = os.fstat(self._fd).st_size
        self._map = mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ) if size else b""
        if starts is not None and Path(starts).exists():
            offsets = np.load(starts)
            if len(offsets) and offsets[0] == 0 and offsets[-1] == size:
                self.offsets = offsets
                return
        # the line starts are found by reading, not through the map: a scan of the map would make
        # every page of it resident in this process (840 MB at 100,000 projects); a search then
        # touches only the pages of the rows it shows
        ends, pos = [np.zeros(1, np.int64)], 0
        while block := os.pread(self._fd, READ_BLOCK, pos):
            ends.append(np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 0x0A).astype(np.int64) + pos + 1)
            pos += len(block)
        self.offsets = np.concatenate(ends)

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lines(self, a: int, b: int) -> bytes:
        """Lines ``a..b-1``, read from the file (``pread``), not through the map, whose pages would
        stay resident in this process."""
        return os.pread(self._fd, int(self.offsets[b] - self.offsets[a]), int(self.offsets[a]))

    def raw(self, i: int) -> bytes:
        return self._map[self.offsets[i]:self.offsets[i + 1]]

    def record(self, i: int) -> dict[str, Any] | None:
        return json.loads(self.raw(i))

    def rows_containing(self, words: Sequence[str]) -> set[int]:
        """Rows whose line, NFKC-folded and lower-cased, contains one of ``words``. A line holds the
        passage's id and project name too, so a row may be named that only they match (harmless
        for re-tokenizing: its terms come out the same)."""
        if not words or not len(self):
            return set()
        hits: set[int] = set()
        # a block of whole lines at a time, read from the file: the whole file folded at once held
        # several copies of it (bytes, str, folded, UTF-32: GBs at 100,000 projects); a word holds no
        # newline, so no match straddles two blocks
        for a, b in line_blocks(self.offsets, 0, len(self)):
            # NFKC never makes or removes a newline (JSON escapes those inside strings): one per row
            text = unicodedata.normalize("NFKC", self.lines(a, b).decode("utf-8")).lower()
            hits.update(a + n for n in lines_holding(text, words))
        return hits


def lines_holding(text: str, words: Sequence[str]) -> Iterator[int]:
    """The line numbers (from 0) of ``text`` where one of ``words`` occurs, once per occurrence."""
    ends = np.flatnonzero(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) == 0x0A)
    for w in words:
        at = text.find(w)
        while at >= 0:
            yield int(np.searchsorted(ends, at))
            at = text.find(w, at + 1)


def line_blocks(starts: np.ndarray, a: int, b: int) -> Iterator[tuple[int, int]]:
    """Lines ``a..b-1`` of a file whose line starts are ``starts``, cut into runs ``(a, stop)`` of
    about ``READ_BLOCK`` bytes (at least one line each)."""
    while a < b:
        stop = max(a + 1, min(b, int(np.searchsorted(starts, starts[a] + READ_BLOCK, "right")) - 1))
        yield a, stop
        a = stop


class Rows:
    """Row → Passage (None once removed) and its text hash: the rows of a passages file, parsed
    on first use, then the rows appended since."""

    def __init__(self, passages: Iterable[Passage | None] = (), hashes: Iterable[str | None] = ()):
        self.file: PassageFile | None = None
        self._base = 0
        self._parsed: dict[int, tuple[Passage | None, str | None]] = {}
        self._dead: set[int] = set()                    # rows of the file removed since
        self._tail: list[Passage | None] = list(passages)
        self._tail_hashes: list[str | None] = list(hashes)

    @classmethod
    def of_file(cls, file: PassageFile) -> "Rows":
        rows = cls()
        rows.file, rows._base = file, len(file)
        return rows

    def __len__(self) -> int:
        return self._base + len(self._tail)

    def _entry(self, i: int) -> tuple[Passage | None, str | None]:
        if i >= self._base:
            j = i - self._base
            return self._tail[j], self._tail_hashes[j]
        if i in self._dead:
            return None, None
        hit = self._parsed.get(i, _MISSING)
        if hit is _MISSING:
            d = self.file.record(i)
            hit = self._parsed[i] = (None, None) if d is None else (passage_from_json(d), d.get("hash"))
        return hit

    def __getitem__(self, i: int) -> Passage | None:
        return self._entry(int(i))[0]

    def hash(self, i: int) -> str | None:
        return self._entry(int(i))[1]

    def __iter__(self) -> Iterator[Passage | None]:
        return (self[i] for i in range(len(self)))

    def append(self, p: Passage, h: str) -> None:
        self._tail.append(p)
        self._tail_hashes.append(h)

    def kill(self, i: int) -> None:
        if i >= self._base:
            self._tail[i - self._base] = self._tail_hashes[i - self._base] = None
        else:
            self._dead.add(i)
            self._parsed.pop(i, None)

    def take(self, keep: Sequence[int]) -> "Rows":
        """The rows ``keep``, renumbered ``0..``, in memory."""
        return Rows([self[i] for i in keep], [self.hash(i) for i in keep])

    def rows_containing(self, words: Sequence[str], normalize: Callable[[str], str],
                        skip: set[int] = frozenset()) -> set[int]:
        """Live rows but ``skip`` whose text (normalized) may contain one of ``words`` (see ``PassageFile``)."""
        if not words:
            return set()
        hits = {i for i in (self.file.rows_containing(words) if self.file is not None else ())
                if i not in self._dead and i not in skip}
        tail = [(self._base + j, p.text) for j, p in enumerate(self._tail)
                if p is not None and self._base + j not in skip]
        if tail:                      # one folded string for all of them, as for the file
            text = normalize("\n".join(t.replace("\n", " ") for _, t in tail))
            hits.update(tail[n][0] for n in lines_holding(text, words))
        return hits

    def blocks(self) -> Iterator[tuple[bytes, np.ndarray]]:
        """The passages file of these rows, a block at a time with each of its lines' lengths: the
        file's own lines where unchanged, ``null`` where removed, then the new rows.

        The unchanged lines are read from the file (``pread``), not through its map: copying them
        through the map made all of it resident in this process (843 MB at 100,000 projects, the
        largest moment of a from-scratch build and of every save of an index changed in place)."""
        if self._base:
            starts = self.file.offsets
            cuts = sorted({0, self._base, *self._dead, *(d + 1 for d in self._dead)})
            for a, b in zip(cuts, cuts[1:]):
                if a in self._dead:
                    yield b"null\n", np.array([5], np.int64)
                    continue
                for run, stop in line_blocks(starts, a, b):     # a run of unchanged lines
                    yield self.file.lines(run, stop), np.diff(starts[run:stop + 1])
        tail = self._tail_lines()
        while lines := list(itertools.islice(tail, TAIL_BLOCK)):
            yield b"".join(lines), np.array([len(x) for x in lines], np.int64)

    def write(self, path: Path, starts: Path) -> None:
        """Write :meth:`blocks` to the passages file ``path`` and its line starts to ``starts`` (.npy)."""
        lengths = [np.zeros(1, np.int64)]

        def fill(f) -> None:
            for block, lens in self.blocks():
                f.write(block)
                lengths.append(lens)
        write(path, fill)
        write_npy(starts, np.cumsum(np.concatenate(lengths)))

    def _tail_lines(self) -> Iterator[bytes]:
        for p, h in zip(self._tail, self._tail_hashes):
            yield (json.dumps(passage_json(p, h), ensure_ascii=False) + "\n").encode("utf-8") if p is not None \
                else b"null\n"

    def spill(self, f) -> None:
        """Write the rows appended since the last spill to ``f`` (a passages file being built, open
        for writing) and let them go: a build from scratch keeps on disk the rows it is done with,
        which at 100,000 projects are 2 million passages. They are read again after :meth:`reopen`."""
        if self.file is not None or self._dead:
            raise ValueError("only rows built from nothing, none removed, can be spilled")
        f.writelines(self._tail_lines())
        self._base += len(self._tail)
        self._tail, self._tail_hashes = [], []

    def reopen(self, file: PassageFile) -> None:
        """Read the spilled rows from ``file``, the passages file :meth:`spill` wrote (closed)."""
        if len(file) != self._base:
            raise ValueError(f"{file.path} holds {len(file)} rows, {self._base} were spilled")
        self.file, self._parsed = file, {}
