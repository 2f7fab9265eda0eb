"""The printed labels of performance-target tables, loaded from ``vocabulary.toml``.

A label is matched after ``normalize``: the same label printed ``项目名称：``, ``项 目 名 称``,
``*项目名称`` or ``项目名称（全称）`` is one label. What a bracket said is kept apart: a money
unit (``（万元）`` → 10000) or points (``（50分）`` → 50). The framework of indicator levels
(一级 产出 / 效益 / 满意度 / 成本; 二级 数量 / 质量 / 时效 …) maps printed variants to canonical
names (``canonical_level1("预期产出指标")`` → ``产出``).

Example:
    >>> VOCABULARY.lookup("项目支出名称：")
    {'field': 'name'}
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources

# Brackets of every width; the text inside is an aside (a unit, points, an alternative name).
_BRACKET = re.compile(r"[（(\[【〔]([^）)\]】〕]*)[）)\]】〕]")
_ENUMERATOR = re.compile(r"^(?:[（(]?[一二三四五六七八九十]{1,3}[)）、.．]|[（(]\d{1,2}[)）]|\d{1,2}[、.．](?!\d))")
_LEADING = re.compile(r"^(?:其中[:：]?|[★☆*※●◆·•])+")
_MONEY_UNIT = re.compile(r"(亿元|万元|千元|元)")
_SCALES = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}
_POINTS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:[-~～—－至]\s*(\d+(?:\.\d+)?))?\s*分")
# A score printed with a level label: 产出指标(50分), 成本指标(0-20)分, 数量指标（10分）
_SCORE_SUFFIX = re.compile(
    r"\s*[（(]\s*(\d+(?:\.\d+)?)\s*(?:[-~～—－至]\s*(\d+(?:\.\d+)?))?\s*(分)?\s*[)）]\s*(分)?\s*$")
# A money unit line: 单位：万元, 金额单位：元, 单位:万元
MONEY_UNIT_LINE = re.compile(r"(?:金额|资金|货币)?单位\s*[:：]\s*(亿元|万元|千元|元)")


@dataclass(frozen=True)
class Label:
    """A cell's text read as a label: its plain form, and what its brackets said."""

    base: str
    asides: tuple[str, ...] = ()
    scale: int | None = None          # from a bracketed money unit, e.g. (万元)
    points: Decimal | None = None     # from bracketed points, e.g. (50分) or (0-20)分


def normalize(text: str) -> Label:
    """The plain form of a printed label and its bracketed asides.

    Example:
        >>> label = normalize(" 项目资金（万元）：")
        >>> label.base, label.scale
        ('项目资金', 10000)
    """
    t = unicodedata.normalize("NFKC", text or "")
    t = re.sub(r"\s+", "", t)
    t = t.rstrip(":：")
    t = _LEADING.sub("", t)
    t = _ENUMERATOR.sub("", t)
    t = _LEADING.sub("", t)
    asides = tuple(m.group(1) for m in _BRACKET.finditer(t))
    base = _BRACKET.sub("", t).rstrip(":：")
    scale = points = None
    for a in asides:
        m = _MONEY_UNIT.search(a)
        if m and scale is None and not re.search(r"\d", a):
            scale = _SCALES[m.group(1)]
    m = _SCORE_SUFFIX.search(t)
    if m and (m.group(3) or m.group(4)):
        points = Decimal(m.group(2) or m.group(1))
    else:
        for a in asides:
            pm = _POINTS.fullmatch(a)
            if pm:
                points = Decimal(pm.group(2) or pm.group(1))
    return Label(base, asides, scale, points)


def strip_score(label: str) -> tuple[str, Decimal | None]:
    """A level label without its printed points, and the points (the top of a range).

    Example:
        >>> strip_score("产出指标(50分)"), strip_score("成本指标(0-20)分")
        (('产出指标', Decimal('50')), ('成本指标', Decimal('20')))
    """
    m = _SCORE_SUFFIX.search(label)
    if m and (m.group(3) or m.group(4)):
        return label[:m.start()].strip(), Decimal(m.group(2) or m.group(1))
    return label.strip(), None


