"""The review over a knowledge base: every stored project, the documents' texts, the support
links ingest stored (:func:`review_knowledge_base`, in memory, for the CLI and the UI); stored per
document in ``jxd:graph/review/{doc_id}`` after every ingest and removal (:func:`store_review`).

Example: ``review_knowledge_base(kb, "对口援助").projects[0].counts()``
"""
from __future__ import annotations

import difflib
from typing import Any, Iterable

from ingest.errors import JixiaoError

from app.review.context import SUPPORT_QUERY, Support
from app.review.engine import run_review
from app.review.model import Review


class ReviewError(JixiaoError):
    """A review that cannot be given: no such project. Example: ``ReviewError("no project named '对口'")``"""


def stored_support(store: Any) -> dict[str, list[Support]] | None:
    """indicator IRI → its stored support links (raw cosine, lexical overlap); None when the graph
    holds none (ingested without support links: the support rule is then not checked)."""
    out: dict[str, list[Support]] = {}
    for row in store.query(SUPPORT_QUERY.format(values="")).rows:
        indicator, basis, semantic, lexical = row
        out.setdefault(str(indicator), []).append(Support(str(basis), float(semantic), float(lexical)))
    return out or None


def _inputs(kb, store: Any = None):
    projects = kb.projects()
    departments = kb.records.departments()
    texts = kb.doc_texts()
    try:
        support = stored_support(store if store is not None else kb.reader())
    except JixiaoError:
        support = None          # the graph cannot be read now: review what the records say
    return projects, departments, texts, support


_CACHE: dict[tuple, Review] = {}   # the last review of each data directory, by its records' version


def review_knowledge_base(kb, project: str | None = None) -> Review:
    """The review of every project of ``kb`` (history and peers from all of them), or of the one
    named ``project`` (its name, a unique part of it, or its id). Read from the stored review
    (``stored.load``) when it is current, else computed; once per version of the records and rules."""
    from app.review.model import load_rules
    try:   # which documents the graph holds with support links: the support rule depends on it
        views = repr(sorted((kb.views.graph_docs(kb.graph_location) or {}).items()))
    except (AttributeError, JixiaoError, OSError):
        views = ""
    key = (str(kb.data_dir), kb.settings.endpoint, repr(kb.records.version()), views, load_rules().fingerprint())
    rv = _CACHE.get(key)
    if rv is None:
        from app.review.stored import load
        rv = load(kb)       # what ingest stored, when it is current (the same as reviewing now)
        if rv is None:
            projects, departments, texts, support = _inputs(kb)
            rv, _ = run_review(projects, texts, support=support, departments=departments)
        _CACHE.clear()
        _CACHE[key] = rv
    if project is None:
        return rv
    exact = [p for p in rv.projects if project in (p.project, p.project_id)]
    partial = exact or [p for p in rv.projects if project in p.project]
    if len(partial) == 1 or (exact and len(exact) >= 1):
        return rv.only([(exact or partial)[0].project_id])
    names = [p.project for p in rv.projects]
    if not partial:
        close = difflib.get_close_matches(project, names, n=3, cutoff=0.3)
        raise ReviewError(f"no project named {project!r}",
                          hint=("did you mean " + "、".join(close) + "? " if close else "")
                          + "`jixiao review` without a name reviews every project")
    raise ReviewError(f"{project!r} names {len(partial)} projects: {'、'.join(p.project for p in partial)}",
                      hint="give the whole name, or the project id from `jixiao review --json`")


def store_review(kb, store: Any, changed: Iterable[str] = ()):
    """Bring the stored review of ``kb`` up to date in ``store`` (a writable store, inside
    ``kb.writing``): each document's review in ``jxd:graph/review/{doc_id}``, reviewed again only
    when the batch (``changed``, and whatever the records and the review's summary disagree on)
    can move its findings (``app/review/stored.py``). Returns a ``stored.ReviewUpdate``."""
    from app.review.stored import update
    return update(kb, store, changed)
