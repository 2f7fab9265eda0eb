"""Excel workbooks (.xlsx, .xlsm) → a ``Document`` with one table per sheet.

Every visible worksheet is read (hidden sheets hold a template's drop-down lists, not the
published table). Merged ranges become one cell with its row and column spans; only the
top-left cell of a range carries text, as in Excel. Formulas give their cached values
(``data_only``), and numbers and dates are printed as Excel shows them, through their
number format (``ingest.read.numfmt``): ``1,234,567.00``, ``95%``, ``2021年1月1日``.

A sheet is one table, whatever blank rows separate its blocks (the interpreter finds the
sections by their labels); its leading one-cell rows (the title, ``单位：万元``) are laid out
as headings before it (``ingest.read.cells``), and so is the sheet's name unless it is a
default one (``Sheet1``, ``工作表1``). (``read_path`` sends a workbook that is really an
.xls or an HTML page, which web systems export under Excel names, to the right reader.)

Example: ``read_xlsx(Path("申报表.xlsx").read_bytes(), "申报表.xlsx").tables[0].rows()[0]``
"""
from __future__ import annotations

import io
import warnings

from ingest.errors import IngestError
from ingest.read.archive import encrypted_error, open_zip, sniff
from ingest.read.cells import MAX_CELLS, MAX_ROWS, Workbook, check_size
from ingest.read.document import Document
from ingest.read.grid import RawCell
from ingest.read.numfmt import format_value



#: Unpacked sheet XML beyond this is refused before openpyxl loads it (about a million cells,
#: a gigabyte of memory in openpyxl's normal mode); a unit's flat table of 2,000 projects is ~30 MB.
MAX_SHEET_XML = 64 * 1024 * 1024


def read_xlsx(data: bytes, name: str) -> Document:
    """Read every visible sheet of an .xlsx into tables laid out as text.

    Example: ``read_xlsx(data, "a.xlsx").kind`` → ``"xlsx"``
    """
    kind = sniff(data)
    if kind == "encrypted":
        raise encrypted_error(name, "xlsx")
    if kind in ("ole", "html", "xmlss"):   # read_path sends these to their own readers
        real = {"ole": ".xls", "html": ".html", "xmlss": ".xml"}[kind]
        raise IngestError(f"this is not an .xlsx but an {real} file", file=name, hint=f"rename it to {real}")
    sheets = sum(i.file_size for i in open_zip(data, name, "xlsx").infolist()
                 if i.filename.startswith("xl/worksheets/"))
    if sheets > MAX_SHEET_XML:
        raise IngestError(f"refused: its sheets unpack to {sheets / 2**20:,.0f} MB of cells, far more than "
                          "a performance-target table", file=name,
                          hint=f"keep only the sheets to ingest (limit {MAX_SHEET_XML // 2**20} MB of sheet data)")
    book = _load(data, name)
    wb = Workbook(name, "xlsx")
    for ws in book.worksheets:
        if ws.sheet_state == "visible":
            wb.add(ws.title, list(sheet_cells(ws, name)))
    return wb.document()


def _load(data: bytes, name: str):
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # "Data Validation extension is not supported" …
            # read_only mode cannot see merged cells; data_only gives formulas' cached values
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, lxml errors … on damaged parts
        reason = str(exc).strip() or type(exc).__name__
        raise IngestError(f"not a readable .xlsx: {reason}", file=name,
                          hint="open it in Excel or LibreOffice and save it again as .xlsx") from None


def sheet_cells(ws, name: str):
    """The printed cells of one worksheet as ``RawCell``s (0-based), merged ranges as spans."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
    # ws._cells holds only the cells the file defines; iter_rows() would create every cell
    # up to the sheet's dimension (a formatted column reaches row 1,048,576).
    defined = ws._cells
    if len(defined) > MAX_CELLS:
        check_size(0, len(defined), name, f"sheet {ws.title}")
    for (r, c), cell in sorted(defined.items()):
        value = cell.value
        if value is None:          # openpyxl empties the covered cells of a merged range
            continue
        text = format_value(value, cell.number_format)
        if not text.strip():
            continue
        if r > MAX_ROWS:
            check_size(r, 0, name, f"sheet {ws.title}")
        rowspan, colspan = spans.get((r, c), (1, 1))
        yield RawCell(r - 1, c - 1, text.replace("\t", " "), rowspan, colspan)