@dataclass
class Vocabulary:
    """Label → meaning, by category (``field``, ``amount``, ``source``, ``purpose``, ``budget_column``,
    ``section``, ``group``, ``ignore``, ``indicator_column``, ``total_row``), plus the level framework."""

    by_label: dict[str, dict[str, str]] = field(default_factory=dict)
    level1: dict[str, str] = field(default_factory=dict)
    level2: dict[str, str] = field(default_factory=dict)
    periods: dict[str, list[str]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)      # 二级 framework name → its 一级 label
    headings: list[re.Pattern] = field(default_factory=list)

    @classmethod
    def from_toml(cls, text: str) -> "Vocabulary":
        data = tomllib.loads(text)
        v = cls()
        for category in ("field", "amount", "source", "purpose", "budget_column", "section", "indicator_column"):
            for key, labels in data.get(category, {}).items():
                for label in labels:
                    v.by_label.setdefault(normalize(label).base, {}).setdefault(category, key)
        for category in ("group", "ignore", "total_row"):
            for label in data.get(category, {}).get("labels", []):
                v.by_label.setdefault(normalize(label).base, {}).setdefault(category, category)
        for level in ("level1", "level2"):
            table = getattr(v, level)
            for canonical, variants in data.get(level, {}).items():
                for variant in variants:
                    table.setdefault(variant, canonical)
        v.periods = {k: list(words) for k, words in data.get("period", {}).items()}
        v.parents = {child: parent for parent, children in data.get("framework", {}).items() for child in children}
        v.headings = [re.compile(p) for p in data.get("heading", {}).get("patterns", [])]
        return v

    def is_heading(self, text: str) -> bool:
        """A row of its own that titles what follows (``2020年绩效目标``, ``本项目上年度…资金使用情况``)."""
        t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
        return any(p.search(t) for p in self.headings)

    def lookup(self, text: str) -> dict[str, str]:
        """Every meaning of a printed label, by category; {} when it is not a label.

        Example:
            >>> VOCABULARY.lookup("实施单位（盖章）")
            {'field': 'unit'}
        """
        return self.by_label.get(normalize(text).base, {})

    def is_label(self, text: str) -> bool:
        return bool(self.lookup(text)) or bool(re.fullmatch(r"目标\d{1,2}", normalize(text).base))

    def period_of(self, text: str) -> str | None:
        """``midterm`` or ``annual`` when a heading names a period (中期目标, 年度指标值 …)."""
        t = unicodedata.normalize("NFKC", text or "")
        t = re.sub(r"\s+", "", t)
        if re.search(r"(?:19|20)\d\d\s*[-~～—－至]\s*(?:19|20)\d\d", t):
            return "midterm"
        for kind in ("midterm", "annual"):
            if any(w in t for w in self.periods.get(kind, ())):
                return kind
        return None

    def canonical_level1(self, label: str | None) -> str | None:
        """The framework name of a printed 一级 label: ``预期产出指标`` → 产出; None when unknown."""
        return _canonical(label, self.level1)

    def canonical_level2(self, label: str | None) -> str | None:
        """The framework name of a printed 二级 label: ``数量指标(或建筑规模指标)`` → 数量."""
        return _canonical(label, self.level2)

    def implied_level1(self, level2: str | None) -> str | None:
        """The 一级 a 二级 label belongs to in the framework, as its label: ``质量指标`` → ``产出指标``."""
        return self.parents.get(self.canonical_level2(level2) or "")


def two_level_columns(keys) -> dict[str, str]:
    """How an indicator header of two levels only reads (一级指标 | 二级指标 | … | 指标值, no 三级指标): the
    deepest level column names the indicator and the one before it holds the 二级 names (数量指标 …).
    {} for any other header.

    Example: ``two_level_columns({"level1", "level2", "target"})`` → ``{"level2": "name", "level1": "level2"}``
    """
    keys = set(keys)
    if "name" not in keys and "level2" in keys and "target" in keys:
        return {"level2": "name", "level1": "level2"}
    return {}


def _canonical(label: str | None, table: dict[str, str]) -> str | None:
    if not label:
        return None
    t = unicodedata.normalize("NFKC", label)
    t = re.sub(r"\s+", "", t)
    t = strip_score(t)[0]
    t = _BRACKET.sub("", t)
    t = _ENUMERATOR.sub("", t)
    for _ in range(2):
        if t in table:
            return table[t]
        t = re.sub(r"(?:指标|目标)$", "", t)
        if t in table:
            return table[t]
        t = re.sub(r"^(?:预期|项目|年度)", "", t)
    return table.get(t)


@lru_cache(maxsize=1)
def load() -> Vocabulary:
    """The vocabulary shipped with the package (``ingest/parse/vocabulary.toml``)."""
    return Vocabulary.from_toml(resources.files("ingest.parse").joinpath("vocabulary.toml").read_text("utf-8"))


VOCABULARY = load()
