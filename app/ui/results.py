"""How the pages show search hits and ask answers, shared by 搜索 Search and 问答 Ask.

A hit is a bordered card: its rank and name, the budget and the facts filters use, a link to
the project card, then its best passages, highlighted, each with its source. An answer is the
sentence (with its figure), how the question was read, the entities recognised, the rows, and
the SPARQL that produced it with a link that opens it in the SPARQL editor; when no reading
fits, the "您是不是想问…" readings and search hits instead.

Example: ``show_hits(kb, kb.search("能耗在线监测"))``; ``show_answer(kb, as_answer(kb.ask(q)), q)``
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

import streamlit as st

from app.ui import common as ui

PROJECTS_PAGE = "views/projects.py"
SPARQL_PAGE = "views/sparql.py"
ASK_PAGE = "views/ask.py"
TRACE_PAGE = "views/trace.py"


def project_id(iri: str) -> str:
    """The project id at the end of a project IRI (``…/project/{id}``)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def facts(p: Any) -> str:
    """One line of a project's facts: 项目总预算 (元 and 万元) · 绩效类型 · 申报单位 · 年度."""
    parts = [f"项目总预算 {ui.yuan(p.budget.total)}"]
    parts += [ui.escape(x) for x in (p.performance_type, p.category, p.unit) if x]
    if p.year:
        parts.append(f"{p.year} 年度")
    return " · ".join(parts)


def show_hits(kb: Any, hits: Sequence[Any], *, start: int = 1) -> None:
    """Search hits as cards, each linking to its project card: ``SearchHit`` or the understood
    search's hits (which also say the amount a budget condition filtered on)."""
    by_id = ui.project_index()
    texts: dict[str, str] = {}  # doc id → normalized text, read once per run for the source expanders
    for n, found in enumerate(hits, start=start):
        hit = getattr(found, "hit", found)
        pid = project_id(hit.project_iri)
        project = by_id.get(pid)
        with st.container(border=True):
            st.subheader(f"{n}. {ui.escape(hit.project_name)}")
            line = facts(project) if project is not None else ""
            amount = found.amount_text() if hasattr(found, "amount_text") else ""
            if amount and not amount.startswith("项目总预算"):
                line = f"**{ui.escape(amount)}** · {line}"
            score = f" · 相关度 score {hit.score:.4f}" if hit.score else ""
            st.caption(f"{line}{score}".lstrip(" ·"))
            st.page_link(PROJECTS_PAGE, label="打开项目卡片 Open the project card", icon=":material/folder_open:",
                         query_params={"project": pid})
            for p in hit.passages:
                st.markdown(f"**{ui.escape(ui.field_label(p.field))}** · {ui.mark(p.text, p.highlights)}",
                            unsafe_allow_html=True)
                if p.span is not None:
                    with st.expander(f"原文 Source · {ui.where(p.span)}"):
                        text = texts.setdefault(p.span.doc, kb.records.text(p.span.doc))
                        st.markdown(ui.context(text, p.span.start, p.span.end), unsafe_allow_html=True)


# -- answers ------------------------------------------------------------------------------------
def as_answer(result: Any) -> dict[str, Any]:
    """An ask result as the documented dict (``answer``, ``rows``, ``sparql``, ``entities``,
    ``reading``, ``fallback``, and when there is no answer ``suggestions`` and ``hits``),
    whether ``kb.ask`` returned that dict or an object with ``to_json()``."""
    if result is None:
        return {}
    if hasattr(result, "to_json"):
        result = result.to_json()
    return dict(result) if isinstance(result, Mapping) else {}


