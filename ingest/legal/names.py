"""Names of legal bases printed without 《》: ``信息化项目管理办法、信息化需求变更管理办法``.

Tables list a unit's own rules, and often other documents too, without title marks: in
保证项目实施的制度、措施, in 立项依据, before a document number. A name is a run of text that
ends with a word such as 办法 / 条例 / 规定 / 制度 / 意见 / 方案 … (``tables/basis_names.tsv``,
kept as data) and stands on its own: a whole *item* of a list, bounded by list punctuation
(、，；, a list marker ``1.``, a line end) or a sentence end. A sentence counts only when
every one of its items is a name (or a citation already found: a 《》 title, a document
number, a budget rule), so words inside running text (``按照财务规章制度，报批使用该经费``,
``按照信息化项目标准执行``) are never taken. Two names printed with no separator are split
(``信息化项目管理办法信息化项目需求变更管理办法``), and a name directly before its document
number in brackets is taken too (``某县人民政府关于印发某某方案的通知（某政发〔2019〕3号）``).

Offsets are those of the text passed in; nothing here builds a ``Citation``
(``ingest.legal.citations`` does).

Example:
    >>> [n for _, _, n in basis_names("信息化项目管理办法、信息化需求变更管理办法")]
    ['信息化项目管理办法', '信息化需求变更管理办法']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ingest.errors import IngestError
from ingest.legal.docnumbers import TABLES_DIR, read_table

KINDS = ("suffix", "de_suffix", "split_after", "continues", "lead", "cue", "verb", "generic")
_HARD = frozenset("。！？!?；;：:\n\r")      # ends a sentence (or a label before its list)
_ITEM_SEP = frozenset("、，,／/")           # separates the items of one list
_SOFT = re.compile(r"\s+|以及|和|及|与")       # separates two names only when both sides are names
_VERSION = re.compile(r"[（(]\s*(?:试行|暂行|修订|修订稿|修正|征求意见稿|草案|"
                      r"(?:19|20)\d{2}\s*年?\s*(?:修订|修正|版|本)?)\s*[)）]$")
_NAME = re.compile(r"[\u4e00-\u9fff0-9０-９A-Za-z“”〈〉（）()\-—·]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_GLUE = re.compile(r"[\s（(〔\[［【）)〕\]］】]*")
_OPEN = "（(［[〔【"
MAX_CHARS = 60


@dataclass(frozen=True)
class Vocabulary:
    """The words of ``tables/basis_names.tsv`` by kind, longest first."""

    suffix: tuple[str, ...]
    de_suffix: tuple[str, ...]
    split_after: tuple[str, ...]
    continues: tuple[str, ...]
    lead: tuple[str, ...]
    cue: tuple[str, ...]
    verb: tuple[str, ...]
    generic: tuple[str, ...]


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    """The name vocabulary, loaded once.

    Example:
        >>> "办法" in vocabulary().suffix
        True
    """
    words: dict[str, list[str]] = {k: [] for k in KINDS}
    for n, (kind, word) in read_table("basis_names.tsv", 2):
        if kind not in words:
            raise IngestError(f"unknown kind {kind!r}", file=str(TABLES_DIR / "basis_names.tsv"), line=n,
                              hint="use one of " + " ".join(KINDS))
        words[kind].append(word)
    return Vocabulary(**{k: tuple(sorted(v, key=len, reverse=True)) for k, v in words.items()})


@lru_cache(maxsize=None)
def _endings() -> tuple[str, ...]:
    v = vocabulary()
    return tuple(sorted(v.suffix + v.de_suffix, key=len, reverse=True))


def is_basis_name(name: str) -> bool:
    """True when ``name`` (no 《》) names a particular law, rule or document.

    It ends with a suffix word (a version mark such as （试行） may follow), has at least
    three Chinese characters before it, does not start with a verb and names no generic
    class (相关规定, 规章制度). 通知 / 批复 / 函 … need 的 or 关于 before them.
    Example:
        >>> is_basis_name("信息化项目管理办法"), is_basis_name("相关管理制度")
        (True, False)
    """
    v = vocabulary()
    core = _VERSION.sub("", name.strip()).strip()
    if not _NAME.fullmatch(core) or len(core) > MAX_CHARS or core.count("（") + core.count("(") != \
            core.count("）") + core.count(")"):
        return False
    suffix = next((w for w in _endings() if core.endswith(w)), None)
    if suffix is None:
        return False
    stem = core[:-len(suffix)]
    if suffix in v.de_suffix and not (stem.endswith("的") or "关于" in stem):
        return False
    if len(_CJK.findall(stem)) < 3 or core.startswith(v.verb):
        return False
    if any(core[max(0, m.start() - 2):m.start()] != "关于" for w in v.cue for m in re.finditer(w, core)):
        return False   # 本项目依据某办法: a sentence, not a name (关于依据… is a title)
    return not any(w in stem for w in v.generic)


def split_names(start: int, end: int, text: str) -> list[tuple[int, int]] | None:
    """``text[start:end]`` as one or more names printed with no separator, or None.

    Example:
        >>> split_names(0, 22, "信息化项目管理办法信息化项目需求变更管理办法")
        [(0, 9), (9, 22)]
    """
    v = vocabulary()
    piece = text[start:end]
    cuts = sorted({m.end() for w in v.split_after for m in re.finditer(re.escape(w), piece)})
    for k in cuts:
        rest = piece[k:]
        if not rest or rest.startswith(v.continues) or _VERSION.match(rest) or not is_basis_name(piece[:k]):
            continue
        tail = split_names(start + k, end, text)
        if tail:
            return [(start, start + k)] + tail
    return [(start, end)] if is_basis_name(piece) else None


def _item_names(start: int, end: int, text: str) -> list[tuple[int, int]] | None:
    """The names of one list item: split at spaces or 和/及/与 when every side is a name, else whole."""
    pieces, pos = [], start
    for m in _SOFT.finditer(text, start, end):
        if m.start() > pos:
            pieces.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        pieces.append((pos, end))
    if len(pieces) > 1:
        out: list[tuple[int, int]] = []
        for a, b in pieces:
            got = split_names(a, b, text)
            if got is None:
                break
            out += got
        else:
            return out
    return split_names(start, end, text)


def _strip(start: int, end: int, text: str) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == "等"):
        end -= 1
    return start, end


def _strip_lead(start: int, end: int, text: str) -> int:
    lead = next((w for w in vocabulary().lead if text.startswith(w, start, end)), None)
    return start + len(lead) if lead else start


_HARD_RE = re.compile("[" + re.escape("".join(sorted(_HARD))) + "]")


def _mask(size: int, ranges: Sequence[tuple[int, int]]) -> bytearray:
    out = bytearray(size)
    for s, e in ranges:
        s, e = max(0, s), min(e, size)
        if e > s:
            out[s:e] = b"\x01" * (e - s)
    return out


class _Scanner:
    def __init__(self, text: str, opaque: Sequence[tuple[int, int]], breaks: Sequence[tuple[int, int]]):
        self.text = text
        self.blocked = _mask(len(text), opaque)
        self.hard = _mask(len(text), breaks)

    def is_hard(self, i: int) -> bool:
        return not self.blocked[i] and (self.hard[i] or self.text[i] in _HARD)

    def sentences(self) -> list[tuple[int, int]]:
        cuts = sorted({m.start() for m in _HARD_RE.finditer(self.text) if not self.blocked[m.start()]}
                      | {i for i, h in enumerate(self.hard) if h and not self.blocked[i]})
        out, start = [], 0
        for i in [*cuts, len(self.text)]:
            if i > start:
                out.append((start, i))
            start = i + 1
        return out

    def items(self, start: int, end: int) -> list[tuple[int, int]]:
        out, pos = [], start
        for i in range(start, end):
            if not self.blocked[i] and self.text[i] in _ITEM_SEP:
                out.append((pos, i))
                pos = i + 1
        out.append((pos, end))
        return out

    def item(self, start: int, end: int) -> list[tuple[int, int]] | None:
        """Names of one item; [] for an empty item or one that is a citation found already;
        None for running text."""
        start, end = _strip(start, end, self.text)
        if start >= end:
            return []
        cut = next((i for i in range(start, end) if self.blocked[i]), end)
        tail = "".join(ch for i, ch in enumerate(self.text[cut:end], start=cut) if not self.blocked[i])
        if not _GLUE.fullmatch(tail):
            return None
        head_end = cut
        while head_end > start and (self.text[head_end - 1] in _OPEN or self.text[head_end - 1].isspace()):
            head_end -= 1
        if head_end <= start:
            return [] if cut < end else None
        return _item_names(start, head_end, self.text)

    def list_names(self) -> list[tuple[int, int]]:
        out = []
        for a, b in self.sentences():
            a, b = _strip(a, b, self.text)
            if a >= b:
                continue
            found, prose = [], False
            for n, (s, e) in enumerate(self.items(a, b)):
                got = self.item(_strip_lead(s, e, self.text) if n == 0 else s, e)
                if got is None and n == 0:   # 本单位依据|X办法、Y办法: the list starts after the cue
                    cues = [m.end() for w in vocabulary().cue for m in re.finditer(w, self.text[s:e])]
                    got = self.item(s + max(cues), e) if cues else None
                if got is None:
                    prose = True
                    break
                found += got
            if not prose:
                out += found
        return out

    def numbered_name(self, number_start: int) -> tuple[int, int] | None:
        """A name right before its document number in brackets: ``…的通知（某政发〔2019〕3号）``."""
        k = number_start
        while k > 0 and self.text[k - 1].isspace():
            k -= 1
        if k == 0 or self.text[k - 1] not in "（(":
            return None
        end = k - 1
        start = end
        while start > 0 and not self.blocked[start - 1] and not self.is_hard(start - 1) \
                and self.text[start - 1] not in _ITEM_SEP:
            start -= 1
        start, end = _strip(start, end, self.text)
        # the name starts at the run's start or right after a cue word (本项目依据|某县…办法)
        starts = [start] + sorted(m.end() for w in vocabulary().cue for m in re.finditer(w, self.text[start:end]))
        for s in starts:
            s = _strip_lead(s if s == start else start + s, end, self.text)
            s, e = _strip(s, end, self.text)
            if s < e and is_basis_name(self.text[s:e]):
                return s, e
        return None


def basis_names(text: str, opaque: Sequence[tuple[int, int]] = (), breaks: Sequence[tuple[int, int]] = (),
                numbers: Sequence[int] = ()) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of every basis named without 《》 in ``text``, in text order.

    ``opaque`` are the ranges of citations found already (《》 titles, quotes, document and
    standard numbers, budget rules): they are never searched, and count as names when a
    list mixes them with bare ones. ``breaks`` are list markers (``1、`` ``（2）``), which end
    an item like a sentence end. ``numbers`` are the starts of document numbers: a name in the
    running text right before ``（number）`` is taken too.
    Example:
        >>> basis_names("依据A县项目管理办法、B县资金管理办法")[1][2]
        'B县资金管理办法'
    """
    scan = _Scanner(text, opaque, breaks)
    spans = set(scan.list_names())
    for n in numbers:
        hit = scan.numbered_name(n)
        if hit:
            spans.add(hit)
    return [(s, e, re.sub(r"\s+", "", text[s:e])) for s, e in sorted(spans)]
