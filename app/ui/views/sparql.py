"""SPARQL: a code editor (highlighting, completion of our prefixes, classes and properties,
Ctrl+Enter to run), saved examples by task, a bounded and cancellable run, a table in SELECT
order with labels beside IRIs, a chart, downloads, and the session's query history.

The query run last is in the URL (``?sparql=``): opening that link runs it again.
Example: the saved query budget_by_performance_type → 政策补贴类 9229000, 其他类 3831000, 信息化建设工程类 1056034.
"""
import time

import streamlit as st

from app.queries import saved_queries, saved_query_path
from app.sparql import render
from app.ui import common as ui
from app.ui import sparql_run as sq
from app.ui.links import UrlState, copy_link_button
from ingest.errors import JixiaoError

ui.page("SPARQL")
kb = ui.knowledge_base()
url = UrlState("sparql")
limit_s, row_cap = sq.limits(kb)
state = st.session_state
state.setdefault("sparql_history", [])
state.setdefault("sparql_editor_version", 0)
state.setdefault("sparql_code", "")


def load(text: str) -> None:
    """Put ``text`` in the editor (a new editor instance, so the text really changes)."""
    state["sparql_code"] = text
    state["sparql_editor_version"] += 1


run_now: str | None = None
# 1. a shared link: load its query and run it
if (linked := url.opened_with("sparql")) is not None:
    load(linked)
    run_now = linked
elif (again := state.pop("sparql_again_query", None)) is not None:  # from the history below
    load(again)
    run_now = again

# 2. the saved examples, by task
examples = sq.grouped_queries(saved_queries())
described = {name: (group, text) for group, name, text in examples}
top = st.columns([5, 2])
pick = top[0].selectbox("示例查询 Saved query（按任务分组 by task）", [n for _, n, _ in examples], index=None,
                        format_func=lambda n: f"【{described[n][0]}】 {n} — {described[n][1]}",
                        placeholder="选一个示例即运行 Pick an example to run it", key="sparql_example")
if pick and state.get("sparql_loaded") != pick:
    state["sparql_loaded"] = pick
    load(saved_query_path(pick).read_text("utf-8"))
    run_now = state["sparql_code"]
with top[1]:
    copy_link_button()

# a query asked for by a link, the history or an example starts now, while the editor is drawn
early = None
if run_now is not None:
    try:
        early = (run_now, sq.QueryJob.start(kb, run_now))
    except JixiaoError:
        early = None  # started (and its error shown) below

# 3. the editor: Ctrl+Enter or its Run button sends "submit" with the text
try:
    from code_editor import code_editor
except ImportError:  # the component is a declared dependency; without it, a plain text area
    code_editor = None
if code_editor is not None:
    response = code_editor(
        state["sparql_code"], lang="sparql", theme="default", height=[10, 28], focus=False,
        completions=sq.completions(), key=f"sparql_editor_{state['sparql_editor_version']}",
        options={"wrap": True, "showLineNumbers": True},
        buttons=[{"name": "运行 Run (Ctrl+Enter)", "feather": "Play", "primary": True, "hasText": True,
                  "showWithIcon": True, "commands": ["submit"], "alwaysOn": True,
                  "style": {"bottom": "0.44rem", "right": "0.4rem"}}],
        info={"name": "editor-info", "css": "", "style": {},
              "info": [{"name": "SPARQL · Ctrl+Enter 运行 run · Ctrl+Space 补全 complete", "style": {}}]},
        ghost_text="PREFIX jx: <https://w3id.org/jixiao/ontology#>  SELECT ?name WHERE { ?p jx:name ?name }")
    if response and response.get("type") == "submit" and response.get("id") != state.get("sparql_seen"):
        state["sparql_seen"] = response["id"]
        state["sparql_code"] = response.get("text", "")
        run_now = state["sparql_code"]
else:
    text = st.text_area("查询 Query", state["sparql_code"], height=260)
    if st.button("运行 Run", type="primary"):
        run_now = text

st.caption(f"只读 read-only · 时间上限 time limit **{limit_s:g} s** · 行数上限 row cap **{row_cap:,}** · "
           "SERVICE（联邦查询 federation）关闭 off · "
           + (f"远程端点 endpoint {ui.escape(kb.settings.endpoint)}" if kb.settings.endpoint else
              "外部工具 External tools: `jixiao endpoint --read-only` serves this store at http://127.0.0.1:7878/query"))

