"""Trace: an indicator → its project → the laws, articles and quoted clauses that support it; then the gaps.

Example: 能耗数据异常故障修复率 → 发改办环资〔2019〕424号 first; 预算执行率 → pick one of its projects.
"""
import streamlit as st

from app.gaps import FINDING_KINDS
from app.trace import Ambiguous
from app.trace_dot import to_dot
from app.ui import common as ui

ui.page("追溯 Trace", "🧭")
kb = ui.knowledge_base()
CARDS = 3  # the best bases get a card with their quote and source; the rest are in the table


def show_trace(result) -> None:
    i = result.indicator
    st.subheader(f"{ui.escape(i.name)} · {ui.escape(result.project.name)}")
    st.caption(f"{' / '.join(x for x in (i.level1, i.level2) if x)} · 目标 target `{i.target_raw}` · "
               f"{ui.where(result.span)} · `{result.indicator_iri}`")
    if not result.bases:
        st.warning("项目没有引用任何依据。The project cites no basis.")
    st.dataframe([{"#": b.rank, "score": b.score, "标题 title": b.title, "文号 doc number": b.doc_number,
                   "条款 article": b.article, "引文 quote": b.evidence or b.quote, "method": b.method,
                   "span": ui.where(b.span or (b.cited_at[0] if b.cited_at else None))} for b in result.bases],
                 hide_index=True, column_config={"score": st.column_config.NumberColumn(format="%.3f")})
    for b in result.bases[:CARDS]:
        with st.container(border=True):
            score = f" · 支撑度 score {b.score:.3f}" if b.score is not None else ""
            st.markdown(f"**{ui.escape(b.heading)}**{score}")
            st.caption(f"{b.level or '?'} · {b.issuer or '—'} · {b.method or 'direct'}")
            if b.evidence or b.quote:
                st.markdown(f"> {ui.escape(b.evidence or b.quote)}")
            if b.span is not None and b.span.text is not None:
                with st.expander(f"原文 Source · {ui.where(b.span)}"):
                    text = kb.records.text(b.span.doc)
                    st.markdown(ui.context(text, b.span.start, b.span.end), unsafe_allow_html=True)
    st.graphviz_chart(to_dot(result))
    for f in result.findings:
        st.warning(ui.escape(f.message))


st.header("指标溯源 Indicator trace")
name = st.text_input("绩效指标 Indicator (name or IRI)", placeholder="能耗数据异常故障修复率")
names = [p.name for p in kb.projects()]
project = st.selectbox("项目 Project (optional)", [None] + names, format_func=lambda v: "（全部 any）" if v is None else v)
if not names:
    st.info("还没有项目：请在首页导入数据。No projects yet: ingest on the Home page or with `jixiao ingest`.")
result = ui.call(kb.trace, name, project) if name.strip() and names else None
if isinstance(result, Ambiguous):
    st.info(f"“{result.query}” 出现在 {len(result.candidates)} 个指标中，请选一个。"
            f"It names {len(result.candidates)} indicators: pick one.")
    pick = st.radio("候选 Candidates", result.candidates, index=None,
                    format_func=lambda c: f"{c.project} / {c.indicator}（{c.target}）")
    # the candidate's IRI names exactly one indicator
    result = ui.call(kb.trace, pick.iri) if pick else None
if result is not None:
    show_trace(result)

st.header("依据缺口 Gaps")
st.caption("Indicators whose project cites no concrete basis, and 立项依据 that repeat or describe instead of citing.")
findings = ui.call(kb.gaps) or []
st.dataframe([{"类型 kind": FINDING_KINDS.get(f.kind, f.kind), "项目 project": f.project, "指标 indicator": f.indicator,
               "说明 message": f.message, "span": ui.where(f.span)} for f in findings], hide_index=True)
