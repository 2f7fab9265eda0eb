"""Records ↔ JSON: the public export format and the records store's own format.

``project_to_dict`` gives the documented export object (keys: id, name, unit,
category, performance_type, gov_purchase, start_date, end_date, budget,
sections, indicators, citations, source). With ``full=True`` it also keeps what
the store needs to rebuild the records exactly (flags, spans, year, levels);
``project_from_dict`` reads that back.

Example: ``json.dumps([project_to_dict(p) for p in projects], ensure_ascii=False)``
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ingest.records import SECTION_LABELS, Budget, Citation, Indicator, Project, Section, Span

BUDGET_FIELDS = ("total", "current_year", "prev_year_budget", "prev_year_executed")


def number(value: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: an int when whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _span(span: Span | None) -> list[int] | None:
    return span.as_list() if span else None


def project_to_dict(p: Project, *, full: bool = False) -> dict[str, Any]:
    """The export object of one project; ``full=True`` adds what the store needs."""
    spans: dict[str, Any] = {k: v.as_list() for k, v in p.spans.items()}
    spans.update({f"budget.{k}": v.as_list() for k, v in p.budget.spans.items()})
    spans.update({f"sections.{s.key}": _span(s.span) for s in p.sections if s.span})
    spans.update({f"indicators[{i}]": _span(ind.span) for i, ind in enumerate(p.indicators) if ind.span})
    spans.update({f"citations[{i}]": _span(c.span) for i, c in enumerate(p.citations) if c.span})
    out: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "unit": p.unit,
        "category": p.category,
        "performance_type": p.performance_type,
        "gov_purchase": p.gov_purchase,
        "start_date": p.start_date.isoformat() if p.start_date else None,
        "end_date": p.end_date.isoformat() if p.end_date else None,
        "budget": {k: number(getattr(p.budget, k)) for k in BUDGET_FIELDS},
        "sections": {k: p.section(k) for k in SECTION_LABELS},
        "indicators": [indicator_to_dict(i, full=full) for i in p.indicators],
        "citations": [citation_to_dict(c, full=full) for c in p.citations],
        "source": {"file": p.source.file if p.source else None, "spans": spans},
    }
    if full:
        out["year"] = p.year
        out["source"]["doc"] = p.source.doc if p.source else None
        out["source"]["range"] = _span(p.source)
        out["inferred_sections"] = [s.key for s in p.sections if s.inferred_start]
    return out


def indicator_to_dict(i: Indicator, *, full: bool = False) -> dict[str, Any]:
    out = {"level1": i.level1, "level2": i.level2, "name": i.name, "target_raw": i.target_raw,
           "operator": i.operator, "value": number(i.value), "unit": i.unit, "qualitative": i.qualitative}
    if full:
        out["flags"] = list(i.flags)
        out["value"] = str(i.value) if i.value is not None else None  # exact decimal in the store
    return out


def citation_to_dict(c: Citation, *, full: bool = False) -> dict[str, Any]:
    out = {"title": c.title, "doc_number": c.doc_number, "article": c.article,
           "article_num": c.article_num, "section": c.section}
    if full:
        out.update(quote=c.quote, level=c.level, issuer=c.issuer)
    return out


def project_from_dict(d: dict[str, Any]) -> Project:
    """Rebuild a ``Project`` from ``project_to_dict(p, full=True)``."""
    src = d["source"]
    spans = src.get("spans", {})
    doc, file = src.get("doc") or "", src.get("file") or ""

    def span(key: str) -> Span | None:
        v = spans.get(key)
        return Span(doc, file, v[0], v[1]) if v else None

    def dec(v) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    inferred = set(d.get("inferred_sections", []))
    return Project(
        id=d["id"], year=d.get("year"), name=d["name"], unit=d["unit"], category=d["category"],
        performance_type=d["performance_type"], gov_purchase=d["gov_purchase"],
        start_date=date.fromisoformat(d["start_date"]) if d["start_date"] else None,
        end_date=date.fromisoformat(d["end_date"]) if d["end_date"] else None,
        budget=Budget(**{k: dec(d["budget"][k]) for k in BUDGET_FIELDS},
                      spans={k: span(f"budget.{k}") for k in BUDGET_FIELDS if span(f"budget.{k}")}),
        sections=tuple(Section(k, SECTION_LABELS[k], t, k in inferred, span(f"sections.{k}"))
                       for k, t in d["sections"].items() if t is not None),
        indicators=tuple(
            Indicator(i["level1"], i["level2"], i["name"], i["target_raw"], i["operator"], dec(i["value"]),
                      i["unit"], i["qualitative"], tuple(i.get("flags", ())), span(f"indicators[{n}]"))
            for n, i in enumerate(d["indicators"])),
        citations=tuple(
            Citation(c["title"], c["doc_number"], c["article"], c["article_num"], c.get("quote"),
                     c["section"], c.get("level"), c.get("issuer"), span(f"citations[{n}]"))
            for n, c in enumerate(d.get("citations", []))),
        spans={k: span(k) for k in spans if "." not in k and "[" not in k},
        source=Span(doc, file, *src["range"]) if src.get("range") else None,
    )
