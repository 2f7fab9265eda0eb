"""Gaps in the legal basis, as findings reviewers (预算评审, 绩效评价) ask for.

- indicators whose project cites no concrete basis (nothing, or only a budget rule,
  效力层级 预算管理规定), so they cannot be traced to a law or document;
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
from ingest.records import Citation, Project, Section, Span
from ingest.support.score import char_bigrams

BUDGET_RULE_LEVEL = "预算管理规定"
# 立项依据 whose character bigrams are at least this much contained in another section repeats it.
REPEAT_THRESHOLD = 0.8
# 立项依据 whose citations cover less than this share of its characters is a description.
CITATION_COVERAGE_MIN = 0.5


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
    NO_CONCRETE_BASIS: "指标所属项目未引用具体依据（无引用或仅引用预算管理规定）",
    EMPTY_LEGAL_BASIS: "立项依据为空",
    LEGAL_BASIS_REPEATS: "立项依据重复了其他栏目（如项目设立的必要性、项目概况）",
    LEGAL_BASIS_DESCRIPTION: "立项依据是情况描述而非引用",
    BASIS_OUTSIDE_LEGAL_BASIS: "具体依据只出现在立项依据以外的栏目",
}


def is_concrete(c: Citation) -> bool:
    """A citation names a concrete basis: a law, regulation, document or standard, not just a budget rule."""
    return c.level != BUDGET_RULE_LEVEL


def containment(a: str, b: str) -> float:
    """Share of the character bigrams of ``a`` that also occur in ``b`` (NFKC, punctuation ignored), in [0, 1].

    Example: ``containment("院检测业务服务需要", "院检测业务服务需要，提高检测能级")`` → ``1.0``
    """
    ga, gb = char_bigrams(a), char_bigrams(b)
    return len(ga & gb) / len(ga) if ga else 0.0


def citation_coverage(project: Project, section: str = "legal_basis") -> float | None:
    """Share of a section's source characters covered by the citations found in it; None without spans."""
    sec = next((s for s in project.sections if s.key == section), None)
    if sec is None or sec.span is None or sec.span.end <= sec.span.start:
        return None
    ranges = sorted((max(c.span.start, sec.span.start), min(c.span.end, sec.span.end))
                    for c in project.citations if c.section == section and c.span)
    covered, reach = 0, sec.span.start
    for a, b in ranges:
        a = max(a, reach)
        if b > a:
            covered += b - a
            reach = b
    return covered / (sec.span.end - sec.span.start)


def basis_section(p: Project) -> Section | None:
    """The cell that states the project's basis: 立项依据, else 项目审批 (national templates);
    None when the table prints neither."""
    return next((s for key in BASIS_SECTIONS for s in p.sections if s.key == key), None)


def _legal_basis_finding(p: Project) -> Finding | None:
    sec = basis_section(p)
    if sec is None:   # the template has no such cell: nothing to say about it (no_concrete_basis still applies)
        return None
    text, name = sec.text or "", sec.label or "立项依据"
    pid = iris.project_iri(p.id)
    if not char_bigrams(text):
        return Finding(EMPTY_LEGAL_BASIS, p.name, None, f"{p.name}：{name}为空。", pid, sec.span)
    others = [(containment(text, s.text or ""), s.label) for s in p.sections if s.key != sec.key]
    share, label = max(others, default=(0.0, ""))
    if share >= REPEAT_THRESHOLD:
        return Finding(LEGAL_BASIS_REPEATS, p.name, None,
                       f"{p.name}：{name}与“{label}”重复（{share:.0%} 的字符二元组相同），没有给出独立的依据。",
                       pid, sec.span)
    coverage = citation_coverage(p, sec.key)
    if coverage is not None and coverage < CITATION_COVERAGE_MIN:
        return Finding(LEGAL_BASIS_DESCRIPTION, p.name, None,
                       f"{p.name}：{name}主要是情况描述，引用只占 {coverage:.0%}。", pid, sec.span)
    return None


def gaps(projects: Sequence[Project]) -> list[Finding]:
    """Findings about the legal basis of each project, in project order.

    - ``no_concrete_basis`` – one per indicator of a project that cites nothing but budget
      rules (or nothing at all): there is no law or document to trace the indicator to.
    - ``empty_legal_basis`` – 立项依据 has no text.
    - ``legal_basis_repeats_section`` – at least ``REPEAT_THRESHOLD`` of 立项依据's
      character bigrams occur in one other section (项目设立的必要性, 项目概况 …): it is a
      near-duplicate, not a basis. Checked before the next kind, so a 立项依据 copied from
      项目概况 (大型仪器项目经费) is reported as a repeat.
    - ``legal_basis_is_description`` – citations cover less than ``CITATION_COVERAGE_MIN``
      of 立项依据's characters: it describes the situation instead of citing.
    - ``basis_outside_legal_basis`` – 立项依据 cites only budget rules, while concrete
      documents are cited in other sections (e.g. 保证项目实施的制度、措施).

    A 立项依据 that restates the overview but names a standard (JJG 912-2010) still gives
    its indicators a concrete basis: only the 立项依据 itself is reported. Tables of the national
    templates state their basis in 项目审批 instead; a table with neither cell gets no finding
    about the cell (only ``no_concrete_basis`` when it cites nothing concrete anywhere).
    Example: ``{f.project for f in gaps(projects) if f.kind == "no_concrete_basis"}``
    """
    out: list[Finding] = []
    for p in projects:
        finding = _legal_basis_finding(p)
        if finding:
            out.append(finding)
        concrete = [c for c in p.citations if is_concrete(c)]
        rules = sorted({c.title for c in p.citations if not is_concrete(c) and c.title})
        if not concrete:
            cited = "只引用了" + "、".join(f"《{r}》" for r in rules) if rules else "没有引用任何依据"
            for n, ind in enumerate(p.indicators, start=1):
                out.append(Finding(NO_CONCRETE_BASIS, p.name, ind.name,
                                   f"{p.name} / {ind.name}：项目{cited}，指标无法追溯到具体的法律、法规或文件。",
                                   iris.indicator_iri(p.id, n), ind.span))
            if not p.indicators:
                out.append(Finding(NO_CONCRETE_BASIS, p.name, None, f"{p.name}：项目{cited}。",
                                   iris.project_iri(p.id), p.source))
        elif not any(c.section in BASIS_SECTIONS for c in concrete) and basis_section(p) is not None:
            sec = basis_section(p)
            where = sorted({c.section for c in concrete})
            out.append(Finding(BASIS_OUTSIDE_LEGAL_BASIS, p.name, None,
                               f"{p.name}：{sec.label or '立项依据'}只有预算管理规定，具体依据（{len(concrete)} 处）引用在 "
                               f"{'、'.join(where)} 栏目。", iris.project_iri(p.id), sec.span))
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
