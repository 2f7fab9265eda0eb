"""Projects: every project in a table, and one project's card (budget, sections, indicators with flags, citations).

Example: the seed gives 8 projects; 对口援助's indicator 客户满意度 99% is flagged no_operator.
"""
import streamlit as st

from app.ui import common as ui
from ingest.records import BUDGET_FIELDS

BUDGET_LABELS = {"total": "项目总预算 total", "current_year": "当年预算 this year",
                 "prev_year_budget": "上年预算 last year", "prev_year_executed": "上年执行数 last year spent"}

ui.page("项目 Projects", "📁")
kb = ui.knowledge_base()
projects = kb.projects()
yuan = st.column_config.NumberColumn(format="localized")

st.dataframe([{"项目 name": p.name, "申报单位 unit": p.unit, "年度 year": p.year, "绩效类型 type": p.performance_type,
               "项目总预算 budget total (元)": ui.plain(p.budget.total), "指标 indicators": len(p.indicators),
               "引用 citations": len(p.citations)} for p in projects],
             hide_index=True, column_config={"项目总预算 budget total (元)": yuan})
if not projects:
    st.info("还没有项目：请在首页导入数据。No projects yet: ingest on the Home page or with `jixiao ingest`.")
    st.stop()

p = projects[st.selectbox("项目 Project", range(len(projects)), format_func=lambda n: projects[n].name)]
with st.container(border=True):
    st.subheader(ui.escape(p.name))
    st.caption(f"{p.unit or '—'} · {p.year or '—'} · {p.category or '—'} · {p.performance_type or '—'} · "
               f"{p.start_date or '?'} → {p.end_date or '?'} · 政府购买服务 {'是' if p.gov_purchase else '否'} · "
               f"{ui.where(p.source)}")
    b = p.budget
    for col, key in zip(st.columns(len(BUDGET_FIELDS)), BUDGET_FIELDS):
        value = getattr(b, key)
        col.metric(f"{BUDGET_LABELS[key]} (元)", "—" if value is None else f"{value:,}")  # blank cell: unknown, not 0
    for s in p.sections:
        with st.expander(s.label + ("（起点推断 start inferred）" if s.inferred_start else "")):
            st.markdown(ui.escape((s.text or "—").strip()))  # 4 leading spaces would make a code block
    st.markdown("**绩效指标 Indicators**")
    st.dataframe([{"一级 level 1": i.level1, "二级 level 2": i.level2, "三级 indicator": i.name, "目标 target": i.target_raw,
                   "标记 flags": ", ".join(i.flags), "span": ui.where(i.span)} for i in p.indicators], hide_index=True)
    st.markdown("**引用依据 Citations**")
    st.dataframe([{"标题 title": c.title, "文号 doc number": c.doc_number, "条款 article": c.article,
                   "层级 level": c.level, "发文机关 issuer": c.issuer, "栏目 section": c.section,
                   "引文 quote": c.quote, "span": ui.where(c.span)} for c in p.citations], hide_index=True)
