"""Every template family, in every rendering: our own fixtures (``tests/fixtures/templates``),
rendered at test time to .xlsx, .docx, HTML, PDF and text copies (``tests/render``), read with
``read_path`` and interpreted, against records worked out by hand from each fixture.

- the expected records, field by field, from each rendering;
- the same table gives equal records from each of its renderings (spans left out);
- a folder of mixed files ingests every good one and names every bad one, with a hint;
- a table cut short yields what it holds, with a warning.

A BIFF8 .xls is not rendered (no maintained writer exists, xlwt is unmaintained, and LibreOffice
is not installed here); the .xls files web systems export (Excel 2003 XML, Excel-flavoured HTML) are.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app.core import KnowledgeBase
from ingest.parse.dispatch import parse_any
from ingest.read import read_path
from render import FORMATS, OFFICE, render
from render.check import grid_form, indicator_problems, problems
from render.spec import line_text, load_spec, spec_names

SPECS = {name: load_spec(name) for name in spec_names()}
CASES = [(name, fmt) for name, spec in SPECS.items() for fmt in spec.formats]
# Lossy text shapes (cell boundaries lost): every fixture, unless it names the shapes its labels
# cannot delimit (``LOSSY = (...)`` in the spec, with the reason).
LOSSY_CASES = [(name, fmt) for name, spec in SPECS.items()
               for fmt in getattr(spec.module, "LOSSY", ("spaces", "oneline"))]


def parse(doc):
    """What ``ingest.pipeline.ingest_file`` does with a document."""
    return parse_any(doc)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """(fixture, format) → its rendering, written once per test module."""
    folder = tmp_path_factory.mktemp("templates")
    cache: dict = {}

    def get(name: str, fmt: str) -> Path:
        if (name, fmt) not in cache:
            cache[name, fmt] = render(SPECS[name], fmt, folder)
        return cache[name, fmt]
    return get


@pytest.fixture(scope="module")
def parsed(rendered):
    cache: dict = {}

    def get(name: str, fmt: str):
        if (name, fmt) not in cache:
            doc = read_path(rendered(name, fmt))
            cache[name, fmt] = (doc, parse(doc))
        return cache[name, fmt]
    return get


def test_every_family_has_fixtures_in_two_renderings_or_more():
    kinds = {e.get("kind") for s in SPECS.values() for e in s.expected}
    assert {"申报", "审批", "批复", "自评", "整体支出", "目标表"} <= kinds
    assert all(len(s.formats) >= 2 for s in SPECS.values())


# ---- the renderers make real files ---------------------------------------------------------

def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("fmt", OFFICE)
def test_renderings_are_real_files_with_real_merges(rendered, name, fmt):
    """Opened back with the libraries that read them, each rendering holds every cell's text
    and its merged cells are true merges (not repeated text)."""
    spec, path = SPECS[name], rendered(name, fmt)
    merged = [c for c in spec.grid.cells if c.rs > 1 or c.cs > 1]
    if fmt == "xlsx":
        import openpyxl
        ws = openpyxl.load_workbook(path).active
        top = 2 + len(spec.preamble)  # title row, preamble rows, then the table
        ranges = {str(r) for r in ws.merged_cells.ranges}
        from openpyxl.utils import get_column_letter as col
        for c in merged:
            assert f"{col(c.col + 1)}{top + c.row}:{col(c.col + c.cs)}{top + c.row + c.rs - 1}" in ranges
        assert ws.cell(1, 1).value == spec.title
    elif fmt == "xls_xml":
        from lxml import etree
        ss = "{urn:schemas-microsoft-com:office:spreadsheet}"
        cells = list(etree.fromstring(path.read_bytes()).iter(ss + "Cell"))
        table = cells[len(cells) - len(spec.footer) - len(spec.grid.cells):len(cells) - len(spec.footer)]
        assert [(int(c.get(ss + "MergeDown", 0)) + 1, int(c.get(ss + "MergeAcross", 0)) + 1) for c in table] == [
            (c.rs, c.cs) for c in spec.grid.cells]
        from render.excel2003 import stored_number
        assert ["".join(c.itertext()) for c in table] == [
            (stored_number(c.text, c.xl) or (c.text,))[0] for c in spec.grid.cells]
    elif fmt == "xls_html":
        from lxml import html
        [table] = html.fromstring(path.read_bytes()).findall(".//table")
        spans = [(int(td.get("rowspan", 1)), int(td.get("colspan", 1))) for td in table.iter("td")]
        assert spans[-len(spec.grid.cells) - len(spec.footer):len(spans) - len(spec.footer)] == [
            (c.rs, c.cs) for c in spec.grid.cells]
    elif fmt == "docx":
        import docx
        d = docx.Document(path)
        [table] = d.tables
        assert (len(table.rows), len(table.columns)) == (spec.grid.n_rows, spec.grid.n_cols)
        for c in merged:  # python-docx returns the one merged cell at every position it covers
            assert table.cell(c.row, c.col)._tc is table.cell(c.row + c.rs - 1, c.col + c.cs - 1)._tc
            assert table.cell(c.row, c.col).text == c.text
        assert d.paragraphs[0].text == spec.title
    elif fmt == "html":
        from lxml import html
        page = html.fromstring(path.read_bytes())
        tables = page.findall(".//table")
        assert len(tables) == 2                      # the data table and the footer's layout table
        spans = [(int(td.get("rowspan", 1)), int(td.get("colspan", 1))) for td in tables[0].iter("td")]
        assert spans == [(c.rs, c.cs) for c in spec.grid.cells]
        assert path.read_bytes().decode(spec.html_encoding)  # declared encoding is the real one
    else:
        import pdfplumber
        with pdfplumber.open(path) as pdf:
            found = [t for p in pdf.pages for t in p.find_tables()]
            cells = {_squash(x) for t in found for row in t.extract() for x in row if x}
            title = _squash(pdf.pages[0].extract_text())
        assert found, "no ruled table found"
        assert sum(len(t.rows) for t in found) == spec.grid.n_rows
        assert {_squash(c.text) for c in spec.grid.cells if c.text} == cells   # wrapped lines rejoined
        assert title.startswith(_squash(spec.title))


# ---- the readers give back the grid --------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("fmt", ["xlsx", "xls_xml", "xls_html", "docx", "html", "pdf", "markdown", "tsv"])
def test_readers_give_back_the_grid(rendered, name, fmt):
    """The table a reader finds is the grid the fixture was written as: every printed cell at its
    row and column with its spans (text copies carry no spans: row, column and text), allowing
    for rows the reader keeps around the table (the title of a sheet, the footer)."""
    spec = SPECS[name]
    doc = read_path(rendered(name, fmt))
    spans = fmt in OFFICE
    want = grid_form(spec.grid.cells, spans)
    first = spec.grid.cells[0].text
    tables = [t for t in doc.tables if any(c.text == first for c in t.cells)]
    assert tables, f"no table holds {first!r}: {[t.source for t in doc.tables]}"
    table = tables[0]
    top = min(c.row for c in table.cells if c.text == first)
    bottom = top + spec.grid.n_rows
    got = grid_form([c for c in table.cells if top <= c.row < bottom], spans)
    assert got == want, (sorted(want - got)[:5], sorted(got - want)[:5])
    assert spec.title in doc.text[:table.cells[0].start + 1] or spec.title in doc.text


# ---- records from every rendering ----------------------------------------------------------

@pytest.mark.parametrize("name,fmt", CASES)
def test_expected_records(parsed, name, fmt):
    doc, result = parsed(name, fmt)
    assert result.errors == []
    found = problems(result, SPECS[name].expected)
    assert not found, f"{name}.{fmt}:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("name,fmt", LOSSY_CASES)
def test_lossy_text_copies(tmp_path, name, fmt):
    """Cells run together with spaces, or the whole table on one line: the labels still say
    where each cell ends, so the records are the same as from the office files."""
    doc = read_path(render(SPECS[name], fmt, tmp_path))
    found = problems(parse(doc), SPECS[name].expected)
    assert not found, f"{name}.{fmt}:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_renderings_give_equal_records(parsed, name):
    """Records compare without spans: every rendering of one table gives the same records."""
    _, base = parsed(name, "xlsx")
    assert base.projects or base.departments
    for fmt in SPECS[name].formats:
        _, result = parsed(name, fmt)
        assert result.projects == base.projects, f"{fmt} differs from xlsx"
        assert result.departments == base.departments, f"{fmt} differs from xlsx"


def test_gbk_text_copy_gives_the_same_records(tmp_path, parsed):
    """A copy out of Excel saved by Windows Notepad as ANSI (GBK, CRLF) reads like the UTF-8 copy."""
    text = render(SPECS["zipingbiao"], "tsv", tmp_path).read_text("utf-8")
    path = tmp_path / "自评表.txt"
    path.write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("gbk"))
    doc = read_path(path)
    assert doc.encoding in ("gb18030", "gbk")
    assert doc.text == parsed("zipingbiao", "tsv")[0].text
    assert parse(doc).projects == parsed("zipingbiao", "tsv")[1].projects


@pytest.mark.parametrize("name,fmt", [("zipingbiao", "docx"), ("flat_unit", "html"), ("pifubiao", "pdf"),
                                      ("shenbao_split", "pipe")])
def test_spans_point_at_their_text(parsed, name, fmt):
    """Provenance: a project's name and each indicator's name point at those characters of the
    document's text."""
    doc, result = parsed(name, fmt)
    for p in result.projects:
        span = p.spans["name"]
        assert doc.text[span.start:span.end] == p.name
        for i in p.indicators:
            assert i.span is not None and i.name in doc.text[i.span.start:i.span.end].replace("\n", "")


