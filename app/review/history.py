"""Against history and peers: a target below what the same project achieved last year, a
satisfaction target below the floor, a rate far below what other projects aim at.

History needs the same project in an earlier year with actual values (a 自评表): the same
project is the same code, else the same name of the same unit (or budget department); the
same indicator is the same name once blanks, 指标N： prefixes and a printed (%) are removed.
Peers are the other projects of the corpus with an indicator of the same name, compared on
rates only (a count depends on the project's size; a share does not). Both read the corpus through
its summary (``summary.py``: by index, in corpus order), not by scanning it.

Example: ``CHECKS["satisfaction_below_floor"](ctx)`` fires on ``受益群众满意度 ≥80%``
"""
from __future__ import annotations

from decimal import Decimal

from ingest.records import Indicator

from app.review.checks import check
from app.review.context import Context
from app.review.frameworks import SATISFACTION
from app.review.summary import AT_LEAST, indicator_key, same_project, subject_value  # noqa: F401 (re-exported)
from app.review.summary import reverse as _reverse
from app.review.words import WORDS, is_rate

_same_project = same_project


def _units_match(target: Indicator, actual_unit: str | None) -> bool:
    return (target.unit or "") == (actual_unit or "") or (is_rate(target) and (actual_unit or "%") in ("%", "％"))


@check("target_below_last_actual")
def target_below_last_actual(ctx: Context) -> None:
    p = ctx.project
    last = ctx.summary.last_actuals(p)
    if last is None:
        return
    for n, i, _, _ in ctx.rows():
        if i.value is None or i.period == "midterm":
            continue
        a = last.actuals.get(indicator_key(i.name))
        if a is None:
            continue
        actual, raw, unit = a
        if not _units_match(i, unit):
            continue
        if _reverse(i):
            worse = i.operator in ("<=", "<", "=", None) and i.value > actual
            direction = "高于"
        else:
            worse = i.operator in AT_LEAST and i.value < actual
            direction = "低于"
        if worse:
            ctx.fire("target_below_last_actual", n=n, name=i.name, target=i.target_raw, direction=direction,
                     year=last.year, actual=raw or f"{actual:f}")


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
    for n, i, _, _ in ctx.rows():
        if not subject_value(i):
            continue
        peers = ctx.summary.peer_median(ctx.project, indicator_key(i.name))
        if peers is None or peers[0] < min_peers:
            continue
        count, median = peers[0], Decimal(str(peers[1]))
        if median - i.value >= gap:
            ctx.fire("target_below_peers", n=n, name=i.name, value=f"{i.value:f}", count=count,
                     median=f"{median:f}", gap=f"{median - i.value:f}")
