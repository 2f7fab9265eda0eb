"""Which parser reads a document: the grid interpreter for its tables, the text (layout) parsers
for the rest, and the text when its tables hold no target table.

A Word or HTML file can carry its form in paragraphs (``项目名称：…`` lines, the Shanghai layout
pasted into Word) beside tables that are not a target table (a cover sheet, a signature box);
a PDF's ruled tables can be a page header while the form is its text layer. The tables are
read first; when they hold no target table (or give records without a single indicator), the
document's text is read as a text copy is, and only when that finds nothing either is the
file refused, with one error that says both were tried.

Example: ``parse_any(read_path("申报表.docx")).projects[0].name``
"""
from __future__ import annotations

from dataclasses import replace

from ingest.errors import IngestError
from ingest.parse.document import parse_document
from ingest.parse.grid import parse_grids
from ingest.parse.result import ParseResult
from ingest.read.document import Document


def parse_any(doc: Document) -> ParseResult:
    """Every record of ``doc``: from its tables, else from its text. Raises ``IngestError`` when
    neither holds a performance-target table."""
    if not doc.tables:
        try:
            return parse_document(doc)
        except IngestError:
            if doc.kind in ("text", "pdf"):
                raise
            raise IngestError("no 绩效目标表 (performance-target table) found: the file has no table, and its "
                              "text holds no form", file=doc.path,
                              hint="is this the right file? the form needs 项目名称 and the indicator columns "
                                   "(一级指标 二级指标 三级指标 指标值)") from None
    try:
        result = parse_grids(doc)
    except IngestError as from_tables:
        try:
            result = parse_document(replace(doc, tables=()))
        except IngestError:
            n = len(doc.tables)
            raise IngestError(
                f"no 绩效目标表 (performance-target table) found: not in the {n} table{'s' if n > 1 else ''} "
                "of this file, nor in its text", file=doc.path,
                hint=from_tables.hint or "is this the right file? a scanned PDF needs OCR first") from None
        if result.projects or result.departments:
            return result
        raise from_tables from None
    if _indicators(result) == 0:
        # the tables gave a record but no indicator: the form may be in the paragraphs around them
        try:
            text = parse_document(replace(doc, tables=()))
        except IngestError:
            return result
        if _indicators(text) > 0:
            return text
    return result


def _indicators(result: ParseResult) -> int:
    return sum(len(r.indicators) for r in result.projects + result.departments)
