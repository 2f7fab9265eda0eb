"""How well ranked support finds the basis a reader judges best, on a judged set.

``tests/eval/trace_cases.jsonl`` holds one JSON object a line::

    {"project": "<project name>", "indicator": "<indicator name>",
     "best": [{"title": "…", "doc_number": "…", "article": "第十五条"}, …],
     "not": [{"title": "…"}], "why": "…"}

``best`` lists the bases judged to support the indicator most directly (any of them
counts), ``not`` bases that must not come first. A basis names a law or document by
its title and/or document number, optionally an article; a law named without an
article also matches its articles. Judged by reading the seed document.

Metrics: top-1 (share of cases whose first-ranked basis is in ``best`` and not in
``not``) and top-3 (share with a ``best`` basis among the first three).

Example: ``evaluate_trace(projects, get_encoder(), "tests/eval/trace_cases.jsonl")["top1"]``
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Mapping, Sequence

from app.evaluate.search import JudgementError, read_judgements
from ingest import identifiers as iris
from ingest.legal.numerals import cn_to_int
from ingest.records import Citation, Project
from ingest.support.score import SupportLink, key_function, support_links


class TraceCaseError(JudgementError):
    """A judged case names a project, an indicator or a basis that is not in the data."""


def load_cases(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read the JSONL cases, checking each names a project, an indicator and a non-empty ``best``."""
    return read_judgements(path, ("project", "indicator", "best"), TraceCaseError)


def basis_iri(projects: Sequence[Project], basis: Mapping[str, Any]) -> str:
    """IRI of a judged basis (``{"title", "doc_number", "article"}``), keyed like ``ingest.graph.build``."""
    key = key_function(projects)(Citation(basis.get("title"), basis.get("doc_number")))
    if not key:
        raise TraceCaseError(f"a basis needs a title or a doc_number: {basis}")
    law = iris.legal_iri(key)
    return iris.article_iri(law, cn_to_int(basis["article"].strip("第条"))) if basis.get("article") else law


def _matches(link_iri: str, wanted: set[str]) -> bool:
    return link_iri in wanted or any(link_iri.startswith(w + "/article/") for w in wanted)


def find_indicator(projects: Sequence[Project], project: str, indicator: str) -> str:
    """IRI of the indicator named ``indicator`` in the project named ``project``."""
    for p in projects:
        if p.name == project:
            for n, ind in enumerate(p.indicators, start=1):
                if ind.name == indicator:
                    return iris.indicator_iri(p.id, n)
            raise TraceCaseError(f"project {project!r} has no indicator {indicator!r}")
    raise TraceCaseError(f"no project named {project!r}")


def score_cases(projects: Sequence[Project], cases: Iterable[Mapping[str, Any]],
                links: Iterable[SupportLink]) -> dict[str, Any]:
    """top-1/top-3 of ``links`` (ranked support links) on judged ``cases``; per-case detail in ``cases``."""
    ranked: dict[str, list[SupportLink]] = {}
    for link in links:
        ranked.setdefault(link.indicator_iri, []).append(link)
    detail = []
    for case in cases:
        ind = find_indicator(projects, case["project"], case["indicator"])
        best = {basis_iri(projects, b) for b in case["best"]}
        bad = {basis_iri(projects, b) for b in case.get("not", [])}
        order = [link.basis_iri for link in sorted(ranked.get(ind, []), key=lambda x: x.rank)]
        top1 = bool(order) and _matches(order[0], best) and not _matches(order[0], bad)
        top3 = any(_matches(b, best) for b in order[:3])
        rank = next((n for n, b in enumerate(order, 1) if _matches(b, best)), None)
        detail.append({"project": case["project"], "indicator": case["indicator"], "top1": top1, "top3": top3,
                       "rank": rank, "first": order[0] if order else None, "candidates": len(order)})
    n = len(detail)
    return {"n": n,
            "top1": sum(d["top1"] for d in detail) / n if n else 0.0,
            "top3": sum(d["top3"] for d in detail) / n if n else 0.0,
            "mrr": sum(1 / d["rank"] for d in detail if d["rank"]) / n if n else 0.0,
            "cases": detail}


def evaluate_trace(projects: Sequence[Project], encoder, path: str | os.PathLike,
                   cache: dict | None = None, weights: tuple[float, float] | None = None,
                   doc_texts: Mapping[str, str] | None = None) -> dict[str, Any]:
    """top-1, top-3 and MRR of ranked support on the judged cases in ``path``.

    Only the projects named by a case are scored (and encoded).
    Example: ``evaluate_trace(kb.projects(), kb.encoder, TRACE_CASES)["top1"]`` → ``0.9``
    """
    cases = load_cases(path)
    names = {c["project"] for c in cases}
    chosen = [p for p in projects if p.name in names]
    links = support_links(chosen, encoder, doc_texts, cache=cache, weights=weights)
    # resolve judged bases with every project of the same documents, as the graph does
    return score_cases(projects, cases, links)


def format_trace_eval(result: Mapping[str, Any]) -> str:
    """Plain-text report: the two accuracies, then one line per case that missed top-1."""
    lines = [f"trace cases: {result['n']}   top-1 {result['top1']:.3f}   top-3 {result['top3']:.3f}   "
             f"MRR {result['mrr']:.3f}"]
    for d in result["cases"]:
        if not d["top1"]:
            where = f"rank {d['rank']}" if d["rank"] else "not found"
            lines.append(f"  miss: {d['project']} / {d['indicator']}: judged basis at {where} of {d['candidates']}")
    return "\n".join(lines)
