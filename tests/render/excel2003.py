"""The two ".xls" files web budget systems export, which are not BIFF8 workbooks:

- ``xls_xml``: an Excel 2003 XML Spreadsheet (SpreadsheetML) saved as ``.xls``: cells placed by
  ``ss:Index`` where a merge from above covers the columns before them, merges as
  ``ss:MergeAcross``/``ss:MergeDown``, amounts as numbers with named or explicit number formats
  (``Fixed``, ``Standard``, ``Percent``, ``0.0``);
- ``xls_html``: an HTML table with Excel's namespaces and ``mso-number-format`` styles, saved as
  ``.xls`` ("Excel web page"); the title and preamble are rows of the table, as Excel exports them.

A true BIFF8 ``.xls`` is not rendered: no maintained writer exists (xlwt is unmaintained).

Example: ``write_xls_xml(load_spec("zipingbiao"), tmp_path / "t.xls")``
"""
from __future__ import annotations

from decimal import Decimal
from html import escape

_SAME_CELL_BR = "<br style='mso-data-placement:same-cell'/>"
from pathlib import Path

from render.spec import Spec, is_number_text, line_text

_NAMED = {"0.00": "Fixed", "#,##0.00": "Standard", "0.00%": "Percent"}


def stored_number(text: str, xl: str | None) -> tuple[str, str] | None:
    """(value, number format) when Excel would hold ``text`` as a number, else None."""
    if xl == "percent" and text.endswith("%") and is_number_text(text[:-1]):
        digits = len(text[:-1].partition(".")[2])
        return str(Decimal(text[:-1]) / 100), ("0." + "0" * digits + "%") if digits else "0%"
    if xl == "text" or not is_number_text(text):
        return None
    plain = text.replace(",", "")
    digits = len(plain.partition(".")[2])
    fmt = ("#,##0" if "," in text else "0") + ("." + "0" * digits if digits else "")
    return plain, fmt


def _rows_around(spec: Spec) -> tuple[list[list[tuple]], int]:
    """Title, preamble, table and footer as rows of (col, rs, cs, text, xl); the table's top row."""
    n = spec.grid.n_cols
    rows: list[list[tuple]] = [[(0, 1, n, spec.title, "text")]]
    for item in spec.preamble:
        if isinstance(item, str):
            rows.append([(0, 1, n, item, "text")])
        else:
            left, right = item
            right_span = 2 if n >= 4 else 1
            row = [(0, 1, n - right_span, left, "text")] if left else []
            rows.append(row + [(n - right_span, 1, right_span, right, "text")])
    top = len(rows)
    for r in range(spec.grid.n_rows):
        rows.append([(c.col, c.rs, c.cs, c.text, c.xl) for c in spec.grid.row_cells(r)])
    rows += [[(0, 1, n, line_text(x), "text")] for x in spec.footer]
    return rows, top


def write_xls_xml(spec: Spec, path: Path) -> Path:
    rows, _ = _rows_around(spec)
    formats: dict[str, str] = {}
    body = []
    for row in rows:
        cells, expect = [], 0
        for col, rs, cs, text, xl in row:
            attrs = f' ss:Index="{col + 1}"' if col != expect else ""
            attrs += (f' ss:MergeAcross="{cs - 1}"' if cs > 1 else "") + (f' ss:MergeDown="{rs - 1}"' if rs > 1 else "")
            number = stored_number(text, xl) if text else None
            if number:
                value, fmt = number
                style = formats.setdefault(fmt, f"s{len(formats) + 1}")
                cells.append(f'<Cell ss:StyleID="{style}"{attrs}><Data ss:Type="Number">{value}</Data></Cell>')
            elif text:
                cells.append(f'<Cell{attrs}><Data ss:Type="String">{escape(text)}</Data></Cell>')
            else:
                cells.append(f"<Cell{attrs}/>")
            expect = col + cs
        body.append("   <Row>" + "".join(cells) + "</Row>")
    styles = "".join(f'<Style ss:ID="{sid}"><NumberFormat ss:Format="{escape(_NAMED.get(fmt, fmt))}"/></Style>'
                     for fmt, sid in formats.items())
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles><Style ss:ID="Default" ss:Name="Normal"><Font ss:FontName="宋体" ss:Size="11"/></Style>{styles}</Styles>
 <Worksheet ss:Name="{escape(getattr(spec.module, 'SHEET', 'Sheet1'))}">
  <Table ss:ExpandedColumnCount="{spec.grid.n_cols}" ss:ExpandedRowCount="{len(rows)}">
{chr(10).join(body)}
  </Table>
 </Worksheet>
</Workbook>
"""
    path.write_text(xml, "utf-8")
    return path


def write_xls_html(spec: Spec, path: Path) -> Path:
    rows, _ = _rows_around(spec)
    classes: dict[str, str] = {}
    trs = []
    for row in rows:
        tds = []
        for _col, rs, cs, text, xl in row:
            attrs = (f" rowspan={rs}" if rs > 1 else "") + (f" colspan={cs}" if cs > 1 else "")
            number = stored_number(text, xl) if text else None
            if number:
                value, fmt = number
                cls = classes.setdefault(fmt, f"xl{65 + len(classes)}")
                tds.append(f"<td class={cls}{attrs} x:num=\"{value}\">{escape(text)}</td>")
            else:
                # Excel writes a line break inside a cell so
                tds.append(f"<td{attrs}>{escape(text).replace(chr(10), _SAME_CELL_BR)}</td>")
        trs.append("<tr height=19>" + "".join(tds) + "</tr>")
    css = "\n".join(f'.{cls} {{mso-number-format:"{fmt.replace(".", chr(92) + ".")}";}}' for fmt, cls in classes.items())
    enc = spec.html_encoding
    page = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset={enc}">
<meta name=ProgId content=Excel.Sheet>
<meta name=Generator content="Microsoft Excel 15">
<style>
td {{mso-style-parent:style0; font-family:宋体; border:.5pt solid windowtext;}}
{css}
</style>
</head>
<body link=blue vlink=purple>
<table border=0 cellpadding=0 cellspacing=0 style='border-collapse:collapse;table-layout:fixed'>
{chr(10).join(trs)}
</table>
</body>
</html>
"""
    path.write_bytes(page.encode(enc))
    return path
