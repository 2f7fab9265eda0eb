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

The manifest is the commit point of a document: its files are written first, then the
manifest names them. Readers in other processes see the manifest as it was when they last
looked (``refresh`` notices a newer one), and a document removed under a reader's feet is
skipped (or a :class:`DocumentGone` error), never a ``FileNotFoundError``. One store object
may be shared by threads.

Example: ``RecordStore(Path("var")).projects()``
"""
from __future__ import annotations

import json
import os
import threading
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
READ_ATTEMPTS = 5  # a reader re-reads the manifest this often when a writer replaces documents under it


class DocumentGone(IngestError):
    """A document was removed (or replaced) while it was being read.

    Example: ``DocumentGone("document 33c4abcdc6cea628 is no longer in var/records", file="var/records")``
    """


class RecordStore:
    """Parsed records of every ingested document, kept in ``<data_dir>/records``."""

    def __init__(self, data_dir: Path):
        self.dir = Path(data_dir) / "records"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._stamp: tuple | None = None
        self._manifest = self._load_manifest()

    def _manifest_stamp(self) -> tuple | None:
        try:
            st = os.stat(self.dir / "manifest.json")
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _load_manifest(self) -> dict[str, Any]:
        path = self.dir / "manifest.json"
        stamp = self._manifest_stamp()
        if stamp is None:
            self._stamp = None
            return {"format": FORMAT_VERSION, "documents": {}, "paths": {}}
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise IngestError(f"the records manifest cannot be read: {e}", file=str(path),
                              hint="re-ingest into a new --data-dir") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise IngestError(f"records store format {manifest.get('format')} is not {FORMAT_VERSION}",
                              file=str(path), hint="re-ingest into a new --data-dir")
        self._stamp = stamp
        return manifest

    def refresh(self) -> bool:
        """Re-read the manifest if another process changed it; True when it did."""
        with self._lock:
            if self._manifest_stamp() == self._stamp:
                return False
            self._manifest = self._load_manifest()
            return True

    def _save_manifest(self) -> None:
        write_json(self.dir / "manifest.json", self._manifest)
        self._stamp = self._manifest_stamp()

    def version(self) -> tuple[str, ...]:
        """The ids of the stored documents, sorted: what the views must reflect."""
        self.refresh()
        with self._lock:
            return tuple(sorted(self._manifest["documents"]))

    def put(self, doc: Document, result: ParseResult) -> str | None:
        """Store a parsed document. Returns the id of a document it replaced (same path), if any."""
        with self._lock:
            self.refresh()
            return self._put(doc, result)

    def replaced_by(self, doc: Document) -> str | None:
        """The id of the stored document that ``doc`` would replace (same path, other content)."""
        self.refresh()
        with self._lock:
            old = self._manifest["paths"].get(str(Path(doc.path).resolve()))
            if old is None or old == doc.doc_id:
                return None
            others = [p for p, d in self._manifest["paths"].items()
                      if d == old and p != str(Path(doc.path).resolve())]
            return None if others else old

    def _put(self, doc: Document, result: ParseResult) -> str | None:
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
            self._manifest["documents"].pop(replaced, None)
        else:
            replaced = None
        self._save_manifest()       # the commit: from here on the store holds the new version
        if replaced:
            self._forget(replaced)
        return replaced

    def _forget(self, doc_id: str) -> None:
        """Delete the files of a document the manifest no longer lists."""
        for suffix in (".json", ".txt"):
            (self.dir / f"{doc_id}{suffix}").unlink(missing_ok=True)

    def remove(self, doc_id: str) -> bool:
        """Remove one document and its records. Returns False when it was not there.

        The manifest goes first (the commit), then the files: a reader never finds a
        listed document without its files for longer than a retry."""
        with self._lock:
            self.refresh()
            if doc_id not in self._manifest["documents"]:
                return False
            self._manifest["documents"].pop(doc_id, None)
            self._manifest["paths"] = {p: d for p, d in self._manifest["paths"].items() if d != doc_id}
            self._save_manifest()
            self._forget(doc_id)
            return True

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id → {file, projects, ingested}."""
        self.refresh()
        with self._lock:
            return dict(self._manifest["documents"])

    def doc_for_path(self, path: str) -> str | None:
        self.refresh()
        with self._lock:
            return self._manifest["paths"].get(str(Path(path).resolve()))

    def _read(self, doc_id: str, suffix: str) -> str:
        try:
            return (self.dir / f"{doc_id}{suffix}").read_text("utf-8")
        except FileNotFoundError:
            raise DocumentGone(f"document {doc_id} is no longer in the records store", file=str(self.dir),
                               hint="it was removed or replaced meanwhile; `jixiao documents` lists what is "
                                    "there now") from None

    def text(self, doc_id: str) -> str:
        """The normalized text of a document: what every span's offsets refer to."""
        return self._read(doc_id, ".txt")

    def payload(self, doc_id: str) -> dict[str, Any]:
        """The stored JSON of one document: file, kind, encoding, projects, departments, warnings."""
        return json.loads(self._read(doc_id, ".json"))

    def _consistent(self, read):
        """``read(doc_ids)`` over the documents listed now, again if a writer removed one meanwhile."""
        for attempt in range(READ_ATTEMPTS):
            self.refresh()
            with self._lock:
                ids = sorted(self._manifest["documents"], key=self._order)
            try:
                return read(ids)
            except DocumentGone:
                if attempt == READ_ATTEMPTS - 1:
                    raise

    def projects(self, doc_id: str | None = None) -> list[Project]:
        """Every stored project (of one document when ``doc_id`` is given), in document order.

        A project found in two documents (a .txt and the .pdf it came from) is listed once.
        """
        def read(ids: list[str]) -> list[Project]:
            seen: dict[str, Project] = {}
            for d in ids:
                for p in self._iter_projects(d):
                    seen.setdefault(p.id, p)
            return list(seen.values())
        return read([doc_id]) if doc_id else self._consistent(read)

    def _order(self, doc_id: str) -> tuple[str, str]:
        return (self._manifest["documents"][doc_id]["file"], doc_id)

    def _iter_projects(self, doc_id: str) -> Iterator[Project]:
        for d in self.payload(doc_id)["projects"]:
            yield project_from_dict(d)

    def departments(self, doc_id: str | None = None) -> list[Department]:
        """Every stored department record (整体支出表), of one document when ``doc_id`` is given;
        the same department in two documents is listed once."""
        def read(ids: list[str]) -> list[Department]:
            seen: dict[str, Department] = {}
            for d in ids:
                for x in self.payload(d).get("departments", ()):
                    seen.setdefault(x["id"], department_from_dict(x))
            return list(seen.values())
        return read([doc_id]) if doc_id else self._consistent(read)