# 4. run: the page polls the query's process and shows the time against the limit; the cancel
# button (or Streamlit's Stop, or leaving the page) ends the process
if run_now is not None:
    state.pop("sparql_cancelled", None)
    slot, status = st.empty(), st.empty()
    slot.button("取消 Cancel", icon=":material/stop_circle:", key="sparql_cancel", on_click=lambda: state.update(sparql_cancelled=True))
    outcome: dict = {"query": run_now}
    job = early[1] if early and early[0] == run_now else None
    if early and job is None:
        early[1].cancel()  # the editor asked for another query meanwhile
    try:
        if job is None:
            job = sq.QueryJob.start(kb, run_now)
        while not job.wait(0.2):
            status.caption(f"运行中 running… {job.elapsed:.1f} s / {limit_s:g} s")  # also lets Stop/Cancel in
            if job.elapsed > limit_s:
                job.cancel()
                outcome["error"] = sq.QueryTimeout(
                    f"the query ran past the time limit of {limit_s:g} s and was stopped",
                    hint="narrow it with LIMIT, VALUES or a more selective pattern")
                break
        else:
            outcome["answer"] = job.answer()
    except JixiaoError as e:  # refused, malformed, failed: shown where the answer would be
        outcome.pop("answer", None)
        outcome["error"] = e
    finally:
        if job is not None:
            job.cancel()  # a no-op when it finished; otherwise the process is killed
    slot.empty()
    status.empty()
    if outcome:
        state["sparql_outcome"] = outcome
        answer = outcome.get("answer")
        state["sparql_history"].insert(0, {
            "query": run_now, "time": time.strftime("%H:%M:%S"),
            "rows": len(answer.result) if answer else None,
            "seconds": round(answer.seconds, 2) if answer else None, "ok": answer is not None})
        del state["sparql_history"][20:]
if state.get("sparql_cancelled"):
    st.warning("已取消：查询进程已结束。Cancelled: the query's process was stopped.")
    state.pop("sparql_cancelled", None)
    state.pop("sparql_outcome", None)

# 5. the last answer stays on screen through later reruns (a download, a chart option)
outcome = state.get("sparql_outcome")
if outcome:
    url.publish(sparql=outcome["query"])
    if "error" in outcome:
        ui.show_error(outcome["error"])
    else:
        answer = outcome["answer"]
        result = answer.result
        more = f" · 已截断 truncated at the row cap {row_cap:,}" if answer.truncated else ""
        if result.kind == "ask":
            st.success(f"ASK → {'true' if result.boolean else 'false'}")
        else:
            columns = sq.columns(kb, outcome["query"], result)
            st.caption(f"{len(result):,} 行 rows · {answer.seconds:.2f} s{more}")
            ui.table(columns, column_order=list(columns))
            chart = ui.chart_columns(columns)
            if chart and result.kind == "select":
                label, numbers = chart
                y = numbers[0] if len(numbers) == 1 else st.radio("柱状图 Bar chart", numbers,
                                                                  index=len(numbers) - 1, horizontal=True)
                st.bar_chart(columns, x=label, y=y, horizontal=True, sort=False)
        downloads = [("下载 CSV", "csv", "result.csv", "text/csv")]
        if result.kind == "graph":  # CONSTRUCT / DESCRIBE
            downloads += [("下载 Turtle (TTL)", "ttl", "result.ttl", "text/turtle"),
                          ("下载 JSON-LD", "json", "result.jsonld", "application/ld+json")]
        else:
            downloads += [("下载 SPARQL JSON", "json", "result.json", "application/sparql-results+json")]
        for col, (label, fmt, name, mime) in zip(st.columns(len(downloads)), downloads):
            # made when clicked, not on every rerun
            col.download_button(label, lambda fmt=fmt: render(result, fmt), name, mime, on_click="ignore")
else:
    url.publish(sparql=None)

# 6. this session's history: pick one to load it into the editor and run it again
history = state["sparql_history"]
with st.expander(f"查询历史 History（本次会话 this session · {len(history)}）"):
    if history:
        ui.table([{"时间 time": h["time"], "结果 result": "成功 ok" if h["ok"] else "失败 failed", "行 rows": h["rows"],
                   "秒 s": h["seconds"], "查询 query": " ".join(h["query"].split())[:160]} for h in history])
        again = st.selectbox("再次运行 Run again", range(len(history)), index=None, key="sparql_again",
                             format_func=lambda i: f"{history[i]['time']} · {' '.join(history[i]['query'].split())[:80]}")
        if again is not None and st.button("载入并运行 Load and run"):
            state["sparql_again_query"] = history[again]["query"]
            st.rerun()
    else:
        st.caption("还没有运行过查询。No query run yet.")
