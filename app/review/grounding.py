"""Grounding: does the table state a concrete basis, in the cell meant for it, and does each
indicator find support in it? The logic ``jixiao gaps`` reported, now review rules.

**A concrete basis** is a citation that is neither a budget rule (效力层级 预算管理规定, e.g.
2020年市级财政预算管理办法) nor the unit's own rule. A unit's own rule is one whose document
number belongs to the unit itself (沪计测〔2013〕106号 of 上海市计量测试技术研究院), one titled as
the unit's (本院…, 我单位…), or one printed in the cell the template keeps for the unit's own
制度 and 措施 (保证项目实施的制度、措施) that names no issuing authority, no document number, no
article and no jurisdiction (信息化项目管理办法). Such rules say how the unit will run the project;
a unit cannot authorise its own spending, so they are no basis for setting the project up.

Example: ``[c.title for c in concrete_citations(project)]``
"""
from __future__ import annotations

import re
from typing import Sequence

from ingest.legal.citations import BASIS_SECTIONS
from ingest.legal.resolve import LOCAL, canonical_title, is_law_title
from ingest.records import Citation, Project, Section
from ingest.support.score import char_bigrams

from app.review.checks import check
from app.review.context import Context
from app.review.words import containment  # noqa: F401  (gaps imports it from here)

BUDGET_RULE_LEVEL = "预算管理规定"
OWN_RULES_SECTION = "safeguards"          # 保证项目实施的制度、措施
_OWN_TITLE = re.compile(r"^(?:本院|本单位|本中心|本所|本局|我院|我单位|我中心|我所|我局|院内|单位内部)")
_NATIONAL = re.compile(r"^(?:中华人民共和国|国家|国务院|全国|中央|中共中央)")
_AUTHORITY_LEVELS = {"法律", "行政法规", "地方性法规", "技术规范"}


def is_budget_rule(c: Citation) -> bool:
    return c.level == BUDGET_RULE_LEVEL


def is_own_rule(c: Citation, p: Project) -> bool:
    """The unit's own rule (see the module docstring): no basis for setting the project up."""
    if c.issuer and p.unit and (c.issuer == p.unit or c.issuer.endswith(p.unit) or p.unit.endswith(c.issuer)):
        return True
    title = canonical_title(c.title) if c.title else ""
    if _OWN_TITLE.match(title):
        return True
    return (c.section == OWN_RULES_SECTION and not c.doc_number and not c.issuer and c.article_num is None
            and c.level not in _AUTHORITY_LEVELS and not is_law_title(title)
            and not LOCAL.search(title) and not _NATIONAL.match(title))


def is_concrete(c: Citation, p: Project) -> bool:
    """A law, regulation, rule, document of an authority or a standard: not a budget rule, not the unit's own."""
    return not is_budget_rule(c) and not is_own_rule(c, p)


def concrete_citations(p: Project) -> list[Citation]:
    return [c for c in p.citations if is_concrete(c, p)]


def jurisdiction(c: Citation) -> str:
    """国家 (laws, State Council), 国家部门 (a ministry's rules and documents), 地方 (a province,
    city or county) or 标准 — from the level, the issuer and the title."""
    title = canonical_title(c.title) if c.title else ""
    if c.level == "技术规范":
        return "标准"
    if c.level in ("法律", "行政法规") or (c.issuer or "").startswith("国务院") or title.startswith("国务院"):
        return "国家"
    if c.level == "地方性法规" or (c.issuer and LOCAL.search(c.issuer)) or LOCAL.search(title):
        return "地方"
    if c.issuer or c.level == "部门规章" or _NATIONAL.match(title):
        return "国家部门"
    return "未知"


def basis_summary(p: Project) -> tuple[dict, ...]:
    """Each concrete basis once: title, number, 效力层级, jurisdiction, the cell it is cited in."""
    out, seen = [], set()
    for c in concrete_citations(p):
        key = (c.title, c.doc_number)
        if key in seen:
            continue
        seen.add(key)
        out.append({"title": c.title, "doc_number": c.doc_number, "level": c.level, "jurisdiction": jurisdiction(c),
                    "section": c.section})
    return tuple(out)


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


def basis_cell_problem(p: Project, repeat: float, coverage_min: float) -> tuple[str, dict, Section] | None:
    """What is wrong with the basis cell itself: (rule id, message values, the cell), or None.

    Empty; else a near-copy of another section (at least ``repeat`` of its bigrams there; checked
    first, so a 立项依据 copied from 项目概况 is a repeat); else a description whose citations
    cover less than ``coverage_min`` of it.
    """
    sec = basis_section(p)
    if sec is None:
        return None
    label = sec.label or "立项依据"
    if not char_bigrams(sec.text or ""):
        return "legal_basis_empty", {"label": label}, sec
    share, other = max(((containment(sec.text or "", s.text or ""), s.label) for s in p.sections if s.key != sec.key),
                       default=(0.0, ""))
    if share >= repeat:
        return "legal_basis_repeats_section", {"label": label, "other": other, "share": f"{share:.0%}"}, sec
    coverage = citation_coverage(p, sec.key)
    if coverage is not None and coverage < coverage_min:
        return "legal_basis_is_description", {"label": label, "coverage": f"{coverage:.0%}"}, sec
    return None


