"""The Python review checks of the framework and of the targets: one function per rule of
``rules.toml`` (``check = "python"``), named after it and registered with :func:`check`.

A check reads one project through its :class:`~app.review.context.Context` and fires findings on
it; thresholds come from the rule (``ctx.rules.rule(id).threshold(name)``), words from
``words.toml``, frameworks from ``frameworks.toml``. The budget, grounding and history checks live
beside this module (``budget.py``, ``grounding.py``, ``history.py``) and register the same way.

Example: ``CHECKS["rate_over_100"](ctx)`` fires on 大型仪器项目经费's 设备检验合格率（%） >400
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable

from app.review.context import Context
from app.review.frameworks import PERIOD_LABELS, SATISFACTION, periods, plain_level
from app.review.words import WORDS, containment, is_rate, squash  # noqa: F401 (is_rate: history imports it here)

CHECKS: dict[str, Callable[[Context], None]] = {}
COST_SPLIT = ("经济成本", "社会成本", "生态环境成本")
_NON_PERCENT_SCORES = {"分", "星", "级", "档"}   # a 满意度 printed as points or grades is not a share


def check(rule_id: str):
    """Register a check under its rule's id."""
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        CHECKS[rule_id] = fn
        return fn
    return register


# -- framework -------------------------------------------------------------------------------
@check("framework_unknown")
def framework_unknown(ctx: Context) -> None:
    if ctx.framework is None and ctx.project.indicators:
        printed = "、".join(dict.fromkeys(i.level1 for i in ctx.project.indicators if i.level1)) or "表中没有一级指标"
        ctx.fire("framework_unknown", span=ctx.block(), printed=printed)


@check("satisfaction_missing")
def satisfaction_missing(ctx: Context) -> None:
    f = ctx.framework
    if f is None or f.satisfaction != "level2" or not ctx.project.indicators:
        return
    if any(l2 == SATISFACTION or WORDS.satisfaction(i.name) for _, i, _, l2 in ctx.rows()):
        return
    ctx.fire("satisfaction_missing", span=ctx.block(("效益",)) or ctx.block(), framework=f.label, where=f.show("效益"))


@check("level_pair_invalid")
def level_pair_invalid(ctx: Context) -> None:
    f = ctx.framework
    if f is None:
        return
    for n, i, l1, l2 in ctx.rows():
        if f.knows_level1(l1) and f.allows(l1, l2):
            continue
        if f.knows_level1(l1):
            expected = f"（{f.show(l1)}下应为：{'、'.join(f.level2.get(l1, ())) or '—'}）"
        else:
            expected = f"（一级应为：{'、'.join(f.show(x) for x in (*f.level1, *f.level1_optional))}）"
        ctx.fire("level_pair_invalid", n=n, level1=i.level1 or "（空）", level2=i.level2 or "（空）",
                 framework=f.label, expected=expected)


@check("cost_split_incomplete")
def cost_split_incomplete(ctx: Context) -> None:
    f = ctx.framework
    if f is None:
        return
    required = ctx.rules.rule("cost_split_incomplete").threshold("required")
    for period, rows in periods(ctx.project.indicators).items():
        lv = [ctx.levels[n - 1] for n, _ in rows]
        split = any(l1 in f.cost_level1 for l1, _ in lv) or any(l2 in COST_SPLIT for _, l2 in lv)
        missing = [r for r in required if not any(l2 == r for _, l2 in lv)]
        if split and missing:
            first = next((n for n, _ in rows if ctx.levels[n - 1][0] in f.cost_level1
                          or ctx.levels[n - 1][1] in COST_SPLIT), rows[0][0])
            ctx.fire("cost_split_incomplete", n=first, missing="、".join(missing), detail=period or "",
                     section="产出指标")


# -- targets ---------------------------------------------------------------------------------
def _numeric(i) -> bool:
    return i.value is not None


