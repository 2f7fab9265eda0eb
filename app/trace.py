"""Trace an indicator back to its legal basis, with the evidence.

- :func:`trace` – indicator (by name or IRI) → its project → the laws, documents and
  articles the project cites (title, 发文字号, issuer, 效力层级, the article and its
  quoted clause), each with the source characters it was read from; ranked by how
  directly each supports the indicator when a graph store is given: the ranking is the
  one ingest stored as ``jx:SupportLink`` nodes (``ingest.support.rdf.stored_links``),
  read back over SPARQL from the embedded store or a remote endpoint, so tracing needs
  no encoder. An indicator name that occurs in several projects gives :class:`Ambiguous`
  (the candidates), unless ``project`` narrows it down.
- :func:`render_trace` – plain text or JSON, so a CLI command is one call.

The gaps a trace reports come from :mod:`app.gaps`.

Example: ``render_trace(trace(kb.projects(), "能耗数据异常故障修复率", store=kb.graph), as_json=True)``
"""
from __future__ import annotations

import difflib
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Sequence

from ingest import identifiers as iris
from ingest.errors import JixiaoError
from ingest.records import Citation, Indicator, Project, Span, section_label
from ingest.support.rdf import stored_links
from ingest.support.score import METHOD, SupportLink, basis_iris, candidates, key_function

from app.gaps import Finding, gaps

JXD_PREFIX = "jxd:"

DocTextFn = Callable[[str], "str | None"]


