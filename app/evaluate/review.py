"""How well the review fires: precision and recall per rule on judged (project, rule) cases.

``tests/eval/review_cases.jsonl`` holds one JSON object a line::

    {"source": "seed", "project": "<project name>", "year": 2020, "rule": "<rule id>", "fires": true, "why": "…"}

``fires`` says whether the rule should fire on the project (at least one finding), as worked out
by reading the table; ``year`` (optional) tells apart projects of one name in several years. A
case about a project that is not ingested is skipped and counted; a rule's precision is None
when it never fired on a judged project, its recall None when no case expects it to fire.

Example: ``evaluate_review(kb.review(), "tests/eval/review_cases.jsonl")["rules"]["rate_over_100"]``
"""
from __future__ import annotations

import os
from typing import Any

from app.evaluate.search import JudgementError, read_judgements


class ReviewCaseError(JudgementError):
    """A judged review case names a rule the rule book does not have."""


def load_cases(path: str | os.PathLike) -> list[dict[str, Any]]:
    cases = read_judgements(path, ("project", "rule"), ReviewCaseError)
    for c in cases:
        if not isinstance(c.get("fires"), bool):
            raise ReviewCaseError("each case needs \"fires\": true or false", file=str(path), line=c["line"],
                                  hint='{"project": "…", "rule": "…", "fires": true, "why": "…"}')
    return cases


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def evaluate_review(rv, path: str | os.PathLike) -> dict[str, Any]:
    """Per rule: tp, fp, fn, precision, recall; overall micro precision/recall; skipped cases;
    and the wrong cases (project, rule, expected, why)."""
    cases = load_cases(path)
    unknown = sorted({c["rule"] for c in cases} - set(rv.rules.ids()))
    if unknown:
        first = next(c for c in cases if c["rule"] in unknown)
        raise ReviewCaseError(f"no rule {first['rule']!r} in the rule book", file=str(path), line=first["line"],
                              hint="rule ids are the [rules.…] tables of app/review/rules.toml")
    present = {(p.project, p.year) for p in rv.projects}
    names = {p.project for p in rv.projects}
    fired = rv.fired()

    def key(c):   # (name, year) of the project a case is about; year None matches any
        return c["project"], c.get("year")

    def is_present(c):
        return (key(c) in present) if c.get("year") is not None else c["project"] in names

    def got(c):
        return any(f[0] == c["project"] and f[2] == c["rule"] and (c.get("year") is None or f[1] == c["year"])
                   for f in fired)

    judged = [c for c in cases if is_present(c)]
    rules: dict[str, dict[str, Any]] = {r: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for r in rv.rules.ids()}
    wrong = []
    for c in judged:
        hit = got(c)
        cell = "tp" if hit and c["fires"] else "fp" if hit else "fn" if c["fires"] else "tn"
        rules[c["rule"]][cell] += 1
        if cell in ("fp", "fn"):
            wrong.append({"project": c["project"], "year": c.get("year"), "rule": c["rule"], "expected": c["fires"],
                          "got": hit, "why": c.get("why", ""), "line": c["line"]})
    judged_keys = {(c["project"], c["rule"]) for c in judged}
    judged_names = {c["project"] for c in judged}
    unjudged = sorted({(f[0], f[2]) for f in fired if f[0] in judged_names and (f[0], f[2]) not in judged_keys})
    for r in rules.values():
        r["precision"] = _ratio(r["tp"], r["tp"] + r["fp"])
        r["recall"] = _ratio(r["tp"], r["tp"] + r["fn"])
    tp = sum(r["tp"] for r in rules.values())
    fp = sum(r["fp"] for r in rules.values())
    fn = sum(r["fn"] for r in rules.values())
    return {"cases": len(cases), "judged": len(judged), "skipped": len(cases) - len(judged),
            "projects": len({key(c) for c in judged}), "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn), "rules": rules, "wrong": wrong, "unjudged": unjudged}


def format_review_eval(result: dict[str, Any], verbose: bool = False) -> str:
    """A table of precision and recall per rule, then the totals (and the wrong cases with -v)."""
    def show(x):
        return "—" if x is None else f"{x:.3f}"
    lines = [f"{'rule':32} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}"]
    for rule, r in result["rules"].items():
        if r["tp"] + r["fp"] + r["fn"] + r["tn"] == 0:
            continue
        lines.append(f"{rule:32} {r['tp']:>4} {r['fp']:>4} {r['fn']:>4} {show(r['precision']):>10} {show(r['recall']):>8}")
    lines.append(f"{'all rules':32} {'':>4} {'':>4} {'':>4} {show(result['precision']):>10} {show(result['recall']):>8}")
    lines.append(f"{result['judged']} judged cases on {result['projects']} projects"
                 + (f"; {result['skipped']} skipped (their projects are not ingested)" if result["skipped"] else ""))
    if result["unjudged"]:
        lines.append(f"{len(result['unjudged'])} findings on judged projects have no case: "
                     + "; ".join(f"{p} / {r}" for p, r in result["unjudged"][:5]))
    if verbose:
        for w in result["wrong"]:
            lines.append(f"  {'missed' if w['expected'] else 'false alarm'}: {w['project']} / {w['rule']}  "
                         f"(line {w['line']}) {w['why']}")
    return "\n".join(lines)
