"""Numbers outside sane bounds: flagged and left out, never fatal.

A parser reads whatever digits a table prints. An amount of 10²⁴ 元 (a typo, a pasted ID, a
hostile file) is no budget: kept, it would break the graph (Oxigraph's ``xsd:decimal`` holds
about 1.7 × 10²⁰, and one value beyond it leaves every ``SUM`` over budgets unbound) and the
arithmetic of the graph builder. So every number of every record is checked here, once, for
every template: an amount or indicator value must be finite and below :data:`MAX_MAGNITUDE`
in size (and not negative where it is money, a rate, a weight or a score), a year must lie in
:data:`YEARS`; more than :data:`MAX_PLACES` decimals are rounded (with a warning). A number that fails is set to None and gets a
warning with its field, its line and the number as printed; its source span stays, so the
provenance still points at the cell.

Example: ``result, warnings = check_bounds(result, doc.text, doc.path)``
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ingest.errors import IngestWarning
from ingest.records import Span

MAX_MAGNITUDE = Decimal(10) ** 15   # 一千万亿: beyond any budget, any count, any target
MAX_PLACES = 12                      # decimals kept (Oxigraph's xsd:decimal holds 18; no amount has 12)
YEARS = range(1900, 2201)
YEAR_FIELDS = frozenset({"year", "start_year", "end_year"})
LIMITED_INTS = {"article_num": (1, 100_000)}   # 第十万条 is no article
# Amounts, rates, weights and scores are never negative (ontology/shapes.ttl says so too).
NON_NEGATIVE = frozenset({"total", "current_year", "prev_year_budget", "prev_year_executed", "planned", "adjusted",
                          "executed", "rate", "weight", "score", "level1_weight", "level2_weight",
                          "project_spending", "basic_spending"})


def _line(text: str, span: Span | None) -> int | None:
    if span is None or not 0 <= span.start <= len(text):
        return None
    return text.count("\n", 0, span.start) + 1


def _problem(name: str, value: Any) -> str | None:
    """Why ``value`` of field ``name`` is out of bounds, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return f"{value} is not a number"
        if abs(value) >= MAX_MAGNITUDE:
            return f"{value:f} is beyond any budget or target (10¹⁵ or more)" if value.adjusted() < 40 \
                else f"a number with {value.adjusted() + 1} digits is beyond any budget or target"
        if value < 0 and name in NON_NEGATIVE:
            return f"{value} is negative, and an amount, rate, weight or score never is"
        return None
    if isinstance(value, int):
        if name in YEAR_FIELDS and value not in YEARS:
            return f"year {value} is not a fiscal year ({YEARS.start}–{YEARS.stop - 1})"
        if name in LIMITED_INTS and not LIMITED_INTS[name][0] <= value <= LIMITED_INTS[name][1]:
            return f"{value} is out of range"
    return None


def _check(record: Any, text: str, file: str, where: Span | None, out: list[IngestWarning],
           parent_spans: dict | None = None) -> Any:
    """``record`` with every out-of-bounds number set to None (recursively); warnings into ``out``.
    A field's line comes from its own span, the record's ``spans`` or its parent's (a project
    keeps the spans of its budget amounts), else the record's span."""
    if not dataclasses.is_dataclass(record) or isinstance(record, Span):
        return record
    spans = {**(parent_spans or {}), **(getattr(record, "spans", None) or {})}
    own = getattr(record, "span", None) or getattr(record, "source", None) or where
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        if f.name in ("spans", "span", "source"):
            continue
        value = getattr(record, f.name)
        problem = _problem(f.name, value)
        if not problem and isinstance(value, Decimal) and value.as_tuple().exponent < -MAX_PLACES:
            rounded = value.quantize(Decimal(1).scaleb(-MAX_PLACES)).normalize()
            changes[f.name] = rounded
            out.append(IngestWarning(file, _line(text, spans.get(f.name) or own), f.name,
                                     f"{value:f} has more decimals than any amount or target: rounded to {rounded:f}"))
        elif problem:
            changes[f.name] = None
            span = spans.get(f.name)
            out.append(IngestWarning(file, _line(text, span or own), f.name,
                                     f"{problem}: left out (check the table)"))
        elif dataclasses.is_dataclass(value):
            checked = _check(value, text, file, own, out, spans)
            if checked is not value:
                changes[f.name] = checked
        elif isinstance(value, tuple) and any(dataclasses.is_dataclass(v) for v in value):
            checked = tuple(_check(v, text, file, own, out) for v in value)
            if any(a is not b for a, b in zip(checked, value)):
                changes[f.name] = checked
    return dataclasses.replace(record, **changes) if changes else record


def check_bounds(result: Any, text: str, file: str) -> tuple[Any, list[IngestWarning]]:
    """A ``ParseResult`` whose records hold only numbers within bounds, and a warning per number
    left out.

    Example: ``check_bounds(parse_document(doc), doc.text, doc.path)[1][0].field`` → ``"prev_year_executed"``
    """
    warnings: list[IngestWarning] = []
    projects = [_check(p, text, file, None, warnings) for p in result.projects]
    departments = [_check(d, text, file, None, warnings) for d in result.departments]
    if not warnings:
        return result, []
    return dataclasses.replace(result, projects=projects, departments=departments), warnings
