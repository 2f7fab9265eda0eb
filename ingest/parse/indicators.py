"""Read the indicator table (一级目标 / 二级目标 / 三级目标 / 指标目标值) row by row.

A row is one extracted line; its cells are separated by spaces. A level stays in
force until a new one appears, so a full row has four cells (level 1, level 2,
name, target), a row under a running level 2 has two, and a row that opens a
level 2 has three. Single words on their own line open a level. Rows that do
not fit (a name broken by a stray space, a missing operator or unit, a rate
above 100 %) are read as far as they can be, keep their raw text and carry
``flags`` rather than being guessed silently.

Example:
    >>> parse_target("=100%")
    Target(operator='=', value=Decimal('100'), unit='%', qualitative=None)
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from ingest.parse.layout import Line

# 一级目标 of the Shanghai template (投入与管理/产出/效果/影响力目标) and of the
# national one (产出/效益/满意度/成本指标).
_LEVEL1 = re.compile(r"^(?:投入与管理|投入和管理|投入|产出|效果|效益|影响力?|满意度|成本|管理)(?:目标|指标)$")
_LEVEL1_WORDS = {"投入与管理", "投入和管理"}
# 二级目标: the usual categories, plus any short "…管理/…效益/…指标" word.
_LEVEL2 = re.compile(
    r"^(?:数量|质量|时效|成本|满意度|服务对象满意度|可持续影响|持续影响|人力资源|信息共享|社会影响|"
    r"[\u4e00-\u9fff]{1,4}(?:管理|效益|影响|指标))$")

_OPERATORS = {
    ">=": ">=", "≥": ">=", "≧": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=", "至少": ">=", "达到": ">=",
    "大于等于": ">=", "大于或等于": ">=", "高于或等于": ">=",
    "<=": "<=", "≤": "<=", "≦": "<=", "不高于": "<=", "不超过": "<=", "不多于": "<=", "至多": "<=",
    "小于等于": "<=", "小于或等于": "<=", "低于或等于": "<=", "不大于": "<=",
    ">": ">", "大于": ">", "高于": ">", "超过": ">", "多于": ">",
    "<": "<", "小于": "<", "低于": "<", "少于": "<",
    "=": "=", "等于": "=", "==": "=",
}
_SUFFIX_OPERATORS = {"以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "以内": "<="}
_OP_RE = "|".join(sorted(map(re.escape, _OPERATORS), key=len, reverse=True))
_TARGET = re.compile(
    rf"^(?P<op>{_OP_RE})?\s*(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)\s*(?P<unit>[^\d\s]{{0,6}}?)\s*"
    r"(?P<suffix>及以上|以上|及以下|以下|以内)?$")
_INCLUSIVE = re.compile(r"\s*\(\s*含\s*\)\s*$")
_UNIT_IN_NAME = re.compile(r"[（(]\s*(%|％|[\u4e00-\u9fff]{1,3})\s*[)）]$")
_LOOKS_NUMERIC = re.compile(rf"^(?:{_OP_RE})?\s*\d")


@dataclass(frozen=True)
class Target:
    """A parsed 指标目标值."""

    operator: str | None
    value: Decimal | None
    unit: str | None
    qualitative: str | None


def parse_target(raw: str) -> Target:
    """Operator, number, unit, or a qualitative word, from a printed target.

    Example:
        >>> parse_target(">=95").operator, parse_target("健全").qualitative
        ('>=', '健全')
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _INCLUSIVE.sub("", text)      # ≥95%（含）: the bound is included, as ≥ says
    m = _TARGET.match(text)
    if not m:
        return Target(None, None, None, raw.strip() or None)
    op = _OPERATORS.get(m.group("op")) if m.group("op") else None
    if m.group("suffix") and op is None:
        op = _SUFFIX_OPERATORS[m.group("suffix")]
    unit = m.group("unit") or None
    return Target(op, Decimal(m.group("num").replace(",", "")), unit, None)


def is_level1(word: str) -> bool:
    return word in _LEVEL1_WORDS or bool(_LEVEL1.match(word))


def is_level2(word: str) -> bool:
    return bool(_LEVEL2.match(word))


