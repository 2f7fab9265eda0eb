"""Excel 2003 XML spreadsheets (SpreadsheetML, ``<?mso-application progid="Excel.Sheet"?>``) →
a ``Document`` with one table per worksheet.

Excel saves this format as ``.xml`` ("XML Spreadsheet 2003"), and many Java web systems
export their "Excel" downloads in it under an ``.xls`` name; ``read_path`` sends both here by
their bytes. The rules are those of ``ingest.read.xlsx``: every visible worksheet,
``ss:MergeAcross``/``ss:MergeDown`` as spans (a cell starts at ``ss:Index`` or after the
previous one, skipping positions a merge from above covers), numbers printed through their
style's number format, title rows as headings.

Example: ``read_xmlss(Path("export.xls").read_bytes(), "export.xls").tables[0].rows()[0]``
"""
from __future__ import annotations

from datetime import datetime

from ingest.errors import IngestError
from ingest.read.cells import MAX_ROWS, Workbook, check_size
from ingest.read.document import Document
from ingest.read.grid import RawCell
from ingest.read.numfmt import format_value

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
X = "{urn:schemas-microsoft-com:office:excel}"
#: SpreadsheetML's named number formats, as format codes.
NAMED_FORMATS = {
    "general": "General", "general number": "General", "fixed": "0.00", "standard": "#,##0.00",
    "percent": "0.00%", "scientific": "0.00E+00", "currency": "#,##0.00", "euro currency": "#,##0.00",
    "short date": "yyyy-mm-dd", "medium date": "yyyy-mm-dd", "long date": "yyyy-mm-dd",
    "general date": "yyyy-mm-dd hh:mm:ss", "short time": "hh:mm", "medium time": "hh:mm:ss",
    "long time": "hh:mm:ss", "yes/no": "General", "true/false": "General", "on/off": "General",
}


def read_xmlss(data: bytes, name: str) -> Document:
    """Read every visible worksheet of an Excel 2003 XML spreadsheet.

    Example: ``read_xmlss(data, "a.xml").kind`` → ``"xmlss"``
    """
    root = _parse(data, name)
    formats = _formats(root)
    wb = Workbook(name, "xmlss")
    for ws in root.iter(SS + "Worksheet"):
        if (ws.findtext(f"{X}WorksheetOptions/{X}Visible") or "").strip().lower() in ("sheethidden",
                                                                                     "sheetveryhidden"):
            continue
        title = ws.get(SS + "Name", "")
        table = ws.find(SS + "Table")
        wb.add(title, list(sheet_cells(table, formats, name, title)) if table is not None else [])
    return wb.document()


def _parse(data: bytes, name: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        root, reason = None, str(exc)
    else:
        reason = "no <Workbook> element"
    if root is None or root.tag != SS + "Workbook":
        raise IngestError(f"not a readable Excel XML spreadsheet: {reason}", file=name,
                          hint="open it in Excel or LibreOffice and save it as .xlsx")
    return root


def _formats(root) -> dict[str, str]:
    out = {}
    for style in root.iter(SS + "Style"):
        nf = style.find(SS + "NumberFormat")
        if nf is not None and nf.get(SS + "Format"):
            fmt = nf.get(SS + "Format")
            out[style.get(SS + "ID", "")] = NAMED_FORMATS.get(fmt.lower(), fmt)
    return out


def sheet_cells(table, formats: dict[str, str], name: str, title: str):
    """The printed cells of one ``<Table>`` as ``RawCell``s (0-based), merges as spans."""
    taken: set[tuple[int, int]] = set()
    r = -1
    for row in table.iter(SS + "Row"):
        r = _index(row, r)
        check_size(r + 1, 0, name, f"sheet {title}")
        c = -1
        for cell in row.iter(SS + "Cell"):
            given = cell.get(SS + "Index")
            c = _index(cell, c)
            while given is None and (r, c) in taken:
                c += 1
            colspan = 1 + _int(cell.get(SS + "MergeAcross"))
            rowspan = 1 + _int(cell.get(SS + "MergeDown"))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            data = cell.find(SS + "Data")
            text = _text(data, formats.get(cell.get(SS + "StyleID", ""))) if data is not None else ""
            if text.strip():
                yield RawCell(r, c, text.replace("\t", " "), rowspan, colspan)
            c += colspan - 1
        if r > MAX_ROWS:
            break


def _index(el, previous: int) -> int:
    given = el.get(SS + "Index")
    return _int(given) - 1 if given else previous + 1


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _text(data, fmt: str | None) -> str:
    raw = "".join(data.itertext())
    kind = data.get(SS + "Type", "String")
    try:
        if kind == "Number":
            return format_value(float(raw), fmt)
        if kind == "DateTime":
            return format_value(datetime.fromisoformat(raw.strip()[:19]), fmt)
        if kind == "Boolean":
            return format_value(raw.strip() in ("1", "true", "TRUE"), None)
    except ValueError:
        pass
    return raw
