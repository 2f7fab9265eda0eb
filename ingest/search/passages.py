"""Search passages: the units that BM25 and the vector index score.

A project yields one passage for its name, one per paragraph or sentence window
(≤ ``MAX_CHARS``) of each narrative section (the goal, approval and summary cells of the
other templates too), one per indicator row, one per deviation reason (偏差原因分析及改进措施
of a 自评表) and one per citation. Each passage keeps a source :class:`~ingest.records.Span` so a hit can
be traced back to the characters of the document it came from.

Example: ``build_passages(parse_document(read_path("data/x.txt")).projects)``
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ingest.identifiers import digest
from ingest.parse.layout import align
from ingest.records import Citation, Indicator, Project, Span

MAX_CHARS = 300

# Sentence ends (Chinese and Western) and the start of an enumerated item (1、 2. （1）).
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)]*")
_ITEM_START = re.compile(r"(?<![\d.])(?=(?:\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[）)]))")
_SOFT_BREAK = re.compile(r"[，,、：:]")


@dataclass(frozen=True)
class Passage:
    """One searchable piece of a project.

    - ``id``: stable within the index, ``{project_id}/{field}/{n}``.
    - ``field``: where the text came from: ``name``, ``sections.<key>`` (e.g.
      ``sections.legal_basis``, ``sections.annual_goal``), ``indicator``, ``deviation`` or ``citation``.
    - ``text``: what is indexed and shown; for an indicator a rendered row
      (``产出目标／数量／用户注册数：=50家``), for a citation title, number, article and quote.
    - ``span``: the source characters; for a section window the exact window when
      the document text is available, otherwise the whole section cell.
    """

    id: str
    project_id: str
    project_name: str
    field: str
    text: str
    span: Span | None = None


def text_hash(text: str) -> str:
    """Content hash of a passage text, to reuse its vector: same text, same vector."""
    return digest(text)


# -- splitting ----------------------------------------------------------------------------
def _sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Sentence ranges of ``text[lo:hi]``: cut after 。！？； and before enumerators."""
    cuts = {lo, hi}
    for m in _SENTENCE_END.finditer(text, lo, hi):
        cuts.add(m.end())
    for m in _ITEM_START.finditer(text, lo, hi):
        cuts.add(m.start())
    points = sorted(c for c in cuts if lo <= c <= hi)
    return [(a, b) for a, b in zip(points, points[1:]) if b > a]


def _hard_split(text: str, lo: int, hi: int, max_chars: int) -> list[tuple[int, int]]:
    """Split an over-long sentence at the last comma-like break before ``max_chars``."""
    out = []
    while hi - lo > max_chars:
        window = text[lo:lo + max_chars]
        breaks = [m.end() for m in _SOFT_BREAK.finditer(window)]
        cut = breaks[-1] if breaks and breaks[-1] > max_chars // 2 else max_chars
        out.append((lo, lo + cut))
        lo += cut
    out.append((lo, hi))
    return out


