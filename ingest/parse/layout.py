"""Undo the fixed-width layout of text extracted from a PDF table.

Text extracted from these tables is wrapped at a fixed width, in the middle of
words and numbers (``2\\n017.10``, ``60\\nCo``), with blank lines between rows
and a page break marked by a line that begins with a space. ``Joined`` is the
text of a region with every wrap undone, plus a map from each joined character
back to its offset in the normalized text, so any match in the joined text can
be turned into a source span.

Example:
    >>> Joined.of("2\\n017.10").text
    '2017.10'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Lines that carry no content: page numbers and running footers such as
# "- 3 -", "第 3 页", "第3页 共10页".
_PAGE_NUMBER = re.compile(r"^\s*(?:-\s*\d+\s*-|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$")


@dataclass(frozen=True)
class Line:
    """One non-blank line: its text without the leading page-break space, and where it sits."""

    text: str
    start: int          # offset of ``text[0]`` in the normalized text
    number: int         # 1-based line number in the document
    page_break: bool    # the line began with whitespace: first line of a new page

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def lines_of(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """Non-blank content lines of ``text[start:end]``, page-number lines dropped.

    Example:
        >>> [l.text for l in lines_of("a\\n\\n b\\n")]
        ['a', 'b']
    """
    end = len(text) if end is None else end
    out: list[Line] = []
    number = text.count("\n", 0, start) + 1
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        raw = text[pos:stop]
        body = raw.strip()
        if body and not _PAGE_NUMBER.match(raw):
            lead = len(raw) - len(raw.lstrip())
            # a trailing space is kept: a wrap that fell on a space must not glue two words
            out.append(Line(raw[lead:], pos + lead, number, lead > 0))
        number += 1
        pos = stop + 1
    return out


@dataclass(frozen=True)
class Joined:
    """Text of a run of lines with the wraps undone, mapped back to source offsets.

    ``offsets[i]`` is the normalized-text offset of ``text[i]``; ``breaks`` holds
    the joined positions where a page-break line begins, ``line_starts`` those
    where any line begins.
    """

    text: str
    offsets: tuple[int, ...]
    breaks: frozenset[int]
    line_starts: frozenset[int] = frozenset()

    @classmethod
    def of(cls, text: str, start: int = 0, end: int | None = None) -> "Joined":
        return cls.from_lines(lines_of(text, start, end))

    @classmethod
    def from_lines(cls, lines: list[Line]) -> "Joined":
        parts: list[str] = []
        offsets: list[int] = []
        breaks: set[int] = set()
        starts: set[int] = set()
        size = 0
        for line in lines:
            starts.add(size)
            if line.page_break:
                breaks.add(size)
            parts.append(line.text)
            offsets.extend(range(line.start, line.start + len(line.text)))
            size += len(line.text)
        return cls("".join(parts), tuple(offsets), frozenset(breaks), frozenset(starts))

    def source(self, start: int, end: int) -> tuple[int, int]:
        """Normalized-text span ``[s, e)`` covering joined characters ``[start, end)``."""
        if not self.offsets:
            return (0, 0)
        start = min(max(start, 0), len(self.offsets) - 1)
        end = min(max(end, start + 1), len(self.offsets))
        return self.offsets[start], self.offsets[end - 1] + 1


def clean(value: str) -> str:
    """Collapse runs of white space (including U+3000) and strip the ends.

    Example:
        >>> clean(" a \\u3000 b ")
        'a b'
    """
    return re.sub(r"[\s\u3000]+", " ", value).strip()


def align(text: str, start: int, end: int, cleaned: str) -> list[int] | None:
    """Map each character of ``cleaned`` to its offset in ``text[start:end]``, or None.

    ``cleaned`` is a value built from that region with wraps joined, white
    space collapsed and maybe a displaced label cut out, so it is a subsequence
    of the source; walking both strings in step recovers where each character
    came from. None when it is not a subsequence (the caller keeps the whole span).

    Example:
        >>> align("a\\n b", 0, 4, "ab")
        [0, 3]
    """
    out: list[int] = []
    p = start
    for ch in cleaned:
        if ch.isspace():  # a collapsed run: any white space of the source (U+3000, tab …)
            q = p
            while q < end and not text[q].isspace():
                q += 1
            out.append(q if q < end else max(p - 1, start))
            p = q if q < end else p
            continue
        p = text.find(ch, p, end)
        if p < 0:
            return None
        out.append(p)
        p += 1
    return out
