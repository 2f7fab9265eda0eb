"""SPARQL: edit a query (or start from a saved example), run it, chart it, download the answer.

Example: the saved query budget_by_performance_type → 政策补贴类 9229000, 其他类 3831000, 信息化建设工程类 1056034.
"""
import streamlit as st

from app.queries import saved_queries, saved_query_path
from app.sparql import render
from app.ui import common as ui

ui.page("SPARQL", "🕸️")
kb = ui.knowledge_base()

examples = dict(saved_queries())
name = st.selectbox("示例查询 Saved query", list(examples), format_func=lambda n: f"{n} — {examples[n]}",
                    index=None, placeholder="选一个示例 Pick an example, or write below")
# a new pick replaces the editor's text; edits are kept until another query is picked
if name and st.session_state.get("sparql_loaded") != name:
    st.session_state["sparql_loaded"] = name
    st.session_state["sparql_text"] = saved_query_path(name).read_text("utf-8")
query = st.text_area("查询 Query", key="sparql_text", height=260, placeholder=(
    "PREFIX jx: <https://w3id.org/jixiao/ontology#>\nSELECT ?name WHERE { ?p jx:name ?name }"))
if kb.settings.endpoint:
    st.caption(f"查询远程端点 Querying the endpoint {kb.settings.endpoint}")
else:  # checked: a read-only Oxigraph opens a store another process holds; a read-write one cannot
    st.caption("外部工具 External tools: `jixiao endpoint --read-only` serves this store as a SPARQL 1.1 endpoint "
               "at http://127.0.0.1:7878/query while the UI runs.")
if st.button("运行 Run", type="primary"):
    st.session_state["sparql_ran"] = query
# the last query run stays on screen through later reruns (a download, a chart option)
ran = st.session_state.get("sparql_ran")
result = ui.call(kb.sparql, ran) if ran and ran.strip() else None
if result is not None and result.kind == "ask":
    st.success(f"ASK → {'true' if result.boolean else 'false'}")
elif result is not None:
    columns = ui.sparql_columns(result)
    st.dataframe(columns, hide_index=True)
    st.caption(f"{len(result)} 行 rows")
    chart = ui.chart_columns(columns)
    if chart:
        label, numbers = chart
        y = numbers[0] if len(numbers) == 1 else st.radio("柱状图 Bar chart", numbers, index=len(numbers) - 1,
                                                          horizontal=True)
        st.bar_chart(columns, x=label, y=y, horizontal=True, sort=False)
    c1, c2 = st.columns(2)
    json_label, mime = (("下载 SPARQL JSON", "application/sparql-results+json") if result.kind == "select"
                        else ("下载 JSON-LD", "application/ld+json"))  # CONSTRUCT / DESCRIBE answers
    c1.download_button("下载 CSV", render(result, "csv"), "result.csv", "text/csv", on_click="ignore")
    c2.download_button(json_label, render(result, "json"), "result.json", mime, on_click="ignore")
