"""Numbers, amounts, percentages, years, dates and ranks in a question, with their offsets.

Arabic amounts go through :func:`ingest.parse.values.parse_money` (``300万``, ``1.5亿``,
``3,000,000``) and Chinese numerals through :func:`ingest.legal.numerals.cn_to_int`
(``三百万``, ``五十``), so a number is read the same way everywhere in jixiao.
Percentages (``95%``, ``百分之九十``) keep the percent as their unit; the caller scales
them for a rate stored as a fraction.

Example: ``[q.value for q in quantities("预算超过三百万元")] == [Decimal(3000000)]``
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ingest.legal.numerals import cn_to_int
from ingest.parse.values import parse_money

CN_DIGITS = "零〇○一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
CN_UNITS = "十拾百佰千仟万萬亿億"
_CN = f"[{CN_DIGITS}{CN_UNITS}]+(?:点[{CN_DIGITS}]+)?"
_AR = r"\d+(?:[,，]\d{3})*(?:\.\d+)?"
MONEY_UNITS = ("亿元", "万元", "千元", "元", "亿", "万", "千")
COUNT_UNITS = ("个百分点", "家", "次", "份", "单", "张", "人", "台", "个", "项", "条", "篇", "天", "月", "年", "套", "件",
               "名", "户", "场", "期", "批", "种", "处", "所", "部", "本", "册", "小时", "分钟", "米", "公里", "kg", "t")
_UNIT = "|".join(map(re.escape, sorted(set(MONEY_UNITS + COUNT_UNITS + ("%", "％", "‰")), key=len, reverse=True)))
QUANTITY = re.compile(rf"(?P<pct>百分之(?P<pctnum>{_CN}|{_AR}))|(?P<num>{_AR}|{_CN})\s*(?P<unit>{_UNIT})?")
YEAR = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2}|[一二〇○零三四五六七八九]{4})\s*年(?:度)?(?!\s*\d{1,2}\s*月)(?![\u4e00-\u9fff]{0,3}?(?:预算管理|财政预算))")
DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*月?(?![\d日号])")
RANK = re.compile(rf"(?P<dir>倒数)?第(?P<n>[{CN_DIGITS}十]+|\d+)(?P<after>[高大多低小少贵名位]|个|项)?(?!条|款|章|节|级|[{CN_DIGITS}十百\d])"
                  rf"|(?P<top>前|后|top|TOP|排名前)\s*(?P<k>[{CN_DIGITS}十]+|\d+)\s*(?:名|个|位|项|大)?"
                  rf"|(?P<sup>最高|最低|最大|最小|最多|最少)的?(?P<k2>[{CN_DIGITS}十]+|\d+)\s*(?:个|项|名|位|家)")


@dataclass(frozen=True)
class Quantity:
    """A number written in the question. ``unit`` is ``元`` for an amount of money (``value``
    already in yuan), ``%`` for a percentage, another unit as written (家, 次), or None."""

    value: Decimal
    unit: str | None
    start: int
    end: int
    text: str

    @property
    def is_money(self) -> bool:
        return self.unit == "元"


@dataclass(frozen=True)
class Rank:
    """``第二高`` (n=2), ``前三`` (n=3, top=True); ``descending`` unless 倒数/低/小/少 say otherwise."""

    n: int
    top: bool
    descending: bool | None
    start: int
    end: int


def _number(text: str) -> Decimal:
    t = text.replace(",", "").replace("，", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return Decimal(t)
    if "点" in t:
        whole, _, frac = t.partition("点")
        digits = "".join(str(cn_to_int(c)) for c in frac)
        return Decimal(f"{cn_to_int(whole) if whole else 0}.{digits}")
    return Decimal(cn_to_int(t))


def quantities(text: str, skip: list[tuple[int, int]] = ()) -> list[Quantity]:
    """Every number in ``text`` outside the ``skip`` ranges, as a :class:`Quantity`.

    A Chinese numeral counts only with a unit or a 十/百/千/万/亿 in it (so 一级, 一共 and
    第二 are not numbers).

    Example: ``quantities("目标值不低于百分之九十")[0].unit == "%"``
    """
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in skip):
            continue
        if m.group("pct"):
            try:
                out.append(Quantity(_number(m.group("pctnum")), "%", m.start(), m.end(), m.group()))
            except (ValueError, InvalidOperation):
                pass
            continue
        num, unit = m.group("num"), m.group("unit")
        chinese = not re.match(r"\d", num)
        if chinese and not unit and not re.search(f"[{CN_UNITS}]", num):
            continue
        if chinese and len(num) == 1 and unit in (None, "个", "项", "条", "部", "名", "种"):
            continue  # 一个, 一项 …: an article, not a number
        if chinese and num[-1] in "十百千" and text[m.end():m.end() + 1] in ("条", "款"):
            continue
        try:
            if unit in MONEY_UNITS:
                value = (parse_money(num + unit.removesuffix("元")) if not chinese
                         else _number(num) * {"亿": 10**8, "万": 10**4, "千": 10**3}.get(unit[0], 1))
                out.append(Quantity(Decimal(value), "元", m.start(), m.end(), m.group()))
            elif chinese and unit is None and re.search("[万萬亿億]", num):
                # 三百万 with no unit: in a budget question, an amount of money
                out.append(Quantity(_number(num), "元", m.start(), m.end(), m.group()))
            else:
                value = _number(num)
                u = {"％": "%"}.get(unit, unit)
                out.append(Quantity(value, u, m.start(), m.end(), m.group()))
        except (ValueError, InvalidOperation):
            continue
    return out


def years(text: str) -> list[tuple[int, int, int]]:
    """``(year, start, end)`` of every ``2020年`` / ``2020年度`` / ``二〇二〇年`` not followed by a month."""
    out = []
    for m in YEAR.finditer(text):
        y = m.group("y")
        try:
            value = int(y) if y.isdigit() else cn_to_int(y)
        except ValueError:
            continue
        if 1900 <= value <= 2100:
            out.append((value, m.start(), m.end()))
    return out


def dates(text: str) -> list[tuple[date, int, int, str]]:
    """``(date, start, end, precision)`` of full dates (``day``) and year-months (``month``, the 1st)."""
    out = []
    for m in DATE.finditer(text):
        try:
            out.append((date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.start(), m.end(), "day"))
        except ValueError:
            continue
    for m in MONTH.finditer(text):
        if any(a <= m.start() < b for _, a, b, _ in out):
            continue
        try:
            out.append((date(int(m.group(1)), int(m.group(2)), 1), m.start(), m.end(), "month"))
        except ValueError:
            continue
    return sorted(out, key=lambda d: d[1])


def ranks(text: str) -> list[Rank]:
    """``第二高``, ``倒数第一``, ``前三``, ``排名前5``: the n-th or the top n, and the direction if said."""
    out = []
    for m in RANK.finditer(text):
        if m.group("n"):
            n = _number(m.group("n"))
            after = m.group("after") or ""
            desc = False if m.group("dir") or after in "低小少" and after else (True if after in "高大多贵" and after else None)
            out.append(Rank(int(n), False, desc, m.start(), m.end()))
        elif m.group("sup"):
            k = int(_number(m.group("k2")))
            out.append(Rank(k, True, m.group("sup") in ("最高", "最大", "最多"), m.start(), m.end()))
        else:
            k = int(_number(m.group("k")))
            out.append(Rank(k, True, False if m.group("top") == "后" else None, m.start(), m.end()))
    return out
