"""Projects: every project in a sortable, filterable table (click a row to open its card), charts of
the budgets, and one project's card: every field with its source (relative file and line), the
budget, the sections, the indicators grouped by 一级 / 二级, the citations.

The open project and the filters are in the URL (``?project=<id>&type=…``).
Example: the seed gives 8 projects; 对口援助's indicator 客户满意度 99% is flagged no_operator.
"""
from dataclasses import fields, is_dataclass
from decimal import Decimal

import streamlit as st

from ingest.records import BUDGET_FIELDS
from app.ui import common as ui
from app.ui.links import UrlState, copy_link_button, link

ui.page("项目 Projects")
kb = ui.knowledge_base()
url = UrlState("projects")
projects = ui.catalog()     # catalog entries: the card alone reads a project's records
by_id = {p.id: p for p in projects}
state = st.session_state

FIELD_LABELS = {  # record field → label; fields not listed show under their own name
    "name": "项目名称", "unit": "申报单位", "year": "预算年度", "category": "项目类别", "performance_type": "绩效类型",
    "gov_purchase": "是否含政府购买服务", "start_date": "计划开始日期", "end_date": "计划完成日期", "kind": "表格类型",
    "department": "主管部门", "code": "项目编码", "id": "项目 id",
    "total": "项目总预算", "current_year": "项目当年预算", "prev_year_budget": "同名项目上年预算额",
    "prev_year_executed": "同名项目上年预算执行数", "money_unit": "金额单位（原表）",
    "level1": "一级", "level2": "二级", "target_raw": "目标值", "operator": "比较符", "value": "数值",
    "qualitative": "定性目标", "flags": "标记 flags", "weight": "分值", "score": "得分", "actual_raw": "实际完成值",
    "deviation": "偏差", "direction": "方向", "standard": "标准", "explanation": "说明", "period": "期间",
    "level1_weight": "一级分值", "level2_weight": "二级分值", "level1_canonical": "一级（规范）", "level2_canonical": "二级（规范）",
}
INDICATOR_LABELS = {"unit": "计量单位", "value": "数值", "operator": "比较符"}
SKIP = {"spans", "span", "source", "budget", "sections", "indicators", "citations", "periods", "unplaced", "sources"}


def label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def scalar(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (tuple, list)):
        return "、".join(ui.text(v) for v in value)
    return value


def one_of(options):
    def parse(raw):
        for o in options:
            if str(o) == raw:
                return o
        raise ValueError(raw)
    return parse


# -- the table, with its filters ----------------------------------------------------------------
def values(attr):
    return sorted({getattr(p, attr) for p in projects if getattr(p, attr) is not None}, key=str)


FILTERS = {"unit": ("unit", "申报单位 Unit"), "year": ("year", "年度 Year"),
           "performance_type": ("type", "绩效类型 Type")}
url.bind("q", key="projects_q", default="")
for attr, (param, _) in FILTERS.items():
    url.bind(param, key=f"projects_{attr}", default=None, parse=one_of(values(attr)))
url.bind("project", key="projects_pick", default=None, parse=lambda s: s if s in by_id else None)

if not projects:
    st.info("还没有项目：请在「数据 Data」页上传文件，或在首页导入自带数据。No projects yet: upload files on the Data page.")
    st.stop()

top = st.columns([3, 2, 1, 2, 2])
needle = top[0].text_input("筛选项目名称 Filter by name", key="projects_q", placeholder="例如 计量")
chosen = {}
for col, (attr, (param, title)) in zip(top[1:4], FILTERS.items()):
    chosen[attr] = col.selectbox(title, [None] + values(attr), key=f"projects_{attr}", placeholder="（全部 any）",
                                 format_func=lambda v: "（全部 any）" if v is None else str(v))
with top[4]:
    copy_link_button()
matching = [p for p in projects if needle.strip() in p.name
            and all(v is None or getattr(p, a) == v for a, v in chosen.items())]