@pytest.mark.parametrize("name,size", [("shenbao_wanyuan", 16), ("zipingbiao", 12), ("flat_unit", 13)])
def test_a_table_running_onto_the_next_page(tmp_path, parsed, name, size):
    """Printed larger, the table runs onto a second page (a ruled table on each): the same records
    as from the one-page PDF."""
    import pdfplumber
    from render.pdf import write_pdf

    path = write_pdf(SPECS[name], tmp_path / f"{name}.pdf", size=size)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= 2 and all(p.find_tables() for p in pdf.pages[:2])
    result = parse(read_path(path))
    base = parsed(name, "pdf")[1]
    assert result.projects == base.projects and result.departments == base.departments


MANY = ["shenbao_wanyuan", "zipingbiao", "bumen_zhengti", "flat_units_merged"]


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "html", "pdf", "tsv", "markdown"])
def test_many_tables_in_one_file(tmp_path, parsed, fmt):
    """A unit sends its tables in one file (sheets of a workbook, tables of a Word document or a
    web page, pages of a PDF, copies one after another): each table gives its own records, equal
    to those of the table on its own."""
    from render import SUFFIX, render_many

    specs = [SPECS[n] for n in MANY]
    path = render_many(specs, fmt, tmp_path / f"many{SUFFIX[fmt]}")
    result = parse(read_path(path))
    assert result.errors == []
    found = problems(result, [e for s in specs for e in s.expected])
    assert not found, f"{fmt}:\n  " + "\n  ".join(found)
    alone = [r for n in MANY for r in parsed(n, fmt)[1].projects]
    assert sorted(result.projects, key=lambda p: p.id) == sorted(alone, key=lambda p: p.id)


