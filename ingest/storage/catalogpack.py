"""The catalog of a large store in one file, ``records/catalog.pack``: a cache of every document's entries.

A fresh process read the catalog of 100,000 projects from 12,467 small ``.idx.json`` files in 8–14 s:
2.5–10 s opening and reading the files (more when the disk is busy), about 5 s parsing JSON and
building 1.5M indicator entries. The pack holds the same entries in one ``marshal`` file, each
document's under the version the manifest gave it and each distinct indicator (name, target) once, so
a cold read is one sequential read decoded in C.

It is a cache, never the truth. A document missing from the pack, or stored since under another
version, is read from its own catalog file; a pack that cannot be read is ignored. The record store
writes the pack again (atomically; a read-only data directory only loses the speed) when a catalog
read found many documents outside it. ``marshal`` is safe here for the same reason the records are:
the data directory is the tool's own.

Example: ``read(Path("var/records/catalog.pack")).get(doc_id)`` → ``(version, [ProjectEntry, …])``
"""
from __future__ import annotations

import marshal
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from ingest.records import BUDGET_FIELDS
from ingest.storage.catalog import NO_BUDGET, BudgetEntry, IndicatorEntry, ProjectEntry

FORMAT = 1
NAME = "catalog.pack"


def dumps(docs: Iterable[tuple[tuple, list[ProjectEntry]]]) -> bytes:
    """The pack of ``(version, entries)`` per document; ``version[0]`` is the document's id."""
    table: dict[tuple, int] = {}
    out = []
    for version, entries in docs:
        rows = tuple((e.id, e.name, e.unit, e.year, e.file,
                      tuple(table.setdefault((i.name, i.target_raw), len(table)) for i in e.indicators),
                      e.category, e.performance_type,
                      tuple(None if (v := getattr(e.budget, k)) is None else str(v) for k in BUDGET_FIELDS),
                      e.citation_count) for e in entries)
        out.append((tuple(version), rows))
    return marshal.dumps((FORMAT, tuple(table), tuple(out)))


def read(path: Path) -> dict[str, tuple[tuple, list[ProjectEntry]]]:
    """Document id → (version, entries) from the pack at ``path``; empty when it is missing, from
    another format or damaged (the entries are then read from each document's own file)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    try:
        fmt, table, docs = marshal.loads(data)
        if fmt != FORMAT:
            return {}
        indicators = [IndicatorEntry(n, t) for n, t in table]
        blank = (None,) * len(BUDGET_FIELDS)
        out = {}
        for version, rows in docs:
            doc = version[0]
            out[doc] = (version, [ProjectEntry(pid, name, unit, year, doc, file,
                                               tuple(map(indicators.__getitem__, idx)), category, ptype,
                                               NO_BUDGET if budget == blank else
                                               BudgetEntry(*[v if v is None else Decimal(v) for v in budget]),
                                               citations)
                                  for pid, name, unit, year, file, idx, category, ptype, budget, citations in rows])
        return out
    except (EOFError, ValueError, TypeError, IndexError, ArithmeticError):
        return {}      # cut short, garbage or another shape: the files are the truth
