"""Ruled tables on a PDF page → cells with spans, and the page text around them, in reading order.

pdfplumber's table finder (``lines`` strategy: the table's drawn rules) gives each cell's
box; a merged cell is one box across several grid lines. The grid's columns and rows are
the distinct x and y edges of all boxes, so a box's span is the number of grid lines it
crosses. Each character goes to the box that holds its centre (a glyph touching a rule is
not lost or doubled).

Line breaks inside a cell: a line that reaches the cell's right edge (within 1.5 em) was
wrapped by the layout and is joined to the next (with a space only between two Latin
letters or digits); a line that stops short was broken by its author and the break stays.

A box that is the whole table (a frame), or a "table" of one column, is not a table: a page
drawn only with text (the seed rendered by ``tests/pdfrender.py``) gives none. A ruled table
of one row is a ``"row"`` block: the reader joins it to the table the previous page ended with
when its rules line up with that table's columns (a table's last row pushed alone onto the next
page), and reads it as a line of text otherwise.

Each table block carries its column rules (``Ruled.xs``), so that the reader can join a table
that runs onto the next page to the one above it (``ingest.read.pdf``).

Example: ``page_blocks(page, clean)`` → ``[("text", "2021年度…申报表"), ("table", Ruled(…))]``
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ingest.read.grid import RawCell

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
#: Edges closer than this (points) are one grid line.
EDGE_TOLERANCE = 1.5
#: A line whose end is this many em or fewer from its cell's right edge was wrapped.
WRAP_EM = 1.5


@dataclass(frozen=True)
class Ruled:
    """One ruled table of a page: its cells on its own grid, and the x of each column rule."""

    cells: list[RawCell]
    xs: list[float]


def page_blocks(page, clean: Callable[[str], str], text_settings: dict) -> list[tuple[str, object]]:
    """The page as ``("text", str)``, ``("table", Ruled)`` and ``("row", Ruled)`` (a ruled table
    of one row) blocks, top to bottom; [] when the page has no ruled table of two rows or more
    and no one-row table at its top (its text layer is then read as it always was)."""
    tables = []
    for t in sorted(page.find_tables(TABLE_SETTINGS), key=lambda t: (t.bbox[1], t.bbox[0])):
        boxes = _grid(t.cells)
        if boxes is not None:
            tables.append((t.bbox, boxes))
    # a one-row table counts only as the first table of the page (a row carried over)
    tables = [t for k, t in enumerate(tables) if k == 0 or not _one_row(t[1])]
    if not tables:
        return []
    from pdfplumber.utils import extract_text

    inside: list[list[list[dict]]] = [[[] for _ in boxes] for _bbox, boxes in tables]
    bands: list[list[dict]] = [[] for _ in range(len(tables) + 1)]
    for ch in page.chars:
        x, y = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for k, (bbox, boxes) in enumerate(tables):
            if bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]:
                for n, box in enumerate(boxes):
                    x0, top, x1, bottom = box[0]
                    if x0 <= x <= x1 and top <= y <= bottom:
                        inside[k][n].append(ch)
                        break
                break
        else:
            bands[sum(bbox[1] < y for bbox, _ in tables)].append(ch)
    blocks: list[tuple[str, object]] = []
    for k, (bbox, boxes) in enumerate(tables):
        if bands[k]:
            blocks.append(("text", clean(extract_text(bands[k], **text_settings))))
        cells = [RawCell(r, c, clean(cell_text(inside[k][n], box, text_settings)), rs, cs)
                 for n, (box, r, c, rs, cs) in enumerate(boxes)]
        xs = _lines([box[0] for box, *_ in boxes] + [box[2] for box, *_ in boxes])
        blocks.append(("row" if _one_row(boxes) else "table", Ruled(cells, xs)))
    if bands[-1]:
        blocks.append(("text", clean(extract_text(bands[-1], **text_settings))))
    return blocks


def _grid(boxes) -> list[tuple[tuple, int, int, int, int]] | None:
    """Each box with its (row, col, rowspan, colspan) on the grid of all box edges; None if
    the boxes do not make a table of at least two rows and two columns."""
    xs = _lines([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _lines([b[1] for b in boxes] + [b[3] for b in boxes])
    if len(xs) < 3 or len(ys) < 2 or len(boxes) < 2:
        return None
    out = []
    for b in boxes:
        c0, c1 = _index(xs, b[0]), _index(xs, b[2])
        r0, r1 = _index(ys, b[1]), _index(ys, b[3])
        out.append((b, r0, c0, max(1, r1 - r0), max(1, c1 - c0)))
    return sorted(out, key=lambda o: (o[1], o[2]))


def _one_row(boxes) -> bool:
    return all(r == 0 and rs == 1 for _b, r, _c, rs, _cs in boxes)


def same_rules(xs: list[float], under: list[float]) -> bool:
    """True when every column rule ``xs`` lies on one of ``under`` (a table continued below)."""
    return len(xs) >= 2 and all(min(abs(x - u) for u in under) <= 2 * EDGE_TOLERANCE for x in xs)


def column_of(xs: list[float], under: list[float]) -> list[int]:
    """Each of ``xs`` as the index of the nearest of ``under``."""
    return [_index(under, x) for x in xs]


def _lines(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > EDGE_TOLERANCE:
            out.append(v)
    return out


def _index(lines: list[float], v: float) -> int:
    return min(range(len(lines)), key=lambda i: abs(lines[i] - v))


def cell_text(chars: list[dict], box: tuple, text_settings: dict) -> str:
    """The text of one cell: its lines, wrapped lines joined, authored breaks kept."""
    if not chars:
        return ""
    from operator import itemgetter

    from pdfplumber.utils import cluster_objects, extract_text

    lines = cluster_objects(chars, itemgetter("top"), text_settings.get("y_tolerance", 3))
    lines.sort(key=lambda ln: min(c["top"] for c in ln))
    out = ""
    for n, line in enumerate(lines):
        text = extract_text(line, **text_settings).replace("\n", " ").strip()
        if not text:
            continue
        if out:
            prev = lines[n - 1]
            size = max(c["size"] for c in prev)
            wrapped = box[2] - max(c["x1"] for c in prev) <= WRAP_EM * size
            if wrapped:
                latin = out[-1].isascii() and out[-1].isalnum() and text[0].isascii() and text[0].isalnum()
                out += (" " if latin else "") + text
                continue
            out += "\n"
        out += text
    return out