@pytest.mark.parametrize("fmt", ["xlsx", "html", "pipe"])
def test_a_row_no_vocabulary_knows_is_kept_raw(tmp_path, parsed, fmt):
    """A row with a label the vocabulary does not know is kept as printed, with a warning, and
    the rest of the table reads as without it."""
    import dataclasses

    from render.spec import C, Grid

    spec = SPECS["shenbao_standard"]
    rows = list(spec.module.ROWS)
    rows.insert(5, ["项目公示情况", C("已在某区政府网站公示，公示期7天，无异议。", cs=5)])
    odd = dataclasses.replace(spec, name="shenbao_standard_odd", grid=Grid.of(rows))
    result = parse(read_path(render(odd, fmt, tmp_path)))
    [p] = result.projects
    [raw] = [r for r in p.unplaced if "项目公示情况" in r.cells]
    assert "已在某区政府网站公示，公示期7天，无异议。" in raw.cells and raw.reason
    assert any("项目公示情况" in w.message for w in result.warnings), result.warnings
    [base] = parsed("shenbao_standard", fmt)[1].projects
    assert dataclasses.replace(p, unplaced=base.unplaced) == base


# ---- a form in paragraphs beside tables that are not the form -----------------------------

_PARAGRAPHS = ["2023年度项目支出绩效目标申报表", "项目名称：社区居家养老服务补贴", "实施单位：某街道办事处",
               "年度资金总额：50万元", "年度目标：为辖区200名以上高龄老人提供上门服务。",
               "一级指标 二级指标 三级指标 指标值", "产出指标 数量指标 上门服务老人人数 ≥200人",
               "质量指标 服务合格率 ≥95%", "效益指标 社会效益指标 老人生活质量 明显提升",
               "满意度指标 服务对象满意度指标 老人满意度 ≥90%"]
