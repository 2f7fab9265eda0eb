"""Compare records with a fixture's hand-written expectations (``render.spec.project`` …).

Only the fields an expectation names are checked; every mismatch is collected, so one failing
test lists all that a reader or the interpreter got wrong, each with the record it is about.

Example: ``assert not problems(result, spec.expected)``
"""
from __future__ import annotations

from decimal import Decimal

from render.spec import ANY, num

_AMOUNTS = {"total", "current_year", "prev_year_budget", "prev_year_executed", "planned", "adjusted",
            "executed", "rate", "weight", "score", "project_spending", "basic_spending"}


def problems(result, expected: list[dict]) -> list[str]:
    """Every way ``result`` (a ``ParseResult``) differs from the expected records."""
    out: list[str] = []
    for kind, records in (("project", result.projects), ("department", result.departments)):
        wanted = [e for e in expected if e["record"] == kind]
        names = [r.name for r in records]
        if len(records) != len(wanted):
            out.append(f"{len(records)} {kind}s {names}, expected {len(wanted)} "
                       f"{[e.get('name') for e in wanted]}")
        for exp in wanted:
            matches = [r for r in records if r.name == exp["name"]]
            if not matches:
                out.append(f"no {kind} named {exp['name']!r} (got {names})")
                continue
            out += [f"{exp['name']}: {p}" for p in record_problems(matches[0], exp)]
    return out


def _same(got, want) -> bool:
    if want is ANY:
        return True
    if isinstance(want, (int, float, Decimal)) and not isinstance(want, bool) or (
            isinstance(want, str) and isinstance(got, Decimal)):
        want = num(want)
    return got == want


def record_problems(rec, exp: dict) -> list[str]:
    out: list[str] = []
    for key, want in exp.items():
        if key in {"record", "name"}:
            continue
        if key == "budget":
            out += _budget(rec.budget, want)
        elif key == "indicators":
            out += indicator_problems(rec.indicators, want)
        elif key == "citations":
            out += _citations(rec.citations, want)
        elif key == "sections":
            for k, text in want.items():
                if rec.section(k) != text:
                    out.append(f"section {k}: {rec.section(k)!r}, expected {text!r} "
                               f"(sections: {[s.key for s in rec.sections]})")
        elif key == "periods":
            got = {p.kind: (p.start_year, p.end_year) for p in rec.periods}
            if got != want:
                out.append(f"periods {got}, expected {want}")
        elif key == "canonical_levels":
            for i in rec.indicators:
                for level in ("level1", "level2"):
                    printed = getattr(i, level)
                    if printed in want and getattr(i, level + "_canonical") != want[printed]:
                        out.append(f"{i.name}: {level}_canonical {getattr(i, level + '_canonical')!r}, "
                                   f"expected {want[printed]!r} for {printed!r}")
        else:
            got = getattr(rec, key, "<no such field>")
            if not _same(got, num(want) if key in _AMOUNTS else want):
                out.append(f"{key} {got!r}, expected {want!r}")
    return out


def _budget(budget, want: dict) -> list[str]:
    out = []
    for key, value in want.items():
        if key == "sources":
            for source_key, fields in value.items():
                lines = [b for b in budget.sources if b.source_key == source_key and b.purpose is None]
                if not any(all(_same(getattr(b, f), num(v)) for f, v in fields.items()) for b in lines):
                    out.append(f"budget source {source_key}: no line with {fields}; lines: "
                               + "; ".join(_line(b) for b in budget.sources))
        elif not _same(getattr(budget, key), num(value) if key in _AMOUNTS else value):
            out.append(f"budget.{key} {getattr(budget, key)!r}, expected {value!r}")
    return out


def _line(b) -> str:
    fields = ("planned", "adjusted", "executed", "rate", "weight", "score")
    return f"{b.source}/{b.source_key}/{b.purpose}: " + " ".join(
        f"{f}={getattr(b, f)}" for f in fields if getattr(b, f) is not None)


def indicator_problems(got, want: list[dict]) -> list[str]:
    """Indicators compared row by row within each period (mid-term and annual blocks may be
    read in either order), every expected field of every row."""
    got = sorted(got, key=lambda i: str(i.period))
    want = sorted(want, key=lambda w: str(w.get("period")))
    out = []
    if len(got) != len(want):
        out.append(f"{len(got)} indicators {[i.name for i in got]}, expected {len(want)} "
                   f"{[w['name'] for w in want]}")
    for i, w in zip(got, want):
        for field, value in w.items():
            have = getattr(i, field, "<no such field>")
            if not _same(have, value):
                out.append(f"indicator {w['name']!r} ({w.get('period') or ''}): {field} {have!r}, expected {value!r}")
    return out


def _citations(got, want: list[tuple]) -> list[str]:
    """Each expected (title, doc_number[, article_num[, section]]) is among the citations; a None
    title beside a document number is not checked (the number names the document)."""
    out = []
    for item in want:
        title, doc, article, section = (tuple(item) + (None, None))[:4]

        def ok(c) -> bool:
            return ((doc is None or c.doc_number == doc) and (title is None and doc is not None or c.title == title)
                    and (article is None or c.article_num == article) and (section is None or c.section == section))
        if not any(ok(c) for c in got):
            out.append(f"no citation {item}; got {[(c.title, c.doc_number, c.article_num, c.section) for c in got]}")
    return out


def grid_form(cells, spans: bool = True) -> set[tuple]:
    """A table's printed cells as ``(row, col, rowspan, colspan, text)`` on the rows and columns
    where some printed cell starts, so that equivalent grids compare equal: a reader may drop a
    column no cell starts in (one always spanned over) or an empty row. Blanks and line breaks
    are left out of the text (a PDF cell keeps the breaks where its lines wrapped). Takes ``grid.Cell``s or
    ``spec.Placed`` cells; without ``spans`` only ``(row, col, text)`` (text copies carry no spans).
    """
    def attrs(c):
        return (c.row, c.col, getattr(c, "rowspan", getattr(c, "rs", 1)), getattr(c, "colspan", getattr(c, "cs", 1)),
                "".join(c.text.split()))
    printed = [attrs(c) for c in cells if c.text.strip()]
    rows = sorted({r for r, *_ in printed})
    cols = sorted({c for _, c, *_ in printed})

    def index(starts: list[int], end: int) -> int:   # how many used starts lie before ``end``
        return sum(1 for s in starts if s < end)
    out = set()
    for r, c, rs, cs, text in printed:
        row, col = rows.index(r), cols.index(c)
        if spans:
            out.add((row, col, index(rows, r + rs) - row, index(cols, c + cs) - col, text))
        else:
            out.add((row, col, text))
    return out
