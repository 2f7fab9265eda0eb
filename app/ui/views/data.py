"""数据 Data: upload tables (every format the readers handle) with a progress bar and a result per
file; the ingested documents, with remove; the SHACL validation report; downloads of the graph.

Uploads are checked (type, size) and written to ``<data_dir>/uploads/`` only (``app.ui.upload``).
Example: upload ``项目支出绩效目标表.xlsx`` → "1 个项目 projects · 12 个指标 indicators · 0 errors".
"""
from pathlib import Path

import streamlit as st

from app.ui import common as ui
from app.ui.links import copy_link_button
from app.ui.upload import MAX_UPLOAD_MB, accepted_types, is_upload, save_upload
from ingest.errors import IngestError, JixiaoError

ui.page("数据 Data")
kb = ui.knowledge_base()
state = st.session_state
state.setdefault("data_uploader", 0)
SHOWN_MESSAGES = 30  # warnings or errors listed per file; the rest are counted

top = st.columns([5, 2])
top[0].caption(f"支持的格式 Formats: {', '.join('.' + t for t in accepted_types())} · "
               f"每个文件不超过 at most {MAX_UPLOAD_MB} MB each · 保存在数据目录的 uploads/ 中 kept in uploads/ "
               "of the data directory · 同名文件再次上传会替换原文档 uploading a file again replaces it")
with top[1]:
    copy_link_button()


def ingest(files) -> list[dict]:
    """Save, then ingest, every uploaded file; one result row per file."""
    results, saved = [], []
    for f in files:
        try:
            saved.append(save_upload(kb.data_dir, f.name, f.getvalue()))
        except IngestError as e:
            results.append({"file": f.name, "projects": 0, "indicators": 0, "warnings": [], "errors": [ui.scrub(str(e))]})
    if not saved:
        return results
    bar = st.progress(0.0, text="准备 Preparing…")

    def progress(paths):
        for n, path in enumerate(paths):
            bar.progress(n / max(len(paths), 1), text=f"导入 Ingesting {path.name}（{n + 1}/{len(paths)}）")
            yield path
        bar.progress(1.0, text="更新搜索索引 Updating the search index…")

    def encoding(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"编码段落 Encoding passages {done}/{total}")

    try:
        report = kb.ingest(saved, progress=progress, encode_progress=encoding)
    except JixiaoError as e:
        bar.empty()
        ui.show_error(e)
        return results
    except Exception as e:  # noqa: BLE001 - a message with the file, never a traceback
        bar.empty()
        st.error(ui.scrub(f"导入失败 ingest failed: {type(e).__name__}: {e}"))
        return results
    bar.progress(1.0, text="完成 Done")
    for f in report.files:
        if not f.projects and is_upload(kb.data_dir, f.path) and kb.records.doc_for_path(f.path) is None:
            Path(f.path).unlink(missing_ok=True)  # nothing was read from it: do not keep it around
        results.append({"file": ui.rel_path(f.path), "projects": f.projects, "indicators": f.indicators,
                        "warnings": [ui.scrub(str(w)) for w in f.warnings],
                        "errors": [ui.scrub(str(e)) for e in f.errors]})
    return results


st.header("上传 Upload")
files = st.file_uploader("绩效目标表文件 Performance-target tables", type=accepted_types(), accept_multiple_files=True,
                         max_upload_size=MAX_UPLOAD_MB, key=f"data_upload_{state['data_uploader']}")
if st.button("导入 Ingest", type="primary", disabled=not files):
    state["data_results"] = ingest(files)
    state["data_uploader"] += 1  # a fresh uploader: the files are in the knowledge base now
    state.pop("data_validation", None)
    st.rerun()
results = state.get("data_results")
if results:
    st.markdown("**导入结果 Result per file**")
    for r in results:
        status = ("错误 error" if r["errors"] and not r["projects"] else
                  "有警告 warnings" if r["warnings"] or r["errors"] else "成功 ok")
        with st.container(border=True):
            st.markdown(f"**{ui.escape(r['file'])}** · {status} · {r['projects']} 个项目 projects · "
                        f"{r['indicators']} 个指标 indicators · {len(r['warnings'])} 条警告 warnings · "
                        f"{len(r['errors'])} 个错误 errors")
            for e in r["errors"][:SHOWN_MESSAGES]:
                ui.show_error(e)
            if len(r["errors"]) > SHOWN_MESSAGES:
                st.caption(f"… 另有 {len(r['errors']) - SHOWN_MESSAGES} 个错误 more errors")
            if r["warnings"]:
                with st.expander(f"{len(r['warnings'])} 条警告 warnings"):
                    st.code("\n".join(r["warnings"][:SHOWN_MESSAGES])
                            + (f"\n… {len(r['warnings']) - SHOWN_MESSAGES} more"
                               if len(r["warnings"]) > SHOWN_MESSAGES else ""), language=None)

st.header("已导入的文档 Ingested documents")
documents = kb.records.documents()
if not documents:
    st.info("还没有导入任何文档。Nothing is ingested yet.")
else:
    ui.table([{"id": doc_id, "文件 file": ui.rel_path(d["file"]), "项目 projects": d["projects"],
               "导入时间 ingested": d["ingested"]} for doc_id, d in documents.items()])
    doomed = st.multiselect("选择要删除的文档 Documents to remove", list(documents), key="data_remove",
                            placeholder="选择文档 Choose documents",
                            format_func=lambda d: f"{ui.rel_path(documents[d]['file'])}（{documents[d]['projects']} 个项目）")
    if st.button("删除所选 Remove", disabled=not doomed):
        removed = []
        for doc_id in doomed:
            file = documents[doc_id]["file"]
            if ui.call(kb.remove_document, doc_id):
                removed.append(ui.rel_path(file))
                if is_upload(kb.data_dir, file):  # or a later ingest of uploads/ would bring it back
                    Path(file).unlink(missing_ok=True)
        state["data_removed"] = removed
        state.pop("data_validation", None)
        st.rerun()
if state.get("data_removed"):
    st.success("已删除 Removed: " + "、".join(ui.escape(f) for f in state.pop("data_removed")))

st.header("校验 SHACL validation")
st.caption("按 ontology/shapes.ttl 校验整个图谱。Validates the whole graph against ontology/shapes.ttl.")
if st.button("运行校验 Validate"):
    with st.spinner("校验中 Validating…"):
        outcome = ui.call(kb.validate)
    if outcome is not None:
        state["data_validation"] = outcome
validation = state.get("data_validation")
if validation is not None:
    conforms, report = validation
    if conforms:
        st.success("图谱符合约束 The graph conforms to the shapes.")
    else:
        st.error("图谱不符合约束 The graph does not conform: see the report.")
    with st.expander("校验报告 Validation report", expanded=not conforms):
        st.code(ui.scrub(report)[:20000], language=None)

st.header("下载图谱 Download the graph")
st.caption("TTL 与 JSON-LD 为所有文档图的合并；TriG 保留每个文档的命名图。"
           "TTL and JSON-LD hold the merge of every document's graph; TriG keeps each document's named graph.")
formats = [("Turtle (.ttl)", "ttl", "jixiao.ttl", "text/turtle"),
           ("JSON-LD (.jsonld)", "jsonld", "jixiao.jsonld", "application/ld+json"),
           ("TriG (.trig)", "trig", "jixiao.trig", "application/trig")]
for col, (label, fmt, name, mime) in zip(st.columns(len(formats)), formats):
    col.download_button(f"下载 {label}", lambda fmt=fmt: kb.export_graph(fmt), name, mime, on_click="ignore",
                        disabled=not documents)