_SIGNED = ["填报人", "张某", "联系电话", "0000-1234567"]


def _paragraph_form(path: Path, fmt: str, paragraphs: list[str]) -> Path:
    """The form typed as paragraphs, a signature box (docx) or a list of the site's files (html) as
    the only table."""
    if fmt == "docx":
        import docx
        d = docx.Document()
        for line in paragraphs:
            d.add_paragraph(line)
        t = d.add_table(rows=1, cols=4)
        for i, x in enumerate(_SIGNED):
            t.cell(0, i).text = x
        d.save(path)
    else:
        menu = ("<table><tr><th>序号</th><th>相关文件</th><th>发布日期</th></tr>"
                "<tr><td>1</td><td>部门预算说明</td><td>2023-02-10</td></tr>"
                "<tr><td>2</td><td>部门预算表</td><td>2023-02-10</td></tr></table>")
        body = "".join(f"<p>{x}</p>" for x in paragraphs)
        path.write_text(f"<html><head><meta charset='utf-8'></head><body>{menu}{body}</body></html>", "utf-8")
    return path


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_a_form_in_paragraphs_is_read_from_the_text(tmp_path, fmt):
    """A Word file or web page whose only table is not the form (a signature box, a list of files):
    the form typed in its paragraphs is read as text, the same records either way."""
    path = _paragraph_form(tmp_path / f"申报表.{fmt}", fmt, _PARAGRAPHS)
    doc = read_path(path)
    assert doc.tables
    [p] = parse(doc).projects
    assert (p.name, p.unit, p.year, p.budget.current_year) == ("社区居家养老服务补贴", "某街道办事处", 2023, 500000)
    assert [(i.level1, i.level2, i.name, i.operator, i.value, i.unit, i.qualitative) for i in p.indicators] == [
        ("产出指标", "数量指标", "上门服务老人人数", ">=", 200, "人", None),
        ("产出指标", "质量指标", "服务合格率", ">=", 95, "%", None),
        ("效益指标", "社会效益指标", "老人生活质量", None, None, None, "明显提升"),
        ("满意度指标", "服务对象满意度指标", "老人满意度", ">=", 90, "%", None)]
    assert doc.text[p.spans["name"].start:p.spans["name"].end] == "社区居家养老服务补贴"


def test_a_file_with_neither_tables_nor_text_of_a_form_is_one_clear_error(tmp_path):
    path = _paragraph_form(tmp_path / "通知.docx", "docx", ["关于召开预算工作会议的通知", "各单位：定于下周一召开会议。"])
    kb = KnowledgeBase.open(tmp_path / "kb")
    [f] = kb.ingest([path]).files
    [error] = f.errors
    assert str(path) in str(error) and "nor in its text" in str(error) and error.hint


# ---- one form laid out otherwise ---------------------------------------------------------------

