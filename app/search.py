"""Search that understands the query, with the same understanding as ``ask``.

``understood_search(kb, query)``:

- a structured condition in the query (``预算超过300万的项目``, ``2020年信息化建设工程类项目``)
  becomes a :class:`~ingest.search.index.SearchFilters` and is shown as applied; a query that is
  only conditions lists exactly the projects that meet them, by 项目总预算;
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
    """A search hit with the project's 项目总预算 and how much of the query it matched."""

    hit: Any
    budget: Decimal | None
    coverage: float | None

    def to_json(self) -> dict:
        d = self.hit.to_json()
        d["budget_total"] = None if self.budget is None else str(self.budget)
        d["coverage"] = None if self.coverage is None else round(self.coverage, 3)
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
    total = next(f for f in vocabulary()["budget_field"] if f.get("default"))
    for c in u.conditions:
        if not _is_money_condition(u, c):
            continue
        fields = [m for m in u.mentions_of("field") if m.end <= c.start]
        if fields and fields[-1].reading("field").label != total["key"]:
            continue  # search filters know 项目总预算 only; ask answers the other fields
        for m in fields[-1:]:
            spans.append((m.start, m.end))
        eps = Decimal("0.000001")
        if c.op == "between":
            out["budget_min"], out["budget_max"] = c.value, c.value2
            readings.append(f"项目总预算在{money_short(c.value)}到{money_short(c.value2)}之间")
        elif c.op in (">", ">="):
            out["budget_min"] = c.value + (eps if c.op == ">" else 0)
            readings.append(f"项目总预算{'超过' if c.op == '>' else '不低于'}{money_short(c.value)}")
        elif c.op in ("<", "<="):
            out["budget_max"] = c.value - (eps if c.op == "<" else 0)
            readings.append(f"项目总预算{'低于' if c.op == '<' else '不超过'}{money_short(c.value)}")
        spans.append((c.start, c.end))
    return out, readings, spans


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
    text = content_text(u, used)
    result = SearchResult(filters=found, applied=applied, text=text)
    if with_answer and u.concepts() & QUESTION_CONCEPTS:
        answer = asker.ask(query)
        if not answer.fallback:
            result.answer = answer
    f = SearchFilters.coerce(found)
    if not text:
        if not found:
            result.message = NO_RESULT
            return result
        # only conditions: exactly the projects that meet them, biggest budget first
        from ingest.search.fusion import SearchHit
        from ingest.search.index import project_iri
        infos = [i for i in index.projects.values() if f.matches(i)]
        infos.sort(key=lambda i: (-(i.budget_total or 0), i.name))
        result.hits = [UnderstoodHit(SearchHit(project_iri(i.id), i.name, 0.0, ()), i.budget_total, None)
                       for i in infos[:k]]
        result.message = "" if result.hits else NO_RESULT
        return result
    hits = index.search(text, k=k, mode=mode, filters=f)
    chinese = bool(re.search(r"[\u4e00-\u9fff]", text))
    for h in hits:
        info = index.projects.get(h.project_id)
        cov = coverage(index, text, h.project_id) if chinese else None
        item = UnderstoodHit(h, info.budget_total if info else None, cov)
        (result.hits if cov is None or cov >= FLOOR else result.weak).append(item)
    if include_weak:
        result.hits, result.weak = result.hits + result.weak, []
    if not result.hits:
        result.message = NO_RESULT
    return result
