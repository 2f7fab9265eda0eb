"""Run every rule of a rule book over projects: the one function behind ``KnowledgeBase.review``.

Python checks (``checks.py``, ``budget.py``, ``grounding.py``, ``history.py``) and the SHACL
shapes (``ontology/review.ttl`` via ``shacl.py``) fire findings on each project's context; the
findings are ordered as the review sheet lists them (section, then severity, then row).

Example: ``review(result.projects, {doc.doc_id: doc.text}).counts()`` → ``{'error': …, 'warning': …, 'info': …}``
"""
from __future__ import annotations

import logging
from typing import Iterable, Mapping, Sequence

from ingest import identifiers as iris
from ingest.records import Department, Project

from app.review import budget, grounding, history  # noqa: F401  (they register their checks)
from app.review.checks import CHECKS
from app.review.context import Context, Support
from app.review.model import (SECTIONS, SEVERITIES, Finding, ProjectReview, Review, RuleBook, RuleBookError,
                               load_rules)
from app.review.shacl import shacl_findings
from app.review.summary import CorpusSummary


log = logging.getLogger("jixiao.review")


def review(projects: Sequence[Project], doc_texts: Mapping[str, str] | None = None, rules: RuleBook | None = None,
           support: Mapping[str, Sequence[Support]] | None = None, corpus: Iterable[Project] | None = None,
           departments: Sequence[Department] = (), summary: CorpusSummary | None = None) -> Review:
    """Review ``projects`` (and ``departments``, 整体支出 tables) with ``rules`` (default: the shipped
    or configured rule book). See :func:`run_review` for the arguments."""
    return run_review(projects, doc_texts, rules, support, corpus, departments, summary)[0]


def run_review(projects: Sequence[Project], doc_texts: Mapping[str, str] | None = None, rules: RuleBook | None = None,
               support: Mapping[str, Sequence[Support]] | None = None, corpus: Iterable[Project] | None = None,
               departments: Sequence[Department] = (), summary: CorpusSummary | None = None,
               ) -> tuple[Review, list[Context]]:
    """The review of ``projects``, and what it read of each (the contexts, for the review graph).

    ``doc_texts`` (doc id → normalized text) gives each finding its cell's text and the SHACL
    rules the graph ingest writes; ``support`` (indicator IRI → stored support links) enables
    ``indicator_support_low``; ``corpus`` (default ``projects``) is where history and peers are found,
    and the same document's projects (by which ingest keys the bases); ``summary`` is the corpus as
    history and peers read it (default: a summary of ``corpus``; the stored review passes the
    knowledge base's, and as ``corpus`` only the document's own projects).
    """
    rules = rules or load_rules()
    doc_texts = doc_texts or {}
    corpus = list(corpus) if corpus is not None else list(projects)
    missing = [r.id for r in rules.rules.values() if r.check == "python" and r.id not in CHECKS]
    if missing:
        raise RuleBookError(f"the rules file names Python checks that do not exist: {', '.join(missing)}",
                            file=rules.path, hint="a python rule's id must be a check in app/review (checks.py …); "
                                                  "or make it a SHACL rule with a shape in ontology/review.ttl")
    summary = summary if summary is not None else CorpusSummary.of(corpus)
    contexts = [Context.of(p, rules, doc_texts.get(p.source.doc) if p.source else None, corpus, support, summary)
                for p in [*projects, *departments]]
    failures: list[str] = []
    for ctx in contexts:
        for rule in rules.rules.values():
            if rule.check == "python":
                try:
                    CHECKS[rule.id](ctx)
                except Exception as e:  # noqa: BLE001 - one check failing on one odd table must not stop the review
                    log.exception("review check %s failed on %s", rule.id, ctx.project.name)
                    failures.append(f"{rule.id} @ {ctx.project.name}: {type(e).__name__}: {e}")
    try:
        shacl_findings(contexts, doc_texts)
    except Exception as e:  # noqa: BLE001 - the Python rules still stand
        log.exception("review shapes failed")
        failures.append(f"SHACL shapes: {type(e).__name__}: {e}")
    out = []
    for ctx in contexts:
        findings = sort_findings(ctx.findings, rules)
        p = ctx.project
        out.append(ProjectReview(p.id, p.name, p.unit, p.year, p.kind, ctx.framework.id if ctx.framework else None,
                                 ctx.framework.label if ctx.framework else "（未识别）", grounding.basis_summary(p),
                                 tuple(findings), p.source))
    docs = sorted({p.source.doc for p in [*projects, *departments] if p.source})
    return Review(tuple(out), rules, iris.review_run_iri(rules.fingerprint() + "|" + ",".join(docs)),
                  tuple(failures)), contexts


def sort_findings(findings: Iterable[Finding], rules: RuleBook) -> list[Finding]:
    """Findings once each, as the review sheet lists them: section, severity, row, the rule's place."""
    order = {n: k for k, n in enumerate(rules.ids())}
    return sorted(dict.fromkeys(findings), key=lambda f: (
        SECTIONS.index(f.section), SEVERITIES.index(f.severity), _row(f.indicator_iri), order.get(f.rule, 0)))


def _row(iri: str | None) -> int:
    return int(iri.rsplit("/", 1)[1]) if iri and iri.rsplit("/", 1)[1].isdigit() else 0
