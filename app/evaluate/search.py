"""Retrieval evaluation over a judged query set (project-level relevance).

``tests/eval/search_queries.jsonl`` holds one JSON object a line:
``{"query": "…", "relevant": ["<project name>", …], "kind": "…"}``. Relevance is binary and
judged by reading the seed. The kinds: ``exact``, ``paraphrase``, ``english``, ``legal``,
``indicator`` (the original set), ``structured`` (a condition: 预算超过300万的项目, relevant =
exactly the projects that meet it), ``question`` (哪些项目涉及…), and ``nonsense`` / ``empty``
with ``"relevant": []``: nothing in the data is relevant (火星探测器发射, 总预算超过1亿的项目).

Metrics, per query then averaged: recall@5 (share of the relevant projects in the
top 5), MRR (1 / rank of the first relevant project, 0 if none in the top 10) and
nDCG@10 (binary gains, log2 discount), over the ``original`` queries and over all the
``extended`` ones (original + structured + question); and the **honest-empty rate** over the
queries with nothing relevant: the share of them for which the ranking is empty (a plain
mode returns nothing at all; the understood search shows nothing above its relevance floor).

Example: ``evaluate_search(index, "tests/eval/search_queries.jsonl")["hybrid"]["ndcg@10"]``
"""
from __future__ import annotations

import json
import math
import os
from typing import Any, Callable, Iterable, Sequence

from ingest.errors import JixiaoError
from ingest.search.fusion import DEFAULT_FUSION

SEARCH_MODES = ("bm25", "dense", "hybrid")
EXTENDED_KINDS = ("structured", "question")   # not in the original set: the understood search's kinds
EMPTY_KINDS = ("nonsense", "empty")            # nothing is relevant: the right answer is 没有相关项目


class JudgementError(JixiaoError):
    """A line of a judged set (queries, trace cases) is not what the evaluation needs."""


def read_judgements(path: str | os.PathLike, required: Sequence[str],
                    error: type[JudgementError] = JudgementError) -> list[dict[str, Any]]:
    """Read a JSONL file of judged items; each must have a non-empty value for every key in
    ``required``. Each item gets its ``line`` number, for messages."""
    out = []
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise error("no such file", file=str(path),
                    hint="jixiao's own judged sets are in the source tree (tests/eval/), not in a wheel: run from "
                         "a checkout, or pass a JSONL file (eval search --queries FILE, eval trace --cases FILE)") from None
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as e:
                raise error(f"not JSON: {e.msg} (column {e.colno})", file=str(path), line=n,
                            hint="write one JSON object a line") from None
            missing = [k for k in required if not item.get(k)]
            if missing:
                raise error(f"each line needs a non-empty {', '.join(map(repr, missing))}", file=str(path),
                            line=n, hint="each line is one JSON object with the keys " + ", ".join(required))
            item["line"] = n
            out.append(item)
    return out


