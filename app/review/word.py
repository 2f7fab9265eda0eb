"""The review as an editable Word report (python-docx): a reviewer fills in the conclusion and sends it.

Per project: a heading, a small table of what it is (unit, year, kind, framework, bases, counts),
then the five parts of the review sheet, each a table of findings (severity, rule, indicator,
审核意见, 出处) with an empty 修改意见 column for the reviewer, and a 审核结论 paragraph left to fill.

Example: ``write_docx(kb.review(), "审核意见.docx", kb.doc_texts())`` (app.review.word)
"""
from __future__ import annotations

import os
from typing import Mapping

from app.review.model import SEVERITY_LABELS, Review
from app.review.render import NUMERALS, Lines, _bases, cell, counts_line

HEADERS = ("严重程度", "规则", "指标", "审核意见", "出处", "修改意见")


def write_docx(rv: Review, path, doc_texts: Mapping[str, str] | None = None) -> str:
    """Write the report to ``path`` (a file name, or a binary file object such as ``io.BytesIO``)."""
    import docx
    from docx.shared import Pt

    lines = Lines(doc_texts)
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "SimSun"
    d.add_heading("绩效目标审核意见", level=0)
    d.add_paragraph(f"共 {len(rv.projects)} 个项目；规则版本 {rv.rules.version}；合计：{counts_line(rv.counts())}。")
    for p in rv.projects:
        d.add_heading(p.project, level=1)
        info = d.add_table(rows=0, cols=2)
        info.style = "Table Grid"
        for k, v in (("单位", p.unit or "—"), ("年度", str(p.year or "—")), ("表格类型", p.kind),
                     ("指标框架", p.framework_label), ("立项依据", _bases(p)), ("问题", counts_line(p.counts()))):
            row = info.add_row().cells
            row[0].text, row[1].text = k, v
        for k, (section, items) in enumerate(p.by_section().items()):
            d.add_heading(f"{NUMERALS[k]}、{section}", level=2)
            if not items:
                d.add_paragraph("无问题。")
                continue
            table = d.add_table(rows=1, cols=len(HEADERS))
            table.style = "Table Grid"
            for c, h in zip(table.rows[0].cells, HEADERS):
                c.text = h
            for f in items:
                where = lines.where(f.span)
                values = (SEVERITY_LABELS[f.severity], f"{rv.rules.rule(f.rule).title}（{f.rule}）", f.indicator or "—",
                          f.message, f"{where} “{cell(f.text)}”" if where else "", "")
                for c, v in zip(table.add_row().cells, values):
                    c.text = v
        d.add_heading("审核结论", level=2)
        d.add_paragraph("（审核人填写：通过 / 修改后通过 / 不通过，及主要理由。）")
    target = path if hasattr(path, "write") else os.fspath(path)
    d.save(target)
    return target if isinstance(target, str) else ""
