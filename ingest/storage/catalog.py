"""The records store's catalog: what finding a project or an indicator needs, one small file per document.

Trace, the project card and the UI's pickers look a project up by name or id, or an indicator by
name; reading every document's full records for that (``RecordStore.projects``) cost 0.8 s at 1,000
projects and grows with the corpus. The catalog holds the names, and what a list of projects shows
(category, performance type, the four budget amounts, the number of citations), so the UI's tables
and charts read no records either: per document ``<doc_id>.idx.json``, written by the record store
beside ``<doc_id>.json`` before the manifest names the document (so it is committed with it, and
deleted with it)::

    {"format": 2, "projects": [{"id": …, "name": …, "unit": …, "year": …, "category": …,
                                "performance_type": …, "budget": [total, current_year,
                                prev_year_budget, prev_year_executed], "citations": 3,
                                "indicators": [[name, target as printed], …]}, …]}

A document stored before the catalog existed, or with a catalog of another format, has its entries
derived from its records in memory (:func:`entries_from_payload`), so old stores keep working.

Example: ``[e.name for e in RecordStore("var").catalog()]``
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from ingest.records import BUDGET_FIELDS, Project
from ingest.storage.codec import number

FORMAT = 2
SUFFIX = ".idx.json"


@dataclass(frozen=True)
class IndicatorEntry:
    """An indicator as the catalog knows it: its name (三级指标) and its target as printed."""

    name: str
    target_raw: str | None = None


@dataclass(frozen=True)
class BudgetEntry:
    """A project's four budget amounts in yuan (``Budget``'s fields; None for a blank cell)."""

    total: Decimal | None = None
    current_year: Decimal | None = None
    prev_year_budget: Decimal | None = None
    prev_year_executed: Decimal | None = None


NO_BUDGET = BudgetEntry()


@dataclass(frozen=True)
class ProjectEntry:
    """A project as the catalog knows it: enough to find it and list it, not its records.

    ``doc`` is the document it is read from (the first in document order when several hold it),
    ``indicators`` its indicator names and targets in row order (row ``n`` is ``indicators[n - 1]``),
    ``budget`` its four amounts, ``citation_count`` how many citations it has. Code written for
    ``Project`` that reads only ``id``, ``name``, ``unit``, ``year``, ``category``,
    ``performance_type``, ``budget.total`` … and ``indicators[…].name`` works on an entry too.
    """

    id: str
    name: str
    unit: str | None
    year: int | None
    doc: str
    file: str | None
    indicators: tuple[IndicatorEntry, ...] = ()
    category: str | None = None
    performance_type: str | None = None
    budget: BudgetEntry = NO_BUDGET
    citation_count: int = 0


# Indicator names and targets repeat across projects (65 distinct names at 1,000 projects): one entry
# object per distinct pair keeps a large catalog small in memory.
_SHARED: dict[tuple, IndicatorEntry] = {}


def _indicator(name: str, target: str | None) -> IndicatorEntry:
    key = (name, target)
    entry = _SHARED.get(key)
    if entry is None:
        entry = _SHARED.setdefault(key, IndicatorEntry(name, target))
    return entry


def _budget(amounts: Iterable[Any]) -> BudgetEntry:
    values = [None if v is None else Decimal(str(v)) for v in amounts]
    return NO_BUDGET if not any(v is not None for v in values) else BudgetEntry(*values)


def catalog_dict(projects: Iterable[Project]) -> dict[str, Any]:
    """The catalog file of one document's projects.

    Example: ``catalog_dict(result.projects)["projects"][0]["name"]``
    """
    return {"format": FORMAT, "projects": [
        {"id": p.id, "name": p.name, "unit": p.unit, "year": p.year, "category": p.category,
         "performance_type": p.performance_type,
         "budget": [number(getattr(p.budget, k)) for k in BUDGET_FIELDS], "citations": len(p.citations),
         "indicators": [[i.name, i.target_raw] for i in p.indicators]} for p in projects]}


def entries_from_catalog(data: dict[str, Any], doc: str, file: str | None) -> list[ProjectEntry] | None:
    """The entries of a catalog file; None when it is of another format (derive them again)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return [ProjectEntry(d["id"], d["name"], d.get("unit"), d.get("year"), doc, file,
                         tuple(_indicator(n, t) for n, t in d.get("indicators", ())),
                         d.get("category"), d.get("performance_type"), _budget(d.get("budget") or ()),
                         d.get("citations", 0))
            for d in data.get("projects", ())]


def entries_from_payload(payload: dict[str, Any], doc: str) -> list[ProjectEntry]:
    """The entries of a document stored without a catalog file, from its stored records.

    Example: ``entries_from_payload(store.payload(doc_id), doc_id)[0].indicators[0].name``
    """
    file = payload.get("file")
    return [ProjectEntry(d["id"], d["name"], d.get("unit"), d.get("year"), doc, file,
                         tuple(_indicator(i.get("name"), i.get("target_raw")) for i in d.get("indicators", ())),
                         d.get("category"), d.get("performance_type"),
                         _budget((d.get("budget") or {}).get(k) for k in BUDGET_FIELDS), len(d.get("citations", ())))
            for d in payload.get("projects", ())]
