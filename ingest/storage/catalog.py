"""The records store's catalog: what finding a project or an indicator needs, one small file per document.

Trace, the project card and the UI's pickers look a project up by name or id, or an indicator by
name; reading every document's full records for that (``RecordStore.projects``) cost 0.8 s at 1,000
projects and grows with the corpus. The catalog holds only the names: per document
``<doc_id>.idx.json``, written by the record store beside ``<doc_id>.json`` before the manifest
names the document (so it is committed with it, and deleted with it)::

    {"format": 1, "projects": [{"id": …, "name": …, "unit": …, "year": …,
                                "indicators": [[name, target as printed], …]}, …]}

A document stored before the catalog existed has no such file: its entries are derived from its
records in memory (:func:`entries_from_payload`), so old stores keep working.

Example: ``[e.name for e in RecordStore("var").catalog()]``
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ingest.records import Project

FORMAT = 1
SUFFIX = ".idx.json"


@dataclass(frozen=True)
class IndicatorEntry:
    """An indicator as the catalog knows it: its name (三级指标) and its target as printed."""

    name: str
    target_raw: str | None = None


@dataclass(frozen=True)
class ProjectEntry:
    """A project as the catalog knows it: enough to find it, not its records.

    ``doc`` is the document it is read from (the first in document order when several hold it),
    ``indicators`` its indicator names and targets in row order (row ``n`` is ``indicators[n - 1]``),
    so code written for ``Project`` that reads only ``id``, ``name`` and ``indicators[…].name`` works
    on an entry too.
    """

    id: str
    name: str
    unit: str | None
    year: int | None
    doc: str
    file: str | None
    indicators: tuple[IndicatorEntry, ...] = ()


# Indicator names and targets repeat across projects (65 distinct names at 1,000 projects): one entry
# object per distinct pair keeps a large catalog small in memory.
_SHARED: dict[tuple, IndicatorEntry] = {}


def _indicator(name: str, target: str | None) -> IndicatorEntry:
    key = (name, target)
    entry = _SHARED.get(key)
    if entry is None:
        entry = _SHARED.setdefault(key, IndicatorEntry(name, target))
    return entry


def catalog_dict(projects: Iterable[Project]) -> dict[str, Any]:
    """The catalog file of one document's projects.

    Example: ``catalog_dict(result.projects)["projects"][0]["name"]``
    """
    return {"format": FORMAT, "projects": [
        {"id": p.id, "name": p.name, "unit": p.unit, "year": p.year,
         "indicators": [[i.name, i.target_raw] for i in p.indicators]} for p in projects]}


def entries_from_catalog(data: dict[str, Any], doc: str, file: str | None) -> list[ProjectEntry] | None:
    """The entries of a catalog file; None when it is of another format (derive them again)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return [ProjectEntry(d["id"], d["name"], d.get("unit"), d.get("year"), doc, file,
                         tuple(_indicator(n, t) for n, t in d.get("indicators", ())))
            for d in data.get("projects", ())]


def entries_from_payload(payload: dict[str, Any], doc: str) -> list[ProjectEntry]:
    """The entries of a document stored without a catalog file, from its stored records.

    Example: ``entries_from_payload(store.payload(doc_id), doc_id)[0].indicators[0].name``
    """
    file = payload.get("file")
    return [ProjectEntry(d["id"], d["name"], d.get("unit"), d.get("year"), doc, file,
                         tuple(_indicator(i.get("name"), i.get("target_raw")) for i in d.get("indicators", ())))
            for d in payload.get("projects", ())]
