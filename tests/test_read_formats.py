"""ingest/read: one small 申报表 (made up) as .xlsx, .xls, .docx, HTML, ruled PDF and pipe text gives
the same grid (and so does its Excel 2003 XML export under an .xls name); each reader's own cases (spans, numbers as printed, chrome, nested tables, wrapped
PDF lines); every unreadable input is a clear IngestError naming the file.

The table, as printed (merged cells drawn once):

    2022年度项目支出绩效目标申报表
    单位：万元
    项目名称     | 乡村书屋运行维护 | 主管部门 | 青山县文化和旅游局
    年度资金总额 | 48.50 (across three columns)
    一级指标     | 二级指标 | 三级指标 | 指标值
    产出指标 (3 rows) | 数量指标 (2 rows) | 开放书屋数量 | ≥12个
                      |                   | 新增图书册数 | 3000册
                      | 时效指标          | 采购完成时间 | 2022年10月底前
    效益指标     | 社会效益指标 | 村民借阅人次 | ≥5000人次
    满意度指标   | 服务对象满意度指标 | 村民满意度 | 90%
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.read import read_path
from ingest.read.numfmt import format_value

TITLE, UNIT = "2022年度项目支出绩效目标申报表", "单位：万元"

# (row, col, rowspan, colspan, text): the printed cells, worked out from the table above
CELLS = [
    (0, 0, 1, 1, "项目名称"), (0, 1, 1, 1, "乡村书屋运行维护"), (0, 2, 1, 1, "主管部门"), (0, 3, 1, 1, "青山县文化和旅游局"),
    (1, 0, 1, 1, "年度资金总额"), (1, 1, 1, 3, "48.50"),
    (2, 0, 1, 1, "一级指标"), (2, 1, 1, 1, "二级指标"), (2, 2, 1, 1, "三级指标"), (2, 3, 1, 1, "指标值"),
    (3, 0, 3, 1, "产出指标"), (3, 1, 2, 1, "数量指标"), (3, 2, 1, 1, "开放书屋数量"), (3, 3, 1, 1, "≥12个"),
    (4, 2, 1, 1, "新增图书册数"), (4, 3, 1, 1, "3000册"),
    (5, 1, 1, 1, "时效指标"), (5, 2, 1, 1, "采购完成时间"), (5, 3, 1, 1, "2022年10月底前"),
    (6, 0, 1, 1, "效益指标"), (6, 1, 1, 1, "社会效益指标"), (6, 2, 1, 1, "村民借阅人次"), (6, 3, 1, 1, "≥5000人次"),
    (7, 0, 1, 1, "满意度指标"), (7, 1, 1, 1, "服务对象满意度指标"), (7, 2, 1, 1, "村民满意度"), (7, 3, 1, 1, "90%"),
]
# every position, merged cells repeated over their span
ROWS = [
    ["项目名称", "乡村书屋运行维护", "主管部门", "青山县文化和旅游局"],
    ["年度资金总额", "48.50", "48.50", "48.50"],
    ["一级指标", "二级指标", "三级指标", "指标值"],
    ["产出指标", "数量指标", "开放书屋数量", "≥12个"],
    ["产出指标", "数量指标", "新增图书册数", "3000册"],
    ["产出指标", "时效指标", "采购完成时间", "2022年10月底前"],
    ["效益指标", "社会效益指标", "村民借阅人次", "≥5000人次"],
    ["满意度指标", "服务对象满意度指标", "村民满意度", "90%"],
]
# the grid as plain strings, "" where a merged cell covers the position
PLAIN = [[next((t for r0, c0, _rs, _cs, t in CELLS if (r0, c0) == (r, c)), "") for c in range(4)] for r in range(8)]
SPANS = [(r, c, rs, cs) for r, c, rs, cs, _t in CELLS if rs > 1 or cs > 1]


def assert_offsets(doc) -> None:
    for table in doc.tables:
        for c in table.cells:
            assert doc.text[c.start:c.end] == c.text, (table.source, c)


def cells_of(table) -> list[tuple]:
    return [(c.row, c.col, c.rowspan, c.colspan, c.text) for c in table.cells]


# ---- renderings of the table ------------------------------------------------------------

def make_xlsx(path: Path) -> Path:
    """The table at B3 (column A and row 2 left empty), title merged across, numbers as numbers."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["B1"] = TITLE
    ws.merge_cells("B1:E1")
    ws["E2"] = UNIT
    for r, c, rs, cs, text in CELLS:
        ws.cell(row=r + 4, column=c + 2, value=text)
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=r + 4, start_column=c + 2, end_row=r + 3 + rs, end_column=c + 1 + cs)
    ws["C5"] = 48.5
    ws["C5"].number_format = "0.00"
    ws["E11"] = 0.9
    ws["E11"].number_format = "0%"
    wb.save(path)
    return path


