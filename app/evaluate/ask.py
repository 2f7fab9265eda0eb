"""Exact-answer evaluation of ``jixiao ask`` on judged questions.

``tests/eval/questions.jsonl`` holds one object a line:
``{"question", "type", "group", "expect": {"figure": "1056034"} | {"projects": [...]} | {"fallback": true}}``,
the expected answers worked out by reading the seed. A question is right when every
expectation holds: the figure (compared as a number when both are numbers), the exact set of
projects named in the rows, ``contains`` strings in the answer sentence, and fallback or not.
Questions of one ``group`` are paraphrases and must give the same SPARQL.

Example: ``evaluate_ask(kb, "tests/eval/questions.jsonl")["accuracy"]``
"""
from __future__ import annotations

import os
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from app.evaluate.search import read_judgements


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return str(a) == str(b)


def check(answer, expect: dict) -> list[str]:
    """What is wrong with ``answer`` against ``expect`` (empty when right)."""
    wrong = []
    if bool(expect.get("fallback", False)) != answer.fallback:
        wrong.append(f"fallback {answer.fallback}, expected {bool(expect.get('fallback', False))}")
    if "figure" in expect and (answer.figure is None or not _same(answer.figure, expect["figure"])):
        wrong.append(f"figure {answer.figure!r}, expected {expect['figure']!r}")
    if "projects" in expect:
        got = {r.get("project") for r in answer.rows if r.get("project")}
        if "、" in "".join(got):   # grouped rows name their projects together
            got = {x for g in got for x in g.split("、")}
        if got != set(expect["projects"]):
            wrong.append(f"projects {sorted(got)}, expected {sorted(expect['projects'])}")
    for s in expect.get("contains", []):
        if s not in answer.answer:
            wrong.append(f"answer lacks {s!r}")
    return wrong


def evaluate_ask(kb, path: str | os.PathLike) -> dict[str, Any]:
    """Accuracy, fallback rate, accuracy per type, paraphrase consistency and the failures."""
    items = read_judgements(path, ("question", "type", "expect"))
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    groups: dict[str, set[str]] = defaultdict(set)
    failures, right, fallbacks = [], 0, 0
    for item in items:
        a = kb.ask(item["question"])
        wrong = check(a, item["expect"])
        per_type[item["type"]][1] += 1
        fallbacks += a.fallback
        if not wrong:
            right += 1
            per_type[item["type"]][0] += 1
        else:
            failures.append({"line": item["line"], "question": item["question"], "wrong": wrong,
                             "answer": a.answer, "template": a.template})
        if item.get("group") and not a.fallback:
            groups[item["group"]].add(a.sparql)
    n = len(items) or 1
    split = sorted(g for g, qs in groups.items() if len(qs) > 1)
    return {"questions": len(items), "accuracy": right / n, "fallback_rate": fallbacks / n,
            "per_type": {t: {"right": r, "total": c, "accuracy": r / c} for t, (r, c) in sorted(per_type.items())},
            "paraphrase_groups": len(groups), "groups_with_different_sparql": split, "failures": failures}


def format_ask_eval(result: dict[str, Any], verbose: bool = False) -> str:
    lines = [f"questions {result['questions']}  exact-answer accuracy {result['accuracy']:.3f}  "
             f"fallback rate {result['fallback_rate']:.3f}",
             f"paraphrase groups {result['paraphrase_groups']}, with different SPARQL: "
             f"{', '.join(result['groups_with_different_sparql']) or 'none'}",
             f"{'type':<22}{'right':>6}{'total':>6}{'accuracy':>10}"]
    for t, row in result["per_type"].items():
        lines.append(f"{t:<22}{row['right']:>6}{row['total']:>6}{row['accuracy']:>10.3f}")
    if verbose:
        for f in result["failures"]:
            lines.append(f"line {f['line']}: {f['question']} → {f['template']}: {'; '.join(f['wrong'])}")
    return "\n".join(lines)
