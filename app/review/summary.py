"""What the history and peer rules need of the corpus, kept as summaries (SQLite) instead of a scan.

Two rules read other projects than the one reviewed (``history.py``):

- ``target_below_last_actual`` — the latest earlier record of the *same project* (the same code,
  else the same name of the same unit or budget department) with actual values, and those values
  by indicator key;
- ``target_below_peers`` — the median of the rate targets of every *other* project with an
  indicator of the same key.

A :class:`CorpusSummary` holds, per corpus project, its identity (id, code, name, unit, year, its
place in corpus order), its actual values by key, and its peer values by key; lookups go by index
(code, name+unit, key), so judging one project reads its group, never the corpus. The same class
serves an in-memory review (``CorpusSummary.of(projects)``, an SQLite ``:memory:`` database) and
the stored review of a knowledge base (``app/review/stored.py``, a file that also lists every
document's records and rate targets, to find the documents a change can move).

Ties are broken by corpus order, as a scan over the corpus list would: the latest earlier year's
first record, and equal values in the order they come (``statistics.median`` sorts stably).

Example: ``CorpusSummary.of(projects).peer_median(project, "验收合格率")`` → ``(3, Decimal('98'))`` or None
"""
from __future__ import annotations

import re
import sqlite3
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Sequence

from ingest.records import Indicator, Project

from app.review.words import WORDS, is_rate, squash

AT_LEAST = (">=", ">", "=", None)   # a target that states a level to reach

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (   -- every reviewed record: projects (corpus = 1) and departments (0)
  id TEXT, kind TEXT, doc TEXT, ord TEXT, year INTEGER, code TEXT, sqname TEXT, ud TEXT,
  corpus INTEGER, has_actual INTEGER, PRIMARY KEY (id, kind));
CREATE INDEX IF NOT EXISTS records_code ON records (code);
CREATE INDEX IF NOT EXISTS records_name ON records (sqname, ud);
CREATE INDEX IF NOT EXISTS records_doc ON records (doc);
CREATE TABLE IF NOT EXISTS actuals (   -- a corpus project's actual values, in row order
  id TEXT, n INTEGER, key TEXT, value TEXT, raw TEXT, unit TEXT);
CREATE INDEX IF NOT EXISTS actuals_id ON actuals (id);
CREATE TABLE IF NOT EXISTS peers (     -- a corpus project's rate targets that peers compare with
  id TEXT, n INTEGER, key TEXT, value TEXT, ord TEXT, code TEXT, sqname TEXT, ud TEXT);
CREATE INDEX IF NOT EXISTS peers_key ON peers (key);
CREATE INDEX IF NOT EXISTS peers_id ON peers (id);
CREATE TABLE IF NOT EXISTS subjects (  -- a reviewed record's rate targets that are compared with peers
  id TEXT, kind TEXT, doc TEXT, n INTEGER, key TEXT, value TEXT, code TEXT, sqname TEXT, ud TEXT);
CREATE INDEX IF NOT EXISTS subjects_key ON subjects (key);
CREATE INDEX IF NOT EXISTS subjects_id ON subjects (id, kind);
"""


def indicator_key(name: str | None) -> str:
    """A name as history and peers compare it. Example: ``indicator_key("指标1：培训人数（%）")`` → ``'培训人数'``"""
    t = squash(name)
    t = re.sub(r"^指标\d+[:：]", "", t)
    return re.sub(r"[（(][%％][)）]$", "", t)


def reverse(i: Indicator) -> bool:
    """Less is better: printed 反向, else a negative word in the name with no 正向 printed."""
    d = squash(i.direction)
    return "反向" in d or (not d and bool(WORDS.negative(i.name)) and not WORDS.positive(i.name))


def same_project(a, b) -> bool:
    """The same project in two records: the same code when both have one, else the same name
    of the same unit (or budget department). Takes projects or :class:`Identity` rows."""
    if a.code and b.code:
        return a.code == b.code
    return _name(a) == _name(b) and _ud(a) == _ud(b)


def _name(x) -> str:
    return x.sqname if isinstance(x, Identity) else squash(x.name)


def _ud(x) -> str | None:
    return x.ud if isinstance(x, Identity) else (x.unit or x.department)


@dataclass(frozen=True)
class Identity:
    """What ``same_project`` reads of a record, as the summary keeps it."""

    id: str
    code: str | None
    sqname: str
    ud: str | None


def identity(p: Project) -> Identity:
    return Identity(p.id, p.code or None, squash(p.name), p.unit or p.department)


def peer_value(i: Indicator) -> bool:
    """An indicator that counts as a peer's target: a rate that states a level to reach."""
    return i.value is not None and is_rate(i) and i.operator in AT_LEAST


