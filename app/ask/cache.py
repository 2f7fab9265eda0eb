"""The asker's lexicon and tokenizer user words, kept on disk per version of the graph.

Building them asks the graph for every label (14 queries) and computes a jieba frequency for
each new word: about 2 s of every cold ``jixiao search`` or ``jixiao ask`` at 1,000 projects,
for an answer that only changes when a document is ingested or removed. So the first process
after a change writes ``<data_dir>/ask/lexicon.json`` and the next ones read it (≈0.1 s). The
key covers what the lexicon is made of: the stored documents and their versions, the endpoint,
and the vocabulary and legal tables shipped with the code. A cache that cannot be written (a
read-only data directory) is not an error: the lexicon is then built every time.

Example: ``lexicon, words = load(path, key) or build()``
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingest.identifiers import digest
from ingest.storage.atomic import write_json
from ingest.storage.loading import paused_gc

from app.understand.lexicon import VOCABULARY, Entry, Lexicon, core

FORMAT = 1   # bump when Lexicon or the user-word arithmetic changes what a file means


def cache_key(documents: dict[str, Any], endpoint: str | None) -> str:
    """What the lexicon depends on, hashed: the stored documents and the shipped word lists."""
    from ingest.legal.docnumbers import TABLES_DIR
    shipped = [VOCABULARY, *sorted(TABLES_DIR.glob("*.tsv"))]
    parts = [str(FORMAT), endpoint or "", json.dumps(documents, sort_keys=True, ensure_ascii=False, default=str)]
    parts += [p.read_text("utf-8") for p in shipped]
    return digest("\n\x00".join(parts), 32, "sha256")


_FIELDS = tuple(Entry.__dataclass_fields__)


def _entry(e: Entry) -> list:
    return [e.kind, e.label, e.iri, e.weight, e.extra]


def _read_entry(values: list) -> Entry:
    """``Entry(*values)`` without the frozen dataclass' per-field ``object.__setattr__`` (a cache
    at 100,000 projects holds hundreds of thousands of entries)."""
    if len(values) != len(_FIELDS):
        raise ValueError(f"an entry of {len(values)} fields")
    e = object.__new__(Entry)
    e.__dict__.update(zip(_FIELDS, values))
    return e


def to_json(lexicon: Lexicon, user_words: dict[str, int], key: str) -> dict:
    return {"key": key,
            "entries": {s: [_entry(e) for e in es] for s, es in lexicon.entries.items()},
            "labels": {k: [_entry(e) for e in es] for k, es in lexicon.labels.items()},
            "cores": [core(s) for s in lexicon.entries],
            "user_words": user_words}


def load(path: Path, key: str) -> tuple[Lexicon, dict[str, int]] | None:
    """The cached lexicon and user words when ``path`` holds them for ``key``; None otherwise."""
    try:
        with paused_gc():
            doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key:
        return None
    try:
        with paused_gc():
            lex = Lexicon(entries={s: [_read_entry(e) for e in es] for s, es in doc["entries"].items()},
                          labels={k: [_read_entry(e) for e in es] for k, es in doc["labels"].items()},
                          cores=doc.get("cores"))     # a file written before the cores were kept: computed
        return lex, {str(w): int(f) for w, f in doc["user_words"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None                        # a damaged or foreign file: build again


def save(path: Path, lexicon: Lexicon, user_words: dict[str, int], key: str) -> None:
    """Write the cache; a data directory that cannot be written keeps no cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, to_json(lexicon, user_words, key), indent=None)
    except OSError:
        pass
