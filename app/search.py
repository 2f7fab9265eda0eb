"""Search that understands the query, with the same understanding as ``ask``.

``understood_search(kb, query)``:

- a structured condition in the query (``预算超过300万的项目``, ``2020年信息化建设工程类项目``)
  becomes a :class:`~ingest.search.index.SearchFilters` and is shown as applied; a condition on
  当年预算, 上年预算额, 上年执行数 or 执行率 filters on that amount, and each hit carries it; a query
  that is only conditions lists exactly the projects that meet them, biggest amount first;
- question words and the generic words of the domain (哪些, 项目, 是多少) are taken out of the
  text that is matched, so they never count as matches;
- a relevance floor: a Chinese query must be matched, by the project's passages, on at least
  ``FLOOR`` of its remaining content characters; below it a hit is *weak*, hidden unless asked
  for (``include_weak``), and an empty result says "没有相关项目";
- a query that is really a question gets the ask answer above the hits.

Example: ``understood_search(kb, "预算超过300万的项目").applied == ["项目总预算超过300万元"]``
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.ask.slots import money_short
from app.understand import vocabulary

FLOOR = 0.5          # share of the query's content characters the project's passages must match
NO_RESULT = "没有相关项目"
QUESTION_CONCEPTS = {"value", "count", "sum", "avg", "max", "min", "list", "when", "diff", "growth"}
FILTER_KINDS = ("performance_type", "category", "unit")


@dataclass
class UnderstoodHit:
    """A search hit with the project's 项目总预算, how much of the query it matched, and, when a
    budget condition filtered the hits, the field it was on (``filtered_on``: its key and label)
    and this project's amount of it (``amount``; a fraction for the execution rate)."""

    hit: Any
    budget: Decimal | None
    coverage: float | None
    filtered_on: tuple[str, str] | None = None
    amount: Decimal | None = None

    def amount_text(self) -> str:
        """The filtered amount as the CLI shows it: ``项目当年预算 138,200元（13.82万元）``."""
        from app.ask.answer import money, percent
        if self.filtered_on is None:
            return ""
        key, label = self.filtered_on
        return f"{label} {percent(self.amount) if key == 'execution_rate' else money(self.amount)}"

    def to_json(self) -> dict:
        d = self.hit.to_json()
        d["budget_total"] = None if self.budget is None else str(self.budget)
        d["coverage"] = None if self.coverage is None else round(self.coverage, 3)
        if self.filtered_on is not None:
            d["filtered_on"] = {"field": self.filtered_on[0], "label": self.filtered_on[1],
                                "value": None if self.amount is None else str(self.amount)}
        return d


@dataclass
class SearchResult:
    """Hits that pass the floor, weak hits (shown on request), the filters applied (and how
    they read), the text that was matched, an ask answer when the query is a question, a message."""

    hits: list[UnderstoodHit] = field(default_factory=list)
    weak: list[UnderstoodHit] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)
    text: str = ""
    answer: Any = None
    message: str = ""

    def to_json(self) -> dict:
        return {"hits": [h.to_json() for h in self.hits], "weak": [h.to_json() for h in self.weak],
                "filters": {k: str(v) for k, v in self.filters.items()}, "applied": self.applied,
                "text": self.text, "message": self.message,
                "answer": None if self.answer is None else self.answer.to_json()}


def _filters(u) -> tuple[dict[str, Any], list[str], list[tuple[int, int]]]:
    """SearchFilters fields from the understanding, how each reads, and the spans they used."""
    from app.ask.slots import _is_money_condition
    out: dict[str, Any] = {}
    readings, spans = [], []
    names = {"performance_type": "绩效类型", "category": "项目类别", "unit": "申报单位"}
    for kind in FILTER_KINDS:
        for m in u.mentions_of(kind, negated=False):
            out.setdefault(kind, m.reading(kind).label)
            readings.append(f"{names[kind]}={m.reading(kind).label}")
            spans.append((m.start, m.end))
            break
    if u.years:
        out["year"] = u.years[0][0]
        readings.append(f"年度={u.years[0][0]}")
        spans.append(u.years[0][1:])
    from ingest.search.index import BUDGET_FILTER_FIELDS
    fields = {f["key"]: f for f in vocabulary()["budget_field"]}
    total = next(f for f in vocabulary()["budget_field"] if f.get("default"))
    for c in u.conditions:
        if not _is_money_condition(u, c) or "budget_min" in out or "budget_max" in out:
            continue   # one budget condition: SearchFilters bounds one amount
        named = [m for m in u.mentions_of("field") if m.end <= c.start]
        f = fields[named[-1].reading("field").label] if named else total
        if f["key"] not in BUDGET_FILTER_FIELDS:
            continue   # a department's 基本支出 …: not a project's amount; ask answers it
        for m in named[-1:]:
            spans.append((m.start, m.end))
        rate = f.get("kind") == "rate"
        scale = Decimal(100) if rate and c.unit == "%" else Decimal(1)
        lo = c.value / scale
        hi = None if c.value2 is None else c.value2 / scale
        shown = (lambda v: f"{format(v.normalize(), 'f')}%") if rate else money_short
        eps = Decimal("0.000001") / (Decimal(10000) if rate else 1)
        if f["key"] != total["key"]:
            out["budget_field"] = f["key"]
        if c.op == "between":
            out["budget_min"], out["budget_max"] = lo, hi
            readings.append(f"{f['label']}在{shown(c.value)}到{shown(c.value2)}之间")
        elif c.op in (">", ">="):
            out["budget_min"] = lo + (eps if c.op == ">" else 0)
            readings.append(f"{f['label']}{'超过' if c.op == '>' else '不低于'}{shown(c.value)}")
        elif c.op in ("<", "<="):
            out["budget_max"] = lo - (eps if c.op == "<" else 0)
            readings.append(f"{f['label']}{'低于' if c.op == '<' else '不超过'}{shown(c.value)}")
        elif c.op == "=":
            out["budget_min"] = out["budget_max"] = lo
            readings.append(f"{f['label']}等于{shown(c.value)}")
        spans.append((c.start, c.end))
    return out, readings, spans