def _entity(e: Any) -> str:
    if not isinstance(e, Mapping):
        return ui.escape(str(e))
    label = e.get("label") or e.get("text") or e.get("surface") or e.get("value") or ""
    kind = e.get("kind") or e.get("type") or e.get("field") or ""
    conf = e.get("confidence", e.get("score"))
    conf_text = f" {float(conf):.2f}" if isinstance(conf, (int, float)) else ""
    return f"`{ui.escape(str(label))}`（{ui.escape(str(kind))}{conf_text}）" if kind else f"`{ui.escape(str(label))}`{conf_text}"


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _rows(rows: Any) -> list[dict[str, Any]]:
    """An answer's rows for a table; a column of amounts written as digits becomes numbers (so it
    shows 1,056,034), while years and codes (under 5 digits, or not all digits) stay text."""
    out = []
    for r in rows or []:
        if isinstance(r, Mapping):
            out.append({str(k): (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in r.items()})
        elif isinstance(r, (list, tuple)):
            out.append({f"列 {i + 1}": v for i, v in enumerate(r)})
        else:
            out.append({"值 value": r})
    for column in {k for r in out for k in r}:
        values = [r.get(column) for r in out if r.get(column) not in (None, "")]
        if values and all(isinstance(v, str) and _NUMBER.fullmatch(v) for v in values) \
                and any(abs(float(v)) >= 10000 for v in values):
            for r in out:
                if r.get(column) not in (None, ""):
                    r[column] = float(r[column])
    return out


def suggestions(answer: Mapping[str, Any]) -> list[str]:
    """The "您是不是想问…" readings of a fallback answer, as questions."""
    raw = answer.get("suggestions") or answer.get("did_you_mean") or answer.get("readings") or []
    out = []
    for s in raw:
        text = s.get("question") or s.get("text") or s.get("reading") if isinstance(s, Mapping) else s
        if text:
            out.append(str(text))
    return out[:3]


def show_answer(kb: Any, answer: Mapping[str, Any], question: str, *,
                on_suggestion: Callable[[str], None] | None = None, compact: bool = False) -> None:
    """One answer: the sentence, the reading, the entities, the rows and the SPARQL (with a
    link into the editor); for a fallback, the closest readings and the search hits."""
    sparql = answer.get("sparql") or ""
    if answer.get("fallback"):
        st.info("没有找到能确定回答的读法。No reading of this question fits well enough to answer it."
                + (f" {ui.escape(answer['answer'])}" if answer.get("answer") else ""))
        options = suggestions(answer)
        if options:
            st.markdown("**您是不是想问… Did you mean…**")
            for i, s in enumerate(options):
                if on_suggestion is not None:
                    st.button(s, key=f"suggest_{i}", on_click=on_suggestion, args=(s,))
                else:
                    st.page_link(ASK_PAGE, label=s, query_params={"q": s})
        if not compact:
            from app.search import understood_search  # the search's own floor: no padding hits
            found = ui.call(understood_search, kb, question, k=5, with_answer=False)
            hits = found.hits if found is not None else []
            if hits:
                st.markdown("**相关项目 Search results**")
                show_hits(kb, hits)
            else:
                st.info("没有相关项目。No relevant project.")
        return
    with st.container(border=True):
        st.success(ui.escape(answer.get("answer") or ""), icon=":material/lightbulb:")
        if answer.get("reading"):
            st.caption(f"理解为 Read as: {ui.escape(answer['reading'])}")
        entities = answer.get("entities") or []
        if entities:
            st.caption("识别的实体 Entities: " + " · ".join(_entity(e) for e in entities))
        rows = _rows(answer.get("rows"))
        if rows:
            ui.table(rows)
        handover = answer.get("trace")
        if handover:  # "what is the legal basis of indicator X" is the trace page's question
            # the indicator's IRI names exactly the one traced (a name may fit several)
            params = {"indicator": handover.get("indicator_iri") or handover.get("indicator")} \
                if isinstance(handover, Mapping) else {"indicator": str(handover)}
            st.page_link(TRACE_PAGE, label="在追溯中查看依据 Trace its legal basis", icon=":material/account_tree:",
                         query_params=params)
        if sparql:
            with st.expander("SPARQL（产生此答案的查询 the query that produced this answer）", expanded=not compact):
                st.code(sparql, language="sparql")
            st.page_link(SPARQL_PAGE, label="在 SPARQL 中打开 Open in the SPARQL editor", icon=":material/hub:",
                         query_params={"sparql": sparql})
