"""The 审核 Review page and the findings on the project card, driven headless with ``AppTest``
through the app's own navigation, on the seed ingested once per session.

Expected values from reading the seed: 大型仪器项目经费's 设备检验合格率（%） >400 (line 180) is a
rate over 100 %; seven of the eight projects have no 成本 row in 产出目标 (all but 对口援助); five
cite nothing but a budget rule and their own 办法 (互联网+计量, 对口援助, 技改项目经费, 网上政务大厅,
实验室管理网系统).
"""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from app.core import KnowledgeBase
from uiapp import data_dir, run  # noqa: F401 - data_dir is a fixture

LI = "大型仪器项目经费"


def pid(data_dir, name: str) -> str:
    return next(p.id for p in KnowledgeBase.open(data_dir).projects() if p.name == name)


def texts(at: AppTest) -> list[str]:
    out = []
    for kind in ("header", "subheader", "markdown", "caption", "info", "warning", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


def test_review_page_lists_every_project_with_counts_and_a_frequency_chart(data_dir):
    at = run("review")
    table = at.dataframe[0].value
    assert len(table) == 8 and set(table.columns) >= {"项目 project", "错误 error", "警告 warning", "提示 info"}
    row = table[table["项目 project"] == LI].iloc[0]
    assert row["错误 error"] >= 1                          # rate_over_100
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["项目 Projects"] == "8"
    assert int(metrics["错误 error"]) == int(table["错误 error"].sum())
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")   # the frequency chart
    freq = at.dataframe[1].value
    cost = freq[freq["规则 rule"] == "missing_cost_indicator"].iloc[0]
    assert cost["项目 projects"] == 7 and cost["发现 findings"] == 7   # all but 对口援助


def test_a_project_review_links_each_finding_to_its_source_cell(data_dir):
    at = run("review", project=pid(data_dir, LI))
    shown = texts(at)
    assert at.subheader[0].value == LI
    for heading in ("一、总体目标", "二、产出指标", "三、效益指标", "四、满意度指标", "五、需补充完善事项"):
        assert any(t.startswith(f"#### {heading}") for t in shown), heading
    finding = next(t for t in shown if "rate_over_100" in t)
    assert "比率或满意度超过 100%" in finding and "设备检验合格率（%）" in finding
    sources = [t for t in shown if t.startswith("出处 source ")]
    assert sources and all(re.match(r"出处 source data/000_33c4abcdc6cea628\.txt:\d+", s) for s in sources)
    assert any(s.startswith("出处 source data/000_33c4abcdc6cea628.txt:180 ") for s in sources)   # the >400 row
    labels = [e.label for e in at.expander]
    assert any(l.startswith("原文 Source cell · data/000_33c4abcdc6cea628.txt:180") for l in labels)
    assert at.query_params["project"] == pid(data_dir, LI)
    assert [b.proto.label for b in at.get("download_button")] == ["下载 JSON", "下载 Markdown", "下载 Word 审核意见"]


def test_severity_filter_is_in_the_link(data_dir):
    at = run("review", project=pid(data_dir, "对口援助"), severity="error")
    shown = texts(at)
    assert any("no_concrete_basis" in t for t in shown)
    assert not any("target_operator_missing" in t for t in shown)     # an info, filtered out


def test_the_project_card_shows_its_findings(data_dir):
    at = run("projects", project=pid(data_dir, "技改项目经费"))
    heading = next(t for t in texts(at) if t.startswith("**审核发现 Review findings"))
    assert "(./review?project=" in heading
    frame = next(f.value for f in at.dataframe if "规则 rule" in f.value.columns)
    assert "缺少成本指标" in set(frame["规则 rule"]) and "一级指标不全" in set(frame["规则 rule"])
    assert all(re.fullmatch(r"data/000_33c4abcdc6cea628\.txt:\d+", s) for s in frame["出处 source"])