def load_queries(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read the JSONL query set, checking each line has a query and relevant projects (an empty
    list only for a query of kind ``nonsense`` or ``empty``)."""
    out = []
    for item in read_judgements(path, ("query",)):
        rel = item.get("relevant")
        if not isinstance(rel, list) or (not rel and item.get("kind") not in EMPTY_KINDS):
            raise JudgementError("each line needs a non-empty 'relevant' list of project names (or "
                                 f"\"relevant\": [] with a kind of {' or '.join(EMPTY_KINDS)})",
                                 file=str(path), line=item["line"],
                                 hint='{"query": "…", "relevant": ["<project name>"], "kind": "exact"}')
        out.append(item)
    return out


def recall_at(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of ``relevant`` found in the first ``k`` of ``ranking``."""
    return len(set(ranking[:k]) & relevant) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """1 / rank of the first relevant item within the first ``k``, else 0."""
    for i, key in enumerate(ranking[:k], start=1):
        if key in relevant:
            return 1.0 / i
    return 0.0


def ndcg_at(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary-gain nDCG@k. Example: ``ndcg_at(["a", "b"], {"b"}, 10)`` → ``0.63…``"""
    dcg = sum(1.0 / math.log2(i + 1) for i, key in enumerate(ranking[:k], start=1) if key in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


def evaluate_rankings(rankings: Iterable[tuple[Sequence[str], set[str]]]) -> dict[str, float]:
    """Mean recall@5, MRR and nDCG@10 over ``(ranking, relevant)`` pairs."""
    rows = [(recall_at(r, rel, 5), reciprocal_rank(r, rel, 10), ndcg_at(r, rel, 10)) for r, rel in rankings]
    n = len(rows) or 1
    return {"recall@5": sum(r[0] for r in rows) / n, "mrr": sum(r[1] for r in rows) / n,
            "ndcg@10": sum(r[2] for r in rows) / n, "queries": len(rows)}


def score_run(judged: Sequence[tuple[dict, set[str]]], rankings: Sequence[Sequence[str]]) -> dict[str, Any]:
    """One row: the metrics over all judged queries with something relevant (``extended``), over the
    ``original`` kinds only, and the honest-empty rate over the queries with nothing relevant."""
    with_rel = [(r, rel) for (q, rel), r in zip(judged, rankings) if rel]
    original = [(r, rel) for (q, rel), r in zip(judged, rankings) if rel and q.get("kind") not in EXTENDED_KINDS]
    empty = [r for (q, rel), r in zip(judged, rankings) if not rel]
    row = evaluate_rankings(with_rel)
    row["sets"] = {"original": evaluate_rankings(original), "extended": evaluate_rankings(with_rel)}
    row["honest_empty"] = (sum(1 for r in empty if not r) / len(empty)) if empty else None
    row["empty_queries"] = len(empty)
    return row


def evaluate_search(index, path: str | os.PathLike, modes: Sequence[str] = SEARCH_MODES,
                    fusions: Sequence[str] = (DEFAULT_FUSION,), details: bool = False,
                    understood: Callable[[str], list[str]] | None = None) -> dict[str, Any]:
    """Score ``index`` (an :class:`ingest.search.index.SearchIndex`) on the query set at ``path``.

    Returns ``{mode: {"recall@5", "mrr", "ndcg@10", "queries", "sets": {"original", "extended"},
    "honest_empty", "empty_queries"}}`` (the top-level metrics are the extended set's); with several
    ``fusions`` the hybrid rows are named ``hybrid[rrf]``, ``hybrid[weighted]``. ``understood``
    (query → project ids shown, best first: the understood search) adds a row ``understood``.
    With ``details`` each row also lists per-query first-relevant ranks.
    """
    queries = load_queries(path)
    judged = [(q, set(index.project_ids_named(q["relevant"]))) for q in queries]
    runs: list[tuple[str, Callable[[str], list[str]]]] = []
    for mode in modes:
        if mode == "hybrid" and len(fusions) > 1:
            runs.extend((f"hybrid[{f}]", lambda q, m=mode, f=f: index.project_ranking(q, m, f)) for f in fusions)
        else:
            runs.append((mode, lambda q, m=mode: index.project_ranking(q, m, fusions[0])))
    if understood is not None:
        runs.append(("understood", understood))
    table: dict[str, Any] = {}
    for label, rank in runs:
        rankings = [list(rank(q["query"])) for q, _ in judged]
        row = score_run(judged, rankings)
        if details:
            row["per_query"] = [{"query": q["query"], "kind": q.get("kind"), "shown": len(r),
                                 "first_relevant_rank": next((i + 1 for i, p in enumerate(r) if p in rel), None)}
                                for (q, rel), r in zip(judged, rankings)]
        table[label] = row
    return table


def format_table(table: dict[str, Any]) -> str:
    """A plain-text table: mode, then recall@5, MRR, nDCG@10 on the original and the extended set,
    then the honest-empty rate."""
    first = next(iter(table.values()), None)
    if first is None:
        return ""
    n_orig, n_ext = first["sets"]["original"]["queries"], first["sets"]["extended"]["queries"]
    head = (f"{'':<14}{f'original ({n_orig} queries)':^27}  {f'extended ({n_ext} queries)':^27}  "
            f"{'nothing relevant':>16}")
    lines = [head, f"{'mode':<14}" + f"{'recall@5':>10}{'MRR':>8}{'nDCG@10':>9}  " * 2 + f"{'honest-empty':>16}"]
    for label, row in table.items():
        cells = "".join(f"{row['sets'][s]['recall@5']:>10.3f}{row['sets'][s]['mrr']:>8.3f}"
                        f"{row['sets'][s]['ndcg@10']:>9.3f}  " for s in ("original", "extended"))
        empty = "—" if row["honest_empty"] is None else f"{row['honest_empty']:.3f} of {row['empty_queries']}"
        lines.append(f"{label:<14}{cells}{empty:>16}")
    return "\n".join(lines)