def subject_value(i: Indicator) -> bool:
    """An indicator the peer rule judges: a peer value that is not a less-is-better rate."""
    return peer_value(i) and not reverse(i)


@dataclass(frozen=True)
class LastActuals:
    """The latest earlier record of the same project with actual values: its year and its
    actuals by indicator key → (value, printed actual, unit)."""

    year: int
    actuals: dict[str, tuple[Decimal, str | None, str | None]]


class _Group:
    """One key's peer values in (value, corpus order), with indexes for the exclusions."""

    def __init__(self, rows: Sequence[tuple]):
        entries = sorted(((Decimal(v), (o, n), Identity(i, c, s, u)) for v, o, n, i, c, s, u in rows),
                         key=lambda e: (e[0], e[1]))
        self.values = [e[0] for e in entries]
        self.by_id: dict[str, list[int]] = {}
        self.by_code: dict[str, list[int]] = {}
        self.by_name: dict[tuple, list[int]] = {}
        self.who = [e[2] for e in entries]
        for k, (_, _, who) in enumerate(entries):
            self.by_id.setdefault(who.id, []).append(k)
            if who.code:
                self.by_code.setdefault(who.code, []).append(k)
            self.by_name.setdefault((who.sqname, who.ud), []).append(k)

    def excluded(self, p: Identity) -> list[int]:
        """Positions of the values of ``p`` itself and of the same project in other records."""
        near = set(self.by_id.get(p.id, ())) | set(self.by_name.get((p.sqname, p.ud), ()))
        if p.code:
            near |= set(self.by_code.get(p.code, ()))
        return sorted(k for k in near if self.who[k].id == p.id or same_project(p, self.who[k]))

    def nth(self, t: int, skip: list[int]) -> Decimal:
        """The ``t``-th (0-based) value once the positions ``skip`` (sorted) are left out."""
        k = t
        for s in skip:
            if s <= k:
                k += 1
            else:
                break
        return self.values[k]

    def median(self, p: Identity) -> tuple[int, Decimal] | None:
        """(number of peers, their median) for ``p``, as ``statistics.median`` of the list."""
        skip = self.excluded(p)
        n = len(self.values) - len(skip)
        if n <= 0:
            return None
        if n % 2:
            return n, self.nth(n // 2, skip)
        return n, statistics.median([self.nth(n // 2 - 1, skip), self.nth(n // 2, skip)])


class CorpusSummary:
    """The corpus as the history and peer rules read it (see the module docstring).

    Example: ``CorpusSummary.of(projects).last_actuals(project)``
    """

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.db.executescript(SCHEMA)
        self._groups: dict[str, _Group] = {}

    @classmethod
    def of(cls, corpus: Iterable[Project]) -> "CorpusSummary":
        """An in-memory summary of ``corpus`` (in corpus order)."""
        s = cls(sqlite3.connect(":memory:"))
        for k, p in enumerate(corpus):
            s.add(p, "project", "", f"{k:09d}", corpus=True, subjects=False)
        return s

    # -- writing ---------------------------------------------------------------------------------
    def add(self, p: Project, kind: str, doc: str, order: str, corpus: bool, subjects: bool = True) -> None:
        """Add one record: its identity, and (``corpus``) its actuals and peer values; with
        ``subjects`` the rate targets the peer rule judges on it (for finding what a change moves)."""
        who = identity(p)
        actuals = [(indicator_key(i.name), i) for i in p.indicators if i.actual_value is not None] if corpus else []
        self.db.execute("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (p.id, kind, doc, order, p.year, who.code, who.sqname, who.ud, int(corpus), int(bool(actuals))))
        if actuals:
            self.db.executemany("INSERT INTO actuals VALUES (?,?,?,?,?,?)", [
                (p.id, n, key, str(i.actual_value), i.actual_raw, i.actual_unit or i.unit)
                for n, (key, i) in enumerate(actuals)])
        if corpus:
            rows = [(p.id, n, indicator_key(i.name), str(i.value), order, who.code, who.sqname, who.ud)
                    for n, i in enumerate(p.indicators, start=1) if peer_value(i)]
            self.db.executemany("INSERT INTO peers VALUES (?,?,?,?,?,?,?,?)", rows)
            for key in {r[2] for r in rows}:
                self._groups.pop(key, None)
        if subjects:
            self.db.executemany("INSERT INTO subjects VALUES (?,?,?,?,?,?,?,?,?)", [
                (p.id, kind, doc, n, indicator_key(i.name), str(i.value), who.code, who.sqname, who.ud)
                for n, i in enumerate(p.indicators, start=1) if subject_value(i)])

    def remove(self, record_id: str, kind: str) -> None:
        """Take one record out (its identity, actuals, peer values and judged targets)."""
        corpus = self.db.execute("SELECT corpus FROM records WHERE id=? AND kind=?", (record_id, kind)).fetchone()
        if corpus is None:
            return
        if corpus[0]:
            for (key,) in self.db.execute("SELECT DISTINCT key FROM peers WHERE id=?", (record_id,)).fetchall():
                self._groups.pop(key, None)
            self.db.execute("DELETE FROM peers WHERE id=?", (record_id,))
            self.db.execute("DELETE FROM actuals WHERE id=?", (record_id,))
        self.db.execute("DELETE FROM subjects WHERE id=? AND kind=?", (record_id, kind))
        self.db.execute("DELETE FROM records WHERE id=? AND kind=?", (record_id, kind))

    # -- reading ---------------------------------------------------------------------------------
    def last_actuals(self, p: Project) -> LastActuals | None:
        """The latest earlier record of the same project with actual values (the first such record
        in corpus order when two share the year); None when there is none."""
        if p.year is None:
            return None
        who = identity(p)
        rows = self.db.execute(
            "SELECT id, code, sqname, ud, year, ord FROM records WHERE corpus=1 AND has_actual=1 AND year < ? "
            "AND id != ? AND (code = ? OR (sqname = ? AND ud IS ?))",
            (p.year, p.id, who.code, who.sqname, who.ud)).fetchall()
        earlier = [r for r in rows if same_project(who, Identity(*r[:4]))]
        if not earlier:
            return None
        last = min(earlier, key=lambda r: (-r[4], r[5]))
        actuals: dict[str, tuple[Decimal, str | None, str | None]] = {}
        for key, value, raw, unit in self.db.execute(
                "SELECT key, value, raw, unit FROM actuals WHERE id=? ORDER BY n", (last[0],)):
            actuals[key] = (Decimal(value), raw, unit)
        return LastActuals(last[4], actuals)

    def group(self, key: str) -> _Group:
        g = self._groups.get(key)
        if g is None:
            g = self._groups[key] = _Group(self.db.execute(
                "SELECT value, ord, n, id, code, sqname, ud FROM peers WHERE key=?", (key,)).fetchall())
        return g

    def peer_median(self, p: Project | Identity, key: str) -> tuple[int, Decimal] | None:
        """(number of peers, median of their targets) of indicator ``key`` for ``p``: every corpus
        value of that key but those of ``p`` and of the same project in other records."""
        return self.group(key).median(p if isinstance(p, Identity) else identity(p))