class TraceError(JixiaoError):
    """The indicator asked for is not there. ``query`` is what was asked; ``hint`` says what to try."""

    def __init__(self, message: str, *, query: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.query = query


# -- results -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """Characters ``[start, end)`` of the normalized text of document ``doc`` (read from
    ``file``); ``text`` is exactly those characters, or None when the text was not available."""

    doc: str
    file: str
    start: int
    end: int
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "doc": self.doc, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Basis:
    """One cited law, document or article as the basis of an indicator.

    ``iri`` is the article's IRI when an article is cited, else the law's (``law_iri``).
    ``quote`` is the quoted clause as cited; ``evidence`` the clause the score rests on
    (one sentence of the quote, or the whole citation) and ``span`` its source characters;
    ``cited_at`` every place the project cites it. ``score``/``rank``/``method`` are None
    in a direct trace (no graph store, or no link stored for it).
    """

    iri: str
    law_iri: str
    title: str | None
    doc_number: str | None
    level: str | None
    issuer: str | None
    article: str | None
    quote: str | None
    sections: tuple[str, ...]
    cited_at: tuple[Evidence, ...]
    score: float | None = None
    rank: int | None = None
    method: str | None = None
    granularity: str | None = None
    evidence: str | None = None
    span: Evidence | None = None

    @property
    def heading(self) -> str:
        """How a reviewer names the basis: 《title》（发文字号）第N条, or the number alone."""
        head = f"《{self.title}》" if self.title else (self.doc_number or self.law_iri)
        number = f"（{self.doc_number}）" if self.title and self.doc_number else ""
        return f"{head}{number}{self.article or ''}"

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "doc_number": self.doc_number, "article": self.article, "quote": self.quote,
                "score": self.score, "method": self.method, "rank": self.rank,
                "span": self.span.to_json() if self.span else None,
                "level": self.level, "issuer": self.issuer, "iri": self.iri, "law_iri": self.law_iri,
                "sections": list(self.sections), "granularity": self.granularity, "evidence": self.evidence,
                "cited_at": [e.to_json() for e in self.cited_at]}


@dataclass(frozen=True)
class TraceResult:
    """An indicator, its project and its bases (best first when ranked), with findings about them."""

    indicator: Indicator
    indicator_iri: str
    project: Project
    bases: tuple[Basis, ...]
    span: Evidence | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def ranked(self) -> bool:
        return any(b.score is not None for b in self.bases)

    def to_json(self) -> dict[str, Any]:
        i = self.indicator
        return {"indicator": i.name, "indicator_iri": self.indicator_iri, "project": self.project.name,
                "project_iri": iris.project_iri(self.project.id), "level1": i.level1, "level2": i.level2,
                "target": i.target_raw, "span": self.span.to_json() if self.span else None,
                "bases": [b.to_json() for b in self.bases],
                "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True)
class Candidate:
    """One indicator an ambiguous query could mean."""

    project: str
    indicator: str
    iri: str
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"project": self.project, "indicator": self.indicator, "iri": self.iri, "target": self.target}


@dataclass(frozen=True)
class Ambiguous:
    """The query names indicators in several projects: pick one with ``project`` or by IRI."""

    query: str
    candidates: tuple[Candidate, ...]

    def to_json(self) -> dict[str, Any]:
        return {"ambiguous": self.query, "candidates": [c.to_json() for c in self.candidates]}


# -- finding the indicator ---------------------------------------------------------------
@lru_cache(maxsize=1 << 16)   # indicator names repeat across projects: each is folded once
def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def expand_iri(text: str) -> str:
    """``jxd:project/…`` → the full IRI; other text unchanged."""
    text = text.strip().strip("<>")
    return iris.BASE + text[len(JXD_PREFIX):] if text.startswith(JXD_PREFIX) else text


def _indicators(projects: Sequence[Project]):
    for p in projects:
        for n, ind in enumerate(p.indicators, start=1):
            yield p, n, ind


def _project_matches(p: Project, wanted: str) -> bool:
    w = _norm(wanted)
    return w in (_norm(p.name), p.id, _norm(iris.project_iri(p.id))) or (len(w) >= 2 and w in _norm(p.name))


class _NameIndex:
    """The indicators of a list of projects by folded name, and the projects by id: a lookup reads the
    rows of one name, not every indicator of the corpus. Built once per list (the records store hands
    out the same catalog list until a document changes)."""

    def __init__(self, projects: Sequence[Project]):
        self.by_name: dict[str, list[tuple[int, int]]] = {}   # folded name → (project position, row)
        self.by_id: dict[str, int] = {}
        self.names: set[str] = set()                              # every name as printed
        for pos, p in enumerate(projects):
            self.by_id.setdefault(p.id, pos)
            for n, ind in enumerate(p.indicators, start=1):
                self.by_name.setdefault(_norm(ind.name), []).append((pos, n))
                self.names.add(ind.name)

    def rows(self, q: str, scope: set[int] | None) -> list[tuple[int, int]]:
        """(position, row) of the indicators named ``q`` exactly, else of those whose name contains it."""
        def keep(hits):
            return [h for h in hits if scope is None or h[0] in scope]
        exact = keep(self.by_name.get(q, ()))
        if exact or not q:
            return exact
        return sorted(h for name, hits in self.by_name.items() if q in name for h in keep(hits))


_INDEX: list = [None, None]     # [the projects list it was built from, its _NameIndex]
_INDEX_LOCK = threading.Lock()


def _name_index(projects: Sequence[Project]) -> _NameIndex:
    with _INDEX_LOCK:
        if _INDEX[0] is not projects:
            _INDEX[:] = [projects, _NameIndex(projects)]
        return _INDEX[1]


def find_indicator(projects: Sequence[Project], query: str, project: str | None = None
                   ) -> tuple[Project, int] | Ambiguous:
    """The (project, 1-based row) an indicator name or IRI names, or :class:`Ambiguous`.

    A name matches exactly (after NFKC and whitespace folding), else as a part of a name.
    ``project`` (a name, part of a name, a project id or IRI) narrows the search.
    Raises :class:`TraceError` when nothing matches.
    Example: ``find_indicator(projects, "预算执行率", project="技改项目经费")`` → ``(project, 2)``
    """
    index = _name_index(projects)
    iri = expand_iri(query)
    if iri.startswith(iris.BASE):
        m = re.fullmatch(re.escape(iris.project_iri("")) + r"([^/]+)/indicator/(\d+)", iri)
        pos = index.by_id.get(m.group(1)) if m else None
        if pos is not None and 1 <= int(m.group(2)) <= len(projects[pos].indicators) \
                and iris.indicator_iri(projects[pos].id, int(m.group(2))) == iri:
            return projects[pos], int(m.group(2))
        raise TraceError(f"no indicator has the IRI {iri}", query=query,
                         hint="an indicator IRI looks like jxd:project/<project id>/indicator/<row>")
    scope = None if project is None else {pos for pos, p in enumerate(projects) if _project_matches(p, project)}
    if scope is not None and not scope:
        raise TraceError(f"no project matches {project!r}", query=query,
                         hint="projects: " + "、".join(p.name for p in projects[:20]))
    q = _norm(query)
    rows = [(projects[pos], n) for pos, n in index.rows(q, scope)]
    if not rows:
        names = sorted({ind.name for _, _, ind in _indicators([projects[pos] for pos in sorted(scope)])}
                       if scope is not None else index.names)
        close = difflib.get_close_matches(query, names, n=5, cutoff=0.4)
        raise TraceError(f"no indicator named {query!r}" + (f" in {project!r}" if project else ""), query=query,
                         hint=("did you mean " + "、".join(close) + "?") if close else
                         "give an indicator name as printed in the table (三级指标), or its IRI")
    if len(rows) > 1:
        return Ambiguous(query, tuple(Candidate(p.name, p.indicators[n - 1].name, iris.indicator_iri(p.id, n),
                                                p.indicators[n - 1].target_raw) for p, n in rows))
    return rows[0]


# -- the trace -------------------------------------------------------------------------------
def _evidence(span: Span | None, doc_text_fn: DocTextFn | None) -> Evidence | None:
    if span is None:
        return None
    text = doc_text_fn(span.doc) if doc_text_fn else None
    return Evidence(span.doc, span.file, span.start, span.end, text[span.start:span.end] if text is not None else None)


def _same_document(projects: Sequence[Project], project: Project) -> list[Project]:
    doc = project.source.doc if project.source else None
    return [p for p in projects if (p.source.doc if p.source else None) == doc] or [project]


def direct_bases(project: Project, key_projects: Sequence[Project] | None = None,
                 doc_text_fn: DocTextFn | None = None) -> list[Basis]:
    """The bases a project cites, one per law or article, in citation order, each with every place it is cited.

    Law nodes are resolved as ``ingest.graph.build`` does over ``key_projects`` (the document's projects).
    Example: ``[b.doc_number for b in direct_bases(project)]``
    """
    key = key_function(key_projects or [project])
    grouped: dict[str, list[Citation]] = {}
    for c in project.citations:
        resolved = basis_iris(c, key)
        if resolved:
            grouped.setdefault(resolved[0], []).append(c)
    out = []
    for basis, cites in grouped.items():
        first = lambda attr: next((getattr(c, attr) for c in cites if getattr(c, attr)), None)  # noqa: E731
        law = basis_iris(cites[0], key)[1]
        out.append(Basis(
            iri=basis, law_iri=law, title=first("title"), doc_number=first("doc_number"), level=first("level"),
            issuer=first("issuer"), article=first("article"), quote=first("quote"),
            sections=tuple(dict.fromkeys(c.section for c in cites)),
            cited_at=tuple(e for e in (_evidence(c.span, doc_text_fn) for c in cites) if e)))
    return out


def _clauses(project: Project, siblings: Sequence[Project], doc_text: str | None) -> dict[tuple, str | None]:
    """(basis IRI, evidence start, end) → the quoted text a stored link's evidence span stands for:
    the whole quote of an article or document, or one clause of it (``ingest.support.score.candidates``,
    pure: the same candidates ingest scored, without scoring them)."""
    return {(c.basis_iri, c.span.start, c.span.end): c.clause
            for c in candidates(project, key_function(siblings), doc_text) if c.span is not None}


def _with_link(b: Basis, link: SupportLink, clauses: dict[tuple, str | None],
               doc_text_fn: DocTextFn | None) -> Basis:
    span = _evidence(link.span, doc_text_fn)
    if span is not None and span.text is None and link.exact is not None:
        span = Evidence(span.doc, span.file, span.start, span.end, link.exact)
    key = (link.basis_iri, link.span.start, link.span.end) if link.span else None
    evidence = clauses[key] if key in clauses else (link.exact if link.granularity == "clause" else b.quote)
    return replace(b, score=link.score, rank=link.rank, method=link.method, granularity=link.granularity,
                   evidence=evidence, span=span)


def trace(projects: Sequence[Project], query: str, project: str | None = None, store=None,
          doc_text_fn: DocTextFn | None = None,
          document_projects: Callable[[str], Sequence[Project]] | None = None) -> TraceResult | Ambiguous:
    """Trace one indicator (name or IRI) to the bases its project cites, best supported first.

    ``store`` is the graph store (``ingest.graph.store.GraphStore``, embedded or remote): the
    score, rank and evidence of each basis are the support links ingest stored in the
    document's ``…/inferred`` graph. Without ``store`` the trace is direct: bases in
    citation order, no scores. ``doc_text_fn(doc_id)`` gives a document's normalized
    text, so every span carries its exact source text.

    ``projects`` are records, or catalog entries (``ingest.storage.catalog.ProjectEntry``: names
    only) with ``document_projects(doc_id)`` giving the records of one document: then only the
    document of the indicator found is read.
    Example: ``trace(kb.projects(), "能耗数据异常故障修复率", store=kb.graph).bases[0].doc_number``
    """
    found = find_indicator(projects, query, project)
    if isinstance(found, Ambiguous):
        return found
    p, n = found
    if document_projects is not None and not isinstance(p, Project):
        # a catalog entry: its document's records (the siblings resolve law titles as the graph did)
        siblings = list(document_projects(p.doc))
        p = next(x for x in siblings if x.id == p.id)
    else:
        siblings = _same_document(projects, p)
    ind = p.indicators[n - 1]
    ind_iri = iris.indicator_iri(p.id, n)
    bases = direct_bases(p, siblings, doc_text_fn)
    if store is not None and bases and p.source is not None:
        by_iri = {link.basis_iri: link for link in stored_links(store, ind_iri, p.source.doc, p.source.file)}
        if by_iri:
            text = doc_text_fn(p.source.doc) if doc_text_fn else None
            clauses = _clauses(p, siblings, text)
            bases = sorted((_with_link(b, by_iri[b.iri], clauses, doc_text_fn) if b.iri in by_iri else b
                            for b in bases), key=lambda b: (b.rank is None, b.rank or 0))
    findings = tuple(f for f in gaps([p]) if f.indicator in (None, ind.name))
    return TraceResult(ind, ind_iri, p, tuple(bases), _evidence(ind.span, doc_text_fn), findings)


# -- rendering -------------------------------------------------------------------------------
def _clip(text: str | None, n: int) -> str:
    text = re.sub(r"\s+", "", text or "")
    return text if len(text) <= n else text[:n - 1] + "…"


def _where(e: Evidence | None) -> str:
    return f"{e.file}:{e.start}-{e.end}" if e else ""


def format_trace(result: TraceResult) -> str:
    """Plain text: the indicator and its project, then one block per basis, best first."""
    i, p = result.indicator, result.project
    lines = [f"indicator  {i.name}  ({' / '.join(x for x in (i.level1, i.level2) if x)}; target {i.target_raw})",
             f"project    {p.name}",
             f"iri        {result.indicator_iri}"]
    if result.span:
        lines.append(f"source     {_where(result.span)}")
    if not result.bases:
        lines.append("bases      none cited")
    for n, b in enumerate(result.bases, start=1):
        score = f"{b.score:.3f}  " if b.score is not None else ""
        lines.append(f"{n:>2}. {score}{b.heading}")
        lines.append(f"      {b.level or '?'} · {b.issuer or '—'} · cited in {'、'.join(section_label(k) for k in b.sections)}")
        if b.evidence or b.quote:
            lines.append(f"      “{_clip(b.evidence or b.quote, 80)}”")
        where = _where(b.span) or "; ".join(_where(e) for e in b.cited_at)
        if where:
            lines.append(f"      at {where}")
    if result.ranked:
        lines.append(f"method     {METHOD} (score: how directly the basis supports this indicator, 0-1)")
    for f in result.findings:
        lines.append(f"finding    [{f.kind}] {f.message}")
    return "\n".join(lines)


def format_ambiguous(result: Ambiguous) -> str:
    lines = [f"“{result.query}” names {len(result.candidates)} indicators; narrow with --project or give an IRI:"]
    lines += [f"  {c.project} / {c.indicator} ({c.target})  {c.iri}" for c in result.candidates]
    return "\n".join(lines)


def render_trace(result: TraceResult | Ambiguous, as_json: bool = False) -> str:
    """What ``jixiao trace`` prints: a text report, or JSON (``{"indicator", "project", "bases": […]}``)."""
    if as_json:
        return json.dumps(result.to_json(), ensure_ascii=False, indent=2)
    return format_ambiguous(result) if isinstance(result, Ambiguous) else format_trace(result)
