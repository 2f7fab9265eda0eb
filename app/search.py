"""Search that understands the query, with the same understanding as ``ask``.

``understood_search(kb, query)``:

- a structured condition in the query (``预算超过300万的项目``, ``2020年信息化建设工程类项目``)
  becomes a :class:`~ingest.search.index.SearchFilters` and is shown as applied; a condition on
  当年预算, 上年预算额, 上年执行数 or 执行率 filters on that amount, and each hit carries it; a query
  that is only conditions lists exactly the projects that meet them, biggest amount first;
- question words and the generic words of the domain (哪些, 项目, 是多少) are taken out of the
  text that is matched, so they never count as matches;
- a relevance floor: a Chinese query must be matched, by the project's passages, on at least
  ``FLOOR`` of its remaining content characters, or its best passage must be far more similar
  (dense) than everyday unrelated queries get; a query without Chinese (English) is held to the
  dense floor alone (:func:`dense_floor`). Below the floor a hit is *weak*, hidden unless asked
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
    similarity: float | None = None   # the dense similarity of its best passage, where the floor used it

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
        if self.similarity is not None:
            d["similarity"] = round(self.similarity, 4)
        if self.filtered_on is not None:
            d["filtered_on"] = {"field": self.filtered_on[0], "label": self.filtered_on[1],
                                "value": None if self.amount is None else str(self.amount)}
        return d


@dataclass
class SearchResult:
    """Hits that pass the floor, weak hits (shown on request), the filters applied (and how
    they read), the text that was matched, an ask answer when the query is a question, a message,
    and a note when the index is behind the records (a running ingest rebuilds it)."""

    hits: list[UnderstoodHit] = field(default_factory=list)
    weak: list[UnderstoodHit] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)
    text: str = ""
    answer: Any = None
    message: str = ""
    note: str | None = None     # why the hits may miss documents (an index behind a running ingest)

    def to_json(self) -> dict:
        return {"hits": [h.to_json() for h in self.hits], "weak": [h.to_json() for h in self.weak],
                "filters": {k: str(v) for k, v in self.filters.items()}, "applied": self.applied,
                "text": self.text, "message": self.message, "note": self.note,
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
        if c.op == "=" and not (named and any(w in c.text for w in _comparator_words())):
            continue   # a bare amount (年总收入100万元) is text to match, not a filter
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


def _comparator_words() -> set[str]:
    c = vocabulary()["comparators"]
    words = {w for side in ("before", "after") for ws in c[side].values() for w in ws}
    return words | {w for ws in c["range"].values() for w in ws}


def content_text(u, used: list[tuple[int, int]]) -> str:
    """The query without its filters, question words, generic domain words, the words that say how
    it is asked (``[search] structure_concepts``) and compared numbers; a bare amount that filters
    nothing (年总收入100万元) stays, and so does a one-character word inside a content word
    (国家, 次数)."""
    if not re.search(r"[\u4e00-\u9fff]", u.question):
        return u.question.strip()   # an English query keeps its spaces
    ignore = {w for group in vocabulary()["ignore"].values() for w in group}
    # question and relation words, not the domain's generic words (信息 of 信息化, 数据 of 数据中心)
    edges = {w for name, group in vocabulary()["ignore"].items() if name != "generic" for w in group}
    structure = set(vocabulary()["search"]["structure_concepts"])
    comparators = _comparator_words()
    drop = list(used) + [y[1:] for y in u.years]
    drop += [(c.start, c.end) for c in u.conditions
             if c.op != "=" or any(w in c.text for w in comparators) or (c.start, c.end) in used]
    singles = []
    for m in u.mentions:
        concepts = {r.label for r in m.readings if r.kind == "concept"}
        plain = m.kinds() <= {"concept", "ignore", "dimension", "field", "attribute"}
        if m.text in ignore or (plain and not (concepts - structure and m.kinds() == {"concept"})):
            (singles if m.end - m.start == 1 else drop).append((m.start, m.end))
    cjk = re.compile(r"[\u4e00-\u9fff]")

    def dropped(i: int) -> bool:
        return any(a <= i < b for a, b in drop)
    for a, b in singles:   # 家 of 国家, 次 of 次数: kept between two kept characters
        inside = 0 < a and b < len(u.text) and not dropped(a - 1) and not dropped(b) and \
            cjk.match(u.text[a - 1]) and cjk.match(u.text[b])
        if not inside:
            drop.append((a, b))
    runs, run = [], []
    for i, ch in enumerate(u.text + "\0"):
        if i < len(u.text) and not dropped(i):
            run.append(ch)
        elif run:
            runs.append(_strip_words("".join(run).strip("的在是和与及、了"), edges))
            run = []
    return " ".join(r for r in runs if r and r not in ignore)


def _strip_words(run: str, words: set[str]) -> str:
    """``run`` without the listed words of two characters or more at either end (相关的… → …)."""
    changed = True
    while changed and run:
        changed = False
        for w in sorted((w for w in words if len(w) >= 2), key=len, reverse=True):
            if run.startswith(w) and len(run) > len(w):
                run, changed = run[len(w):], True
            if run.endswith(w) and len(run) > len(w):
                run, changed = run[:-len(w)], True
    return run


def coverage(index, query: str, pid: str) -> float:
    """Share of the query's content characters that the project's passages match (BM25 terms).

    Reads the postings of each query token once per index and query (memoized on the index), and
    only the project's own rows: no pass over every passage."""
    import numpy as np
    tok = index.lexical.tokenizer
    tokens = [t for t in tok.tokens(query) if re.search(r"[\u4e00-\u9fff]", t.text)]
    if not tokens:
        return 1.0
    memo = index.__dict__.setdefault("_token_rows", {})
    if len(memo) > 4096:
        memo.clear()
    rows = index.project_rows(pid)
    matched = set()
    for t in tokens:
        hit = memo.get(t.text)
        if hit is None:
            found, scores = index.lexical.matches(t.text)
            hit = memo[t.text] = found[scores > 0]
        # ``hit`` is ascending and a project's rows are one range: two binary searches
        if len(rows) and np.searchsorted(hit, rows[-1], "right") > np.searchsorted(hit, rows[0]):
            matched.update(range(t.start, t.end))
    cjk = [i for i, ch in enumerate(query) if re.match(r"[\u4e00-\u9fff]", ch)]
    return len(matched & set(cjk)) / max(1, len(set(cjk)))


