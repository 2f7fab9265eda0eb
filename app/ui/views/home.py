"""Home: what is loaded, a button to ingest the bundled data when nothing is, and how to use the pages."""
import streamlit as st

from app.ui import common as ui
from app.ui.links import copy_link_button

ui.page("绩效图谱 jixiao")
kb = ui.knowledge_base()
copy_link_button()

with st.sidebar:
    st.caption(f"数据目录 data dir: `{ui.rel_path(kb.data_dir) or kb.data_dir.name}`")
    # after `jixiao ingest` from a shell, the cached records are stale until reloaded
    if st.button("重新加载 Reload", help="Release the store and read the data directory again"):
        ui.reload_knowledge_base()
        st.rerun()

if not kb.records.documents():
    st.info("知识库是空的。The knowledge base is empty: ingest the bundled `data/` (about a minute "
            "the first time, while passages are encoded).")
    if st.button("导入自带数据 Ingest the bundled data", type="primary"):
        with st.spinner("导入中 Ingesting…"):
            report = ui.call(kb.ingest)
        if report is not None:
            st.success(f"{len(report.files)} 个文件 files · {report.projects} 个项目 projects · "
                       f"{report.indicators} 个指标 indicators · {len(report.warnings)} 条警告 warnings")
            for err in report.errors:
                ui.show_error(err)

documents = kb.records.documents()
projects = ui.catalog()
c1, c2, c3 = st.columns(3)
c1.metric("文档 Documents", len(documents))
c2.metric("项目 Projects", len(projects))
c3.metric("绩效指标 Indicators", sum(len(p.indicators) for p in projects))
if documents:
    ui.table([{"id": doc_id, "文件 file": ui.rel_path(d["file"]), "项目 projects": d["projects"],
               "导入 ingested": d["ingested"]} for doc_id, d in documents.items()])

st.markdown("""
### 怎么用 How to use
- **问答 Ask** — 用中文提问，例如“2020年信息化建设工程类项目总预算是多少”；回答附带表格、理解方式和产生答案的 SPARQL。
  Ask in plain Chinese; the answer comes with its rows, how the question was read, and the SPARQL that produced it.
- **搜索 Search** — 用中文或英文提问，例如“哪些项目涉及能耗在线监测”；结果按项目分组，命中词高亮，可展开原文。
  Ask in Chinese or English; projects come back with their best passages, matches highlighted, and the source text.
- **SPARQL** — 选一个示例查询或自己写，结果可下载为 CSV / SPARQL JSON。
  Pick a saved example query or write your own; download the answer as CSV or SPARQL JSON.
- **追溯 Trace** — 输入绩效指标名称，查看支撑它的法律、条款和引文，以及缺少依据的指标。
  Name an indicator to see the laws, articles and quoted clauses that support it, ranked, and the gaps.
- **项目 Projects** — 所有项目的预算、栏目、指标（含不规范标记）与引用。
  Every project with its budget, sections, indicators (with irregularity flags) and citations.
- **数据 Data** — 上传绩效目标表（文本、PDF、Excel、Word、HTML），查看、删除已导入的文档，运行 SHACL 校验，下载整个图谱。
  Upload tables in any supported format, remove documents, validate the graph, download it as TTL, JSON-LD or TriG.

每个页面的地址都记录当前视图，可用「复制链接 Copy link」分享。Every page's address holds its view: share it with Copy link.
""")
