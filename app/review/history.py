"""Against history and peers: a target below what the same project achieved last year, a
satisfaction target below the floor, a rate far below what other projects aim at.

History needs the same project in an earlier year with actual values (a 自评表): the same
project is the same code, else the same name of the same unit (or budget department); the
same indicator is the same name once blanks, 指标N： prefixes and a printed (%) are removed.
Peers are the other projects of the corpus with an indicator of the same name, compared on
rates only (a count depends on the project's size; a share does not).

Example: ``CHECKS["satisfaction_below_floor"](ctx)`` fires on ``受益群众满意度 ≥80%``
"""
from __future__ import annotations

import re
import statistics
from decimal import Decimal

from ingest.records import Indicator, Project

from app.review.checks import check, is_rate
from app.review.context import Context
from app.review.frameworks import SATISFACTION
from app.review.words import WORDS, squash

AT_LEAST = (">=", ">", "=", None)   # a target that states a level to reach


def indicator_key(name: str | None) -> str:
    """A name as history and peers compare it. Example: ``indicator_key("指标1：培训人数（%）")`` → ``'培训人数'``"""
    t = squash(name)
    t = re.sub(r"^指标\d+[:：]", "", t)
    return re.sub(r"[（(][%％][)）]$", "", t)


def _same_project(a: Project, b: Project) -> bool:
    if a.code and b.code:
        return a.code == b.code
    return squash(a.name) == squash(b.name) and (a.unit or a.department) == (b.unit or b.department)


def _reverse(i: Indicator) -> bool:
    """Less is better: printed 反向, else a negative word in the name with no 正向 printed."""
    d = squash(i.direction)
    return "反向" in d or (not d and bool(WORDS.negative(i.name)) and not WORDS.positive(i.name))


def _units_match(target: Indicator, actual_unit: str | None) -> bool:
    return (target.unit or "") == (actual_unit or "") or (is_rate(target) and (actual_unit or "%") in ("%", "％"))


@check("target_below_last_actual")
def target_below_last_actual(ctx: Context) -> None:
    p = ctx.project
    if p.year is None:
        return
    earlier = [q for q in ctx.corpus if q.id != p.id and q.year is not None and q.year < p.year and _same_project(p, q)
               and any(i.actual_value is not None for i in q.indicators)]
    if not earlier:
        return
    last = max(earlier, key=lambda q: q.year)
    actuals = {indicator_key(i.name): i for i in last.indicators if i.actual_value is not None}
    for n, i, _, _ in ctx.rows():
        if i.value is None or i.period == "midterm":
            continue
        a = actuals.get(indicator_key(i.name))
        if a is None or not _units_match(i, a.actual_unit or a.unit):
            continue
        if _reverse(i):
            worse = i.operator in ("<=", "<", "=", None) and i.value > a.actual_value
            direction = "高于"
        else:
            worse = i.operator in AT_LEAST and i.value < a.actual_value
            direction = "低于"
        if worse:
            ctx.fire("target_below_last_actual", n=n, name=i.name, target=i.target_raw, direction=direction,
                     year=last.year, actual=a.actual_raw or f"{a.actual_value:f}")


@check("satisfaction_below_floor")
def satisfaction_below_floor(ctx: Context) -> None:
    floor = Decimal(str(ctx.rules.rule("satisfaction_below_floor").threshold("floor")))
    for n, i, _, l2 in ctx.rows():
        if (l2 == SATISFACTION or WORDS.satisfaction(i.name)) and i.value is not None and i.operator in AT_LEAST \
                and (i.unit in ("%", "％") or not i.unit) and 0 < i.value < floor:
            ctx.fire("satisfaction_below_floor", n=n, target=i.target_raw, floor=f"{floor:f}")


@check("target_below_peers")
def target_below_peers(ctx: Context) -> None:
    rule = ctx.rules.rule("target_below_peers")
    min_peers, gap = rule.threshold("min_peers"), Decimal(str(rule.threshold("gap_points")))
    p = ctx.project
    for n, i, _, _ in ctx.rows():
        if i.value is None or not is_rate(i) or i.operator not in AT_LEAST or _reverse(i):
            continue
        key = indicator_key(i.name)
        peers = [j.value for q in ctx.corpus if q.id != p.id and not _same_project(p, q) for j in q.indicators
                 if indicator_key(j.name) == key and j.value is not None and is_rate(j) and j.operator in AT_LEAST]
        if len(peers) < min_peers:
            continue
        median = Decimal(str(statistics.median(peers)))
        if median - i.value >= gap:
            ctx.fire("target_below_peers", n=n, name=i.name, value=f"{i.value:f}", count=len(peers),
                     median=f"{median:f}", gap=f"{median - i.value:f}")