@dataclass(frozen=True)
class Row:
    """One indicator row before it becomes an ``Indicator``: cells and where they came from."""

    level1: str | None
    level2: str | None
    name: str
    target_raw: str
    line: Line
    flags: tuple[str, ...] = ()


_UNIT_ONLY = re.compile(r"^(?:%|％|[\u4e00-\u9fff]{1,2}|[a-zA-Z]{1,3})$")
_NUMBER_END = re.compile(r"\d$")


def _cells(text: str) -> list[str]:
    """Split a row into cells, keeping an operator printed apart from its number (``≥ 95``)
    and a unit printed apart from it (``95 %``)."""
    cells: list[str] = []
    for tok in text.split():
        if cells and cells[-1] in _OPERATORS:
            cells[-1] += tok
        elif (cells and _UNIT_ONLY.match(tok) and _LOOKS_NUMERIC.match(cells[-1])
              and _NUMBER_END.search(cells[-1]) and len(cells) >= 2):
            cells[-1] += tok
        else:
            cells.append(tok)
    return cells


def join_name(parts: list[str]) -> str:
    """Join the pieces of a name broken by stray spaces: no space inside Chinese, one between Latin words.

    Example:
        >>> join_name(["成本", "率"]), join_name(["GDP", "growth"])
        ('成本率', 'GDP growth')
    """
    out = parts[0] if parts else ""
    for part in parts[1:]:
        latin = out[-1:].isascii() and out[-1:].isalnum() and part[:1].isascii() and part[:1].isalnum()
        out += (" " if latin else "") + part
    return out


def read_rows(lines: list[Line]) -> tuple[list[Row], list[tuple[Line, str]]]:
    """Turn the table's lines into rows. Returns ``(rows, notes)``; notes are lines that could not be read."""
    rows: list[Row] = []
    notes: list[tuple[Line, str]] = []
    level1 = level2 = None
    fresh_level1 = False  # the previous line opened a level 1 and nothing else
    for line in lines:
        cells = _cells(line.text)
        opened_level1 = False
        if cells and is_level1(cells[0]):
            level1, level2 = cells.pop(0), None
            opened_level1 = True
        n = len(cells)
        if n == 0:
            fresh_level1 = True
            continue
        flags: list[str] = []
        if n == 1:
            word = cells[0]
            if _LOOKS_NUMERIC.match(word) and rows and not rows[-1].target_raw:
                # a target wrapped onto its own line: it belongs to the row above
                rows[-1] = Row(rows[-1].level1, rows[-1].level2, rows[-1].name, word, rows[-1].line,
                               rows[-1].flags + ("target_on_next_line",))
            elif is_level2(word) or opened_level1 or fresh_level1:
                level2 = word
            else:
                level2 = word
                notes.append((line, f"read '{word}' as a level-2 category (二级目标)"))
            fresh_level1 = False
            continue
        fresh_level1 = False
        if n == 2:
            name, target = cells
        elif n == 3 or opened_level1 or is_level2(cells[0]):
            level2 = cells[0]
            name, target = join_name(cells[1:-1]), cells[-1]
            if n > 3:
                flags.append("name_joined")
        else:
            name, target = join_name(cells[:-1]), cells[-1]
            flags.append("name_joined")
        if level1 is None:
            flags.append("no_level1")
        rows.append(Row(level1, level2, name, target, line, tuple(flags)))
    return rows, notes


def row_flags(row: Row, target: Target) -> tuple[Target, tuple[str, ...]]:
    """Complete a row's reading: unit printed in the name, and every irregularity flagged."""
    flags = list(row.flags)
    if target.value is not None:
        if target.operator is None:
            flags.append("no_operator")
        if target.unit is None:
            m = _UNIT_IN_NAME.search(row.name)
            if m:
                target = Target(target.operator, target.value, m.group(1).replace("％", "%"), None)
                flags.append("unit_from_name")
            else:
                flags.append("no_unit")
        if target.unit == "%" and target.value > 100:
            flags.append("rate_over_100")
    elif not row.target_raw:
        flags.append("no_target")
    if row.level2 and row.name == row.level2:
        flags.append("name_repeats_category")
    if target.qualitative and target.qualitative == row.name:
        flags.append("target_repeats_name")
    return target, tuple(flags)
