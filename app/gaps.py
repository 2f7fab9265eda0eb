"""Gaps in the legal basis: the grounding findings of the review, seen from the indicators.

The logic lives in :mod:`app.review.grounding` (the review's grounding rules); this module is the
view ``jixiao gaps`` and the trace page print, kept as it was:

- indicators whose project cites no concrete basis (nothing, only a budget rule, 效力层级
  预算管理规定, or only the unit's own rules), so they cannot be traced to a law or document — one
  finding per indicator, for every table (the review fires ``no_concrete_basis`` once per project,
  and only where the template asks for a basis);
- projects whose 立项依据 is empty, repeats another section (项目设立的必要性, 项目概况 …),
  describes rather than cites, or leaves the concrete documents to other sections.

Example: ``render_gaps(gaps(kb.projects()))``
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ingest import identifiers as iris
from ingest.legal.citations import BASIS_SECTIONS
from ingest.records import Project, Span, section_label

from app.review.grounding import (BUDGET_RULE_LEVEL, basis_cell_problem, basis_section, cited_phrase,  # noqa: F401
                                  citation_coverage, concrete_citations, containment, is_concrete)
from app.review.model import load_rules


@dataclass(frozen=True)
class Finding:
    """A gap in the legal basis, found by :func:`gaps`.

    ``kind``: one of :data:`FINDING_KINDS`; ``project``/``indicator`` are names
    (``indicator`` None for a finding about the whole project); ``iri`` the indicator's
    or project's IRI; ``span`` where to look in the source.
    """

    kind: str
    project: str
    indicator: str | None
    message: str
    iri: str | None = None
    span: Span | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        span = None if self.span is None else {"file": self.span.file, "start": self.span.start, "end": self.span.end}
        return {"kind": self.kind, "project": self.project, "indicator": self.indicator, "message": self.message,
                "iri": self.iri, "span": span}


NO_CONCRETE_BASIS = "no_concrete_basis"
EMPTY_LEGAL_BASIS = "empty_legal_basis"
LEGAL_BASIS_REPEATS = "legal_basis_repeats_section"
LEGAL_BASIS_DESCRIPTION = "legal_basis_is_description"
BASIS_OUTSIDE_LEGAL_BASIS = "basis_outside_legal_basis"
FINDING_KINDS = {
    NO_CONCRETE_BASIS: "指标所属项目未引用具体依据（无引用、仅引用预算管理规定或单位自身制度）",
    EMPTY_LEGAL_BASIS: "立项依据为空",
    LEGAL_BASIS_REPEATS: "立项依据重复了其他栏目（如项目设立的必要性、项目概况）",
    LEGAL_BASIS_DESCRIPTION: "立项依据是情况描述而非引用",
    BASIS_OUTSIDE_LEGAL_BASIS: "具体依据只出现在立项依据以外的栏目",
}
# the review rule each kind is (the review calls an empty 立项依据 legal_basis_empty)
REVIEW_RULES = {EMPTY_LEGAL_BASIS: "legal_basis_empty"}


def _cell_finding(p: Project) -> Finding | None:
    rules = load_rules()
    problem = basis_cell_problem(p, rules.rule("legal_basis_repeats_section").threshold("repeat"),
                                 rules.rule("legal_basis_is_description").threshold("coverage_min"))
    if problem is None:
        return None
    rule, values, sec = problem
    kind = {v: k for k, v in REVIEW_RULES.items()}.get(rule, rule)
    return Finding(kind, p.name, None, f"{p.name}：{rules.rule(rule).say(**values)}", iris.project_iri(p.id), sec.span)


def gaps(projects: Sequence[Project]) -> list[Finding]:
    """Findings about the legal basis of each project, in project order.

    - ``no_concrete_basis`` – one per indicator of a project whose citations are all budget
      rules or the unit's own rules (or that cites nothing): there is no law or document to
      trace the indicator to (see :mod:`app.review.grounding` for what is concrete).
    - ``empty_legal_basis`` – 立项依据 has no text.
    - ``legal_basis_repeats_section`` – 立项依据 is a near-copy of one other section (checked
      before the next kind, so a 立项依据 copied from 项目概况, 大型仪器项目经费, is a repeat).
    - ``legal_basis_is_description`` – citations cover too little of 立项依据: it describes instead of citing.
    - ``basis_outside_legal_basis`` – 立项依据 cites only budget rules, while concrete documents
      are cited in other sections (e.g. 保证项目实施的制度、措施).

    Thresholds are the review rules' (``app/review/rules.toml``). Tables of the national templates
    state their basis in 项目审批 instead; a table with neither cell gets no finding about the cell.
    Example: ``{f.project for f in gaps(projects) if f.kind == "no_concrete_basis"}``
    """
    out: list[Finding] = []
    for p in projects:
        finding = _cell_finding(p)
        if finding:
            out.append(finding)
        concrete = concrete_citations(p)
        if not concrete:
            cited = cited_phrase(p)
            for n, ind in enumerate(p.indicators, start=1):
                out.append(Finding(NO_CONCRETE_BASIS, p.name, ind.name,
                                   f"{p.name} / {ind.name}：项目{cited}，指标无法追溯到具体的法律、法规或文件。",
                                   iris.indicator_iri(p.id, n), ind.span))
            if not p.indicators:
                out.append(Finding(NO_CONCRETE_BASIS, p.name, None, f"{p.name}：项目{cited}。",
                                   iris.project_iri(p.id), p.source))
        elif not any(c.section in BASIS_SECTIONS for c in concrete) and basis_section(p) is not None:
            sec = basis_section(p)
            where = "、".join(dict.fromkeys(section_label(c.section) for c in concrete))
            out.append(Finding(BASIS_OUTSIDE_LEGAL_BASIS, p.name, None,
                               f"{p.name}：{sec.label or '立项依据'}只有预算管理规定，具体依据（{len(concrete)} 处）引用在 "
                               f"{where} 栏目。", iris.project_iri(p.id), sec.span))
    return out


def render_gaps(findings: Sequence[Finding], as_json: bool = False) -> str:
    """Findings as JSON, or as text grouped by project and kind (indicators of one kind on one line)."""
    if as_json:
        return json.dumps([f.to_json() for f in findings], ensure_ascii=False, indent=2)
    if not findings:
        return "no gaps found"
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.project, f.kind), []).append(f)
    lines = []
    for (project, kind), items in groups.items():
        if kind == NO_CONCRETE_BASIS and items[0].indicator is not None:
            lines.append(f"{project}  [{kind}] {len(items)} indicators: "
                         + "、".join(f.indicator for f in items if f.indicator))
            lines.append("    " + items[0].message.split("：", 1)[-1])
        else:
            lines += [f"{project}  [{kind}] {f.message.split('：', 1)[-1]}" for f in items]
    return "\n".join(lines)


def gaps_summary(findings: Sequence[Finding]) -> Mapping[str, list[str]]:
    """kind → the projects it names, in order (for a quick check)."""
    out: dict[str, list[str]] = {}
    for f in findings:
        names = out.setdefault(f.kind, [])
        if f.project not in names:
            names.append(f.project)
    return out
