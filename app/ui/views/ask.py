"""问答 Ask: a question in plain Chinese → the answer sentence with its figure, the rows, how the
question was read, the entities recognised, and the SPARQL that produced it (open it in the
SPARQL editor); when no reading fits, "您是不是想问…" and search hits instead.

The question is in the URL (``?q=…``). The answers come from ``KnowledgeBase.ask``.
Example: 2020年信息化建设工程类项目总预算是多少 → 1,056,034 元（105.60 万元）.
"""
import streamlit as st

from app.ui import common as ui
from app.ui.links import UrlState, copy_link_button
from app.ui.results import as_answer, show_answer, show_hits

ui.page("问答 Ask")
kb = ui.knowledge_base()
url = UrlState("ask")
EXAMPLES = [
    "2020年信息化建设工程类项目总预算是多少",
    "预算超过300万的项目有哪些",
    "项目总预算最高的是哪个项目",
    "哪些项目没有填写上年预算额",
    "哪些项目引用了《中华人民共和国计量法》",
    "对口援助的客户满意度目标值是多少",
]


def ask(question: str) -> None:
    st.session_state["ask_q"] = question


url.bind("q", key="ask_q", default="")
top = st.columns([5, 2])
question = top[0].text_input("问题 Question", key="ask_q", placeholder=EXAMPLES[0])
with top[1]:
    copy_link_button()
st.caption("示例问题 Example questions:")
for col, example in zip(st.columns(3) * 2, EXAMPLES):
    col.button(example, key=f"ask_example_{example}", on_click=ask, args=(example,), width="stretch")
question = question.strip()
url.publish(q=question)

if question:
    if hasattr(kb, "ask"):
        answer = as_answer(ui.memo("ask", kb.ask, question))
        if answer:
            show_answer(kb, answer, question, on_suggestion=ask)
    else:
        # no ask engine in this installation: say so, and search instead (never an invented answer)
        st.info("本安装还没有问答引擎，以下是搜索结果。The ask engine is not installed here: search results instead.")
        from app.search import understood_search
        found = ui.call(understood_search, kb, question, k=5, with_answer=False)
        if found is not None and found.hits:
            show_hits(kb, found.hits)
        elif found is not None:
            st.info("没有相关项目。No relevant project.")