# A browser table of a province's 100,000 rows is megabytes sent on every rerun and no one scrolls
# it: the first ui.TABLE_ROWS matching rows are drawn, and the filters narrow the rest.
ROW_LIMIT = ui.TABLE_ROWS
shown = matching[:ROW_LIMIT]
signature = abs(hash((needle, tuple(chosen.values()))))
yuan = st.column_config.NumberColumn(format="localized")
# A click arrives as the selection of the table drawn last run; the table is then drawn anew,
# keyed by the open project, with that project's row selected (so the selectbox and links agree).
clicked = state.get(f"projects_table_{signature}_{state.get('projects_pick')}")
rows = (clicked or {}).get("selection", {}).get("rows", []) if isinstance(clicked, dict) else \
    list(getattr(getattr(clicked, "selection", None), "rows", []) or [])
if rows and rows[0] < len(shown):
    state["projects_pick"] = shown[rows[0]].id
selected = state.get("projects_pick")
default_rows = [i for i, p in enumerate(shown) if p.id == selected]
ui.table([{"项目 name": p.name, "申报单位 unit": p.unit, "年度 year": p.year, "类别 category": p.category,
           "绩效类型 type": p.performance_type, "项目总预算 total (元)": scalar(p.budget.total),
           "当年预算 this year (元)": scalar(p.budget.current_year), "指标 indicators": len(p.indicators),
           "引用 citations": p.citation_count} for p in shown],
         key=f"projects_table_{signature}_{selected}", on_select="rerun", selection_mode="single-row",
         selection_default={"selection": {"rows": default_rows}} if default_rows else None,
         column_config={"项目总预算 total (元)": yuan, "当年预算 this year (元)": yuan})
st.caption(f"{len(matching)} / {len(projects)} 个项目 projects"
           + (f"（显示前 {ROW_LIMIT} 个 the first {ROW_LIMIT} are shown: 请用名称、单位或年度筛选 filter by name, "
              "unit or year）" if len(matching) > ROW_LIMIT else "")
           + " · 点击一行打开项目卡片 click a row to open its card · 点击列名排序 click a column to sort")
picks = [None] + [p.id for p in shown] + ([selected] if selected in by_id and selected not in
                                          {p.id for p in shown} else [])
pid = st.selectbox("项目卡片 Project card", picks, key="projects_pick",
                   placeholder="（点击表格中的一行 click a row above）",
                   format_func=lambda v: "（点击表格中的一行 click a row above）" if v is None else by_id[v].name)
url.publish(q=needle.strip(), project=pid, **{FILTERS[a][0]: v for a, v in chosen.items()})


# -- the card -----------------------------------------------------------------------------------
def show_card(p) -> None:
    st.subheader(ui.escape(p.name))
    rows = [{"字段 field": label(f.name), "值 value": scalar(getattr(p, f.name)),
             "出处 source": ui.where(p.spans.get(f.name))}
            for f in fields(p) if f.name not in SKIP and getattr(p, f.name) is not None
            and not is_dataclass(getattr(p, f.name))]
    b = p.budget
    rows += [{"字段 field": label(k), "值 value": ui.yuan(getattr(b, k)),
              "出处 source": ui.where(b.spans.get(k) or p.spans.get(k))} for k in BUDGET_FIELDS]
    if b.money_unit:
        rows.append({"字段 field": label("money_unit"), "值 value": b.money_unit, "出处 source": ""})
    rows.append({"字段 field": "表格出处 table", "值 value": "", "出处 source": ui.where(p.source)})
    ui.table([{k: ui.text(v, "—") if k == "值 value" else v for k, v in r.items()} for r in rows])
    cols = st.columns(4)
    for col, key in zip(cols, BUDGET_FIELDS):
        col.metric(f"{label(key)} (元)", "—" if getattr(b, key) is None else f"{getattr(b, key):,}")
    if b.execution_rate is not None:
        st.caption(f"上年预算执行率 previous-year execution rate: {float(b.execution_rate):.1%}")
    if b.sources:
        st.markdown("**资金来源 Budget by source**")
        ui.table([{label(f.name): scalar(getattr(line, f.name)) for f in fields(line) if f.name != "span"}
                  for line in b.sources])
    for s in p.sections:
        title = s.label + ("（起点推断 start inferred）" if s.inferred_start else "") + (
            f" · {ui.where(s.span)}" if s.span is not None else "")
        with st.expander(title):
            st.markdown(ui.escape((s.text or "—").strip()))  # 4 leading spaces would make a code block

    st.markdown(f"**绩效指标 Indicators（{len(p.indicators)}）** · 按一级 / 二级分组 grouped by level 1 / level 2")
    present = [f.name for f in fields(p.indicators[0]) if f.name not in SKIP | {"level1", "name"}
               and any(getattr(i, f.name) not in (None, ()) for i in p.indicators)] if p.indicators else []
    groups: dict = {}
    for i in p.indicators:
        groups.setdefault(i.level1 or "（未分级 no level 1）", []).append(i)
    for level1, items in groups.items():
        level2s = list(dict.fromkeys(i.level2 or "—" for i in items))
        with st.expander(f"{ui.escape(level1)} · {len(items)} 项 · 二级 " + "、".join(ui.escape(x) for x in level2s),
                         expanded=True):
            ordered = sorted(items, key=lambda i: level2s.index(i.level2 or "—"))
            ui.table([{"二级 level 2": i.level2, "三级 indicator": i.name,
                       **{INDICATOR_LABELS.get(n, label(n)): scalar(getattr(i, n)) for n in present if n != "level2"},
                       "出处 source": ui.where(i.span)} for i in ordered])
    if p.citations:
        st.markdown(f"**引用依据 Citations（{len(p.citations)}）**")
        ui.table([{"标题 title": c.title, "文号 doc number": c.doc_number, "条款 article": c.article,
                   "引文 quote": c.quote, "层级 level": c.level, "发文机关 issuer": c.issuer,
                   "栏目 section": c.section, "出处 source": ui.where(c.span)} for c in p.citations])
    show_findings(p)