def _parts(name: str):
    """A fixture's rows before its indicator header and from it on (the header row starts with the
    group label merged down the indicator block, so both parts tile)."""
    rows = list(SPECS[name].module.ROWS)
    k = next(i for i, r in enumerate(rows) if any(getattr(c, "text", c) == "一级指标" for c in r))
    return rows[:k], rows[k:]


@pytest.mark.parametrize("name", ["shenbao_wanyuan", "quyu_zhuanyi", "ziping_xianjie"])
def test_a_form_split_over_two_sheets(tmp_path, parsed, name):
    """The header part on one sheet and the indicator block on the next (no title repeated): one
    project, the same as from the one-sheet workbook."""
    import dataclasses

    from render.office import write_xlsx_many
    from render.spec import Grid

    spec = SPECS[name]
    head, indicators = _parts(name)
    first = dataclasses.replace(spec, grid=Grid.of(head), footer=[])
    second = dataclasses.replace(spec, title="", preamble=[], grid=Grid.of(indicators))
    result = parse(read_path(write_xlsx_many([first, second], tmp_path / f"{name}.xlsx")))
    assert result.errors == []
    assert result.projects == parsed(name, "xlsx")[1].projects


@pytest.mark.parametrize("fmt", ["xlsx", "docx", "html", "pipe"])
def test_a_form_whose_indicator_block_comes_first(tmp_path, parsed, fmt):
    """The indicator block printed above the project's fields: the same project."""
    import dataclasses

    from render.spec import Grid

    spec = SPECS["quyu_zhuanyi"]
    head, indicators = _parts("quyu_zhuanyi")
    moved = dataclasses.replace(spec, name="quyu_zhuanyi_first", grid=Grid.of(indicators + head))
    result = parse(read_path(render(moved, fmt, tmp_path)))
    assert result.errors == []
    found = problems(result, spec.expected)
    assert not found, "\n".join(found)


# ---- many documents, many units ------------------------------------------------------------

def test_one_table_in_three_formats_is_one_project(tmp_path, rendered):
    kb = KnowledgeBase.open(tmp_path / "kb")
    paths = [rendered("shenbao_wanyuan", f) for f in ("xlsx", "pdf", "pipe")]
    report = kb.ingest(paths)
    assert not report.failed, [str(e) for e in report.errors]
    assert [f.projects for f in report.files] == [1, 1, 1]
    assert [p.name for p in kb.projects()] == ["基层农技推广体系改革与建设补助项目"]


def test_the_summary_counts_departments(tmp_path, rendered):
    """A 部门整体支出 table gives a department, not a project: the report counts it, and its
    indicators, so the file does not look empty."""
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([rendered("bumen_zhengti", "xlsx"), rendered("shenbao_split", "docx")])
    assert not report.failed, [str(e) for e in report.errors]
    dept = SPECS["bumen_zhengti"].expected[0]
    n_dept = len(dept["indicators"])
    assert [(f.projects, f.departments, f.indicators) for f in report.files] == [(0, 1, n_dept), (1, 0, 8)]
    assert report.summary().startswith(f"2 files, 1 projects, 1 department, {n_dept + 8} indicators, ")


def test_projects_of_other_units_and_years_never_merge(tmp_path, rendered):
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([rendered("flat_unit", "xlsx"), rendered("flat_units_merged", "docx"),
                        rendered("zipingbiao", "html")])
    assert not report.failed, [str(e) for e in report.errors]
    got = sorted((p.unit, p.year, p.name) for p in kb.projects())
    assert got == sorted([
        ("某县水利局本级", 2022, "农村饮水安全工程维修养护"),
        ("某县水利局本级", 2022, "山洪灾害防治非工程措施运行维护"),
        ("某县水利局本级", 2022, "河湖长制工作经费"),
        ("某县第一中学", 2023, "普通高中学生资助补助经费"),
        ("某县实验小学", 2023, "校舍维修改造经费"),
        ("某县乡村振兴服务中心", 2021, "农村人居环境整治提升补助资金"),
    ])


# ---- bad input -----------------------------------------------------------------------------

