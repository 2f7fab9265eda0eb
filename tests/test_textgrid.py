"""ingest/read/textgrid.py: tables copied as text (pipe rows, one cell a line, tab-separated, one
line) become grids whose cells point into the text; layout text and space-run text give none.

Every copy here is made up, in the shapes seen in real copies of published tables.
"""
from __future__ import annotations

import pytest

from ingest.read import read_path
from ingest.read.textgrid import text_tables


def tables(text: str):
    found = text_tables(text, "copy.txt")
    for t in found:
        for c in t.cells:
            assert text[c.start:c.end] == c.text, c
    return found


def test_markdown_rows_with_separator_and_title():
    text = ("2021年度项目支出绩效目标申报表\n"
            "| 2021年度 |\n"
            "| 项目名称 | 农村公路养护 | 主管部门 | 交通运输局 |\n"
            "|:---|---|---|---:|\n"
            "| 年度资金总额 | 300万 |  |  |\n")
    (t,) = tables(text)
    assert t.rows() == [["项目名称", "农村公路养护", "主管部门", "交通运输局"], ["年度资金总额", "300万", "", ""]]
    assert t.rows_marked and t.source == "lines 2-5"
    # the title rows are left to the text before the table
    assert text[:t.cells[0].start] == "2021年度项目支出绩效目标申报表\n| 2021年度 |\n| "


@pytest.mark.parametrize("text", [
    "项目名称 | 农村公路养护\n主管部门 | 交通运输局\n",
    "项目名称｜农村公路养护\n主管部门｜交通运输局\n",                       # full-width pipe
    "┌──────┬──────┐\n│项目名称│农村公路养护│\n├──────┼──────┤\n│主管部门│交通运输局│\n└──────┴──────┘\n",
    "+------+------+\n| 项目名称 | 农村公路养护 |\n+------+------+\n| 主管部门 | 交通运输局 |\n+------+------+\n",
    "| 项目名称 | 农村公路养护 |\n\n| 主管部门 | 交通运输局 |\n",        # blank lines between rows
])
def test_pipe_row_shapes(text):
    (t,) = tables(text)
    assert t.rows() == [["项目名称", "农村公路养护"], ["主管部门", "交通运输局"]]


def test_a_pipe_row_may_continue_over_lines():
    text = "| 项目概况 | 对全县道路\n开展日常养护 |\n| 实施期 | 2021年 |\n"
    (t,) = tables(text)
    assert t.rows() == [["项目概况", "对全县道路\n开展日常养护"], ["实施期", "2021年"]]


@pytest.mark.parametrize("text", [
    "单位名称 | 项目名称 | 预算数 |\n某局 | 河道保洁 | 10 |\n| 堤防巡查 | 20 |\n",   # closing pipes only
    "单位名称 | 项目名称 | 预算数\n某局 | 河道保洁 | 10\n| 堤防巡查 | 20\n",         # no outer pipes
    "| 单位名称 | 项目名称 | 预算数 |\n| 某局 | 河道保洁 | 10 |\n|  | 堤防巡查 | 20 |\n",  # markdown
])
def test_a_row_that_starts_with_an_empty_cell_keeps_it(text):
    """Rows pasted without an opening pipe: a line that starts with a pipe begins with an empty
    cell (a flat table's unit left blank under its first project), not with an opening pipe."""
    (t,) = tables(text)
    assert t.rows() == [["单位名称", "项目名称", "预算数"], ["某局", "河道保洁", "10"], ["", "堤防巡查", "20"]]


def test_prose_between_pipe_tables_makes_two_tables():
    text = "项目名称 | 甲\n主管部门 | 乙\n\n二、绩效指标如下：\n一级指标 | 二级指标 | 三级指标\n产出指标 | 数量指标 | 里程\n"
    first, second = tables(text)
    assert first.rows() == [["项目名称", "甲"], ["主管部门", "乙"]]
    assert second.rows() == [["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", "里程"]]
    assert second.source == "lines 5-6"


def test_one_cell_a_line_keeps_reading_order_and_empty_cells():
    # a scraper's copy of an HTML 自评表: "text |" per cell, "|" for an empty cell, rows not marked
    text = ("部门预算项目支出绩效自评表\n"
            "项目名称 |\n"
            "乡村书屋运行维护 |\n"
            "主管部门 |\n"
            "|\n"
            "年度目标 |\n"
            "1.书屋全部开放；\n"
            "2.借阅人次增长 |\n"
            "完成值 |\n"
            "|\n"
            "填表说明：无\n")
    (t,) = tables(text)
    assert not t.rows_marked and t.n_cols == 1
    # one position per cell line, the empty cells included (rows 3 and 8 hold nothing)
    assert t.rows() == [["项目名称"], ["乡村书屋运行维护"], ["主管部门"], [""], ["年度目标"],
                        ["1.书屋全部开放；\n2.借阅人次增长"], ["完成值"]]
    assert "填表说明" not in "".join(c.text for c in t.cells)


