"""Retrieval evaluation over a judged query set (project-level relevance).

``tests/eval/search_queries.jsonl`` holds one JSON object a line:
``{"query": "…", "relevant": ["<project name>", …], "kind": "exact|paraphrase|english|legal|indicator"}``.
Relevance is binary and judged by reading the seed.

Metrics, per query then averaged: recall@5 (share of the relevant projects in the
top 5), MRR (1 / rank of the first relevant project, 0 if none in the top 10) and
nDCG@10 (binary gains, log2 discount).

Example: ``evaluate_search(index, "tests/eval/search_queries.jsonl")["hybrid"]["ndcg@10"]``
"""
from __future__ import annotations

import json
import math
import os
from typing import Any, Iterable, Sequence

from ingest.errors import JixiaoError
from ingest.search.fusion import DEFAULT_FUSION

SEARCH_MODES = ("bm25", "dense", "hybrid")


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
    """Read the JSONL query set, checking each line has a query and relevant projects."""
    return read_judgements(path, ("query", "relevant"))


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


def evaluate_search(index, path: str | os.PathLike, modes: Sequence[str] = SEARCH_MODES,
                    fusions: Sequence[str] = (DEFAULT_FUSION,), details: bool = False) -> dict[str, Any]:
    """Score ``index`` (an :class:`ingest.search.index.SearchIndex`) on the query set at ``path``.

    Returns ``{mode: {"recall@5", "mrr", "ndcg@10", "queries"}}``; with several
    ``fusions`` the hybrid rows are named ``hybrid[rrf]``, ``hybrid[weighted]``.
    With ``details`` each row also lists per-query first-relevant ranks.
    """
    queries = load_queries(path)
    judged = [(q, set(index.project_ids_named(q["relevant"]))) for q in queries]
    runs: list[tuple[str, str, str]] = []
    for mode in modes:
        if mode == "hybrid" and len(fusions) > 1:
            runs.extend((f"hybrid[{f}]", mode, f) for f in fusions)
        else:
            runs.append((mode, mode, fusions[0]))
    table: dict[str, Any] = {}
    for label, mode, fusion in runs:
        pairs = [(index.project_ranking(q["query"], mode, fusion), rel) for q, rel in judged]
        row = evaluate_rankings(pairs)
        if details:
            row["per_query"] = [{"query": q["query"], "kind": q.get("kind"),
                                 "first_relevant_rank": next((i + 1 for i, p in enumerate(r) if p in rel), None)}
                                for (q, rel), (r, _) in zip(judged, pairs)]
        table[label] = row
    return table


def format_table(table: dict[str, Any]) -> str:
    """A plain-text table: mode, recall@5, MRR, nDCG@10."""
    lines = [f"{'mode':<18}{'recall@5':>10}{'MRR':>8}{'nDCG@10':>9}"]
    for label, row in table.items():
        lines.append(f"{label:<18}{row['recall@5']:>10.3f}{row['mrr']:>8.3f}{row['ndcg@10']:>9.3f}")
    return "\n".join(lines)
