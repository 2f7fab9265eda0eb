"""审核 Review: every project against the performance-target rules. A sortable table of projects with
their counts of errors, warnings and notes (click a row to open its review); a chart of the most
frequent findings across the corpus; one project's review grouped like the official review sheet
(总体目标, 产出指标, 效益指标, 满意度指标, 需补充完善事项), each finding with its rule, message and
source cell (relative file and line, the cell's text marked in its context); downloads (JSON,
Markdown, Word).

The open project and the severity filter are in the URL (``?project=<id>&severity=error``).
Example: the seed's 大型仪器项目经费 shows 比率或满意度超过 100% on 设备检验合格率（%） >400.
"""
import io

import streamlit as st

from app.review.model import SECTIONS, SEVERITIES, SEVERITY_LABELS
from app.ui import common as ui
from app.ui.links import UrlState, copy_link_button, link

ui.page("审核 Review")
kb = ui.knowledge_base()
url = UrlState("review")
state = st.session_state
ICONS = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}
_CACHE: dict = {}


def current_review():
    """The review of every project, computed once per change of the documents."""
    stamp = tuple(sorted((d, v.get("ingested")) for d, v in kb.records.documents().items()))
    key = str(kb.data_dir)
    if key not in _CACHE or _CACHE[key][0] != stamp:
        rv = ui.call(kb.review)
        if rv is None:
            return None
        _CACHE[key] = (stamp, rv)
    return _CACHE[key][1]


projects = ui.catalog()
if not projects:
    st.info("还没有项目：请在「数据 Data」页上传文件，或在首页导入自带数据。No projects yet: upload files on the Data page.")
    st.stop()
rv = current_review()
if rv is None:
    st.stop()
by_id = {p.project_id: p for p in rv.projects}

url.bind("project", key="review_pick", default=None, parse=lambda s: s if s in by_id else None)
url.bind("severity", key="review_severity", default=list(SEVERITIES),
         parse=lambda s: [x for x in s.split(",") if x in SEVERITIES] or list(SEVERITIES))

c = rv.counts()
cols = st.columns([1, 1, 1, 1, 2])
cols[0].metric("项目 Projects", len(rv.projects))
for col, sev in zip(cols[1:4], SEVERITIES):
    col.metric(f"{SEVERITY_LABELS[sev]} {sev}", c[sev])
with cols[4]:
    copy_link_button()
st.caption(f"规则版本 rules {rv.rules.version} · {len(rv.rules.rules)} 条规则 rules（app/review/rules.toml, "
           "ontology/review.ttl；出处见 docs/review-rules.md）")

# -- the projects, sortable; a click opens one ---------------------------------------------------
st.header("项目 Projects")
rows = [{"项目 project": p.project, "单位 unit": p.unit, "年度 year": p.year, "表格 kind": p.kind,
         "框架 framework": p.framework_label, **{f"{SEVERITY_LABELS[s]} {s}": p.counts()[s] for s in SEVERITIES}}
        for p in rv.projects]
clicked = state.get(f"review_table_{state.get('review_pick')}")
sel = (clicked or {}).get("selection", {}).get("rows", []) if isinstance(clicked, dict) else \
    list(getattr(getattr(clicked, "selection", None), "rows", []) or [])
if sel and sel[0] < len(rv.projects):
    state["review_pick"] = rv.projects[sel[0]].project_id
selected = state.get("review_pick")
default_rows = [i for i, p in enumerate(rv.projects) if p.project_id == selected]
ui.table(rows, key=f"review_table_{selected}", on_select="rerun", selection_mode="single-row",
         selection_default={"selection": {"rows": default_rows}} if default_rows else None)
st.caption("点击列名排序 click a column to sort · 点击一行查看该项目的审核 click a row to open its review")

