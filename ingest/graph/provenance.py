"""Provenance integrity: every span's quoted text is the source text at its offsets.

Each fact in the graph derives from an ``oa:SpecificResource`` with a ``TextPositionSelector``
(``oa:start``/``oa:end``, character offsets into the document's normalized text) and a
``TextQuoteSelector`` (``oa:exact``, the characters found there). The records store keeps each
document's normalized text, so the two can be compared: a span whose quote is not the text at its
offsets (a corrupted offset, a graph written from another version of the text) is reported.

Example: ``check_spans(store, records.text).ok``
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ingest import identifiers as iris
from ingest.errors import JixiaoError

SPANS_QUERY = """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?span ?source ?start ?end ?exact WHERE {
  GRAPH ?g {
    ?span oa:hasSource ?source ; oa:hasSelector ?position, ?quote .
    ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
  }
}"""
SHOWN = 20   # mismatches listed in the report


@dataclass(frozen=True)
class Mismatch:
    """One span whose quote differs from the source text at its offsets."""

    span: str
    doc_id: str
    start: int
    end: int
    quoted: str
    found: str | None    # None: the document's text is not in the records store

    def __str__(self) -> str:
        where = f"document {self.doc_id}, characters {self.start}–{self.end}"
        if self.found is None:
            return f"{where}: no stored text for this document (span {self.span})"
        return f"{where}: quotes {_clip(self.quoted)!r} but the text there is {_clip(self.found)!r} (span {self.span})"


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


@dataclass
class SpanCheck:
    """How many spans were checked and which ones differ."""

    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def report(self) -> str:
        head = (f"Provenance: {self.checked:,} spans checked, every quote (oa:exact) is the source text at "
                "its offsets" if self.ok else
                f"Provenance: {self.checked:,} spans checked, {len(self.mismatches):,} quote(s) differ from "
                "the source text at their offsets:")
        lines = [head] + [f"  {m}" for m in self.mismatches[:SHOWN]]
        if len(self.mismatches) > SHOWN:
            lines.append(f"  … and {len(self.mismatches) - SHOWN:,} more")
        return "\n".join(lines) + "\n"


def check_spans(store: Any, text_of: Callable[[str], str]) -> SpanCheck:
    """Compare every span's ``oa:exact`` with ``text_of(doc_id)[start:end]``.

    Example: ``check_spans(kb.reader(), kb.records.text).checked > 1000``
    """
    doc_prefix = iris.doc_iri("")
    texts: dict[str, str | None] = {}
    result = SpanCheck()
    for span, source, start, end, exact in store.query(SPANS_QUERY).rows:
        result.checked += 1
        doc_id = source[len(doc_prefix):] if isinstance(source, str) and source.startswith(doc_prefix) else str(source)
        if doc_id not in texts:
            try:
                texts[doc_id] = text_of(doc_id)
            except (JixiaoError, OSError):
                texts[doc_id] = None
        text = texts[doc_id]
        try:
            a, b = int(start), int(end)
        except (TypeError, ValueError):
            result.mismatches.append(Mismatch(span, doc_id, -1, -1, str(exact), "(offsets that are not numbers)"))
            continue
        found = None if text is None else text[a:b] if 0 <= a <= b <= len(text) else "(outside the text)"
        if found != exact:
            result.mismatches.append(Mismatch(span, doc_id, a, b, str(exact), found))
    return result