def show_findings(p) -> None:
    """The review's findings about this project (the 审核 Review page has the whole review)."""
    from app.review.model import SEVERITY_LABELS
    review = ui.call(kb.review, p.id)
    findings = review.findings if review is not None else []
    counts = review.counts() if review is not None else {}
    st.markdown(f"**审核发现 Review findings（{len(findings)}）** · "
                + " · ".join(f"{SEVERITY_LABELS[s]} {n}" for s, n in counts.items())
                + f" · [审核 Review]({link('review', {'project': p.id})})")
    if findings:
        ui.table([{"严重程度 severity": SEVERITY_LABELS[f.severity], "规则 rule": review.rules.rule(f.rule).title,
                   "指标 indicator": f.indicator, "说明 message": f.message, "栏目 section": f.section,
                   "出处 source": ui.where(f.span)} for f in findings])


if pid is not None and pid in by_id:
    with st.container(border=True):
        card = ui.call(ui.project, pid)
        if card is not None:
            show_card(card)


# -- charts -------------------------------------------------------------------------------------
def total_by(attr: str) -> dict:
    sums: dict = {}
    for p in projects:
        if p.budget.total is not None:
            key = str(getattr(p, attr) or "（未填 blank）")
            sums[key] = sums.get(key, 0.0) + float(p.budget.total)
    ordered = sorted(sums.items(), key=lambda kv: -kv[1])
    return {label(attr): [k for k, _ in ordered], "项目总预算 (元)": [v for _, v in ordered]}


st.header("预算图表 Budget charts")
c1, c2 = st.columns(2)
for col, attr, title in ((c1, "performance_type", "按绩效类型 By performance type"), (c2, "unit", "按申报单位 By unit")):
    col.markdown(f"**{title}**")
    data = total_by(attr)
    col.bar_chart(data, x=label(attr), y="项目总预算 (元)", horizontal=True, sort=False)
c3, c4 = st.columns(2)
c3.markdown("**按年度 By year**")
data = total_by("year")
c3.bar_chart(data, x=label("year"), y="项目总预算 (元)", sort=False)
c4.markdown("**上年预算与执行 Previous-year budget against execution (元)**")
both = [p for p in projects if p.budget.prev_year_budget is not None and p.budget.prev_year_executed is not None]
if both:
    c4.bar_chart({"项目 project": [p.name for p in both],
                  "上年预算额 budget": [float(p.budget.prev_year_budget) for p in both],
                  "上年执行数 executed": [float(p.budget.prev_year_executed) for p in both]},
                 x="项目 project", y=["上年预算额 budget", "上年执行数 executed"], stack=False, horizontal=True)
else:
    c4.caption("没有同时填写上年预算额与执行数的项目。No project reports both.")
