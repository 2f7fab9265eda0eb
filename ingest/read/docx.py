"""Word documents (.docx) → a ``Document``: every table in body order, paragraphs as headings.

The cells come from the WordprocessingML itself, not from python-docx's ``Table.cell()``
(which repeats one ``_tc`` over every grid position it covers): a ``<w:tc>`` spans
``<w:gridSpan>`` grid columns, starts after ``<w:gridBefore>`` in its row, and a
``<w:vMerge/>`` without ``restart`` continues the cell above, so a 一级 label merged down
four rows is one ``Cell`` with ``rowspan=4``.

Nested tables: a table of one cell that holds tables is a layout frame and its content is
read as body content; a table nested inside a real cell is flattened into that cell's
text, one line per nested row with its cells joined by a space. Text boxes' fallback
copies (``mc:Fallback``) and deleted revisions are skipped, so no text is read twice.

A .docx without tables is read as its paragraphs: a table pasted as text (pipe rows,
tab-separated) is found by ``ingest.read.textgrid``; otherwise the text goes to the
layout parser, as a .txt would.

Example: ``read_docx(Path("申报表.docx").read_bytes(), "申报表.docx").tables[0].rows()[0]``
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from ingest.errors import IngestError
from ingest.read.archive import encrypted_error, open_zip, sniff
from ingest.read.cells import MAX_ROWS, check_size, lay_out
from ingest.read.document import Document, normalize_text
from ingest.read.grid import GridText, RawCell

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Elements that only wrap body or row content (content controls, custom XML, smart tags).
_WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"}
_SKIP = {MC_FALLBACK, W + "del", W + "moveFrom", W + "instrText", W + "delText", W + "tblPr",
         W + "rPr", W + "pPr"}


def read_docx(data: bytes, name: str) -> Document:
    """Read a .docx: tables as grids with their spans, the paragraphs around them as headings.

    Example: ``read_docx(data, "a.docx").kind`` → ``"docx"``
    """
    kind = sniff(data)
    if kind == "encrypted":
        raise encrypted_error(name, "docx")
    if kind == "ole":
        raise IngestError("this is a legacy Word .doc (or .wps) file under a .docx name", file=name,
                          hint=f"convert it first: libreoffice --headless --convert-to docx {_base(name)}")
    open_zip(data, name, "docx")
    body = _body(data, name)
    g = GridText()
    state = _State(name)
    for el in _content(body):
        _read_block(el, g, state)
    if not g.tables:
        return _text_only(g.text, name)
    return Document(path=name, text=g.text, encoding="docx", kind="docx", tables=tuple(g.tables))


@dataclass
class _State:
    name: str
    n_tables: int = 0
    n_rows: int = 0


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _body(data: bytes, name: str):
    import docx

    try:
        return docx.Document(io.BytesIO(data)).element.body
    except Exception as exc:  # python-docx raises KeyError, ValueError, PackageNotFoundError, lxml errors
        reason = str(exc).strip() or type(exc).__name__
        raise IngestError(f"not a readable .docx: {reason}", file=name,
                          hint="open it in Word or LibreOffice and save it again as .docx") from None


def _content(parent):
    """The block-level children (paragraphs, tables) of a body or cell, wrappers opened."""
    for el in parent:
        if el.tag in _WRAPPERS:
            yield from _content(el)
        elif el.tag in (W + "p", W + "tbl"):
            yield el


def _read_block(el, g: GridText, state: _State) -> None:
    if el.tag == W + "p":
        g.add_heading(paragraph_text(el))
        return
    rows = table_cells(el)
    frame = _frame_cell(rows)
    if frame is not None:                  # a one-cell layout frame around real content
        for inner in _content(frame):
            _read_block(inner, g, state)
        return
    state.n_tables += 1
    cells = [c for row in rows for c, _tc in row]
    state.n_rows += len(rows)
    check_size(state.n_rows, 0, state.name, "the document")
    lay_out(g, cells, f"table {state.n_tables}")


def _frame_cell(rows):
    """The ``w:tc`` of a table that is one cell holding tables, else None."""
    tcs = [tc for row in rows for _c, tc in row]
    if len(tcs) == 1 and tcs[0].find(f".//{W}tbl") is not None:
        return tcs[0]
    return None


def table_cells(tbl) -> list[list[tuple[RawCell, object]]]:
    """The cells of one ``w:tbl`` with true spans: per row, (RawCell, its w:tc) for each cell
    that starts in the row (vertical continuations extend the cell above instead).

    Example: a 一级 cell with ``vMerge restart`` over three rows → one RawCell, rowspan 3.
    """
    rows: list[list[list]] = []           # [row][k] = [row, col, text, rowspan, colspan, tc]
    open_: dict[int, list] = {}           # grid column → the cell a vMerge may continue
    for r, tr in enumerate(_children(tbl, W + "tr")):
        if r > MAX_ROWS:
            break
        col = _int(tr.find(f"{W}trPr/{W}gridBefore"), 0)
        row: list[list] = []
        continued: set[int] = set()
        for tc in _children(tr, W + "tc"):
            span = max(1, _int(tc.find(f"{W}tcPr/{W}gridSpan"), 1))
            vmerge = tc.find(f"{W}tcPr/{W}vMerge")
            text = cell_text(tc)
            if vmerge is not None and vmerge.get(W + "val", "continue") == "continue" and col in open_:
                above = open_[col]
                above[3] = r - above[0] + 1
                if text:                  # Word keeps a merged range's text in its first cell
                    above[2] = (above[2] + "\n" + text).strip("\n")
                continued.add(col)
            else:
                cell = [r, col, text, 1, span, tc]
                row.append(cell)
                for k in range(col, col + span):
                    open_.pop(k, None)
                open_[col] = cell
                continued.add(col)
            col += span
        for k in [k for k in open_ if k not in continued]:
            del open_[k]                  # a merge ends where the next row has no continuation
        rows.append(row)
    return [[(RawCell(c[0], c[1], c[2], c[3], c[4]), c[5]) for c in row] for row in rows]


def _children(el, tag: str):
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tag)


def _int(el, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(W + "val"))
    except (TypeError, ValueError):
        return default


def cell_text(tc) -> str:
    """A cell's paragraphs, one a line; a nested table one line per row, cells joined by a space."""
    lines: list[str] = []
    for el in _content(tc):
        if el.tag == W + "p":
            lines.append(paragraph_text(el))
        else:
            for row in table_cells(el):
                lines.append(" ".join(c.text.replace("\n", " ") for c, _tc in row if c.text))
    return "\n".join(ln for ln in lines if ln.strip())


def paragraph_text(p) -> str:
    """The visible text of a ``w:p``: runs, tabs as a space, breaks as line breaks."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag == W + "t":
                out.append(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                out.append(" ")
            elif tag in (W + "br", W + "cr"):
                out.append("\n")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _text_only(text: str, name: str) -> Document:
    """A .docx without tables: its paragraphs as text, with any table pasted as text."""
    from ingest.read.textgrid import text_tables

    text = normalize_text(text)
    if not text.strip():
        raise IngestError("the document is empty: no table and no text", file=name,
                          hint="is this the right file? A scanned page pasted as a picture needs OCR")
    return Document(path=name, text=text, encoding="docx", kind="docx", tables=tuple(text_tables(text, name)))
