"""Text copies of a table, as pasting it out of Excel, Word or a browser gives them.

- ``pipe``: one row a line, the cells that start in the row joined by `` | `` with a closing
  `` |``, as a web page's table copied into a text editor arrives: a cell merged down from
  above is not repeated, so rows under a merged 一级/二级 are shorter;
- ``markdown``: ``| a | b |`` rows with ``| --- |`` under the first row, one cell per grid
  position: a merged cell's text at its top-left position, the positions it covers empty;
- ``cells``: one printed cell a line ending in `` |`` (an empty cell is a lone ``|``), in
  reading order, rows not marked: how a browser's text of an HTML table often arrives;
- ``tsv``: Excel's clipboard: tab-separated rows, quoted where a cell holds a tab or quote;
- ``spaces``: each row's non-empty cells run together with one space;
- ``oneline``: the whole table on one line, its cells in reading order each closed by `` |``
  (as ``cells`` does, without the line breaks), after the title and preamble lines.

Title and preamble lines come first, the footer last, as plain lines.

Example: ``render_text(spec, "markdown").splitlines()[2]`` → ``"| 项目名称 | 某项目 |  |"``
"""
from __future__ import annotations

import csv
import io

from render.spec import Spec, line_text


def render_text(spec: Spec, fmt: str) -> str:
    before, after = spec.lines_before(), [line_text(x) for x in spec.footer]
    rows = spec.grid.matrix()
    if fmt == "pipe":
        body = [(" | ".join(c.text for c in spec.grid.row_cells(r)) + " |").lstrip()
                for r in range(spec.grid.n_rows)]
    elif fmt == "markdown":
        body = ["| " + " | ".join(r) + " |" for r in rows]
        body.insert(1, "|" + "|".join([" --- "] * spec.grid.n_cols) + "|")
    elif fmt == "cells":
        body = [f"{c.text} |" if c.text else "|" for r in range(spec.grid.n_rows) for c in spec.grid.row_cells(r)]
    elif fmt == "tsv":
        return _tsv(spec, before, rows, after)
    elif fmt == "spaces":
        body = [" ".join(t for t in r if t) for r in rows]
    elif fmt == "oneline":   # the line breaks inside a cell are lost too
        body = [" ".join(f"{' '.join(c.text.split(chr(10)))} |" if c.text else "|"
                         for r in range(spec.grid.n_rows) for c in spec.grid.row_cells(r))]
    else:
        raise ValueError(f"unknown text format {fmt!r}")
    return "\n".join(before + body + after) + "\n"


def _tsv(spec: Spec, before: list[str], rows: list[list[str]], after: list[str]) -> str:
    """Excel copies a sheet range: title rows are the title in the first column and empty
    cells after it; a (left, right) preamble line puts ``right`` in the last column."""
    n = spec.grid.n_cols
    out = io.StringIO()
    w = csv.writer(out, dialect="excel-tab", lineterminator="\r\n")
    w.writerow([spec.title] + [""] * (n - 1))
    for line in spec.preamble:
        if isinstance(line, str):
            w.writerow([line] + [""] * (n - 1))
        else:
            w.writerow([line[0]] + [""] * (n - 2) + [line[1]])
    w.writerows(rows)
    for line in spec.footer:
        w.writerow([line_text(line)] + [""] * (n - 1))
    return out.getvalue()
