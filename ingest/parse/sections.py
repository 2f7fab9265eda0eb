"""Cut the joined header text into field values, repairing displaced labels.

In a tall table cell the PDF prints the label where it fits, not where the
text starts: in the seed's project 国能中心 the label ``立项依据：`` stands at a
page break in the middle of its own text (``…按照规定定`` / `` 立项依据：`` /
``期检定”…``), while the section really starts much earlier. A label is taken
as displaced when it begins a page-break line and the text before it stops in
the middle of a sentence. The true start is then inferred from content:
first from a numbered list that runs across the label (``1、…7、`` before it,
``8、…`` after it), else, for 立项依据, from where the citations begin.

Example:
    >>> infer_start("概况。1、甲2、乙", "3、丙", "legal_basis")
    3
"""
from __future__ import annotations

import re

from ingest.parse.labels import LabelHit

# Characters that may end a cell's text; anything else before a label that
# begins a page means the label interrupted a sentence.
_CAN_END = set("。！？!?；;…”’」』）)]】》.")
_ENUM = re.compile(r"(?<![\d.．])(\d{1,2})\s*(、|[.．](?!\d))|[（(](\d{1,2})[)）]")
_LEGAL_MARK = re.compile(r"《|〔\d{4}〕|[\[［(（]\d{4}[\]］)）]\s*\d+\s*号|第[一二三四五六七八九十百零\d]+条|JJ[GF]|GB")


def field_ranges(text: str, hits: list[LabelHit]) -> dict[str, tuple[int, int]]:
    """Value range ``[start, end)`` of each label: from its colon to the next label (spaces
    around the value included; the caller strips them).

    Example:
        >>> from ingest.parse.labels import find_labels
        >>> text = "项目名称： 甲 项目类别： 乙"
        >>> field_ranges(text, find_labels(text))
        {'name': (5, 8), 'category': (13, 15)}
    """
    ranges: dict[str, tuple[int, int]] = {}
    for i, hit in enumerate(hits):
        end = hits[i + 1].start if i + 1 < len(hits) else len(text)
        if not hit.is_heading:
            ranges[hit.key] = (hit.end, end)
    return ranges


def is_displaced(text: str, hit: LabelHit, breaks: frozenset[int], prev: tuple[int, int] | None) -> bool:
    """True when ``hit`` begins a new page and interrupts the sentence before it."""
    if prev is None or hit.start not in breaks:
        return False
    before = text[prev[0]:prev[1]].rstrip()
    return bool(before) and before[-1] not in _CAN_END


def _markers(text: str) -> list[tuple[int, int, str]]:
    """Numbered-list markers ``(position, number, style)``."""
    out = []
    for m in _ENUM.finditer(text):
        if m.group(1):
            out.append((m.start(), int(m.group(1)), m.group(2).replace("．", ".")))
        else:
            out.append((m.start(), int(m.group(3)), "()"))
    return out


def _list_start(before: str, after: str) -> int | None:
    """Where a numbered list that runs up to (or across) the label begins in ``before``."""
    tail = _markers(after)
    marks = _markers(before)
    for pos, n, style in reversed(marks):
        if n != 1:
            continue
        expected, chain = 2, 1
        for _, m, s in (x for x in marks if x[0] > pos):
            if s == style and m == expected:
                expected, chain = expected + 1, chain + 1
        continues = any(s == style and m == expected for _, m, s in tail[:3])
        if continues or chain >= 3:
            return pos
    return None


def _citations_start(before: str) -> int | None:
    """Start of the run of sentences at the end of ``before`` that all cite something."""
    starts = [0] + [m.end() for m in re.finditer(r"[。！？]", before) if m.end() < len(before)]
    best = None
    for s in reversed(starts):
        if not _LEGAL_MARK.search(before[s:]):
            break
        chunk_end = next((e for e in starts if e > s), len(before))
        if not _LEGAL_MARK.search(before[s:chunk_end]):
            break
        best = s
    return best if best else None


def infer_start(before: str, after: str, key: str) -> int | None:
    """Offset in ``before`` where a displaced section really starts, or None if unknown."""
    start = _list_start(before, after)
    if start is None and key == "legal_basis":
        start = _citations_start(before)
    return start
