"""Budget match: cost targets against the budget, the budget block's own arithmetic, execution
rates, and the weights and scores of the templates that print them.

Example: ``CHECKS["current_exceeds_total"](ctx)`` fires when 项目当年预算 > 项目总预算
"""
from __future__ import annotations

from decimal import Decimal

from app.review.checks import check
from app.review.context import Context
from app.review.frameworks import PERIOD_LABELS, periods
from app.review.words import WORDS

PARTS = ("fiscal", "carryover", "superior", "own", "other")
COLUMNS = {"planned": "年初预算数", "adjusted": "全年预算数", "executed": "全年执行数"}


def _yuan(x: Decimal) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


@check("cost_exceeds_budget")
def cost_exceeds_budget(ctx: Context) -> None:
    f, b = ctx.framework, ctx.project.budget
    if f is None:
        return
    for n, i, l1, l2 in ctx.rows():
        scale = WORDS.money_scale(i.unit)
        if not f.is_cost(l1, l2) or i.value is None or scale is None or WORDS.per_unit(i.name, i.unit):
            continue
        if i.period == "midterm":
            budget, label = b.total or b.current_year, "项目总预算（中期）"
        else:
            budget, label = b.current_year or b.total, "当年预算"
        amount = i.value * scale
        if budget is not None and amount > budget:
            ctx.fire("cost_exceeds_budget", n=n, name=i.name, target=i.target_raw, amount=_yuan(amount),
                     budget_label=label, budget=_yuan(budget))


@check("current_exceeds_total")
def current_exceeds_total(ctx: Context) -> None:
    p = ctx.project
    b = p.budget
    if b.total is not None and b.current_year is not None and b.current_year > b.total:
        span = b.spans.get("current_year") or p.spans.get("current_year")
        ctx.fire("current_exceeds_total", span=span, current=_yuan(b.current_year), total=_yuan(b.total))


@check("budget_sources_mismatch")
def budget_sources_mismatch(ctx: Context) -> None:
    lines = ctx.project.budget.sources
    totals = [x for x in lines if x.source_key == "total"]
    parts = [x for x in lines if x.source_key in PARTS]
    if len(totals) != 1 or not parts or WORDS.part_of_total(totals[0].source):
        return
    total = totals[0]
    tolerance = Decimal(str(ctx.rules.rule("budget_sources_mismatch").threshold("tolerance_yuan")))
    for column, label in COLUMNS.items():
        want = getattr(total, column)
        values = [getattr(x, column) for x in parts]
        got = [v for v in values if v is not None]
        if want is None or not got:
            continue
        # flat, or with 其中 lines taken out (a sum that matches either way adds up)
        if abs(sum(got) - want) > tolerance and abs(sum(top_level(values, tolerance)) - want) > tolerance:
            ctx.fire("budget_sources_mismatch", span=total.spans.get(column), column=label, sum=_yuan(sum(got)),
                     total=_yuan(want), detail=column)


def top_level(values: list[Decimal | None], tolerance: Decimal = Decimal(0)) -> list[Decimal]:
    """The amounts of the lines that are not a 其中 of the line above them: a line followed by two or
    more lines that add up to it (财政拨款 80 = 上级财政资金 50 + 本级财政 30) keeps its amount and
    its sub-lines drop out.

    Example: ``top_level([Decimal(80), Decimal(50), Decimal(30), Decimal(6)])`` → ``[80, 6]``
    """
    out, i = [], 0
    while i < len(values):
        v = values[i]
        i += 1
        if v is None:
            continue
        out.append(v)
        run = Decimal(0)
        for j in range(i, len(values)):
            run += values[j] or 0
            if j > i and abs(run - v) <= tolerance and v != 0:
                i = j + 1          # values[i..j] are its 其中
                break
            if run > v + tolerance:
                break
    return out


@check("execution_rate_low")
def execution_rate_low(ctx: Context) -> None:
    p = ctx.project
    b = p.budget
    floor = Decimal(str(ctx.rules.rule("execution_rate_low").threshold("floor")))
    rate = b.execution_rate
    if rate is not None and rate < floor:
        ctx.fire("execution_rate_low", span=b.spans.get("prev_year_executed") or p.spans.get("prev_year_executed"),
                 what="同名项目上年预算", rate=f"{rate:.2%}", floor=f"{floor:.0%}",
                 executed=_yuan(b.prev_year_executed), budget=_yuan(b.prev_year_budget), detail="prev_year")
    total = next((x for x in b.sources if x.source_key == "total"), None)
    if total is None or total.executed is None:
        return
    base = total.adjusted if total.adjusted is not None else total.planned
    if not base:
        return
    rate = total.executed / base
    if rate < floor:
        ctx.fire("execution_rate_low", span=total.spans.get("executed"), what="本年预算",
                 rate=f"{rate:.2%}", floor=f"{floor:.0%}", executed=_yuan(total.executed), budget=_yuan(base),
                 detail="year")


@check("weights_sum")
def weights_sum(ctx: Context) -> None:
    rule = ctx.rules.rule("weights_sum")
    expected = Decimal(str(rule.threshold("total")))
    tolerance = Decimal(str(rule.threshold("tolerance")))
    p = ctx.project
    budget_points = sum((x.weight for x in p.budget.sources if x.weight is not None), Decimal(0))
    blocks = periods(p.indicators)
    for period, rows in blocks.items():
        weighted = [(n, i) for n, i in rows if i.weight is not None]
        if not weighted:
            continue
        extra = budget_points if period in (None, "annual") else Decimal(0)
        total = sum((i.weight for _, i in weighted), Decimal(0)) + extra
        what = (PERIOD_LABELS.get(period, "") + "指标") + ("及预算执行" if extra else "")
        if abs(total - expected) > tolerance:
            ctx.fire("weights_sum", span=p.source, what=what, sum=f"{total:f}", expected=f"{expected:f}",
                     detail=f"total:{period}")
        # the points printed with a level (产出指标(50分)) are the sum of its indicators'
        by_level: dict[str, list] = {}
        for n, i in weighted:
            if i.level1_weight is not None:
                by_level.setdefault(i.level1 or "", []).append((n, i))
        for level, items in by_level.items():
            points = items[0][1].level1_weight
            got = sum((i.weight for _, i in items), Decimal(0))
            if abs(got - points) > tolerance:
                ctx.fire("weights_sum", n=items[0][0], what=f"一级指标“{level}”", sum=f"{got:f}",
                         expected=f"{points:f}", detail=f"level:{period}:{level}")


@check("score_exceeds_weight")
def score_exceeds_weight(ctx: Context) -> None:
    p = ctx.project
    for n, i, _, _ in ctx.rows():
        if i.score is not None and i.weight is not None and i.score > i.weight:
            ctx.fire("score_exceeds_weight", n=n, name=i.name, score=f"{i.score:f}", weight=f"{i.weight:f}")
    for x in p.budget.sources:
        if x.score is not None and x.weight is not None and x.score > x.weight:
            ctx.fire("score_exceeds_weight", span=x.spans.get("score"), name=f"预算执行（{x.source}）",
                     score=f"{x.score:f}", weight=f"{x.weight:f}", detail=x.source)
