"""Text whose cells run together with spaces (a PDF's text layer, a copy that lost its pipes),
read as a grid: each line a row, each run of blanks a cell boundary.

Used for text that holds no delimited table and is not the fixed-width Shanghai 财政项目支出绩效
目标表 (which the layout parser reads). The labels still say where most cells end, and the grid
interpreter puts rows whose merged cells were printed once back under their columns. A label
printed with blanks inside it (``项 目 名 称``) or a cell with a blank in it splits wrongly; such
rows are kept raw, as everywhere.

Example: ``parse_spaced(doc).projects[0].name`` for ``项目名称 某项目`` / ``一级指标 二级指标 …``
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.parse.gridflow import SPACED_SOURCE
from ingest.read.document import Document
from ingest.read.grid import Cell, Table

_CELL = re.compile(r"\S+")
# The Shanghai template's own title and labels: that text is the layout parser's.
_SHANGHAI = re.compile(r"财政项目支出绩效目标表|申报单位名称|同名项目上年预算|总目标及阶段性目标|一级目标\s+二级目标\s+三级目标")


def is_shanghai(text: str) -> bool:
    """True for text in the Shanghai 财政项目支出绩效目标表 layout (the seed's)."""
    return bool(_SHANGHAI.search(text))


def spaced_tables(text: str, source: str = "text") -> tuple[Table, ...]:
    """One table of the text's lines, cells split at blanks, each pointing at its characters."""
    cells: list[Cell] = []
    row = 0
    pos = 0
    for line in text.split("\n"):
        found = list(_CELL.finditer(line))
        for col, m in enumerate(found):
            cells.append(Cell(row, col, m.group(), start=pos + m.start(), end=pos + m.end()))
        if found:
            row += 1
        pos += len(line) + 1
    return (Table.of(cells, source),) if cells else ()


def parse_spaced(doc: Document):
    """The records of ``doc`` read as a grid of blank-separated cells (``ParseResult``)."""
    from ingest.parse.grid import parse_grids

    tables = spaced_tables(doc.text, SPACED_SOURCE)
    return parse_grids(replace(doc, tables=tables, kind="text"))