def _strip(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def split_text(text: str, max_chars: int = MAX_CHARS) -> list[tuple[int, int]]:
    """Cut ``text`` into paragraph/sentence windows of at most ``max_chars`` characters.

    Paragraphs (separated by line breaks) are never merged; inside a paragraph
    whole sentences are packed greedily into windows; a sentence longer than
    ``max_chars`` is cut at a comma. Returns ``(start, end)`` offsets into ``text``,
    stripped of surrounding whitespace.

    Example: ``split_text("甲。乙。", max_chars=2)`` → ``[(0, 2), (2, 4)]``
    """
    windows: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", text):
        lo, hi = _strip(text, para.start(), para.end())
        if lo >= hi:
            continue
        pieces: list[tuple[int, int]] = []
        for a, b in _sentences(text, lo, hi):
            pieces.extend(_hard_split(text, a, b, max_chars))
        start, end = pieces[0]
        for a, b in pieces[1:]:
            if b - start <= max_chars:
                end = b
            else:
                windows.append(_strip(text, start, end))
                start, end = a, b
        windows.append(_strip(text, start, end))
    return [(a, b) for a, b in windows if b > a]


# -- offsets --------------------------------------------------------------------------------
def _sub_span(span: Span | None, offsets: list[int] | None, a: int, b: int) -> Span | None:
    if span is None:
        return None
    if offsets is None or b <= a:
        return span
    return Span(span.doc, span.file, offsets[a], offsets[b - 1] + 1)


# -- rendering -----------------------------------------------------------------------------
def render_indicator(ind: Indicator) -> str:
    """``产出目标／数量／用户注册数：=50家`` (levels that are missing are left out), with the actual
    value of a 自评表 after it: ``…／养护里程：≥300公里；实际完成值：280公里``."""
    path = "／".join(x for x in (ind.level1, ind.level2, ind.name) if x)
    text = f"{path}：{ind.target_raw}" if ind.target_raw else path
    return f"{text}；实际完成值：{ind.actual_raw}" if ind.actual_raw else text


def render_citation(c: Citation) -> str:
    """``《中华人民共和国节约能源法》第二十七条：“用能单位应当…”`` with the document number if any."""
    head = f"《{c.title}》" if c.title else ""
    if c.doc_number:
        head += f"（{c.doc_number}）" if head else c.doc_number
    if c.article:
        head += c.article
    if c.quote:
        head += f"：“{c.quote}”"
    return head


def project_passages(project: Project, doc_text: str | None = None,
                     max_chars: int = MAX_CHARS) -> list[Passage]:
    """All passages of one project, in a fixed order (name, sections, indicators, citations).

    ``doc_text`` is the normalized text of the project's source document; with it,
    section windows get exact spans, without it they get their section's span.
    """
    pid, pname = project.id, project.name
    out: list[Passage] = []

    def add(field: str, n: int, text: str, span: Span | None) -> None:
        if text.strip():
            out.append(Passage(f"{pid}/{field}/{n}", pid, pname, field, text, span))

    add("name", 0, pname, project.spans.get("name"))
    for section in project.sections:
        text = section.text or ""
        offsets = None
        if doc_text is not None and section.span is not None and section.span.doc:
            offsets = align(doc_text, section.span.start, section.span.end, text)
        for n, (a, b) in enumerate(split_text(text, max_chars)):
            add(f"sections.{section.key}", n, text[a:b], _sub_span(section.span, offsets, a, b))
    for n, ind in enumerate(project.indicators):
        add("indicator", n + 1, render_indicator(ind), ind.span)
        if ind.deviation:   # why a 自评表 target was missed: searchable on its own
            add("deviation", n + 1, f"{ind.name}：{ind.deviation}", ind.spans.get("deviation", ind.span))
    for n, cit in enumerate(project.citations):
        add("citation", n + 1, render_citation(cit), cit.span)
    return out


def document_key(project: Project) -> str:
    """The source document a project belongs to (its doc id), or a project-scoped key."""
    if project.source is not None and project.source.doc:
        return project.source.doc
    return f"project:{project.id}"


def _read_doc_text(span: Span | None, cache: dict[str, str | None]) -> str | None:
    """Best effort: re-read the source file of a span and check it is the same document."""
    if span is None or not span.file:
        return None
    if span.doc in cache:
        return cache[span.doc]
    text = None
    try:
        from ingest.read import read_path

        doc = read_path(span.file)
        if getattr(doc, "doc_id", None) == span.doc:
            text = doc.text
    except Exception:  # noqa: BLE001 - spans degrade to whole cells; never fail indexing
        text = None
    cache[span.doc] = text
    return text


def build_passages(projects: Sequence[Project], doc_texts: Mapping[str, str] | None = None,
                   max_chars: int = MAX_CHARS) -> list[Passage]:
    """Passages of many projects, grouped by source document (in first-seen order).

    ``doc_texts`` maps doc id → normalized text; documents not in it are re-read
    from their span's file when possible.
    """
    cache: dict[str, str | None] = dict(doc_texts or {})
    by_doc: dict[str, list[Project]] = {}
    for p in projects:
        by_doc.setdefault(document_key(p), []).append(p)
    out: list[Passage] = []
    for doc, group in by_doc.items():
        for p in group:
            text = cache.get(doc) if doc in cache else _read_doc_text(p.source, cache)
            out.extend(project_passages(p, text, max_chars))
    return out


def labels(projects: Iterable[Project]) -> list[str]:
    """Labels for the tokenizer's user dictionary: project names, indicator names, law titles."""
    out: list[str] = []
    for p in projects:
        out.append(p.name)
        out.extend(i.name for i in p.indicators)
        out.extend(c.title for c in p.citations if c.title)
    return out