def _mixed_folder(folder: Path, rendered) -> tuple[list[Path], list[Path]]:
    folder.mkdir()
    good = []
    for name, fmt in [("shenbao_wanyuan", "xlsx"), ("zipingbiao", "docx"), ("flat_unit", "html"),
                      ("pifubiao", "pdf"), ("shenbao_split", "pipe"), ("shenbao_yuan", "tsv")]:
        path = folder / rendered(name, fmt).name
        path.write_bytes(rendered(name, fmt).read_bytes())
        good.append(path)
    corrupt = folder / "损坏的申报表.xlsx"          # a download cut short: half a zip
    corrupt.write_bytes(rendered("shenbao_standard", "xlsx").read_bytes()[:3000])
    not_zip = folder / "改了后缀.xlsx"             # an HTML page saved with an .xlsx name
    not_zip.write_bytes(b"<html><body>not a workbook</body></html>")
    doc = folder / "旧格式.doc"                    # Word 97-2003: an OLE2 compound file
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4088)
    empty = folder / "空文件.docx"
    empty.write_bytes(b"")
    png = folder / "扫描件.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return good, [corrupt, not_zip, doc, empty, png]


def test_mixed_folder_ingests_every_good_file_and_names_every_bad_one(tmp_path, rendered):
    good, bad = _mixed_folder(tmp_path / "收到的表格", rendered)
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([tmp_path / "收到的表格"])
    by_file = {Path(f.path).name: f for f in report.files}
    for path in good:
        f = by_file[path.name]
        assert f.errors == [] and f.projects >= 1, (path.name, [str(e) for e in f.errors])
    for path in bad:
        assert path.name in by_file, f"{path.name} was skipped without a word"
        [error] = by_file[path.name].errors
        message = str(error)
        assert str(path) in message and error.hint, message      # names the file, says what to do
        assert "Traceback" not in message and "Error(" not in message
    assert "libreoffice" in str(by_file["旧格式.doc"].errors[0]).lower()
    assert len(kb.projects()) == 1 + 1 + 3 + 1 + 1 + 1


def test_truncated_text_copy_yields_what_it_holds(tmp_path):
    """A copy out of Excel cut after the 质量指标 row: the project with its header, budget and the
    first three indicators, and a warning for the file."""
    spec = SPECS["shenbao_wanyuan"]
    text = render(spec, "tsv", tmp_path).read_text("utf-8")
    cut = text[:text.index("培训考核合格率")]
    cut = cut + text[len(cut):].split("\n", 1)[0] + "\n"
    path = tmp_path / "cut.txt"
    path.write_text(cut, "utf-8")
    result = parse(read_path(path))
    [p] = result.projects
    expected = spec.expected[0]
    assert (p.name, p.unit, p.year) == (expected["name"], expected["unit"], expected["year"])
    assert not indicator_problems(p.indicators, expected["indicators"][:3])
    assert any(w.file == str(path) for w in result.warnings), result.warnings


def test_truncated_web_page_yields_what_it_holds(tmp_path):
    """A web page cut inside the 效益指标 rows (a broken download): the self-evaluation's budget
    and the indicators before the cut, and a warning; nothing raised."""
    spec = SPECS["zipingbiao"]
    data = render(spec, "html", tmp_path).read_bytes()
    cut = data[:data.index("生态效益指标".encode())]
    path = tmp_path / "cut.html"
    path.write_bytes(cut)
    result = parse(read_path(path))
    [p] = result.projects
    expected = spec.expected[0]
    assert p.name == expected["name"] and p.budget.current_year == 480000
    assert not indicator_problems(p.indicators, expected["indicators"][:5])
    assert any(w.file == str(path) for w in result.warnings), result.warnings


def test_fixture_texts_are_our_own():
    """Fixtures are invented: every unit is 某…, except the Shanghai layout's 上海市某… ."""
    for spec in SPECS.values():
        for e in spec.expected:
            unit = e.get("unit") or e.get("name")
            assert unit.startswith(("某", "上海市某")), unit
        assert all(line_text(x) for x in spec.preamble + spec.footer)
