"""Records ↔ JSON: the public export format and the records store's own format.

``project_to_dict`` gives the documented export object (keys: id, name, unit,
category, performance_type, gov_purchase, start_date, end_date, budget,
sections, indicators, citations, source). With ``full=True`` it also keeps what
the store needs to rebuild the records exactly (flags, spans, year, levels);
``project_from_dict`` reads that back. Fields the national and provincial templates add
(kind, department, periods, budget sources, actual values, weights, scores …) appear in the
export only where a project has them, so a seed project exports exactly as before; the store
(``full=True``) always keeps them. ``department_to_dict``/``department_from_dict`` do the same for
the ``Department`` records of 整体支出 tables.

Example: ``json.dumps([project_to_dict(p) for p in projects], ensure_ascii=False)``
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ingest.records import (BUDGET_FIELDS, KIND_TARGETS, SECTION_LABELS, Budget, BudgetLine, Citation, Department,
                            Indicator, Period, Project, RawRow, Section, Span, section_label)

# Indicator fields beyond the Shanghai template's, in record order; the Decimal ones among them.
INDICATOR_EXTRA = ("level1_canonical", "level2_canonical", "level1_weight", "level2_weight", "weight", "score",
                   "actual_raw", "actual_operator", "actual_value", "actual_unit", "actual_qualitative",
                   "deviation", "direction", "standard", "explanation", "period")
_DECIMALS = frozenset({"level1_weight", "level2_weight", "weight", "score", "actual_value",
                       "planned", "adjusted", "executed", "rate"})
LINE_FIELDS = ("source", "source_key", "purpose", "planned", "adjusted", "executed", "rate", "weight", "score")
DEPARTMENT_AMOUNTS = ("total", "project_spending", "basic_spending")


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
    spans.update(_extra_spans(p.indicators, p.budget.sources, "budget.sources", p.periods, p.unplaced))
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
    out["sections"].update({s.key: s.text for s in p.sections if s.key not in SECTION_LABELS})
    extra = {"kind": p.kind, "department": p.department, "code": p.code,
             "periods": [period_to_dict(x) for x in p.periods],
             "unplaced": [raw_row_to_dict(r) for r in p.unplaced]}
    if p.budget.sources or full:
        out["budget"]["sources"] = [line_to_dict(x, full=full) for x in p.budget.sources]
    if p.budget.money_unit or full:
        out["budget"]["money_unit"] = p.budget.money_unit
    if full:
        out.update(extra)
        out["year"] = p.year
        out["source"]["doc"] = p.source.doc if p.source else None
        out["source"]["range"] = _span(p.source)
        out["inferred_sections"] = [s.key for s in p.sections if s.inferred_start]
        out["section_labels"] = _printed_labels(p.sections)
    else:
        out.update({k: v for k, v in extra.items() if v and v != KIND_TARGETS})
    return out


def department_to_dict(d: Department, *, full: bool = False) -> dict[str, Any]:
    """The export object of one department (整体支出表); ``full=True`` adds what the store needs."""
    spans: dict[str, Any] = {k: v.as_list() for k, v in d.spans.items()}
    spans.update({f"sections.{s.key}": _span(s.span) for s in d.sections if s.span})
    spans.update({f"indicators[{i}]": _span(ind.span) for i, ind in enumerate(d.indicators) if ind.span})
    spans.update({f"citations[{i}]": _span(c.span) for i, c in enumerate(d.citations) if c.span})
    spans.update(_extra_spans(d.indicators, d.budget, "budget", d.periods, d.unplaced))
    out: dict[str, Any] = {
        "id": d.id, "kind": d.kind, "name": d.name, "code": d.code, "year": d.year,
        **{k: number(getattr(d, k)) for k in DEPARTMENT_AMOUNTS},
        "money_unit": d.money_unit,
        "budget": [line_to_dict(x, full=full) for x in d.budget],
        "sections": {s.key: s.text for s in d.sections},
        "indicators": [indicator_to_dict(i, full=full) for i in d.indicators],
        "citations": [citation_to_dict(c, full=full) for c in d.citations],
        "periods": [period_to_dict(x) for x in d.periods],
        "unplaced": [raw_row_to_dict(r) for r in d.unplaced],
        "source": {"file": d.source.file if d.source else None, "spans": spans},
    }
    if full:
        out["source"]["doc"] = d.source.doc if d.source else None
        out["source"]["range"] = _span(d.source)
        out["section_labels"] = _printed_labels(d.sections)
        for k in DEPARTMENT_AMOUNTS:
            out[k] = _exact(getattr(d, k))
    return out


def _exact(value: Decimal | None) -> str | None:
    """A Decimal as its exact string (the store keeps amounts and rates without float rounding)."""
    return None if value is None else str(value)


def _printed_labels(sections) -> dict[str, str]:
    """Section labels that differ from the key's canonical label (``年度目标`` for ``annual_goal``)."""
    return {s.key: s.label for s in sections if s.label != section_label(s.key)}


def _extra_spans(indicators, lines, lines_key: str, periods, unplaced) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, ind in enumerate(indicators):
        out.update({f"indicators[{i}].{k}": v.as_list() for k, v in ind.spans.items()})
    for j, line in enumerate(lines):
        out.update({f"{lines_key}[{j}].{k}": v.as_list() for k, v in line.spans.items()})
    out.update({f"periods[{j}]": x.span.as_list() for j, x in enumerate(periods) if x.span})
    out.update({f"unplaced[{j}]": x.span.as_list() for j, x in enumerate(unplaced) if x.span})
    return out


def line_to_dict(x: BudgetLine, *, full: bool = False) -> dict[str, Any]:
    """One budget line by source; amounts in yuan, ``rate`` a fraction."""
    return {k: (_exact if full else number)(getattr(x, k)) if k in _DECIMALS else getattr(x, k) for k in LINE_FIELDS}