def _filtered_on(filters: dict) -> tuple[str, str] | None:
    """(key, label) of the amount a budget filter bounds, or None without one."""
    if filters.get("budget_min") is None and filters.get("budget_max") is None:
        return None
    key = filters.get("budget_field") or "total"
    label = next((f["label"] for f in vocabulary()["budget_field"] if f["key"] == key), key)
    return key, label


def content_text(u, used: list[tuple[int, int]]) -> str:
    """The query without filters, question words, generic domain words and numbers."""
    if not re.search(r"[\u4e00-\u9fff]", u.question):
        return u.question.strip()   # an English query keeps its spaces
    ignore = {w for group in vocabulary()["ignore"].values() for w in group}
    drop = list(used) + [(c.start, c.end) for c in u.conditions] + [y[1:] for y in u.years]
    for m in u.mentions:
        if m.kinds() <= {"concept", "ignore", "dimension", "field", "attribute"} or m.text in ignore:
            drop.append((m.start, m.end))
    runs, run = [], []
    for i, ch in enumerate(u.text + "\0"):
        if i < len(u.text) and not any(a <= i < b for a, b in drop):
            run.append(ch)
        elif run:
            runs.append("".join(run).strip("的在是和与及、"))
            run = []
    return " ".join(r for r in runs if r and r not in ignore)


def coverage(index, query: str, pid: str) -> float:
    """Share of the query's content characters that the project's passages match (BM25 terms)."""
    tok = index.lexical.tokenizer
    tokens = [t for t in tok.tokens(query) if re.search(r"[\u4e00-\u9fff]", t.text)]
    if not tokens:
        return 1.0
    positions = set()
    for t in tokens:
        positions.update(range(t.start, t.end))
    matched = set()
    rows = [i for i, p in enumerate(index.passages) if p.project_id == pid]
    for t in tokens:
        scores = index.lexical.scores(t.text)
        if any(scores[r] > 0 for r in rows):
            matched.update(range(t.start, t.end))
    cjk = [i for i, ch in enumerate(query) if re.match(r"[\u4e00-\u9fff]", ch)]
    return len(matched & set(cjk)) / max(1, len(set(cjk)))


def understood_search(kb, query: str, k: int = 10, mode: str = "hybrid", filters: dict | None = None,
                      include_weak: bool = False, with_answer: bool = True) -> SearchResult:
    """Search ``query`` with its conditions as filters, generic words out and a relevance floor."""
    from ingest.search.index import SearchFilters
    asker = kb.asker()
    u = asker.understand(query)
    found, applied, used = _filters(u)
    explicit = {k_: v for k_, v in (filters or {}).items() if v is not None}
    found.update(explicit)
    applied += [f"{k_}={v}" for k_, v in explicit.items()]
    index = kb.search_index()
    if index.stale_amounts and found.get("budget_field"):
        index = kb.build_search_index()   # an index from before 当年预算 … were kept: rebuilt, nothing re-encoded
    text = content_text(u, used)
    result = SearchResult(filters=found, applied=applied, text=text)
    if with_answer and u.concepts() & QUESTION_CONCEPTS:
        answer = asker.ask(query)
        if not answer.fallback:
            result.answer = answer
    f = SearchFilters.coerce(found)
    on = _filtered_on(found)
    field = on[0] if on else None
    if not text:
        if not found:
            result.message = NO_RESULT
            return result
        # only conditions: exactly the projects that meet them, the biggest amount filtered on first
        from ingest.search.fusion import SearchHit
        from ingest.search.index import project_iri
        infos = [i for i in index.projects.values() if f.matches(i)]
        infos.sort(key=lambda i: (-(i.amount(field) or 0), i.name))
        result.hits = [UnderstoodHit(SearchHit(project_iri(i.id), i.name, 0.0, ()), i.budget_total, None,
                                     on, i.amount(field) if on else None) for i in infos[:k]]
        result.message = "" if result.hits else NO_RESULT
        return result
    hits = index.search(text, k=k, mode=mode, filters=f)
    chinese = bool(re.search(r"[\u4e00-\u9fff]", text))
    for h in hits:
        info = index.projects.get(h.project_id)
        cov = coverage(index, text, h.project_id) if chinese else None
        item = UnderstoodHit(h, info.budget_total if info else None, cov, on,
                             info.amount(field) if on and info else None)
        (result.hits if cov is None or cov >= FLOOR else result.weak).append(item)
    if include_weak:
        result.hits, result.weak = result.hits + result.weak, []
    if not result.hits:
        result.message = NO_RESULT
    return result
