"""The answer to one question, and how its figures are written.

``AskAnswer`` is what ``KnowledgeBase.ask`` returns and ``jixiao ask --json`` prints:
``{"answer", "rows", "sparql", "entities", "reading", "fallback"}`` plus the template used,
the question type, the figure, the closest readings ("您是不是想问…") and search hits when
it falls back. Amounts are written in yuan and in 万元: ``1,056,034元（105.6034万元）``.

Example: ``money(Decimal(1056034)) == "1,056,034元（105.6034万元）"``
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


def money(v: Any) -> str:
    """Yuan with thousands separators, and the same in 万元."""
    if v is None or v == "":
        return "未填写"
    d = Decimal(str(v))
    yuan = f"{d:,.2f}".rstrip("0").rstrip(".") if d != d.to_integral_value() else f"{int(d):,}"
    wan = format((d / 10000).normalize(), "f")
    return f"{yuan}元（{wan}万元）"


def percent(v: Any, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.988486`` → ``98.85%``."""
    if v is None or v == "":
        return "未填写"
    d = Decimal(str(v)) * 100
    text = f"{d:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text}%"


class AnswerFormatter(string.Formatter):
    """``{value:money}``, ``{rate:pct}``, ``{value:field}`` (money or rate by the field's kind), ``{x:num}``
    (a plain number), ``{lost:lost}`` (，扣n分 when points were lost), ``{reason:reason}`` (；偏差原因：…),
    ``{x:opt}`` (nothing when empty), ``{x:paren}`` (（x）), ``{end:until}`` (—end unless it is the start)."""

    def __init__(self, field_kind: str = "money", attr_kind: str = "text", row: dict | None = None):
        self.field_kind, self.attr_kind, self.row = field_kind, attr_kind, row or {}

    def format_field(self, value, spec):
        if spec == "money":
            return money(value)
        if spec == "pct":
            return percent(value)
        if spec == "field":
            return percent(value) if self.field_kind == "rate" else money(value)
        if spec == "num":   # a plain number: 96.50 → 96.5, none → 未填写
            if value is None or value == "":
                return "未填写"
            d = Decimal(str(value))
            return format(d.normalize(), "f") if d == d.to_integral_value() or d.normalize().as_tuple().exponent > -3 \
                else f"{d:.2f}"
        if spec == "lost":   # points lost, when some were
            return "" if value in (None, "") or Decimal(str(value)) <= 0 else f"，扣{self.format_field(value, 'num')}分"
        if spec == "reason":
            return "" if value in (None, "") else f"；偏差原因：{value}"
        if spec == "score":
            return "" if value is None else f"{float(value):.3f}"
        if spec == "opt":
            return "" if value in (None, "") else f" {value}"
        if spec == "paren":
            return "" if value in (None, "") else f"（{value}）"
        if spec == "until":
            return "" if value in (None, "") or value == self.row.get("start") else f"—{value}"
        if spec == "attr":
            if value is None:
                return "未填写"
            if isinstance(value, bool):
                return "是" if value else "否"
            if isinstance(value, date):
                return value.isoformat()
            return str(value)
        return super().format_field("" if value is None else value, spec)


def render(template: str, values: dict, field_kind: str = "money", attr_kind: str = "text") -> str:
    """Fill ``template``; a missing name is left empty rather than failing."""
    class Defaulting(dict):
        def __missing__(self, key):
            return ""
    return AnswerFormatter(field_kind, attr_kind, values).vformat(template, (), Defaulting(values))


def plain(v: Any) -> Any:
    """A row value for JSON: Decimal → str (exact), date → ISO string, IRIs → str."""
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")
    if isinstance(v, date):
        return v.isoformat()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


@dataclass
class AskAnswer:
    """One answered (or honestly unanswered) question.

    - ``answer``: a short Chinese sentence with the figure; ``rows``: the SPARQL solutions, each
      naming its project; ``sparql``: the read-only query that produced them (empty on fallback).
    - ``entities``: what was recognised, with confidence; ``reading``: how the question was read.
    - ``fallback``: True when no template fits or a link is not confident; then ``suggestions``
      holds the closest readings and ``search`` the hybrid search hits.
    """

    answer: str
    rows: list[dict] = field(default_factory=list)
    sparql: str = ""
    entities: list[dict] = field(default_factory=list)
    reading: str = ""
    fallback: bool = False
    template: str | None = None
    type: str | None = None
    figure: str | None = None
    suggestions: list[str] = field(default_factory=list)
    search: list[dict] = field(default_factory=list)
    trace: dict | None = None
    conditions: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"answer": self.answer, "rows": self.rows, "sparql": self.sparql, "entities": self.entities,
                "reading": self.reading, "fallback": self.fallback, "template": self.template, "type": self.type,
                "figure": self.figure, "suggestions": self.suggestions, "search": self.search,
                "trace": self.trace, "conditions": self.conditions}
