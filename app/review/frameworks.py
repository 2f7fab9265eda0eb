"""Indicator frameworks (``frameworks.toml``) and how a table's framework is detected.

A table states its framework through its 一级 labels: 投入与管理目标 / 影响力目标 are the
Shanghai 2020 form, 决策 / 过程 the evaluation framework, 产出 / 效果 with satisfaction as a 二级
the older national layout, 产出 / 效益 / 满意度 the national one. Levels are read under their
canonical names (``ingest/parse/vocabulary.toml``), so 预期产出指标, 产出目标 and 产出指标(50分)
are all 产出; a 二级 the vocabulary has no name for (长效管理, 资产管理) is kept as printed, less
its 指标/目标 suffix.

Example: ``detect(project.indicators).id`` → ``'shanghai2020'`` for a seed project
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, Sequence

from ingest.parse.vocabulary import VOCABULARY, strip_score
from ingest.records import Indicator

SATISFACTION = "服务对象满意度"
# The 一级 a 二级 belongs to in every framework that has it, for tables that print no 一级.
LEVEL1_OF = {"数量": "产出", "质量": "产出", "时效": "产出", "成本": "产出", "经济效益": "效益", "社会效益": "效益",
             "生态效益": "效益", "可持续影响": "效益", SATISFACTION: "满意度", "经济成本": "成本", "社会成本": "成本",
             "生态环境成本": "成本"}
_BRACKET = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")


@dataclass(frozen=True)
class Framework:
    """One framework of ``frameworks.toml`` (see its header for the fields)."""

    id: str
    label: str
    level1: tuple[str, ...]
    level2: Mapping[str, tuple[str, ...]]
    level1_optional: tuple[str, ...] = ()
    printed: Mapping[str, str] = field(default_factory=dict)
    satisfaction: str = "level1"
    output_level2: tuple[str, ...] = ()
    benefit_level2_any: tuple[str, ...] = ()
    cost_level1: tuple[str, ...] = ()
    cost_level2: tuple[str, ...] = ()
    detect_level1_any: tuple[str, ...] = ()
    detect_satisfaction: str = ""
    sources: tuple[str, ...] = ()
    level2_patterns: Mapping[str, tuple[re.Pattern, ...]] = field(default_factory=dict)

    def show(self, level1: str) -> str:
        """How the framework prints a 一级: ``show("效益")`` → 效果目标 in Shanghai."""
        return self.printed.get(level1, level1)

    def allows(self, level1: str | None, level2: str | None) -> bool:
        if not level1 or not level2:
            return False
        return level2 in self.level2.get(level1, ()) or any(p.search(level2) for p in self.level2_patterns.get(level1, ()))

    def knows_level1(self, level1: str | None) -> bool:
        return level1 in self.level1 or level1 in self.level1_optional

    def is_cost(self, level1: str | None, level2: str | None) -> bool:
        return level1 in self.cost_level1 or (level2 in self.cost_level2 and level1 in ("产出", *self.cost_level1))


@lru_cache(maxsize=1)
def frameworks() -> tuple[Framework, ...]:
    """The shipped frameworks, in detection order."""
    data = tomllib.loads(resources.files("app.review").joinpath("frameworks.toml").read_text("utf-8"))
    out = []
    for fid in data["order"]:
        f = data["frameworks"][fid]
        out.append(Framework(
            fid, f["label"], tuple(f["level1"]), {k: tuple(v) for k, v in f.get("level2", {}).items()},
            tuple(f.get("level1_optional", ())), dict(f.get("printed", {})), f.get("satisfaction", "level1"),
            tuple(f.get("output_level2", ())), tuple(f.get("benefit_level2_any", ())), tuple(f.get("cost_level1", ())),
            tuple(f.get("cost_level2", ())), tuple(f.get("detect_level1_any", ())), f.get("detect_satisfaction", ""),
            tuple(f.get("sources", ())),
            {k: tuple(re.compile(p) for p in v) for k, v in f.get("level2_patterns", {}).items()}))
    return tuple(out)


def framework(fid: str) -> Framework:
    return next(f for f in frameworks() if f.id == fid)


def plain_level(label: str | None) -> str | None:
    """A printed level without blanks, points, brackets or its 指标/目标 suffix.

    Example:
        >>> plain_level("影响力目标"), plain_level("长效管理"), plain_level("成本指标(0-20)分")
        ('影响力', '长效管理', '成本')
    """
    if not label:
        return None
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))
    t = _BRACKET.sub("", strip_score(t)[0])
    t = re.sub(r"^(?:指标\d+[:：]?|[一二三四五六七八九十]+[、.])", "", t)
    return re.sub(r"(?:指标|目标)$", "", t) or None


def levels(ind: Indicator) -> tuple[str | None, str | None]:
    """(一级, 二级) of an indicator under their framework names: the record's canonical names,
    else the vocabulary's, else the printed label less its suffix (二级 only).

    Example: ``levels(Indicator("效果目标", "满意度", "客户满意度", "99%"))`` → ``('效益', '服务对象满意度')``
    """
    l1 = ind.level1_canonical or VOCABULARY.canonical_level1(ind.level1)
    l2 = ind.level2_canonical or VOCABULARY.canonical_level2(ind.level2) or plain_level(ind.level2)
    if l1 is None and not ind.level1:    # a table that prints no 一级: the 二级 says which it is
        l1 = LEVEL1_OF.get(l2 or "")
    return l1, l2


def detect(indicators: Sequence[Indicator]) -> Framework | None:
    """The framework a table's indicators are written in; None when no 一级 is recognised."""
    pairs = [levels(i) for i in indicators]
    level1 = {l1 for l1, _ in pairs if l1}
    if not level1:
        return None
    for f in frameworks():
        if f.detect_level1_any and level1 & set(f.detect_level1_any):
            return f
        if f.detect_satisfaction == "level2":
            if "满意度" not in level1 and any(l1 == "效益" and l2 == SATISFACTION for l1, l2 in pairs):
                return f
            continue
        if not f.detect_level1_any and not f.detect_satisfaction:
            return f
    return None


def periods(indicators: Iterable[Indicator]) -> dict[str | None, list[tuple[int, Indicator]]]:
    """Indicators (with their 1-based row number) by target block: ``annual``, ``midterm`` or None."""
    out: dict[str | None, list[tuple[int, Indicator]]] = {}
    for n, ind in enumerate(indicators, start=1):
        out.setdefault(ind.period, []).append((n, ind))
    return out


PERIOD_LABELS = {None: "", "annual": "年度", "midterm": "中期"}