@check("target_unit_missing")
def target_unit_missing(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        if _numeric(i) and not i.unit:
            ctx.fire("target_unit_missing", n=n, target=i.target_raw)


@check("target_operator_missing")
def target_operator_missing(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        if _numeric(i) and i.operator is None:
            ctx.fire("target_operator_missing", n=n, target=i.target_raw)


@check("target_unparsed")
def target_unparsed(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        t = i.target_raw or ""
        if i.value is None and re.search(r"\d", squash(t)) and not WORDS.deadline(t) and not WORDS.known_qualitative(t):
            ctx.fire("target_unparsed", n=n, target=t)


def _repeats_name(i) -> bool:
    return "target_repeats_name" in i.flags or (bool(i.target_raw) and squash(i.target_raw) == squash(i.name))


@check("qualitative_unknown")
def qualitative_unknown(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        t = i.target_raw or ""
        if (i.value is None and t and not re.search(r"\d", squash(t)) and not WORDS.vague(t)
                and not WORDS.known_qualitative(t) and not _repeats_name(i)):
            ctx.fire("qualitative_unknown", n=n, target=t)


@check("vague_target")
def vague_target(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        word = WORDS.vague(i.target_raw) if i.value is None else None
        if word:
            ctx.fire("vague_target", n=n, target=i.target_raw, word=word)


@check("target_repeats_name")
def target_repeats_name(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        if _repeats_name(i):
            ctx.fire("target_repeats_name", n=n, target=i.target_raw)


@check("name_repeats_level")
def name_repeats_level(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        if "name_repeats_category" in i.flags or (i.level2 and plain_level(i.name) == plain_level(i.level2)):
            ctx.fire("name_repeats_level", n=n, name=i.name, level2=i.level2)


@check("input_as_output")
def input_as_output(ctx: Context) -> None:
    f = ctx.framework
    for n, i, l1, _ in ctx.rows():
        word = WORDS.input_word(i.name) if l1 in ("产出", "效益") else None
        if word:
            ctx.fire("input_as_output", n=n, name=i.name, word=word, level1=f.show(l1) if f else l1)


@check("rate_over_100")
def rate_over_100(ctx: Context) -> None:
    top = Decimal(str(ctx.rules.rule("rate_over_100").threshold("max_percent")))
    for n, i, _, _ in ctx.rows():
        if _numeric(i) and (i.unit in ("%", "％") or (not i.unit and WORDS.rate_name(i.name))) and (
                i.value > top or (i.value == top and i.operator == ">")):
            ctx.fire("rate_over_100", n=n, name=i.name, target=i.target_raw)


@check("rate_unit_mismatch")
def rate_unit_mismatch(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        if (_numeric(i) and i.unit and not WORDS.percent(i.unit) and i.unit not in _NON_PERCENT_SCORES
                and WORDS.rate_name(i.name)):
            ctx.fire("rate_unit_mismatch", n=n, name=i.name, unit=i.unit)


UP, DOWN = (">", ">="), ("<", "<=")


@check("operator_direction")
def operator_direction(ctx: Context) -> None:
    for n, i, _, _ in ctx.rows():
        op, d = i.operator, squash(i.direction)
        if op not in UP + DOWN:
            continue
        why = None
        if "正向" in d and op in DOWN:
            why = "是正向指标（越大越好）"
        elif "反向" in d and op in UP:
            why = "是反向指标（越小越好）"
        elif not d:
            neg, pos = WORDS.negative(i.name), WORDS.positive(i.name)
            if pos and not neg and op in DOWN:
                why = f"是“{pos}”，越高越好"
            elif neg and not pos and op in UP:
                why = f"含“{neg}”，越低越好"
        if why:
            ctx.fire("operator_direction", n=n, name=i.name, why=why, target=i.target_raw)


@check("indicator_count")
def indicator_count(ctx: Context) -> None:
    rule = ctx.rules.rule("indicator_count")
    low, high = rule.threshold("min"), rule.threshold("max")
    blocks = periods(ctx.project.indicators) or {None: []}   # a table without indicators has 0
    for period, rows in blocks.items():
        if not low <= len(rows) <= high:
            label = PERIOD_LABELS.get(period, "") + ("目标" if period else "全表")
            ctx.fire("indicator_count", span=ctx.block(), period=label, count=len(rows), min=low, max=high,
                     detail=period or "")


GOAL_KEYS = ("goals", "annual_goal", "term_goal")


@check("goal_not_specific")
def goal_not_specific(ctx: Context) -> None:
    p = ctx.project
    goals = [s for key in GOAL_KEYS for s in p.sections if s.key == key] or \
        [s for s in p.sections if s.key == "annual_duties" or re.fullmatch(r"goal_\d+", s.key)]   # a department's
    if not goals:
        return
    share = ctx.rules.rule("goal_not_specific").threshold("repeat")
    others = [s for s in p.sections if s not in goals]
    first = goals[0]
    text = first.text or ""
    if not squash(text):
        ctx.fire("goal_not_specific", span=first.span, label=first.label, why="为空", section="总体目标")
        return
    if any(WORDS.has_quantity(s.text) for s in goals):
        return
    repeated = max(((containment(text, s.text or ""), s.label) for s in others), default=(0.0, ""))
    if containment(text, p.name) >= share:
        why = f"只是重复了项目名称“{p.name}”"
    elif repeated[0] >= share:
        why = f"只是重复了“{repeated[1]}”"
    else:
        why = "只有定性描述"
    ctx.fire("goal_not_specific", span=first.span, label=first.label, why=why, section="总体目标")