def period_to_dict(x: Period) -> dict[str, Any]:
    return {"kind": x.kind, "start_year": x.start_year, "end_year": x.end_year, "label": x.label}


def raw_row_to_dict(x: RawRow) -> dict[str, Any]:
    return {"cells": list(x.cells), "reason": x.reason, "table": x.table, "row": x.row}


def indicator_to_dict(i: Indicator, *, full: bool = False) -> dict[str, Any]:
    out = {"level1": i.level1, "level2": i.level2, "name": i.name, "target_raw": i.target_raw,
           "operator": i.operator, "value": number(i.value), "unit": i.unit, "qualitative": i.qualitative}
    for k in INDICATOR_EXTRA:
        v = getattr(i, k)
        if v is not None or full:
            out[k] = (_exact(v) if full else number(v)) if k in _DECIMALS else v
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
    labels = d.get("section_labels", {})
    return Project(
        id=d["id"], year=d.get("year"), name=d["name"], unit=d["unit"], category=d["category"],
        performance_type=d["performance_type"], gov_purchase=d["gov_purchase"],
        start_date=date.fromisoformat(d["start_date"]) if d["start_date"] else None,
        end_date=date.fromisoformat(d["end_date"]) if d["end_date"] else None,
        budget=Budget(**{k: dec(d["budget"][k]) for k in BUDGET_FIELDS},
                      spans={k: span(f"budget.{k}") for k in BUDGET_FIELDS if span(f"budget.{k}")},
                      sources=_lines(d["budget"].get("sources", ()), "budget.sources", spans, span),
                      money_unit=d["budget"].get("money_unit")),
        sections=_sections(d["sections"], labels, inferred, span),
        indicators=_indicators(d["indicators"], spans, span),
        citations=_citations(d.get("citations", []), span),
        spans={k: span(k) for k in spans if "." not in k and "[" not in k},
        source=Span(doc, file, *src["range"]) if src.get("range") else None,
        kind=d.get("kind") or KIND_TARGETS, department=d.get("department"), code=d.get("code"),
        periods=_periods(d.get("periods", ()), span), unplaced=_unplaced(d.get("unplaced", ()), span),
    )


def department_from_dict(d: dict[str, Any]) -> Department:
    """Rebuild a ``Department`` from ``department_to_dict(x, full=True)``."""
    src = d["source"]
    spans = src.get("spans", {})
    doc, file = src.get("doc") or "", src.get("file") or ""

    def span(key: str) -> Span | None:
        v = spans.get(key)
        return Span(doc, file, v[0], v[1]) if v else None

    return Department(
        id=d["id"], year=d.get("year"), name=d["name"], code=d.get("code"),
        **{k: _dec(d.get(k)) for k in DEPARTMENT_AMOUNTS},
        budget=_lines(d.get("budget", ()), "budget", spans, span),
        sections=_sections(d.get("sections", {}), d.get("section_labels", {}), set(), span),
        indicators=_indicators(d.get("indicators", []), spans, span),
        citations=_citations(d.get("citations", []), span),
        periods=_periods(d.get("periods", ()), span), unplaced=_unplaced(d.get("unplaced", ()), span),
        kind=d.get("kind") or Department.kind, money_unit=d.get("money_unit"),
        spans={k: span(k) for k in spans if "." not in k and "[" not in k},
        source=Span(doc, file, *src["range"]) if src.get("range") else None,
    )


def _dec(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _sub_spans(spans: dict, prefix: str, span) -> dict[str, Span]:
    return {k[len(prefix):]: span(k) for k in spans if k.startswith(prefix)}


def _sections(texts: dict, labels: dict, inferred: set, span) -> tuple[Section, ...]:
    return tuple(Section(k, labels.get(k) or section_label(k), t, k in inferred, span(f"sections.{k}"))
                 for k, t in texts.items() if t is not None)


def _indicators(rows: list, spans: dict, span) -> tuple[Indicator, ...]:
    return tuple(
        Indicator(i["level1"], i["level2"], i["name"], i["target_raw"], i["operator"], _dec(i["value"]),
                  i["unit"], i["qualitative"], tuple(i.get("flags", ())), span(f"indicators[{n}]"),
                  **{k: _dec(i.get(k)) if k in _DECIMALS else i.get(k) for k in INDICATOR_EXTRA},
                  spans=_sub_spans(spans, f"indicators[{n}].", span))
        for n, i in enumerate(rows))


def _citations(rows: list, span) -> tuple[Citation, ...]:
    return tuple(
        Citation(c["title"], c["doc_number"], c["article"], c["article_num"], c.get("quote"),
                 c["section"], c.get("level"), c.get("issuer"), span(f"citations[{n}]"))
        for n, c in enumerate(rows))


def _lines(rows, prefix: str, spans: dict, span) -> tuple[BudgetLine, ...]:
    return tuple(BudgetLine(**{k: _dec(x.get(k)) if k in _DECIMALS else x.get(k) for k in LINE_FIELDS},
                            spans=_sub_spans(spans, f"{prefix}[{j}].", span))
                 for j, x in enumerate(rows))


def _periods(rows, span) -> tuple[Period, ...]:
    return tuple(Period(x["kind"], x.get("start_year"), x.get("end_year"), x.get("label"), span(f"periods[{j}]"))
                 for j, x in enumerate(rows))


def _unplaced(rows, span) -> tuple[RawRow, ...]:
    return tuple(RawRow(tuple(x["cells"]), x["reason"], x.get("table", ""), x.get("row"), span(f"unplaced[{j}]"))
                 for j, x in enumerate(rows))
