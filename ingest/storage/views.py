"""Which document versions each derived view reflects: ``<data_dir>/views.json``.

The records are the source of truth; the graph (a document's named graph and its
``…/inferred`` support graph) and the search index are views derived from them. A view's
entry for a document is written only *after* that document is complete in the view, and
removed *before* the view is changed, so the file never claims more than the view holds:
a kill at any point leaves at worst a document missing from the file, which the next writer
re-derives (``KnowledgeBase.heal``). Document ids are hashes of the normalized text, so an id
is a version.

Layout::

    {"format": 1,
     "graph": {"<store location>": {"<doc_id>": {"support": true}}},
     "search": {"docs": ["<doc_id>", …]},
     "review": {"docs": ["<doc_id>", …]},
     "graph_layout": {"<store location>": 2}}

The search index and the review graph are built from every document at once, so they record
the whole set of documents they were built from.

The graph part is kept per store location (the embedded store's directory, or an endpoint
URL), since each is a separate view of the same records.

Example: ``ViewState("var").graph_docs("var/graph")`` → ``{"33c4abcdc6cea628": {"support": True}}``
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ingest.storage.atomic import write_json

FORMAT = 1
VIEWS_FILE = "views.json"


class ViewState:
    """The view-state file of one data directory. Written only under the write lock; read by anyone."""

    def __init__(self, data_dir: str | os.PathLike):
        self.path = Path(data_dir) / VIEWS_FILE

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {"format": FORMAT}
        return data if isinstance(data, dict) and data.get("format") == FORMAT else {"format": FORMAT}

    def _save(self, data: dict[str, Any]) -> None:
        write_json(self.path, data)

    # -- graph ----------------------------------------------------------------------------------
    def graph_docs(self, location: str) -> dict[str, dict[str, Any]] | None:
        """doc id → {"support": bool} of the documents complete in the graph at ``location``;
        None when nothing was ever recorded for it (a store written before this file existed)."""
        docs = self._load().get("graph", {}).get(location)
        return None if docs is None else dict(docs)

    def set_graph_docs(self, location: str, docs: dict[str, dict[str, Any]]) -> None:
        data = self._load()
        data.setdefault("graph", {})[location] = dict(sorted(docs.items()))
        self._save(data)

    def mark_graph(self, location: str, doc_id: str, info: dict[str, Any] | None) -> None:
        """Record ``doc_id`` as complete in the graph (``info``), or as not there (None)."""
        data = self._load()
        docs = data.setdefault("graph", {}).setdefault(location, {})
        if info is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = info
        self._save(data)

    def graph_layout(self, location: str) -> int:
        """The layout the graph at ``location`` was written in: 1 (the default graph a copy of every
        named graph) unless recorded; 2 keeps spans and derived graphs out of the default graph."""
        return int(self._load().get("graph_layout", {}).get(location, 1))

    def set_graph_layout(self, location: str, layout: int) -> None:
        data = self._load()
        data.setdefault("graph_layout", {})[location] = layout
        self._save(data)

    # -- views built from every document at once (the search index, the review graph) ----------
    def derived_docs(self, view: str) -> set[str] | None:
        """The documents the view ``view`` (``search``, ``review``) was last built from; None when unknown."""
        docs = self._load().get(view, {}).get("docs")
        return None if docs is None else set(docs)

    def set_derived_docs(self, view: str, docs: set[str] | None) -> None:
        """Record what ``view`` was built from (None before rebuilding it: it claims nothing meanwhile)."""
        data = self._load()
        if docs is None:
            data.pop(view, None)
        else:
            data[view] = {"docs": sorted(docs)}
        self._save(data)

    def search_docs(self) -> set[str] | None:
        """The documents the saved search index was built from; None when unknown."""
        return self.derived_docs("search")

    def set_search_docs(self, docs: set[str] | None) -> None:
        self.set_derived_docs("search", docs)
