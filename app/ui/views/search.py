"""Search: projects ranked for a query, with their budget, the filters applied, their best passages
highlighted and the source; each hit links to its project card. A query that is really a
question gets the 问答 Ask answer above the hits.

The query, mode, number of hits and filters are in the URL (``?q=…&mode=bm25&type=…``).
Example: 哪些项目涉及能耗在线监测 → 国能中心（市能耗在线监测系统） first.
"""
import streamlit as st

from app.ui import common as ui
from app.ui.links import UrlState, copy_link_button
from app.ui.results import as_answer, show_answer, show_hits

ui.page("搜索 Search")
kb = ui.knowledge_base()
projects = ui.catalog()
url = UrlState("search")
MODES = ["hybrid", "bm25", "dense"]


def choices(attr: str) -> list:
    """The values a filter can take, from the loaded projects; None means any."""
    return [None] + sorted({getattr(p, attr) for p in projects if getattr(p, attr) is not None})


def one_of(options: list, cast=str):
    def parse(raw: str):
        value = cast(raw)
        if value not in options:
            raise ValueError(raw)
        return value
    return parse


FILTERS = {  # filter → (URL parameter, label, options or None for an amount)
    "unit": ("unit", "申报单位 Unit", choices("unit")),
    "year": ("year", "年度 Year", choices("year")),
    "performance_type": ("type", "绩效类型 Performance type", choices("performance_type")),
    "category": ("category", "项目类别 Category", choices("category")),
    "budget_min": ("min", "项目总预算下限 Budget min (元)", None),
    "budget_max": ("max", "项目总预算上限 Budget max (元)", None),
}
url.bind("q", key="search_q", default="")
url.bind("mode", key="search_mode", default="hybrid", parse=one_of(MODES))
url.bind("k", key="search_k", default=10, parse=lambda s: min(20, max(1, int(s))))
url.bind("weak", key="search_weak", default=False, parse=lambda s: s == "1")
for name, (param, _, options) in FILTERS.items():
    url.bind(param, key=f"search_{name}", default=None,
             parse=float if options is None else one_of(options, int if name == "year" else str))

with st.sidebar:
    st.header("筛选 Filters")
    anyone = lambda v: "（全部 any）" if v is None else str(v)  # noqa: E731
    filters = {}
    for name, (param, label, options) in FILTERS.items():
        if options is None:
            filters[name] = st.number_input(label, min_value=0.0, step=100000.0, key=f"search_{name}")
        else:
            filters[name] = st.selectbox(label, options, format_func=anyone, key=f"search_{name}",
                                         placeholder="（全部 any）")

top = st.columns([5, 2])
query = top[0].text_input("问题 Query", placeholder="哪些项目涉及能耗在线监测", key="search_q")
with top[1]:
    copy_link_button()
c1, c2 = st.columns([2, 3])
mode = c1.radio("方式 Mode", MODES, horizontal=True, key="search_mode",
                help="hybrid: BM25 + e5 vectors fused by reciprocal rank")
k = c2.slider("项目数 Projects (k)", 1, 20, key="search_k")
weak_too = st.toggle("显示弱相关结果 Show weak hits", key="search_weak",
                     help="hits below the relevance floor: they match little of the query")
applied = {f: v for f, v in filters.items() if v is not None}
url.publish(q=query.strip(), mode=None if mode == "hybrid" else mode, k=None if k == 10 else k,
            weak=1 if weak_too else None,
            **{FILTERS[f][0]: (int(v) if isinstance(v, float) and v.is_integer() else v) for f, v in applied.items()})

result = None
if query.strip():
    # the query's own conditions become filters, question words do not count, weak hits are held
    # back, and a question gets its ask answer (app.search, shared with the CLI)
    from app.search import understood_search
    result = ui.memo("search", understood_search, kb, query.strip(), k=k, mode=mode, filters=applied,
                     include_weak=weak_too)
shown = [f"{FILTERS[f][1].split(' ')[0]} = " + (ui.yuan(v) if FILTERS[f][2] is None else ui.escape(str(v)))
         for f, v in applied.items()]
if result is not None:
    shown = [ui.escape(r) for r in result.applied[:len(result.applied) - len(applied)]] + shown  # read from the query
if shown:
    st.caption(f"已应用的筛选 Filters applied: {' · '.join(shown)}")

if result is not None:
    if result.answer is not None:
        st.markdown("**问答 Answer**")
        show_answer(kb, as_answer(result.answer), query.strip(), compact=True)
    if result.hits:
        show_hits(kb, result.hits)
    else:
        st.info("没有相关项目。No relevant project: try other words, another mode, or fewer filters"
                + ("" if weak_too or not result.weak else
                   f"; {len(result.weak)} 个弱相关结果 weak hits are held back (Show weak hits)") + ".")
    if weak_too and result.weak:
        st.markdown(f"**弱相关结果 Weak hits**（低于相关度下限 below the relevance floor）")
        show_hits(kb, result.weak, start=len(result.hits) + 1)
elif not projects:
    st.info("还没有项目：请在「数据 Data」页上传文件，或在首页导入自带数据。No projects yet: upload files on the Data page.")
