"""Normalized document text → ``Project`` records.

Each table starts at its title (``财政项目支出绩效目标表``). Within a table the
header part (everything above the indicator table) is read on wrap-joined text
by its labels, and the indicator table is read line by line. Problems that
make a project unusable (no indicator table, a table cut short) are
``IngestError``s for that project only; the other projects of the document
are kept. Irregular but readable things become warnings.

Example: ``parse_document(read_path("data/000_33c4abcdc6cea628.txt")).projects[0].name``
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.errors import IngestError, IngestWarning
from ingest.identifiers import project_id
from ingest.parse.indicators import parse_target, read_rows, row_flags
from ingest.parse.labels import TABLE_HEADER, TABLE_HEADING, TITLE, YEAR, find_labels, unit_scale
from ingest.parse.layout import Joined, Line, align, clean, lines_of
from ingest.read.document import Document, line_of
from ingest.records import BUDGET_FIELDS, SECTION_LABELS, Budget, Citation, Indicator, Project, Section, Span
from ingest.parse.result import ParseResult  # noqa: F401  (re-exported: ingest.parse.document.ParseResult)
from ingest.parse.spaced import is_shanghai, parse_spaced
from ingest.parse.sections import field_ranges, infer_start, is_displaced
from ingest.parse.values import parse_amount, parse_bool, parse_date


def split_projects(text: str) -> list[tuple[int, int]]:
    """Character ranges of the tables in a document, each from its title line.

    Example: ``len(split_projects(seed_text)) == 8``
    """
    starts = []
    for m in TITLE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        # a title is a short line of its own; the words inside a paragraph are not a new table
        if len(line.strip()) > 40 or text[line_start:m.start()].strip(" \t（(0123456789年度）)") != "":
            continue
        if not starts or line_start > starts[-1]:
            starts.append(line_start)
    return [(s, starts[i + 1] if i + 1 < len(starts) else len(text)) for i, s in enumerate(starts)]


class _ProjectReader:
    """Reads one table; collects warnings as it goes."""

    def __init__(self, doc: Document, start: int, end: int, warnings: list[IngestWarning]):
        self.doc, self.start, self.end = doc, start, end
        self.warnings = warnings
        self.lines = lines_of(doc.text, start, end)
        self.first_line = line_of(doc.text, start)

    def warn(self, message: str, line: int | None = None, fld: str | None = None) -> None:
        self.warnings.append(IngestWarning(self.doc.path, line or self.first_line, fld, message))

    def span(self, s: int, e: int) -> Span:
        return Span(self.doc.doc_id, self.doc.path, s, e)

    def error(self, message: str, line: int | None = None, fld: str | None = None, hint: str | None = None):
        return IngestError(message, file=self.doc.path, line=line or self.first_line, field=fld, hint=hint)

    def read(self) -> Project:
        header_end, table_lines = self._table()
        joined = Joined.from_lines(self.lines[1:header_end])
        hits = find_labels(joined.text, joined.line_starts)
        ranges = {k: [r] for k, r in field_ranges(joined.text, hits).items()}
        self._repair_displaced(joined, hits, ranges)

        def value(key: str) -> tuple[str, Span | None]:
            pieces = ranges.get(key)
            if not pieces:
                return "", None
            text = clean("".join(joined.text[s:e] for s, e in pieces))
            if not text:
                return "", None
            (a, b), (c, d) = pieces[0], pieces[-1]
            a += len(joined.text[a:b]) - len(joined.text[a:b].lstrip())   # span the value, not its padding
            d -= len(joined.text[c:d]) - len(joined.text[c:d].rstrip())
            return text, self.span(joined.source(a, b)[0], joined.source(c, d)[1])

        values = {k: value(k) for k in ranges}
        name, _ = values.get("name", ("", None))
        if not name:
            raise self.error("no 项目名称 (project name) found in this table", fld="name",
                             hint="the table may be cut short or not a 绩效目标表")
        unit = values.get("unit", ("", None))[0] or None
        year = self._year()
        spans = {k: v[1] for k, v in values.items() if v[1] is not None}
        if not table_lines:
            if self.end == len(self.doc.text) and "total" not in ranges:
                last = line_of(self.doc.text, self.end)
                raise self.error(f"truncated document: it ends at line {last} inside project '{name}', "
                                 "before its budget and indicator table", line=last, fld="indicators",
                                 hint="re-extract or re-download the full document")
            raise self.error(f"project '{name}': no indicator table (一级目标 二级目标 三级目标 指标目标值)",
                             fld="indicators", hint="the table may have been cut out; re-extract the full document")
        budget = self._budget(values, {h.key: joined.text[h.start:h.end] for h in hits}, name)
        sections = tuple(
            Section(k, label, values[k][0], len(ranges[k]) > 1, values[k][1])
            for k, label in SECTION_LABELS.items() if k in values)
        for k, label in SECTION_LABELS.items():
            if k not in values:
                self.warn(f"project '{name}': no {label} section", fld=k)
        indicators = self._indicators(table_lines, name)
        if not indicators:
            raise self.error(f"project '{name}': the indicator table has no rows", fld="indicators",
                             hint="the table may be truncated; re-extract the full document")
        return Project(
            id=project_id(unit, year, name), year=year, name=name, unit=unit,
            category=values.get("category", ("", None))[0] or None,
            performance_type=values.get("performance_type", ("", None))[0] or None,
            gov_purchase=parse_bool(values.get("gov_purchase", ("", None))[0]),
            start_date=parse_date(values.get("start_date", ("", None))[0]),
            end_date=parse_date(values.get("end_date", ("", None))[0]),
            budget=budget, sections=sections, indicators=indicators,
            citations=self._citations(sections),
            spans=spans, source=self.span(self.start, self.end),
        )

    def _table(self) -> tuple[int, list[Line]]:
        """Index of the first line after the header part, and the indicator table's row lines."""
        header = next((i for i, l in enumerate(self.lines) if TABLE_HEADER.search(l.text)), None)
        if header is None:  # no column header: the table starts after its heading, if there is one
            heading = next((i for i, l in enumerate(self.lines) if TABLE_HEADING.match(l.text)), None)
            if heading is None:
                return len(self.lines), []
            return heading, self.lines[heading + 1:]
        end_of_header = header - 1 if header > 0 and TABLE_HEADING.match(self.lines[header - 1].text) else header
        rows = [l for l in self.lines[header + 1:]
                if not TABLE_HEADER.search(l.text) and not TABLE_HEADING.match(l.text)]
        return end_of_header, rows

    def _year(self) -> int | None:
        for line in self.lines[:4]:
            m = YEAR.search(line.text) or (TITLE.search(line.text) and re.search(r"((?:19|20)\d\d)\s*年", line.text))
            if m:
                return int(m.group(1))
        for line in self.lines:
            m = TABLE_HEADING.match(line.text)
            if m:
                return int(re.match(r"\d{4}", line.text).group())
        return None

    def _repair_displaced(self, joined: Joined, hits, ranges: dict[str, list[tuple[int, int]]]) -> None:
        """Move the start of sections whose label was printed in the middle of their own text."""
        fields = [h for h in hits if not h.is_heading]
        for prev, hit in zip(fields, fields[1:]):
            if hit.key not in SECTION_LABELS or prev.key not in ranges:
                continue
            before_range = ranges[prev.key][-1]
            if not is_displaced(joined.text, hit, joined.breaks, before_range):
                continue
            line = line_of(self.doc.text, joined.source(hit.start, hit.end)[0])
            label = SECTION_LABELS[hit.key]
            before = joined.text[before_range[0]:before_range[1]]
            after = joined.text[ranges[hit.key][0][0]:ranges[hit.key][0][1]]
            cut = infer_start(before, after, hit.key)
            if cut is None:
                self.warn(f"label {label} interrupts a sentence at a page break; could not infer where "
                          f"the section starts, so it is read from the label", line, hit.key)
                continue
            ranges[prev.key][-1] = (before_range[0], before_range[0] + cut)
            ranges[hit.key].insert(0, (before_range[0] + cut, before_range[1]))
            start_line = line_of(self.doc.text, joined.source(before_range[0] + cut, before_range[0] + cut + 1)[0])
            self.warn(f"label {label} is displaced to a page break; the section starts at line {start_line}",
                      line, hit.key)

    def _budget(self, values, label_texts: dict[str, str], name: str) -> Budget:
        amounts, spans = {}, {}
        for key in BUDGET_FIELDS:
            text, span = values.get(key, ("", None))
            amounts[key] = parse_amount(text, unit_scale(label_texts.get(key, "")))
            if span is not None:
                spans[key] = span
            if key not in values:
                self.warn(f"project '{name}': no budget cell {key}", fld=f"budget.{key}")
            elif text and amounts[key] is None:
                self.warn(f"project '{name}': budget cell {key} is not a number: {text!r}", fld=f"budget.{key}")
        return Budget(**amounts, spans=spans)

    def _indicators(self, table_lines: list[Line], name: str) -> tuple[Indicator, ...]:
        rows, notes = read_rows(table_lines)
        for line, note in notes:
            self.warn(f"project '{name}': {note}", line.number, "indicators")
        out = []
        for row in rows:
            target, flags = row_flags(row, parse_target(row.target_raw))
            out.append(Indicator(row.level1, row.level2, row.name, row.target_raw, target.operator,
                                 target.value, target.unit, target.qualitative, flags,
                                 self.span(row.line.start, row.line.end)))
            if flags:
                self.warn(f"project '{name}': indicator '{row.name}' {row.target_raw!r}: {', '.join(flags)}",
                          row.line.number, "indicators")
        return tuple(out)

    def _citations(self, sections: tuple[Section, ...]) -> tuple[Citation, ...]:
        from ingest.legal.citations import extract_citations

        out = []
        for sec in sections:
            if sec.span is None:
                continue
            found = extract_citations(sec.text, sec.key)
            offsets = align(self.doc.text, sec.span.start, sec.span.end, sec.text) if found else None
            for cit, s, e in found:
                a, b = (offsets[s], offsets[max(e, s + 1) - 1] + 1) if offsets else (sec.span.start, sec.span.end)
                out.append(replace(cit, span=self.span(a, b)))
        return tuple(out)


def parse_document(doc: Document) -> ParseResult:
    """Parse every table of a document. Raises ``IngestError`` only when there is no table at all.

    Text in another template than the Shanghai one (a 申报表 or 自评表 whose cells run together
    with spaces, as a PDF's text layer gives them) is read by the grid interpreter, cells split
    at blanks; the Shanghai layout is read here.
    """
    if not is_shanghai(doc.text):
        try:
            result = parse_spaced(doc)
            if result.projects or result.departments:
                return result
        except IngestError:
            pass
    chunks = split_projects(doc.text)
    if not chunks:
        raise IngestError("no 财政项目支出绩效目标表 (performance-target table) found", file=doc.path,
                          hint="is this the right file? a scanned PDF needs OCR first")
    result = ParseResult()
    for start, end in chunks:
        try:
            result.projects.append(_ProjectReader(doc, start, end, result.warnings).read())
        except IngestError as e:
            result.errors.append(e)
    return result