def make_xls(path: Path) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    ws.write_merge(0, 0, 0, 3, TITLE)
    ws.write(1, 3, UNIT)
    for r, c, rs, cs, text in CELLS:
        value, style = text, xlwt.XFStyle()
        if text == "48.50":
            value, style = 48.5, xlwt.easyxf(num_format_str="0.00")
        elif text == "90%":
            value, style = 0.9, xlwt.easyxf(num_format_str="0%")
        if rs > 1 or cs > 1:
            ws.write_merge(r + 2, r + 1 + rs, c, c - 1 + cs, value, style)
        else:
            ws.write(r + 2, c, value, style)
    wb.save(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    d.add_paragraph(UNIT)
    t = d.add_table(rows=8, cols=4)
    for r, c, rs, cs, text in CELLS:
        t.cell(r, c).text = text
    for r, c, rs, cs in SPANS:
        t.cell(r, c).merge(t.cell(r + rs - 1, c + cs - 1))
    d.add_paragraph("填表人：李四")
    d.save(path)
    return path


def html_table() -> str:
    rows = []
    for r in range(8):
        tds = []
        for r0, c0, rs, cs, text in CELLS:
            if r0 == r:
                attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
                tds.append(f"<td{attrs}>{text}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table border="1">\n' + "\n".join(rows) + "\n</table>"


def make_html(path: Path, encoding: str = "utf-8", meta: str | None = "utf-8") -> Path:
    """The table on a bureau's page: menu, breadcrumb, a layout table around it, a footer."""
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    page = f"""<!DOCTYPE html><html><head>{head}<title>青山县财政局</title>
<script>var x = "<table><tr><td>a</td><td>b</td></tr></table>";</script></head><body>
<table class="menu"><tr><td><a href="/">首页</a></td><td><a href="/gk">信息公开</a></td><td><a href="/ys">预决算</a></td></tr></table>
<div class="crumb"><a href="/">首页</a> &gt; <a href="/gk">信息公开</a></div>
<table width="960"><tr><td class="main">
<p>发布日期：2022-02-10</p>
<h3>{TITLE}</h3>
<p align="right">{UNIT}</p>
{html_table()}
<p>相关链接</p>
</td><td class="side"><a href="/a">通知公告</a><br><a href="/b">政策解读</a></td></tr></table>
<div class="footer">主办：青山县财政局 备案号：0000</div></body></html>"""
    path.write_bytes(page.encode(encoding))
    return path


def make_pdf(path: Path, rows_per_page: int | None = None) -> Path:
    """The table drawn with rules (reportlab platypus GRID, SPAN for the merges)."""
    from pdfrender import register_font
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = register_font("STSong-Light")
    style = ParagraphStyle("cell", fontName=font, fontSize=10, leading=13)
    data = [["" for _ in range(4)] for _ in range(8)]
    for r, c, _rs, _cs, text in CELLS:
        data[r][c] = Paragraph(text, style)
    table = Table(data, colWidths=[90, 110, 110, 100], repeatRows=0)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]
                              + [("SPAN", (c, r), (c + cs - 1, r + rs - 1)) for r, c, rs, cs in SPANS]))
    story = [Paragraph(TITLE, style), Paragraph(UNIT, style), table, Paragraph("填表人：李四", style)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def make_xmlss(path: Path) -> Path:
    """The table as Excel 2003 XML (what web systems export as .xls): merges as MergeAcross /
    MergeDown, a cell after covered positions placed by ss:Index, as Excel writes it."""
    rows = [f'<Row><Cell ss:MergeAcross="3"><Data ss:Type="String">{TITLE}</Data></Cell></Row>',
            f'<Row><Cell ss:Index="4"><Data ss:Type="String">{UNIT}</Data></Cell></Row>']
    for r in range(8):
        out, expected = [], 0
        for r0, c0, rs, cs, text in CELLS:
            if r0 != r:
                continue
            attrs = (f' ss:Index="{c0 + 1}"' if c0 != expected else "")
            attrs += (f' ss:MergeAcross="{cs - 1}"' if cs > 1 else "") + (f' ss:MergeDown="{rs - 1}"' if rs > 1 else "")
            if text == "48.50":
                data, attrs = '<Data ss:Type="Number">48.5</Data>', attrs + ' ss:StyleID="fixed"'
            elif text == "90%":
                data, attrs = '<Data ss:Type="Number">0.9</Data>', attrs + ' ss:StyleID="pct"'
            else:
                data = f'<Data ss:Type="String">{text}</Data>'
            out.append(f"<Cell{attrs}>{data}</Cell>")
            expected = c0 + cs
        rows.append("<Row>" + "".join(out) + "</Row>")
    xml = f"""<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
<Styles><Style ss:ID="fixed"><NumberFormat ss:Format="Fixed"/></Style><Style ss:ID="pct"><NumberFormat ss:Format="0%"/></Style></Styles>
<Worksheet ss:Name="Sheet1"><Table>{"".join(rows)}</Table></Worksheet></Workbook>"""
    path.write_text(xml, encoding="utf-8")
    return path


def pipe_text() -> str:
    """The table copied as pipe rows: a merged value repeated in each row it covers."""
    lines = [TITLE, UNIT, ""] + ["| " + " | ".join(row) + " |" for row in ROWS[:1]]
    lines += ["|---|---|---|---|"] + ["| " + " | ".join(row) + " |" for row in ROWS[1:]]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def renderings(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("formats")
    text = d / "copy.txt"
    text.write_text(pipe_text(), encoding="utf-8")
    return {"xlsx": make_xlsx(d / "t.xlsx"), "xls": make_xls(d / "t.xls"), "docx": make_docx(d / "t.docx"),
            "html": make_html(d / "t.html"), "pdf": make_pdf(d / "t.pdf"), "text": text,
            "xmlss": make_xmlss(d / "export.xls")}


# ---- the same table from every rendering ------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "xls", "xmlss", "docx", "html", "pdf", "text"])
def test_every_rendering_gives_the_same_grid(renderings, fmt):
    doc = read_path(renderings[fmt])
    assert doc.kind == fmt
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.rows() == ROWS
    assert (table.n_rows, table.n_cols) == (8, 4)
    assert_offsets(doc)
    # the title and the unit line are text before the table (its preamble), not rows
    preamble = doc.text[:table.cells[0].start]
    assert TITLE in preamble and UNIT in preamble


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "xmlss", "docx", "html", "pdf"])
def test_merged_cells_are_one_cell_with_spans(renderings, fmt):
    table = read_path(renderings[fmt]).tables[0]
    assert cells_of(table) == CELLS
    assert table.cell(5, 0).text == "产出指标" and table.cell(5, 0) is table.cell(3, 0)