# -- the most frequent findings -----------------------------------------------------------------
st.header("常见问题 Most frequent findings")
freq = rv.by_rule().most_common(15)
if freq:
    st.bar_chart({"规则 rule": [f"{rv.rules.rule(r).title}（{r}）" for r, _ in freq], "发现 findings": [n for _, n in freq]},
                 x="规则 rule", y="发现 findings", horizontal=True, sort=False)
    projects_by_rule = {r: len({f.project_id for f in rv.findings if f.rule == r}) for r, _ in freq}
    ui.table([{"规则 rule": r, "标题 title": rv.rules.rule(r).title, "严重程度 severity": SEVERITY_LABELS[rv.rules.rule(r).severity],
               "发现 findings": n, "项目 projects": projects_by_rule[r]} for r, n in freq])
else:
    st.success("没有发现问题。No findings.")

# -- one project's review ------------------------------------------------------------------------
st.header("项目审核 Project review")
pid = st.selectbox("项目 Project", [None] + list(by_id), key="review_pick",
                   format_func=lambda v: "（点击上表中的一行 click a row above）" if v is None else by_id[v].project)
severities = st.multiselect("严重程度 Severity", list(SEVERITIES), key="review_severity",
                            format_func=lambda s: f"{SEVERITY_LABELS[s]} {s}")
url.publish(project=pid, severity=",".join(severities) if set(severities) != set(SEVERITIES) else None)


def show_finding(f) -> None:
    rule = rv.rules.rule(f.rule)
    head = f"**{SEVERITY_LABELS[f.severity]}** · {ui.escape(rule.title)} `{f.rule}`" + (
        f" · {ui.escape(f.indicator)}" if f.indicator else "")
    where = ui.where(f.span)
    with st.container(border=True):
        st.markdown(head)
        st.markdown(ui.escape(f.message))
        sources = "；".join(s.citation + (f" {rule.clause}" if rule.clause else "") for s in rule.sources[:1])
        st.caption(" · ".join(x for x in (f"出处 source {where}" if where else "", f"依据 rule source {sources}"
                                            if sources else "") if x))
        if f.span is not None and getattr(f.span, "doc", None):
            with st.expander(f"原文 Source cell · {where}"):
                text = kb.records.text(f.span.doc)
                st.markdown(ui.context(text, f.span.start, f.span.end), unsafe_allow_html=True)


if pid is not None and pid in by_id:
    p = by_id[pid]
    with st.container(border=True):
        st.subheader(ui.escape(p.project))
        bases = "、".join(f"《{b['title']}》" if b.get("title") else (b.get("doc_number") or "") for b in p.bases) or "无具体依据"
        st.caption(" · ".join(ui.escape(x) for x in (p.unit or "", f"{p.year or '—'} 年", p.kind, p.framework_label)))
        st.markdown(f"**立项依据 Bases**：{ui.escape(bases)}")
        if p.kind != "整体支出":      # a department's table has no project card
            st.markdown(f"[项目卡片 Project card]({link('projects', {'project': pid})})")
        counts = p.counts()
        st.markdown(" · ".join(f"{SEVERITY_LABELS[s]} {counts[s]}" for s in SEVERITIES))
        for k, section in enumerate(SECTIONS):
            items = [f for f in p.by_section()[section] if f.severity in severities]
            st.markdown(f"#### {'一二三四五'[k]}、{section}（{len(items)}）")
            if not items:
                st.caption("无问题 No findings")
            for f in items:
                show_finding(f)
        from app.review.render import render_json, render_markdown
        from app.review.word import write_docx
        one = rv.only([pid])
        texts = kb.doc_texts()
        buf = io.BytesIO()
        write_docx(one, buf, texts)
        d1, d2, d3 = st.columns(3)
        d1.download_button("下载 JSON", render_json(one, texts), file_name="review.json", mime="application/json")
        d2.download_button("下载 Markdown", render_markdown(one, texts), file_name="review.md", mime="text/markdown")
        d3.download_button("下载 Word 审核意见", buf.getvalue(), file_name="绩效目标审核.docx",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
