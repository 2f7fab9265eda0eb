"""Document numbers (发文字号), standard numbers, and the authorities table.

A 发文字号 is written ``机关代字〔年份〕序号号`` (GB/T 9704-2012 §7.2.4): 六角括号
〔〕 around the year, no leading zeros and no 第 before the serial number. Tables
write it with any bracket (``[2017]``, ``［2017］``, ``(2017)``, ``（2017）``, ``【2017】``)
and with stray spaces or line wraps, and jieba cuts it into pieces, so numbers are
found with a regex on the raw text before any tokenizer runs.

The 机关代字 (``发改环资``, ``沪府发`` …) names the issuer; ``tables/authorities.tsv``
maps it to the issuing authority and the level of what it issues. Standard numbers
(``JJG 912-2010``, ``GB/T 2589-2020``) are normalized to ``CODE NUMBER-YEAR``.

Example:
    >>> normalize_doc_number("发改环资[2017]1711号")
    '发改环资〔2017〕1711号'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.errors import IngestError

TABLES_DIR = Path(__file__).resolve().parent / "tables"
# Full-width ASCII (Ａ-Ｚ, ０-９, ／ …) → ASCII, one character for one, so offsets are kept.
HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
LEVELS = ("法律", "行政法规", "部门规章", "地方性法规", "规范性文件", "技术规范", "预算管理规定")

_CJK = r"[\u4e00-\u9fff]"
_OPEN = r"[〔［\[（(【〖｛{]"
_CLOSE = r"[〕］\]）)】〗｝}]"
_DOC_NUMBER = re.compile(
    rf"(?P<prefix>{_CJK}(?:\s*{_CJK}){{0,15}})\s*{_OPEN}\s*"
    r"(?P<year>(?:1\s*9|2\s*0)\s*\d\s*\d)\s*" rf"{_CLOSE}\s*(?:第\s*)?"
    r"(?P<num>\d(?:\s*\d){0,5})\s*号")
# 部门规章 and 行政法规 are numbered by order (令): 国家质量监督检验检疫总局令第132号, 国务院令第588号.
_ORDER_NUMBER = re.compile(
    rf"(?P<prefix>{_CJK}(?:\s*{_CJK}){{1,24}}?)\s*(?P<joint>等\s*\d{{1,2}}\s*个?部[门委])?\s*令\s*"
    r"(?:(?P<year>(?:19|20)\d{2})\s*年\s*)?"
    r"第\s*(?P<num>\d{1,4})\s*号")
_ORDER_FORM = re.compile(r"^(?P<issuer>.+?)(?:等\d+部门)?令(?:(?:19|20)\d{2}年)?第\d+号$")
# Words that may stand right before a 机关代字 in running text ("根据国发〔2016〕23号").
_LEAD_WORDS = re.compile(r"^.*(?:根据|依据|按照|依照|参照|关于|印发|转发|发函|发布|详见|以及|和|及|与|或|的)")
# Single characters that end running text before a 机关代字 and are never a place abbreviation.
_NOT_PLACE = frozenset("按经由见照凭据将对为以于即并是等在从自向被把其该此本文件号了已均且又及和与或的如详")

_STANDARD_CODES = (r"JJG|JJF|GB\s*[/／]\s*[TZ]|GB|JB\s*[/／]\s*T|HJ\s*[/／]\s*T|HJ|JGJ|CJJ|DL\s*[/／]\s*T|"
                   r"NB\s*[/／]\s*T|YY\s*[/／]\s*T|YY|SN\s*[/／]\s*T|WS\s*[/／]\s*T|WS|GA\s*[/／]\s*T|GA|"
                   r"DB\d{2}\s*[/／]\s*T|DB\d{2}|T\s*[/／]\s*[A-Z]{2,10}")
STANDARD = re.compile(
    rf"(?<![A-Za-z])(?P<code>{_STANDARD_CODES})\s*(?P<num>\d(?:\n?\d)*(?:\s*\.\s*\d+)*)\s*"
    r"[-—–－‐]\s*(?P<year>(?:19|20)\n?\d\n?\d|\d\n?\d)(?!\d)")


@dataclass(frozen=True)
class Authority:
    """One row of ``tables/authorities.tsv``: a 机关代字 and who issues under it."""

    prefix: str
    issuer: str
    level: str | None


def read_table(name: str, columns: int) -> list[tuple[int, list[str]]]:
    path = TABLES_DIR / name
    if not path.exists():
        raise IngestError(f"data table {name} is missing", file=str(path),
                          hint="it ships inside the package (ingest/legal/tables/): reinstall jixiao, or restore it from git")
    rows, header_seen = [], False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) != columns or not all(cells):
            raise IngestError(f"expected {columns} tab-separated non-empty columns", file=str(path), line=n,
                              hint="separate the columns with one TAB character")
        if not header_seen:
            header_seen = True
            continue
        rows.append((n, cells))
    return rows


@lru_cache(maxsize=None)
def authorities() -> dict[str, Authority]:
    """The authorities table, loaded once: 机关代字 → ``Authority``.

    Example:
        >>> authorities()["沪府发"].issuer
        '上海市人民政府'
    """
    table = {}
    for n, (prefix, issuer, level) in read_table("authorities.tsv", 3):
        if level not in LEVELS:
            raise IngestError(f"unknown level {level!r}", file=str(TABLES_DIR / "authorities.tsv"), line=n,
                              hint="use one of " + " ".join(LEVELS))
        table[prefix] = Authority(prefix, issuer, level)
    return table


@lru_cache(maxsize=None)
def issuer_aliases() -> dict[str, str]:
    """Written issuer names (国家发改委, 市场监管总局 …) → full names, from ``tables/issuer_aliases.tsv``."""
    return {alias: issuer for _, (alias, issuer) in read_table("issuer_aliases.tsv", 2)}


@lru_cache(maxsize=None)
def known_issuers() -> frozenset[str]:
    """Every full issuer name of the two tables."""
    return frozenset({a.issuer for a in authorities().values()} | set(issuer_aliases().values()))


def authority_for(prefix: str | None) -> Authority | None:
    """Authority of a 机关代字: the exact row, else the longest listed prefix it starts with.

    Example:
        >>> authority_for("国市监计量规").issuer
        '国家市场监督管理总局'
    """
    if not prefix:
        return None
    table = authorities()
    for n in range(len(prefix), 1, -1):
        hit = table.get(prefix[:n])
        if hit is not None:
            return hit
    return None


def normalize_issuer(name: str | None) -> str | None:
    """Full name of a written issuer: ``原国家质检总局`` → ``国家质量监督检验检疫总局``.

    An unknown name that ends with a known one keeps only the known one
    (``同时国务院`` → ``国务院``); other unknown names are returned cleaned.
    """
    if not name:
        return None
    name = re.sub(r"\s+", "", name)
    name = name[1:] if name.startswith("原") and len(name) > 2 else name
    aliases, known = issuer_aliases(), known_issuers()
    if name in aliases:
        return aliases[name]
    if name in known or name == "国务院":
        return name
    for i in range(1, len(name) - 1):
        tail = name[i:]
        if tail in aliases:
            return aliases[tail]
        if tail in known:
            return tail
    return name


def issuer_prefix(name: str) -> str | None:
    """The known issuer a text starts with (longest first), as a full name, or None.

    Example:
        >>> issuer_prefix("国家质检总局上海市人民政府")
        '国家质量监督检验检疫总局'
    """
    aliases, known = issuer_aliases(), known_issuers() | {"国务院"}
    for n in range(min(len(name), 20), 1, -1):
        head = name[:n]
        if head in aliases:
            return aliases[head]
        if head in known:
            return head
    return None


def _trim_prefix(run: str) -> str:
    """The 机关代字 at the end of a run of CJK characters (drop words before it).

    A place abbreviation right before a listed national prefix is part of the code: one
    character with nothing but lead words before it (湘财预, 川发改投资, 某发改投资), or two
    ending in 省/市/县/区 (某省发改投资, 某县财预). Those are a province's or a county's
    documents, not 财政部's or 国家发改委's.
    """
    table = authorities()
    cut = next((i for i in range(len(run) - 1) if run[i:] in table), None)  # longest listed suffix
    if cut is None:  # longest suffix that starts with a listed prefix
        cut = next((i for i in range(len(run) - 1) if authority_for(run[i:]) is not None), None)
    if cut is None:
        trimmed = _LEAD_WORDS.sub("", run)
        return trimmed or run
    before = run[len(run) - len(_LEAD_WORDS.sub("", run)):cut]
    if len(before) == 1 and before not in _NOT_PLACE:
        cut -= 1                    # 湘|财预, 某|发改投资
    elif len(before) >= 2 and before[-1] in "省市县区州旗" and before[-2] not in _NOT_PLACE:
        cut -= 2                    # 某省|发改投资, 某县|财预
    return run[cut:]


@dataclass(frozen=True)
class DocNumber:
    """A document number found in text: normalized form, its 机关代字 and ``[start, end)``."""

    text: str
    prefix: str
    year: int | None
    serial: int
    start: int
    end: int

    @property
    def core(self) -> str | None:
        """The issuer-less ``〔year〕serial号``, which still matches when the issuer was cut
        differently; None for an order number (令第132号 says nothing without its issuer).

        Example:
            >>> scan_doc_numbers("根据沪市监计量[2019]135号")[0].core
            '〔2019〕135号'
        """
        return self.text[len(self.prefix):] if self.text.startswith(self.prefix + "〔") else None


def scan_doc_numbers(text: str) -> list[DocNumber]:
    """Every 发文字号 in ``text``, with the parts of each.

    Example:
        >>> scan_doc_numbers("（沪府发[2016]73号）")[0].prefix
        '沪府发'
    """
    out = []
    for m in _DOC_NUMBER.finditer(text.translate(HALF_WIDTH)):
        raw = m.group("prefix")
        prefix = _trim_prefix(re.sub(r"\s+", "", raw))
        # start of the trimmed prefix inside the raw (possibly spaced) run
        start, seen = m.end("prefix"), 0
        while seen < len(prefix):
            start -= 1
            if not raw[start - m.start("prefix")].isspace():
                seen += 1
        year = int(re.sub(r"\s+", "", m.group("year")))
        serial = int(re.sub(r"\s+", "", m.group("num")))
        out.append(DocNumber(f"{prefix}〔{year}〕{serial}号", prefix, year, serial, start, m.end()))
    for m in _ORDER_NUMBER.finditer(text.translate(HALF_WIDTH)):
        run = re.sub(r"\s+", "", m.group("prefix"))
        raw, issuer = _trim_issuer(run)
        start = m.end("prefix")
        seen = 0
        while seen < len(raw):
            start -= 1
            if not text[start].isspace():
                seen += 1
        year = int(m.group("year")) if m.group("year") else None
        serial = int(m.group("num"))
        joint = "等{}部门".format(re.sub(r"\D", "", m.group("joint"))) if m.group("joint") else ""
        out.append(DocNumber(f"{issuer}{joint}令{f'{year}年' if year else ''}第{serial}号", issuer + joint + "令",
                             year, serial, start, m.end()))
    return sorted(out, key=lambda d: d.start)


def _trim_issuer(run: str) -> tuple[str, str]:
    """The issuer at the end of a run of CJK characters: (as written, full name)."""
    aliases, known = issuer_aliases(), known_issuers() | {"国务院"}
    for i in range(len(run) - 1):
        tail = run[i:]
        bare = tail[1:] if tail.startswith("原") else tail
        if bare in aliases or bare in known:
            return tail, aliases.get(bare, bare)
    trimmed = _LEAD_WORDS.sub("", run) or run
    return trimmed, trimmed


def doc_authority(doc_number: str | None) -> Authority | None:
    """Issuer and level of a normalized document number: by 机关代字, or by who issued a 令.

    Example:
        >>> doc_authority("国务院令第588号").level
        '行政法规'
    """
    if not doc_number:
        return None
    order = _ORDER_FORM.match(doc_number)
    if order:
        issuer = order.group("issuer")
        local = re.match(r"(?:上海|北京|天津|重庆)市|[\u4e00-\u9fff]{2,6}?(?:省|自治区)", issuer)
        level = "行政法规" if issuer == "国务院" else None if local else "部门规章"
        return Authority(issuer + "令", issuer, level)
    return authority_for(doc_number.split("〔", 1)[0])


def find_doc_numbers(text: str) -> list[tuple[str, int, int]]:
    """``(normalized, start, end)`` of every 发文字号 in ``text``; offsets index ``text``.

    Example:
        >>> find_doc_numbers("（发改环资[2017]1711号）")
        [('发改环资〔2017〕1711号', 1, 16)]
    """
    return [(d.text, d.start, d.end) for d in scan_doc_numbers(text)]


def normalize_doc_number(s: str) -> str:
    """A 发文字号 in GB/T 9704 form; raises ``ValueError`` if ``s`` holds none.

    Example:
        >>> normalize_doc_number("沪市监计量[\\n2019]135号")
        '沪市监计量〔2019〕135号'
    """
    found = scan_doc_numbers(s)
    if not found:
        raise ValueError(f"no document number (发文字号) in {s!r}")
    return found[0].text


def _format_standard(code: str, number: str, year: str) -> str:
    code, number, year = (re.sub(r"\s+", "", part.translate(HALF_WIDTH)) for part in (code, number, year))
    return f"{code.upper()} {number}-{year}"


def normalize_standard(s: str) -> str:
    """A standard number as ``CODE NUMBER-YEAR``; raises ``ValueError`` if ``s`` holds none.

    Example:
        >>> normalize_standard("GB／T2589—2020")
        'GB/T 2589-2020'
    """
    found = find_standards(s)
    if not found:
        raise ValueError(f"no standard number in {s!r}")
    return found[0][0]


def find_standards(text: str) -> list[tuple[str, int, int]]:
    """``(normalized, start, end)`` of every standard or metrology-regulation number.

    Example:
        >>> find_standards("已接近JJG 91\\n2-2010《…》")[0][0]
        'JJG 912-2010'
    """
    out = []
    for m in STANDARD.finditer(text.translate(HALF_WIDTH)):
        out.append((_format_standard(m.group("code"), m.group("num"), m.group("year")), m.start(), m.end()))
    return out


def is_standard_number(s: str | None) -> bool:
    """True for a normalized standard number such as ``GB/T 2589-2020``."""
    return bool(s) and STANDARD.fullmatch(s) is not None
