"""The on-disk records store: one JSON file and one normalized text per document.

Layout under ``<data_dir>/records/``::

    manifest.json        {"format": 1, "documents": {doc_id: {...}}, "paths": {path: doc_id}}
    <doc_id>.json        {"doc": ..., "file": ..., "projects": [project_to_dict(full=True)], ...}
    <doc_id>.txt         the normalized text every span refers to
    <doc_id>.idx.json    the catalog: project ids, names, indicator names (``ingest.storage.catalog``)
    catalog.pack         every document's catalog entries in one file, a cache (``ingest.storage.catalogpack``)

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

Reads follow what they need: a document's parsed records are kept in memory per document version
(its id and the time it was stored; at most ``cache_projects`` projects, least recently used out),
so asking again costs nothing, and after an ingest only the new documents are read. A pass over every
document fills the cache but evicts nothing (a corpus larger than the cache would otherwise evict each
document before the next pass needs it). Finding one project or indicator reads the catalog (names
only), then the one document that holds it.

Example: ``RecordStore(Path("var")).projects()``
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ingest.errors import IngestError
from ingest.storage import catalogpack
from ingest.storage.atomic import write_bytes, write_json, write_text
from ingest.storage.catalog import SUFFIX as CATALOG_SUFFIX
from ingest.storage.catalog import ProjectEntry, catalog_dict, entries_from_catalog, entries_from_payload
from ingest.storage.codec import department_from_dict, department_to_dict, project_from_dict, project_to_dict
from ingest.records import Department, Project

if TYPE_CHECKING:   # annotations only: a reader of the records need not import the parsers
    from ingest.parse.document import ParseResult
    from ingest.read.document import Document

FORMAT_VERSION = 1
READ_ATTEMPTS = 5  # a reader re-reads the manifest this often when a writer replaces documents under it
CACHE_PROJECTS = 20_000  # parsed projects kept in memory (about 28 KB each: 560 MB at most)
PACK_MIN = 64  # documents a catalog read finds unread before the pack is read, or read from files before it is written


class DocumentGone(IngestError):
    """A document was removed (or replaced) while it was being read.

    Example: ``DocumentGone("document 33c4abcdc6cea628 is no longer in var/records", file="var/records")``
    """


class RecordStore:
    """Parsed records of every ingested document, kept in ``<data_dir>/records``."""

    def __init__(self, data_dir: Path, cache_projects: int = CACHE_PROJECTS, pack_min: int = PACK_MIN):
        self.dir = Path(data_dir) / "records"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._stamp: tuple | None = None
        self._manifest = self._load_manifest()
        self.cache_projects = cache_projects
        self.pack_min = pack_min
        # doc id → (version, value): parsed records (LRU, bounded) and catalog entries (small, all kept)
        self._parsed: OrderedDict[str, tuple[tuple, tuple[list[Project], list[Department]]]] = OrderedDict()
        self._parsed_count = 0
        self._entries: dict[str, tuple[tuple, list[ProjectEntry]]] = {}
        self._catalog_memo: tuple[tuple, list[ProjectEntry], dict[str, ProjectEntry]] | None = None

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
        self._uncache(doc.doc_id)
        payload = {
            "doc": doc.doc_id, "file": doc.path, "kind": doc.kind, "encoding": doc.encoding,
            "projects": [project_to_dict(p, full=True) for p in result.projects],
            "departments": [department_to_dict(x, full=True) for x in result.departments],
            "warnings": [str(w) for w in result.warnings],
            "errors": [str(e) for e in result.errors],
        }
        write_text(self.dir / f"{doc.doc_id}.txt", doc.text)
        write_json(self.dir / f"{doc.doc_id}.json", payload, indent=None)
        write_json(self.dir / f"{doc.doc_id}{CATALOG_SUFFIX}", catalog_dict(result.projects), indent=None)
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
        self._uncache(doc_id)
        for suffix in (".json", ".txt", CATALOG_SUFFIX):
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
                for p in self._records(d, scan=doc_id is None)[0]:
                    seen.setdefault(p.id, p)
            return list(seen.values())
        return read([doc_id]) if doc_id else self._consistent(read)

    def scan(self, texts: bool = True) -> Iterator[tuple[str, list[Project], str | None]]:
        """(doc id, its projects, its text; None without ``texts``) of every stored document, in the
        order :meth:`projects` lists them, one document at a time (kept in memory only where the cache
        has room): a pass over a large corpus without holding it. For a writer, under the write lock."""
        self.refresh()
        with self._lock:
            ids = sorted(self._manifest["documents"], key=self._order)
        for d in ids:
            yield d, self._records(d, scan=True)[0], self.text(d) if texts else None

    def _order(self, doc_id: str) -> tuple[str, str]:
        return (self._manifest["documents"][doc_id]["file"], doc_id)

    def _version(self, doc_id: str) -> tuple:
        """What identifies the stored version of a document: its id and when it was stored."""
        with self._lock:
            entry = self._manifest["documents"].get(doc_id) or {}
        return (doc_id, entry.get("ingested"), entry.get("file"), entry.get("projects"))

    def _uncache(self, doc_id: str, catalog: bool = True) -> None:
        """Forget what was read of a document this process rewrites or removes."""
        with self._lock:
            old = self._parsed.pop(doc_id, None)
            if old is not None:
                self._parsed_count -= len(old[1][0]) + len(old[1][1])
            if catalog:
                self._entries.pop(doc_id, None)
                self._catalog_memo = None

    def _records(self, doc_id: str, scan: bool = False) -> tuple[list[Project], list[Department]]:
        """The parsed projects and departments of one document, from memory when this version was read;
        ``scan``: part of a pass over every document (kept only where the cache has room)."""
        version = self._version(doc_id)
        with self._lock:
            hit = self._parsed.get(doc_id)
            if hit is not None and hit[0] == version:
                self._parsed.move_to_end(doc_id)
                return hit[1]
        payload = self.payload(doc_id)
        value = ([project_from_dict(d) for d in payload["projects"]],
                 [department_from_dict(x) for x in payload.get("departments", ())])
        self._uncache(doc_id, catalog=False)
        with self._lock:
            size = len(value[0]) + len(value[1])
            if size <= self.cache_projects and not (scan and self._parsed_count + size > self.cache_projects):
                self._parsed[doc_id] = (version, value)
                self._parsed_count += size
                while self._parsed_count > self.cache_projects:
                    _, (_, (ps, ds)) = self._parsed.popitem(last=False)
                    self._parsed_count -= len(ps) + len(ds)
        return value

    # -- the catalog: finding one project or indicator without reading every document --------------
    def _doc_entries(self, doc_id: str, pack: dict | None = None) -> tuple[list[ProjectEntry], bool]:
        """A document's catalog entries, and whether they were read from its own file (not from
        memory or from the pack, whose entry counts only under the version the manifest gives now)."""
        version = self._version(doc_id)
        with self._lock:
            hit = self._entries.get(doc_id)
            if hit is not None and hit[0] == version:
                return hit[1], False
        hit = (pack or {}).get(doc_id)
        if hit is not None and hit[0] == version:
            with self._lock:
                self._entries[doc_id] = (version, hit[1])
            return hit[1], False
        with self._lock:
            file = (self._manifest["documents"].get(doc_id) or {}).get("file")
        entries = None
        try:
            entries = entries_from_catalog(json.loads(self._read(doc_id, CATALOG_SUFFIX)), doc_id, file)
        except DocumentGone:
            pass                       # stored before the catalog existed: derived from the records
        except ValueError:
            pass                       # unreadable: derived from the records too
        if entries is None:
            entries = entries_from_payload(self.payload(doc_id), doc_id)
        with self._lock:
            self._entries[doc_id] = (version, entries)
        return entries, True

    def catalog(self) -> list[ProjectEntry]:
        """Every stored project as a catalog entry (id, name, unit, year, document, indicator names and
        targets), in document order, each project once (as :meth:`projects`). Reads the small catalog
        files of documents not read before; the records themselves are not read.

        Example: ``{e.name for e in RecordStore(Path("var")).catalog()}``
        """
        return self._catalog()[0]

    def _catalog(self) -> tuple[list[ProjectEntry], dict[str, ProjectEntry]]:
        def read(ids: list[str]):
            versions = tuple(self._version(d) for d in ids)
            with self._lock:
                memo = self._catalog_memo
                if memo is not None and memo[0] == versions:
                    return memo[1], memo[2]
            with self._lock:
                unread = sum(1 for d in ids if d not in self._entries)
            # one file beats many once many are unread (a fresh process, a large ingest since)
            pack = catalogpack.read(self.dir / catalogpack.NAME) if unread >= self.pack_min else None
            seen: dict[str, ProjectEntry] = {}
            from_files = 0
            for d in ids:
                entries, from_file = self._doc_entries(d, pack)
                from_files += from_file
                for e in entries:
                    seen.setdefault(e.id, e)
            listed = set(ids)
            with self._lock:   # entries of documents removed meanwhile go
                self._entries = {d: v for d, v in self._entries.items() if d in listed}
                self._catalog_memo = (versions, list(seen.values()), seen)
                packed = [self._entries[d] for d in ids if d in self._entries]
            if from_files >= self.pack_min:
                self._write_pack(packed)
            return self._catalog_memo[1], self._catalog_memo[2]
        return self._consistent(read)

    def _write_pack(self, docs: list[tuple[tuple, list[ProjectEntry]]]) -> None:
        try:
            write_bytes(self.dir / catalogpack.NAME, catalogpack.dumps(docs))
        except OSError:
            pass   # a read-only data directory: the catalog files alone are read, more slowly

    def project(self, project_id: str) -> Project | None:
        """One stored project by its id (as :meth:`projects` lists it: from the first document in
        document order that holds it), reading only that document; None when no document holds it.

        Example: ``RecordStore(Path("var")).project("4be3c2d1a0e9f817").name``
        """
        for attempt in range(READ_ATTEMPTS):
            entry = self._catalog()[1].get(project_id)
            if entry is None:
                return None
            try:
                return next((p for p in self._records(entry.doc)[0] if p.id == project_id), None)
            except DocumentGone:
                if attempt == READ_ATTEMPTS - 1:
                    raise
        return None

    def departments(self, doc_id: str | None = None) -> list[Department]:
        """Every stored department record (整体支出表), of one document when ``doc_id`` is given;
        the same department in two documents is listed once."""
        def read(ids: list[str]) -> list[Department]:
            seen: dict[str, Department] = {}
            for d in ids:
                for x in self._records(d, scan=doc_id is None)[1]:
                    seen.setdefault(x.id, x)
            return list(seen.values())
        return read([doc_id]) if doc_id else self._consistent(read)