def test_cell_lines_grouped_by_blank_lines_are_rows():
    text = "项目名称 |\n乡村书屋 |\n\n主管部门 |\n文旅局 |\n\n一级指标 |\n二级指标 |\n"
    (t,) = tables(text)
    assert t.rows_marked
    assert t.rows() == [["项目名称", "乡村书屋"], ["主管部门", "文旅局"], ["一级指标", "二级指标"]]


def test_tab_separated_excel_copy():
    # merged cells come out as the value then empty cells; a cell with line breaks is quoted
    text = ('一级指标\t二级指标\t三级指标\t指标值\n'
            '产出指标\t数量指标\t培训人次\t≥200人次\n'
            '\t\t"培训""满意""度\n（问卷）"\t≥90%\n'
            '说明：以上为年度指标\n')
    (t,) = tables(text)
    assert t.rows() == [["一级指标", "二级指标", "三级指标", "指标值"],
                        ["产出指标", "数量指标", "培训人次", "≥200人次"],
                        ["", "", '培训""满意""度\n（问卷）', "≥90%"]]
    assert t.source == "lines 1-4"


def test_csv_file_rows():
    # Excel's "save as CSV": the merged title a row of its own, an amount with commas quoted
    text = ("说明：本表由系统导出\n"
            "2022年度项目支出绩效目标申报表,,,\n"
            "项目名称,乡村书屋运行维护,主管部门,文旅局\n"
            '年度资金总额,"1,234.50",,\n')
    (t,) = text_tables(text, "export.csv")
    assert t.rows() == [["项目名称", "乡村书屋运行维护", "主管部门", "文旅局"], ["年度资金总额", "1,234.50", "", ""]]
    assert all(text[c.start:c.end] == c.text for c in t.cells)
    assert text_tables(text, "notes.txt") == []        # commas mark cells only in a .csv


def test_a_whole_table_on_one_line():
    # a markdown table whose line breaks were lost: the separator gives the column count
    (t,) = tables("| 一级指标 | 二级指标 | 指标值 |---|---|---| 产出指标 | 数量指标 | 200人次 | | 效益指标 | 社会效益指标 | 90% |\n")
    assert t.rows_marked
    assert t.rows() == [["一级指标", "二级指标", "指标值"], ["产出指标", "数量指标", "200人次"],
                        ["效益指标", "社会效益指标", "90%"]]
    (t,) = tables("| 一级指标 | 二级指标 |---|---| 产出指标 | 数量指标 | 效益指标 | 社会效益指标 |\n")
    assert t.rows() == [["一级指标", "二级指标"], ["产出指标", "数量指标"], ["效益指标", "社会效益指标"]]
    # no separator: one row in reading order, rows not marked
    (t,) = tables("项目名称 | 农村公路养护 | 主管部门 | 交通运输局 | 一级指标 | 产出指标\n")
    assert not t.rows_marked
    assert t.rows() == [["项目名称", "农村公路养护", "主管部门", "交通运输局", "一级指标", "产出指标"]]


@pytest.mark.parametrize("text", [
    # cells run together with spaces: nothing marks the cells, so no grid is guessed
    "产出指标 数量指标 培训人次 ≥200人次\n效益指标 社会效益指标 政策知晓率 ≥90%\n",
    # prose with a stray pipe, and a short list of "x |" lines
    "说明：A|B 两类资金分别核算。\n其余按规定执行。\n",
    "备注 |\n无 |\n",
    "",
])
def test_text_that_is_not_a_delimited_table(text):
    assert tables(text) == []


@pytest.mark.parametrize("path", ["data/000_33c4abcdc6cea628.txt", "tests/fixtures/other_layout.txt"])
def test_layout_text_gives_no_tables(path):
    doc = read_path(path)
    assert doc.tables == () and tables(doc.text) == []


def test_read_path_gives_a_text_copy_its_tables(tmp_path):
    path = tmp_path / "copy.md"
    path.write_bytes("项目名称 | 农村公路养护\r\n主管部门 | 交通运输局\r\n".encode("gb18030"))
    doc = read_path(path)
    assert doc.kind == "text" and doc.encoding == "gb18030"
    assert doc.tables[0].rows() == [["项目名称", "农村公路养护"], ["主管部门", "交通运输局"]]
    for c in doc.tables[0].cells:
        assert doc.text[c.start:c.end] == c.text
