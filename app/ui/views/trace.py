"""Trace: an indicator → its project → the laws, articles and quoted clauses that support it, each
quote beside its basis, the gap findings about it next to it, and a readable diagram; then the gaps
of every project.

The indicator (name or IRI) and the project are in the URL (``?indicator=…&project=<id>``).
Example: 能耗数据异常故障修复率 → 发改办环资〔2019〕424号 first; 预算执行率 → pick one of its projects.
"""
from dataclasses import replace

import streamlit as st

from app.gaps import BUDGET_RULE_LEVEL, FINDING_KINDS
from app.trace import Ambiguous
from app.trace_dot import to_dot
from app.ui import common as ui
from app.ui.links import UrlState, copy_link_button

ui.page("追溯 Trace")
kb = ui.knowledge_base()
url = UrlState("trace")
projects = kb.catalog()     # names only (ingest.storage.catalog): a trace reads one document's records
by_id = {p.id: p for p in projects}
CARDS = 3  # the best bases get a card with their quote and source; every basis is in the table
DIAGRAM_BASES = 6  # bases drawn in the diagram (its text stays readable; the table lists them all)
DIAGRAM_HEIGHT = 760  # px of diagram on screen before it scrolls


def show_trace(result) -> None:
    i = result.indicator
    st.subheader(f"{ui.escape(i.name)} · {ui.escape(result.project.name)}")
    levels = " / ".join(x for x in (i.level1, i.level2) if x)
    st.caption(" · ".join(x for x in (levels, f"目标 target `{ui.text(i.target_raw, '—')}`", ui.where(result.span),
                                       f"`{result.indicator_iri}`") if x))
    # the findings about this indicator and its project, next to the trace they concern
    for f in result.findings:
        st.warning(f"**{ui.escape(FINDING_KINDS.get(f.kind, f.kind))}** · {ui.escape(f.message)}", icon=":material/warning:")
    if not result.bases:
        st.warning("项目没有引用任何依据。The project cites no basis.")
        return
    for b in result.bases[:CARDS]:
        with st.container(border=True):
            left, right = st.columns([2, 3])
            score = f" · 支撑度 score {b.score:.3f}" if b.score is not None else ""
            left.markdown(f"**{b.rank or ''}. {ui.escape(b.heading)}**{score}".replace("**. ", "**"))
            left.caption(" · ".join(ui.escape(x) for x in (b.level, b.issuer, b.method) if x) or "—")
            if b.level == BUDGET_RULE_LEVEL:
                left.caption(":orange[注意 预算管理规定，不是具体的立项依据 — a budget rule, not a concrete basis]")
            quote = b.evidence or b.quote
            if quote:
                right.markdown(f"> “{ui.escape(quote)}”")
            else:
                right.caption("（未引用条文原文 no clause quoted）")
            span = b.span or (b.cited_at[0] if b.cited_at else None)
            if span is not None and getattr(span, "doc", None):
                with right.expander(f"原文 Source · {ui.where(span)}"):
                    text = kb.records.text(span.doc)
                    st.markdown(ui.context(text, span.start, span.end), unsafe_allow_html=True)
    ui.table([{"#": b.rank, "支撑度 score": b.score, "依据 basis": b.heading, "引文 quote": b.evidence or b.quote,
               "层级 level": b.level, "发文机关 issuer": b.issuer, "方法 method": b.method,
               "出处 source": ui.where(b.span or (b.cited_at[0] if b.cited_at else None))} for b in result.bases],
             column_config={"支撑度 score": st.column_config.NumberColumn(format="%.3f")})
    st.markdown("**溯源图 Trace diagram**")
    shown = result.bases[:DIAGRAM_BASES]
    st.caption("按原始大小显示（14 pt），可滚动查看 shown at its natural size (14 pt): scroll to see all"
               + (f" · 前 {len(shown)} 个依据 the best {len(shown)} bases; every basis is in the table above"
                  if len(shown) < len(result.bases) else ""))
    # Streamlit fits a picture to the column, which shrank a wide trace's text to 6-7 px: keep the
    # natural size and let the box scroll instead
    st.html(f"<style>.st-key-trace_diagram{{overflow:auto;max-height:{DIAGRAM_HEIGHT}px}}"
            ".st-key-trace_diagram svg{max-width:none!important;width:auto!important;height:auto!important}</style>")
    with st.container(key="trace_diagram"):
        st.graphviz_chart(to_dot(replace(result, bases=shown)), width="content")


st.header("指标溯源 Indicator trace")
url.bind("indicator", key="trace_indicator", default="")
url.bind("project", key="trace_project", default=None, parse=lambda s: s if s in by_id else None)
top = st.columns([5, 2])
name = top[0].text_input("绩效指标 Indicator (name or IRI)", placeholder="能耗数据异常故障修复率", key="trace_indicator")
with top[1]:
    copy_link_button()
project = st.selectbox("项目 Project (optional)", [None] + list(by_id), key="trace_project", placeholder="（全部 any）",
                       format_func=lambda v: "（全部 any）" if v is None else by_id[v].name)
url.publish(indicator=name.strip(), project=project)
if not projects:
    st.info("还没有项目：请在「数据 Data」页上传文件，或在首页导入自带数据。No projects yet: upload files on the Data page.")
result = ui.memo("trace", kb.trace, name.strip(), project) if name.strip() and projects else None
if isinstance(result, Ambiguous):
    st.info(f"“{ui.escape(result.query)}” 出现在 {len(result.candidates)} 个指标中，请选一个。"
            f"It names {len(result.candidates)} indicators: pick one.")
    pick = st.radio("候选 Candidates", result.candidates, index=None,
                    format_func=lambda c: f"{c.project} / {c.indicator}（{ui.text(c.target, '—')}）")
    # the candidate's IRI names exactly one indicator; the link keeps it
    result = ui.memo("trace", kb.trace, pick.iri, None) if pick else None
    if pick:
        url.publish(indicator=pick.iri, project=None)
if result is not None:
    show_trace(result)

st.header("依据缺口 Gaps")
st.caption("依据不具体的指标，以及重复其他栏目或只作描述的立项依据。点击一行查看该指标的溯源。"
           "Indicators whose project cites no concrete basis, and 立项依据 that repeat or describe instead of citing. "
           "Click a row to trace it.")
findings = ui.memo("gaps", kb.gaps) or []
picked = ui.table([{"类型 kind": FINDING_KINDS.get(f.kind, f.kind), "项目 project": f.project, "指标 indicator": f.indicator,
                    "说明 message": f.message, "出处 source": ui.where(f.span)} for f in findings],
                  key="trace_gaps", on_select="rerun", selection_mode="single-row")
rows = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
if rows and findings[rows[0]].indicator and st.session_state.get("trace_gap_opened") != rows[0]:
    st.session_state["trace_gap_opened"] = rows[0]
    f = findings[rows[0]]
    st.query_params["indicator"] = f.iri or f.indicator
    st.query_params.pop("project", None)
    st.rerun()
