"""Search: projects ranked for a question, with their best passages, matches highlighted, and the source.

Example: 哪些项目涉及能耗在线监测 → 国能中心（市能耗在线监测系统） first.
"""
import streamlit as st

from app.ui import common as ui

ui.page("搜索 Search", "🔎")
kb = ui.knowledge_base()
projects = kb.projects()


def choices(attr: str) -> list:
    """The values a filter can take, from the loaded projects; None means any."""
    return [None] + sorted({getattr(p, attr) for p in projects if getattr(p, attr) is not None})


with st.sidebar:
    st.header("筛选 Filters")
    anyone = lambda v: "（全部 any）" if v is None else str(v)  # noqa: E731
    filters = {
        "unit": st.selectbox("申报单位 Unit", choices("unit"), format_func=anyone),
        "year": st.selectbox("年度 Year", choices("year"), format_func=anyone),
        "performance_type": st.selectbox("绩效类型 Performance type", choices("performance_type"), format_func=anyone),
        "category": st.selectbox("项目类别 Category", choices("category"), format_func=anyone),
        "budget_min": st.number_input("项目总预算下限 Budget min (元)", min_value=0.0, value=None, step=100000.0),
        "budget_max": st.number_input("项目总预算上限 Budget max (元)", min_value=0.0, value=None, step=100000.0),
    }

query = st.text_input("问题 Question", placeholder="哪些项目涉及能耗在线监测")
c1, c2 = st.columns([2, 3])
mode = c1.radio("方式 Mode", ["hybrid", "bm25", "dense"], horizontal=True,
                help="hybrid: BM25 + e5 vectors fused by reciprocal rank")
k = c2.slider("项目数 Projects (k)", 1, 20, 10)

hits = ui.call(kb.search, query, k=k, mode=mode,
               filters={f: v for f, v in filters.items() if v is not None}) if query.strip() else None
if hits == []:
    st.info("没有匹配的项目。No matching project: try other words, another mode, or fewer filters.")
texts: dict[str, str] = {}  # doc id → normalized text, read once per run for the source expanders
for n, hit in enumerate(hits or [], start=1):
    with st.container(border=True):
        st.subheader(f"{n}. {ui.escape(hit.project_name)}")
        st.caption(f"score {hit.score:.4f} · `{hit.project_iri}`")
        for p in hit.passages:
            st.markdown(f"**{ui.escape(ui.field_label(p.field))}** · {ui.mark(p.text, p.highlights)}",
                        unsafe_allow_html=True)
            if p.span is not None:
                with st.expander(f"原文 Source · {ui.where(p.span)}"):
                    text = texts.setdefault(p.span.doc, kb.records.text(p.span.doc))
                    st.markdown(ui.context(text, p.span.start, p.span.end), unsafe_allow_html=True)
