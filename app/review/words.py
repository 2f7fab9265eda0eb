"""The words the review checks match (``words.toml``): vague wording, known qualitative forms,
deadlines, inputs, rates, negative indicators, per-unit costs. Pure functions over one loaded table.

Example:
    >>> WORDS.vague("明显减轻"), WORDS.known_qualitative("健全"), WORDS.deadline("2021年10月底前")
    ('明显', True, True)
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources

_DATES = re.compile(r"(?:19|20)\d\d\s*(?:[-./年]\s*\d{1,2}\s*(?:[-./月]\s*\d{1,2}\s*日?)?|年度?)"
                    r"|(?:19|20)\d\d(?=[-—至~～](?:19|20)\d\d)|\d{1,2}月(?:\d{1,2}日)?")
_CN_DIGITS = "零一二两三四五六七八九十百千"


def squash(text: str | None) -> str:
    """NFKC, no blanks. Example: ``squash(" ≥ 95 % ")`` → ``'≥95%'``"""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_rate(i) -> bool:
    """A target that is a share in percent: printed in %, or a rate named with no unit (=100)."""
    return WORDS.percent(i.unit) or (not i.unit and WORDS.rate_name(i.name))


@dataclass(frozen=True)
class Words:
    vague_phrases: tuple[str, ...]
    forms: frozenset[str]
    strip: tuple[str, ...]
    deadlines: tuple[re.Pattern, ...]
    inputs: tuple[str, ...]
    rate_suffixes: tuple[str, ...]
    percent_units: tuple[str, ...]
    satisfaction_words: tuple[str, ...]
    negative_words: tuple[str, ...]
    improvement_words: tuple[str, ...]
    positive_words: tuple[str, ...]
    per_unit_words: tuple[str, ...]
    money_units: dict[str, int]
    classifiers: tuple[str, ...]
    part_labels: tuple[str, ...]

    @classmethod
    def from_toml(cls, text: str) -> "Words":
        d = tomllib.loads(text)
        return cls(tuple(d["vague"]["phrases"]), frozenset(d["qualitative"]["forms"]), tuple(d["qualitative"]["strip"]),
                   tuple(re.compile(p) for p in d["deadline"]["patterns"]), tuple(d["inputs"]["words"]),
                   tuple(d["rates"]["suffixes"]), tuple(d["rates"]["percent_units"]), tuple(d["rates"]["satisfaction"]),
                   tuple(d["rates"]["negative"]), tuple(d["rates"]["improvement"]), tuple(d["rates"]["positive"]),
                   tuple(d["cost"]["per_unit"]), dict(d["cost"]["money_units"]), tuple(d["goal"]["classifiers"]),
                   tuple(d["budget"]["part_labels"]))

    # -- targets ---------------------------------------------------------------------------
    def vague(self, text: str | None) -> str | None:
        """The vague phrase a text holds when it holds no number; None otherwise."""
        t = squash(text)
        if re.search(r"\d", t):
            return None
        return next((w for w in self.vague_phrases if w in t), None)

    def known_qualitative(self, text: str | None) -> bool:
        """A qualitative target of a known 分级分档 form (健全, 规范, 按时完成 …)."""
        t = squash(text).strip("。.；;，,")
        for word in self.strip:
            if t.startswith(word) and t[len(word):]:
                t = t[len(word):]
        return t in self.forms

    def deadline(self, text: str | None) -> bool:
        """A 时效 target: a date or a deadline (2021年10月底前, 2022-12-31, 30个工作日内)."""
        t = squash(text)
        return bool(t) and any(p.fullmatch(t) for p in self.deadlines)

    def input_word(self, name: str | None) -> str | None:
        """The input measure an indicator name is about (预算执行率, 人员到岗率 …), or None."""
        t = squash(name)
        return next((w for w in self.inputs if w in t), None)

    # -- rates -----------------------------------------------------------------------------
    def percent(self, unit: str | None) -> bool:
        return bool(unit) and unit in self.percent_units

    def rate_name(self, name: str | None) -> bool:
        """A name that measures a share: ends with 率 / 满意度 / 比例 …, or prints (%) after it."""
        t = re.sub(r"[（(]\s*[%％]\s*[)）]$", "%", squash(name))
        return t.endswith("%") or any(t.endswith(s) for s in self.rate_suffixes)

    def satisfaction(self, name: str | None) -> bool:
        t = squash(name)
        return any(w in t for w in self.satisfaction_words)

    def negative(self, name: str | None) -> str | None:
        """The word that makes a name a less-is-better indicator (故障率, 信访 …), unless the name
        measures an improvement (周期缩短, 费用节约)."""
        t = squash(name)
        if any(w in t for w in self.improvement_words):
            return None
        return next((w for w in self.negative_words if w in t), None)

    def positive(self, name: str | None) -> str | None:
        t = squash(name)
        return next((w for w in self.positive_words if t.endswith(w)), None)

    def part_of_total(self, label: str | None) -> bool:
        """A budget line labelled as the unit's own-level part (年度本级预算金额), not a grand total."""
        return any(w in squash(label) for w in self.part_labels)

    # -- money -----------------------------------------------------------------------------
    def money_scale(self, unit: str | None) -> int | None:
        """Yuan per unit of a target printed in 元 / 万元 …; None for any other unit (元/人 too)."""
        return self.money_units.get(squash(unit)) if unit else None

    def per_unit(self, name: str | None, unit: str | None) -> bool:
        """A cost per unit (单站年运维费用, 人均…, 每公里…, 元/人): not comparable with a whole budget."""
        t = squash(name)
        return "/" in squash(unit) or any(t.startswith(w) or w in t for w in self.per_unit_words)

    # -- goals -----------------------------------------------------------------------------
    def has_quantity(self, text: str | None) -> bool:
        """A number that is not a date (三个 and 2.5万 count; 2020年 does not)."""
        t = _DATES.sub("", squash(text))
        if re.search(r"\d", t):
            return True
        return bool(re.search(f"[{_CN_DIGITS}]+(?:{'|'.join(map(re.escape, self.classifiers))})", t))


def containment(a: str, b: str) -> float:
    """Share of the character bigrams of ``a`` that also occur in ``b`` (NFKC, punctuation ignored), in [0, 1].

    Example: ``containment("院检测业务服务需要", "院检测业务服务需要，提高检测能级")`` → ``1.0``
    """
    from ingest.support.score import char_bigrams
    ga, gb = char_bigrams(a), char_bigrams(b)
    return len(ga & gb) / len(ga) if ga else 0.0


WORDS = Words.from_toml(resources.files("app.review").joinpath("words.toml").read_text("utf-8"))