def test_pipe_copy_has_no_spans(renderings):
    table = read_path(renderings["text"]).tables[0]
    assert all(c.rowspan == c.colspan == 1 for c in table.cells)
    assert len(table.cells) == 32      # every position printed, merged values repeated


def test_office_text_is_the_grid_laid_out(renderings):
    doc = read_path(renderings["xlsx"])
    lines = doc.text.split("\n")
    assert lines[:4] == [TITLE, UNIT, "项目名称 | 乡村书屋运行维护 | 主管部门 | 青山县文化和旅游局", "年度资金总额 | 48.50"]
    assert "新增图书册数 | 3000册" in lines


# ---- xlsx ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, fmt, printed", [
    (1234567.0, "#,##0.00", "1,234,567.00"),
    (1234567.0, "General", "1234567"),
    (3.0, "General", "3"),
    (0.1 + 0.2, "General", "0.3"),
    (48.5, "General", "48.5"),
    (0.95, "0%", "95%"),
    (0.955, "0.0%", "95.5%"),
    (2.5, "0", "3"),                        # Excel rounds half away from zero
    (12.5, '#,##0.00"万元"', "12.50万元"),
    (-1500, "#,##0;(#,##0)", "(1,500)"),
    (-1500, "#,##0;[Red]-#,##0", "-1,500"),
    (0, '0.00;-0.00;"-"', "-"),
    (1234.5, "#,##0.00_);(#,##0.00)", "1,234.50"),
    (7, "000", "007"),
    (datetime(2021, 3, 5), 'yyyy"年"m"月"d"日"', "2021年3月5日"),
    (datetime(2021, 3, 5), "yyyy-mm-dd", "2021-03-05"),
    (datetime(2021, 3, 5), "mm-dd-yy", "2021-03-05"),       # locale-dependent built-in: ISO
    (datetime(2021, 3, 5, 14, 7), "yyyy/m/d h:mm", "2021/3/5 14:07"),
])
def test_numbers_print_as_excel_shows_them(value, fmt, printed):
    assert format_value(value, fmt) == printed


