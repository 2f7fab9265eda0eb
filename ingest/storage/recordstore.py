"""The on-disk records store: one JSON file and one normalized text per document.

Layout under ``<data_dir>/records/``::

    manifest.json        {"format": 1, "documents": {doc_id: {...}}, "paths": {path: doc_id}}
    <doc_id>.json        {"doc": ..., "file": ..., "projects": [project_to_dict(full=True)], ...}
    <doc_id>.txt         the normalized text every span refers to

A document is keyed by the hash of its normalized text, so ingesting the same
content twice (even in another encoding) rewrites the same files. Re-ingesting
a path whose content changed replaces the old document. Every write goes to a
temporary file first and is renamed into place, so a crash never leaves half a
file and never loses what was already ingested.

Example: ``RecordStore(Path("var")).projects()``
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ingest.errors import IngestError
from ingest.storage.atomic import write_json, write_text
from ingest.storage.codec import department_from_dict, department_to_dict, project_from_dict, project_to_dict
from ingest.parse.document import ParseResult
from ingest.read.document import Document
from ingest.records import Department, Project

FORMAT_VERSION = 1


class RecordStore:
    """Parsed records of every ingested document, kept in ``<data_dir>/records``."""

    def __init__(self, data_dir: Path):
        self.dir = Path(data_dir) / "records"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._manifest = self._load_manifest()

    def _load_manifest(self) -> dict[str, Any]:
        path = self.dir / "manifest.json"
        if not path.exists():
            return {"format": FORMAT_VERSION, "documents": {}, "paths": {}}
        manifest = json.loads(path.read_text("utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise IngestError(f"records store format {manifest.get('format')} is not {FORMAT_VERSION}",
                              file=str(path), hint="re-ingest into a new --data-dir")
        return manifest

    def _save_manifest(self) -> None:
        write_json(self.dir / "manifest.json", self._manifest)

    def put(self, doc: Document, result: ParseResult) -> str | None:
        """Store a parsed document. Returns the id of a document it replaced (same path), if any."""
        key = str(Path(doc.path).resolve())
        replaced = self._manifest["paths"].get(key)
        payload = {
            "doc": doc.doc_id, "file": doc.path, "kind": doc.kind, "encoding": doc.encoding,
            "projects": [project_to_dict(p, full=True) for p in result.projects],
            "departments": [department_to_dict(x, full=True) for x in result.departments],
            "warnings": [str(w) for w in result.warnings],
            "errors": [str(e) for e in result.errors],
        }
        write_text(self.dir / f"{doc.doc_id}.txt", doc.text)
        write_json(self.dir / f"{doc.doc_id}.json", payload, indent=None)
        self._manifest["documents"][doc.doc_id] = {
            "file": doc.path, "projects": len(result.projects),
            "ingested": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        self._manifest["paths"][key] = doc.doc_id
        if replaced and replaced != doc.doc_id and replaced not in self._manifest["paths"].values():
            self._forget(replaced)
        else:
            replaced = None
        self._save_manifest()
        return replaced

    def _forget(self, doc_id: str) -> None:
        self._manifest["documents"].pop(doc_id, None)
        for suffix in (".json", ".txt"):
            (self.dir / f"{doc_id}{suffix}").unlink(missing_ok=True)

    def remove(self, doc_id: str) -> bool:
        """Remove one document and its records. Returns False when it was not there."""
        if doc_id not in self._manifest["documents"]:
            return False
        self._forget(doc_id)
        self._manifest["paths"] = {p: d for p, d in self._manifest["paths"].items() if d != doc_id}
        self._save_manifest()
        return True

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id → {file, projects, ingested}."""
        return dict(self._manifest["documents"])

    def doc_for_path(self, path: str) -> str | None:
        return self._manifest["paths"].get(str(Path(path).resolve()))

    def text(self, doc_id: str) -> str:
        """The normalized text of a document: what every span's offsets refer to."""
        return (self.dir / f"{doc_id}.txt").read_text("utf-8")

    def projects(self, doc_id: str | None = None) -> list[Project]:
        """Every stored project (of one document when ``doc_id`` is given), in document order.

        A project found in two documents (a .txt and the .pdf it came from) is listed once.
        """
        ids = [doc_id] if doc_id else sorted(self._manifest["documents"], key=self._order)
        seen: dict[str, Project] = {}
        for d in ids:
            for p in self._iter_projects(d):
                seen.setdefault(p.id, p)
        return list(seen.values())

    def _order(self, doc_id: str) -> tuple[str, str]:
        return (self._manifest["documents"][doc_id]["file"], doc_id)

    def _iter_projects(self, doc_id: str) -> Iterator[Project]:
        payload = json.loads((self.dir / f"{doc_id}.json").read_text("utf-8"))
        for d in payload["projects"]:
            yield project_from_dict(d)

    def departments(self, doc_id: str | None = None) -> list[Department]:
        """Every stored department record (整体支出表), of one document when ``doc_id`` is given;
        the same department in two documents is listed once."""
        ids = [doc_id] if doc_id else sorted(self._manifest["documents"], key=self._order)
        seen: dict[str, Department] = {}
        for d in ids:
            payload = json.loads((self.dir / f"{d}.json").read_text("utf-8"))
            for x in payload.get("departments", ()):
                seen.setdefault(x["id"], department_from_dict(x))
        return list(seen.values())