def cited_phrase(p: Project) -> str:
    """How a project without a concrete basis cites: 只引用了《…》（预算管理规定）…, or 没有引用任何依据."""
    rules = list(dict.fromkeys(c.title for c in p.citations if is_budget_rule(c) and c.title))
    own = list(dict.fromkeys(c.title or c.doc_number for c in p.citations if not is_budget_rule(c) and is_own_rule(c, p)))
    parts = []
    if rules:
        parts.append("、".join(f"《{r}》" for r in rules) + "（预算管理规定）")
    if own:
        parts.append("单位自己的" + "、".join(f"《{r}》" for r in own if r))
    return "只引用了" + "和".join(parts) if parts else "没有引用任何依据"


# -- the checks -------------------------------------------------------------------------------
@check("no_concrete_basis")
def no_concrete_basis(ctx: Context) -> None:
    p = ctx.project
    sec = basis_section(p)
    # a table whose template has no basis cell and that cites nothing was not asked for a basis
    if (sec is None and not p.citations) or concrete_citations(p):
        return
    ctx.fire("no_concrete_basis", span=sec.span if sec else None, text=sec.text if sec else None,
             cited=cited_phrase(p), count=len(p.indicators))


def _cell(ctx: Context, rule_id: str) -> None:
    rules = ctx.rules
    problem = basis_cell_problem(ctx.project, rules.rule("legal_basis_repeats_section").threshold("repeat"),
                                 rules.rule("legal_basis_is_description").threshold("coverage_min"))
    if problem and problem[0] == rule_id:
        _, values, sec = problem
        ctx.fire(rule_id, span=sec.span, text=sec.text, **values)


@check("legal_basis_empty")
def legal_basis_empty(ctx: Context) -> None:
    _cell(ctx, "legal_basis_empty")


@check("legal_basis_repeats_section")
def legal_basis_repeats_section(ctx: Context) -> None:
    _cell(ctx, "legal_basis_repeats_section")


@check("legal_basis_is_description")
def legal_basis_is_description(ctx: Context) -> None:
    _cell(ctx, "legal_basis_is_description")


@check("basis_outside_legal_basis")
def basis_outside_legal_basis(ctx: Context) -> None:
    p = ctx.project
    sec, concrete = basis_section(p), concrete_citations(p)
    if sec is None or not concrete or any(c.section in BASIS_SECTIONS for c in concrete):
        return
    from ingest.records import section_label
    where = "、".join(dict.fromkeys(section_label(c.section) for c in concrete))
    ctx.fire("basis_outside_legal_basis", span=sec.span, text=sec.text, label=sec.label or "立项依据",
             count=len(concrete), where=where)


SUPPORTED_LEVELS = ("产出", "效益", "满意度", "影响力", "成本")


@check("indicator_support_low")
def indicator_support_low(ctx: Context) -> None:
    if ctx.support is None:
        return
    p = ctx.project
    concrete = concrete_citations(p)
    if not concrete:
        return
    bases = concrete_basis_iris(p, ctx.corpus)
    rule = ctx.rules.rule("indicator_support_low")
    sem_floor, lex_floor = rule.threshold("semantic_floor"), rule.threshold("lexical_floor")
    for n, i, l1, _ in ctx.rows():
        if l1 not in SUPPORTED_LEVELS:
            continue
        links = [s for s in ctx.support.get(ctx.indicator_iri(n), ()) if _law(s.basis) in bases]
        if not links:
            continue
        sem, lex = max(s.semantic for s in links), max(s.lexical for s in links)
        if sem < sem_floor and lex < lex_floor:
            ctx.fire("indicator_support_low", n=n, name=i.name, semantic=f"{sem:.3f}", lexical=f"{lex:.2f}")


def _law(iri: str) -> str:
    return iri.split("/article/")[0]


def concrete_basis_iris(p: Project, corpus: Sequence[Project] = ()) -> set[str]:
    """IRIs of the laws and documents of a project's concrete citations, keyed as ingest keys them
    (by the projects of the same document)."""
    from ingest import identifiers as iris
    from ingest.support.score import key_function
    doc = p.source.doc if p.source else None
    same = [q for q in corpus if q.source and q.source.doc == doc] or [p]
    key = key_function(same)
    out = set()
    for c in concrete_citations(p):
        k = key(c)
        if k:
            out.add(iris.legal_iri(k))
    return out