def test_xlsx_numbers_dates_and_formulas_as_printed(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年度资金总额", 1234567.0, "执行率", 0.95, "日期", datetime(2022, 1, 1)])
    ws.append(["合计", "=1+1", "上年结转", 0, "人数", 12])
    ws["B1"].number_format = "#,##0.00"
    ws["D1"].number_format = "0%"
    ws["F1"].number_format = "yyyy-mm-dd"
    path = tmp_path / "n.xlsx"
    wb.save(path)
    # openpyxl saves no cached value for a formula; give it one, as Excel would
    data = _patch_zip(path.read_bytes(), "xl/worksheets/sheet1.xml", b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
    path.write_bytes(data)
    doc = read_path(path)
    assert doc.tables[0].rows() == [["年度资金总额", "1,234,567.00", "执行率", "95%", "日期", "2022-01-01"],
                                    ["合计", "2", "上年结转", "0", "人数", "12"]]


def _patch_zip(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                assert old in body
                body = body.replace(old, new)
            dst.writestr(info, body)
    return out.getvalue()


def test_xlsx_every_visible_sheet_in_order(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "村级项目"
    first.append(["项目名称", "道路硬化"])
    first.append(["主管部门", "交通局"])
    lists = wb.create_sheet("下拉选项")
    lists.append(["产出指标", "效益指标"])
    lists.append(["数量指标", "质量指标"])
    lists.sheet_state = "hidden"
    second = wb.create_sheet("Sheet3")
    second.append(["项目名称", "饮水安全"])
    second.append(["多行", "第一行\n第二行"])
    path = tmp_path / "s.xlsx"
    wb.save(path)
    doc = read_path(path)
    assert [t.source for t in doc.tables] == ["sheet 村级项目", "sheet Sheet3"]
    assert doc.text.split("\n")[0] == "村级项目"          # a sheet's own name is a heading
    assert "Sheet3" not in doc.text                     # a default name is not
    assert doc.tables[1].rows()[1] == ["多行", "第一行\n第二行"]
    assert "下拉选项" not in doc.text and "质量指标" not in doc.text
    assert_offsets(doc)


def test_xlsx_blank_rows_between_blocks_stay_one_table(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称", "道路硬化"])
    ws.append([])
    ws.append([])
    ws.append(["一级指标", "二级指标", "三级指标"])
    ws.append(["产出指标", "数量指标", "硬化里程"])
    path = tmp_path / "b.xlsx"
    wb.save(path)
    (table,) = read_path(path).tables
    assert table.rows() == [["项目名称", "道路硬化", ""], ["一级指标", "二级指标", "三级指标"],
                            ["产出指标", "数量指标", "硬化里程"]]


def test_xlsx_that_is_really_an_xls_or_html(tmp_path, renderings):
    disguised = tmp_path / "really-xls.xlsx"
    disguised.write_bytes(renderings["xls"].read_bytes())
    assert read_path(disguised).tables[0].rows() == ROWS
    exported = tmp_path / "export.xls"             # web systems export HTML tables as .xls
    exported.write_bytes(renderings["html"].read_bytes())
    doc = read_path(exported)
    assert doc.kind == "html" and doc.tables[0].rows() == ROWS


# ---- xls ----------------------------------------------------------------------------------

def test_xls_sheet_name_and_spans(tmp_path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("自评表")
    ws.write_merge(0, 1, 0, 0, "产出指标(50分)")
    ws.write(0, 1, "数量指标")
    ws.write(0, 2, 20)
    ws.write(1, 1, "质量指标")
    ws.write(1, 2, 30.0)
    path = tmp_path / "z.xls"
    wb.save(str(path))
    doc = read_path(path)
    assert doc.kind == "xls" and doc.text.startswith("自评表\n")
    assert cells_of(doc.tables[0]) == [(0, 0, 2, 1, "产出指标(50分)"), (0, 1, 1, 1, "数量指标"), (0, 2, 1, 1, "20"),
                                       (1, 1, 1, 1, "质量指标"), (1, 2, 1, 1, "30")]


def test_damaged_xls_names_the_conversion(tmp_path, renderings):
    path = tmp_path / "cut.xls"
    path.write_bytes(renderings["xls"].read_bytes()[:1500])
    with pytest.raises(IngestError) as e:
        read_path(path)
    assert e.value.file == str(path) and "not a readable .xls" in e.value.message
    assert e.value.hint == "convert it first: libreoffice --headless --convert-to xlsx cut.xls"


# ---- docx ---------------------------------------------------------------------------------

def test_docx_paragraphs_between_tables_are_headings(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("一、项目基本情况")
    t1 = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "项目名称", (0, 1): "污水管网改造", (1, 0): "实施单位", (1, 1): "某镇人民政府"}.items():
        t1.cell(r, c).text = text
    d.add_paragraph("二、绩效指标")
    t2 = d.add_table(rows=3, cols=3)
    for r, row in enumerate([["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", "管网长度"],
                             ["", "质量指标", "验收合格率"]]):
        for c, text in enumerate(row):
            t2.cell(r, c).text = text
    t2.cell(1, 0).merge(t2.cell(2, 0))
    # a cell with two paragraphs and a line break
    t1.cell(1, 1).add_paragraph("（盖章）")
    path = tmp_path / "two.docx"
    d.save(path)
    doc = read_path(path)
    assert [t.source for t in doc.tables] == ["table 1", "table 2"]
    assert doc.tables[0].rows() == [["项目名称", "污水管网改造"], ["实施单位", "某镇人民政府\n（盖章）"]]
    assert cells_of(doc.tables[1])[3] == (1, 0, 2, 1, "产出指标")
    between = doc.text[doc.tables[0].cells[-1].end:doc.tables[1].cells[0].start]
    assert "二、绩效指标" in between and doc.text.startswith("一、项目基本情况\n")
    assert_offsets(doc)


def test_docx_irregular_grid(tmp_path):
    """Word's grid has a column no cell starts in (cell edges that do not line up), and a row
    that starts after ``w:gridBefore``: the column goes, the spans shrink, the row keeps its place."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    t = d.add_table(rows=3, cols=4)
    for r, row in enumerate([["项目名称", "河道清淤", "", "实施期"], ["主管部门", "水利局", "", "1年"],
                             ["", "备注", "", "无"]]):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    for r in range(3):
        t.cell(r, 1).merge(t.cell(r, 2))        # grid column 2: no cell starts there
    # the last row begins after one empty grid column (w:gridBefore), its first w:tc removed
    tr = t.rows[2]._tr
    tr.remove(tr.tc_lst[0])
    tr.insert(0, parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>'))
    path = tmp_path / "grid.docx"
    d.save(path)
    (table,) = read_path(path).tables
    assert cells_of(table) == [(0, 0, 1, 1, "项目名称"), (0, 1, 1, 1, "河道清淤"), (0, 2, 1, 1, "实施期"),
                               (1, 0, 1, 1, "主管部门"), (1, 1, 1, 1, "水利局"), (1, 2, 1, 1, "1年"),
                               (2, 1, 1, 1, "备注"), (2, 2, 1, 1, "无")]


def test_docx_nested_tables(tmp_path):
    """A one-cell frame around the real table is unwrapped; a table inside a real cell is flattened."""
    import docx

    d = docx.Document()
    frame = d.add_table(rows=1, cols=1)            # a one-cell layout frame around the real table
    cell = frame.cell(0, 0)
    cell.text = "附表"
    inner = cell.add_table(rows=3, cols=3)
    inner.cell(0, 0).text = "资金情况"
    inner.cell(0, 1).merge(inner.cell(0, 2))
    money = inner.cell(0, 1).add_table(rows=2, cols=2)   # nested inside a real cell
    for (r, c), text in {(0, 0): "年度资金总额", (0, 1): "20", (1, 0): "其中：财政拨款", (1, 1): "15"}.items():
        money.cell(r, c).text = text
    inner.cell(1, 0).text = "项目名称"
    inner.cell(1, 1).merge(inner.cell(1, 2)).text = "河道清淤"
    inner.cell(2, 0).text = "实施单位"
    inner.cell(2, 1).text = "水利站"
    inner.cell(2, 2).text = "联系人"
    path = tmp_path / "nested.docx"
    d.save(path)
    doc = read_path(path)
    (table,) = doc.tables
    assert doc.text.startswith("附表\n")
    assert table.rows() == [["资金情况", "年度资金总额 20\n其中：财政拨款 15", "年度资金总额 20\n其中：财政拨款 15"],
                            ["项目名称", "河道清淤", "河道清淤"],
                            ["实施单位", "水利站", "联系人"]]
    assert_offsets(doc)


def test_docx_without_tables_reads_its_text(tmp_path):
    import docx

    d = docx.Document()
    for line in ["项目名称 | 河道清淤", "实施单位 | 水利站"]:
        d.add_paragraph(line)
    path = tmp_path / "pasted.docx"
    d.save(path)
    doc = read_path(path)
    assert doc.kind == "docx" and doc.tables[0].rows() == [["项目名称", "河道清淤"], ["实施单位", "水利站"]]
    assert_offsets(doc)


# ---- html ---------------------------------------------------------------------------------

def test_html_keeps_the_data_table_and_its_title_only(renderings):
    doc = read_path(renderings["html"])
    assert doc.text.split("\n")[:3] == ["发布日期：2022-02-10", TITLE, UNIT]
    for chrome in ("首页", "信息公开", "通知公告", "主办", "var x"):
        assert chrome not in doc.text


@pytest.mark.parametrize("encoding, meta", [("gb18030", "gb2312"), ("gb18030", None), ("utf-8", None),
                                            ("gbk", "GBK")])
def test_html_encodings(tmp_path, encoding, meta):
    doc = read_path(make_html(tmp_path / "p.html", encoding, meta))
    assert doc.tables[0].rows() == ROWS


def test_html_cells_br_nested_and_rowspan_zero(tmp_path):
    page = """<html><body><h2>项目支出绩效目标表</h2>
<table><caption>表一</caption>
<thead><tr><th>一级指标</th><th>二级指标</th><th>三级指标</th></tr></thead>
<tbody><tr><td rowspan="0">产出指标</td><td>数量<br/>指标</td><td>培训
人次</td></tr>
<tr><td>质量指标</td><td><table><tr><td>合格率</td><td>≥95%</td></tr></table></td></tr>
<tr><td style="display:none">隐藏</td><td>时效指标</td><td>按时 完成</td></tr></tbody></table></body></html>"""
    path = tmp_path / "c.htm"
    path.write_text(page, encoding="utf-8")
    doc = read_path(path)
    assert doc.text.startswith("项目支出绩效目标表\n表一\n")
    assert cells_of(doc.tables[0]) == [
        (0, 0, 1, 1, "一级指标"), (0, 1, 1, 1, "二级指标"), (0, 2, 1, 1, "三级指标"),
        (1, 0, 3, 1, "产出指标"), (1, 1, 1, 1, "数量\n指标"), (1, 2, 1, 1, "培训人次"),   # no space between 训/人
        (2, 1, 1, 1, "质量指标"), (2, 2, 1, 1, "合格率 ≥95%"),
        (3, 1, 1, 1, "时效指标"), (3, 2, 1, 1, "按时 完成")]
    assert_offsets(doc)


# ---- pdf ----------------------------------------------------------------------------------

def test_pdf_wrapped_lines_join_and_authored_breaks_stay(tmp_path):
    from pdfrender import register_font
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = register_font("STSong-Light")
    style = ParagraphStyle("cell", fontName=font, fontSize=10, leading=13)
    long = "对全县二十三个行政村的农家书屋开展图书更新和日常管理"
    data = [[Paragraph("项目概况", style), Paragraph(long, style)],
            [Paragraph("年度目标", style), Paragraph("目标1：书屋全部开放<br/>目标2：借阅人次增长", style)],
            [Paragraph("Code", style), Paragraph("JJG 1036 electronic balance verification regulation text", style)]]
    table = Table(data, colWidths=[70, 120])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    path = tmp_path / "wrap.pdf"
    SimpleDocTemplate(str(path)).build([table])
    doc = read_path(path)
    rows = doc.tables[0].rows()
    assert rows[0] == ["项目概况", long]
    assert rows[1] == ["年度目标", "目标1：书屋全部开放\n目标2：借阅人次增长"]
    assert rows[2] == ["Code", "JJG 1036 electronic balance verification regulation text"]
    assert_offsets(doc)


def test_pdf_table_across_pages_is_one_table(tmp_path):
    """A ruled table that runs onto the next page (its columns on the same rules) is read as one
    table, its rows in order; a page number between the two parts is no row."""
    from pdfrender import register_font
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = register_font("STSong-Light")
    style = ParagraphStyle("cell", fontName=font, fontSize=10, leading=13)
    data = [[Paragraph(f"指标{i}", style), Paragraph(f"{i}个", style)] for i in range(1, 51)]
    table = Table(data, colWidths=[100, 100])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    path = tmp_path / "long.pdf"
    SimpleDocTemplate(str(path)).build([Paragraph("绩效指标", style), table])
    doc = read_path(path)
    assert [t.source for t in doc.tables] == ["page 1"]
    rows = [r for t in doc.tables for r in t.rows()]
    assert rows == [[f"指标{i}", f"{i}个"] for i in range(1, 51)]
    assert doc.text.startswith("绩效指标\n指标1 | 1个\n")
    assert_offsets(doc)


def test_pdf_table_with_its_header_printed_again_and_page_numbers(tmp_path):
    """Printed with its header row repeated on every page and a page number at the foot: one
    table, the header once, the page numbers not rows; a one-row ruled box that continues no
    table (a signature line) is text."""
    from pdfrender import register_font
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_font("STSong-Light")
    style = ParagraphStyle("cell", fontName=font, fontSize=10, leading=13)
    head = [Paragraph(t, style) for t in ("三级指标", "指标值", "备注")]
    data = [head] + [[Paragraph(f"指标{i}", style), Paragraph(f"≥{i}个", style), Paragraph("", style)]
                     for i in range(1, 61)]
    table = Table(data, colWidths=[100, 100, 60], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    sign = Table([[Paragraph("填报人：张某", style), Paragraph("联系电话：0000-1234567", style)]], colWidths=[200, 200])
    sign.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, "black"), ("INNERGRID", (0, 0), (-1, -1), 0.5, "black")]))

    def number(canvas, doc):
        canvas.setFont(font, 9)
        canvas.drawString(280, 30, f"- {doc.page} -")
    path = tmp_path / "long.pdf"
    SimpleDocTemplate(str(path)).build([Paragraph("绩效指标", style), table, Spacer(1, 20), sign],
                                       onFirstPage=number, onLaterPages=number)
    doc = read_path(path)
    [t] = doc.tables
    rows = t.rows()
    assert rows[0] == ["三级指标", "指标值", "备注"] and len(rows) == 61
    assert [r[0] for r in rows[1:]] == [f"指标{i}" for i in range(1, 61)]
    assert "填报人：张某 联系电话：0000-1234567" in doc.text
    assert_offsets(doc)


# ---- refused inputs ----------------------------------------------------------------------

def _mhtml(html: str) -> bytes:
    """A page saved as one file, as Word's "single file web page" writes it: GB2312 text in
    quoted-printable, inside a multipart/related message."""
    import quopri

    body = quopri.encodestring(html.encode("gb18030")).decode("ascii")
    return ("MIME-Version: 1.0\r\n"
            'Content-Type: multipart/related; boundary="----=_NextPart_01D80000"\r\n\r\n'
            "此为单个文件网页。\r\n\r\n"
            "------=_NextPart_01D80000\r\n"
            "Content-Location: file:///C:/table.htm\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            'Content-Type: text/html; charset="gb2312"\r\n\r\n'
            f"{body}\r\n"
            "------=_NextPart_01D80000--\r\n").encode("gb18030")


@pytest.mark.parametrize("suffix, source", [
    (".doc", "html"),      # a web page saved under a Word name
    (".doc", "mhtml"),     # Word's "single file web page" (.mht) under a .doc name
    (".mht", "mhtml"),
    (".doc", "docx"),      # a renamed .docx
    (".et", "xlsx"),       # a renamed .xlsx
    (".xls", "xlsx"),
])
def test_disguised_files_are_read_as_what_they_are(tmp_path, renderings, suffix, source):
    if source == "mhtml":
        data = _mhtml(renderings["html"].read_text("utf-8"))
    else:
        data = renderings[source].read_bytes()
    path = tmp_path / f"附件{suffix}"
    path.write_bytes(data)
    doc = read_path(path)
    assert doc.kind == ("html" if source == "mhtml" else source)
    assert doc.tables[0].rows() == ROWS
    assert_offsets(doc)


@pytest.mark.parametrize("suffix, fmt", [(".doc", "docx"), (".wps", "docx"), (".et", "xlsx")])
def test_legacy_formats_name_the_conversion(tmp_path, suffix, fmt):
    path = tmp_path / f"表{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(IngestError) as e:
        read_path(path)
    assert e.value.file == str(path)
    assert e.value.hint == f"convert it first: libreoffice --headless --convert-to {fmt} 表{suffix}"


def test_opendocument_names_the_conversion(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    path = tmp_path / "表.ods"
    path.write_bytes(out.getvalue())
    with pytest.raises(IngestError) as e:
        read_path(path)
    assert e.value.hint == "convert it first: libreoffice --headless --convert-to xlsx 表.ods"


def _encrypted(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("secret", out)
    return out.getvalue()


def _empty_xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "2022年度项目支出绩效目标申报表"   # a title and nothing else
    wb.create_sheet("空表")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    return out.getvalue()


def _doc_as_docx(renderings) -> bytes:
    return renderings["xls"].read_bytes()      # an OLE2 (legacy Office) file under a .docx name


@pytest.mark.parametrize("case, suffix, message, hint", [
    ("truncated", ".xlsx", "not a readable .xlsx: not a zip archive", "re-download"),
    ("encrypted", ".xlsx", "password-protected", "save a copy"),
    ("encrypted", ".docx", "password-protected", "save a copy"),
    ("no-table", ".xlsx", "no table found", "visible sheet"),
    ("empty", ".xlsx", "empty file", None),
    ("empty", ".docx", "empty file", None),
    ("empty", ".html", "empty file", None),
    ("empty", ".xls", "empty file", None),
    ("bomb", ".xlsx", "zip bomb", "limit 256 MB"),
    ("legacy", ".docx", "legacy Word .doc", "libreoffice --headless --convert-to docx"),
    ("no-html-table", ".html", "no table found: the page has no <table>", "copy the table"),
    ("menu-only", ".html", "only layout or menus", "copy the table"),
    ("empty-docx", ".docx", "the document is empty", "OCR"),
    ("not-a-docx", ".docx", "not a readable .docx", "save it again"),
    ("other-xml", ".xml", "not a readable Excel XML spreadsheet", "save it as .xlsx"),
])
def test_unreadable_inputs_are_clear_errors(tmp_path, renderings, case, suffix, message, hint):
    import docx

    if case == "truncated":
        data = renderings["xlsx"].read_bytes()[:2000]
    elif case == "encrypted":
        data = _encrypted(renderings["xlsx" if suffix == ".xlsx" else "docx"].read_bytes())
    elif case == "no-table":
        data = _empty_xlsx()
    elif case == "empty":
        data = b""
    elif case == "bomb":
        data = _bomb()
    elif case == "legacy":
        data = _doc_as_docx(renderings)
    elif case == "no-html-table":
        data = "<html><body><h1>2022年度部门预算公开</h1><p>详见附件。</p></body></html>".encode()
    elif case == "menu-only":
        data = ("<html><body><table><tr><td><a href=/a>首页</a></td><td><a href=/b>公开</a></td></tr>"
                "<tr><td><a href=/c>政策</a></td><td><a href=/d>互动</a></td></tr></table></body></html>").encode()
    elif case == "empty-docx":
        out = io.BytesIO()
        docx.Document().save(out)
        data = out.getvalue()
    elif case == "other-xml":
        data = b'<?xml version="1.0"?><rss><channel><title>news</title></channel></rss>'
    else:  # a zip that is not a Word document
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("hello.txt", "hi")
        data = out.getvalue()
    path = tmp_path / f"in{suffix}"
    path.write_bytes(data)
    with pytest.raises(IngestError) as e:
        read_path(path)
    assert e.value.file == str(path)
    assert message in e.value.message
    if hint:
        assert hint in e.value.hint


def test_too_many_rows_is_refused(tmp_path):
    rows = "\n".join(f"指标{i}\t{i}" for i in range(100_002))
    path = tmp_path / "huge.txt"
    path.write_text(rows, encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read_path(path)
    assert e.value.file == str(path) and "100,001 rows" in e.value.message
