"""Legacy Excel workbooks (.xls, BIFF) → a ``Document`` with one table per sheet, via xlrd.

The same rules as ``ingest.read.xlsx``: every visible sheet, merged ranges as spans
(xlrd's ``merged_cells`` needs ``formatting_info=True``), numbers and dates printed
through their number format, title rows as headings. An ".xls" that is really an .xlsx
or an HTML table (what many web systems export) is sent by ``read_path`` to the right
reader. A file xlrd cannot
read (damaged, encrypted, or a format xlrd does not know) is refused with the command
that converts it.

Example: ``read_xls(Path("自评表.xls").read_bytes(), "自评表.xls").tables[0].rows()[0]``
"""
from __future__ import annotations

from ingest.errors import IngestError
from ingest.read.archive import empty_error, encrypted_error, sniff
from ingest.read.cells import MAX_ROWS, Workbook, check_size
from ingest.read.document import Document
from ingest.read.grid import RawCell
from ingest.read.numfmt import format_value

_CONVERT = "libreoffice --headless --convert-to xlsx {}"


def read_xls(data: bytes, name: str) -> Document:
    """Read every visible sheet of an .xls into tables laid out as text.

    Example: ``read_xls(data, "a.xls").kind`` → ``"xls"``
    """
    kind = sniff(data)
    if kind in ("zip", "html", "xmlss"):   # read_path sends these to their own readers
        real = {"zip": ".xlsx", "html": ".html", "xmlss": ".xml"}[kind]
        raise IngestError(f"this is not an .xls but an {real} file", file=name, hint=f"rename it to {real}")
    if kind == "encrypted":
        raise encrypted_error(name, "xls")
    if not data:
        raise empty_error(name)
    book = _open(data, name)
    wb = Workbook(name, "xls")
    for sheet in book.sheets():
        if sheet.visibility:               # 1 hidden, 2 very hidden
            continue
        check_size(sheet.nrows, 0, name, f"sheet {sheet.name}")
        wb.add(sheet.name, list(sheet_cells(book, sheet)))
    return wb.document()


def _open(data: bytes, name: str):
    import xlrd

    hint = "convert it first: " + _CONVERT.format(name.rsplit("/", 1)[-1])
    try:
        return xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False,
                                  logfile=_Quiet())
    except xlrd.biffh.XLRDError as exc:
        reason = str(exc)
        if "encrypted" in reason.lower():
            raise encrypted_error(name, "xls") from None
        raise IngestError(f"not a readable .xls: {reason}", file=name, hint=hint) from None
    except NotImplementedError as exc:     # formatting_info on a BIFF version xlrd cannot format
        raise IngestError(f"not a readable .xls: {exc}", file=name, hint=hint) from None
    except Exception as exc:  # xlrd raises struct.error, IndexError, AssertionError … on damaged files
        reason = str(exc).strip() or type(exc).__name__
        raise IngestError(f"not a readable .xls (damaged or truncated): {reason}", file=name, hint=hint) from None


class _Quiet:
    """xlrd writes warnings to a log file object; keep them off the terminal."""

    def write(self, _s: str) -> None:
        pass


def sheet_cells(book, sheet):
    """The printed cells of one xlrd sheet as ``RawCell``s, merged ranges as spans."""
    import xlrd

    spans = {(rlo, clo): (rhi - rlo, chi - clo) for rlo, rhi, clo, chi in sheet.merged_cells}
    covered = {(r, c) for rlo, rhi, clo, chi in sheet.merged_cells
               for r in range(rlo, rhi) for c in range(clo, chi) if (r, c) != (rlo, clo)}
    for r in range(min(sheet.nrows, MAX_ROWS + 1)):
        for c in range(sheet.row_len(r)):
            if (r, c) in covered:
                continue
            cell = sheet.cell(r, c)
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            text = _text(book, cell, sheet.cell_xf_index(r, c))
            if text.strip():
                rowspan, colspan = spans.get((r, c), (1, 1))
                yield RawCell(r, c, text.replace("\t", " "), rowspan, colspan)


def _text(book, cell, xf_index: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell.value
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return format_value(bool(cell.value), None)
    fmt = _format(book, xf_index)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return format_value(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode), fmt)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return format_value(cell.value, None)
    return format_value(cell.value, fmt)


def _format(book, xf_index: int) -> str | None:
    try:
        return book.format_map[book.xf_list[xf_index].format_key].format_str
    except (IndexError, KeyError, AttributeError):
        return None