@dataclass(frozen=True)
class DenseFloor:
    """The dense relevance floors of one index, read off the null probes of ``[relevance]``:
    ``english`` (a quantile of the English probes' best similarities) and ``rescue`` (the Chinese
    probes' maximum plus ``rescue_sd`` standard deviations)."""

    english: float
    rescue: float
    probes: int


def dense_floor(index) -> DenseFloor:
    """The floors for ``index`` and its encoder, computed once per loaded index (48 short queries).

    Example: ``dense_floor(kb.search_index()).english``
    """
    cached = getattr(index, "_dense_floor", None)
    if cached is not None:
        return cached
    import numpy as np
    v = vocabulary()["relevance"]

    def tops(probes: list[str]) -> np.ndarray:
        return np.array([max(index.mode_scores(p, "dense")["dense"].values(), default=0.0) for p in probes])
    en, zh = tops(v["null_probes_en"]), tops(v["null_probes_zh"])
    floor = DenseFloor(float(np.quantile(en, v["english_quantile"])), float(zh.max() + v["rescue_sd"] * zh.std()),
                       len(en) + len(zh))
    index._dense_floor = floor
    return floor


def project_similarity(index, text: str, pids) -> dict[str, float]:
    """project id → the dense similarity of its best passage to ``text``, for the projects ``pids``."""
    return index.similarity(text, pids)


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
        from ingest.storage.lock import StoreBusy
        try:
            index = kb.build_search_index()   # an index from before 当年预算 … were kept: rebuilt, nothing re-encoded
        except StoreBusy:
            pass                              # another process writes: it rebuilds the index itself
    text = content_text(u, used)
    result = SearchResult(filters=found, applied=applied, text=text, note=kb.search_note)
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
    sims: dict[str, float] | None = None
    for h in hits:
        info = index.projects.get(h.project_id)
        cov = coverage(index, text, h.project_id) if chinese else None
        sim, shown = None, cov is not None and cov >= FLOOR
        if not shown:   # no lexical evidence, or too little: the dense floor decides
            sims = project_similarity(index, text, [x.project_id for x in hits]) if sims is None else sims
            sim = sims.get(h.project_id)
            floor = dense_floor(index)
            shown = sim is not None and sim >= (floor.rescue if chinese else floor.english)
        item = UnderstoodHit(h, info.budget_total if info else None, cov, on,
                             info.amount(field) if on and info else None, sim)
        (result.hits if shown else result.weak).append(item)
    if include_weak:
        result.hits, result.weak = result.hits + result.weak, []
    if not result.hits:
        result.message = NO_RESULT
    return result


def understood_ranking(kb, query: str, k: int = 10) -> list[str]:
    """Project ids the understood search shows for ``query``, best first (for evaluation: an empty
    list is its "没有相关项目").

    Example: ``understood_ranking(kb, "火星探测器发射") == []``
    """
    return [h.hit.project_id for h in understood_search(kb, query, k=k, with_answer=False).hits]
