"""A trace as a Graphviz DOT picture: indicator → project → law → article, quotes as notes.

Node ids are ASCII (``indicator``, ``project``, ``law1``, ``article1_1`` …); every label
is a double-quoted DOT string in UTF-8, so Chinese text, quotes (“”《》), backslashes and
line breaks are safe (:func:`dot_string`). Long quotes are wrapped and clipped. An edge
from the indicator to each of its best-supported bases is dashed and labelled with the score.

Example: ``Path("trace.dot").write_text(to_dot(trace(projects, "能耗数据异常故障修复率", encoder=enc)))``
then ``dot -Tsvg trace.dot -o trace.svg``
"""
from __future__ import annotations

import re

from ingest.records import SECTION_LABELS

from app.trace import Basis, TraceResult

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, SimHei, sans-serif"
WRAP = 18          # characters per label line (CJK characters are wide)
QUOTE_CHARS = 90   # longer quotes are clipped with …
SUPPORT_EDGES = 3  # dashed "supports" edges from the indicator to its best bases
# Point sizes: a browser shows the picture at its natural size (the UI does not shrink it to the
# page width), so 14/12 pt reads like body text; 11/9 pt came out at 6-7 px once scaled to fit.
NODE_FONT, EDGE_FONT, TITLE_FONT = 14, 12, 16


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string: ``\\`` and ``"`` escaped, line breaks as ``\\n``.

    Example: ``dot_string('《法》第1条\\n"引文"')`` → ``'"《法》第1条\\\\n\\\\"引文\\\\""'``
    """
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{text}"'


def wrap(text: str, width: int = WRAP, limit: int | None = None) -> str:
    """Whitespace folded, clipped to ``limit`` characters, broken into lines of ``width``."""
    text = re.sub(r"\s+", "", text or "")
    if limit and len(text) > limit:
        text = text[:limit - 1] + "…"
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) or " "


def _attrs(**kw: object) -> str:
    return "[" + ", ".join(f"{k}={dot_string(str(v))}" for k, v in kw.items() if v is not None) + "]"


def _law_label(b: Basis) -> str:
    title = f"《{b.title}》" if b.title else ""
    lines = [wrap(title or b.doc_number or b.law_iri)]
    if b.title and b.doc_number:
        lines.append(b.doc_number)
    lines.append(" · ".join(x for x in (b.level, b.issuer) if x) or " ")
    return "\n".join(lines)


def to_dot(result: TraceResult, support_edges: int = SUPPORT_EDGES) -> str:
    """DOT text of a trace: one node per indicator, project, law, article and quote.

    Example: ``"digraph trace" in to_dot(result)`` → ``True``
    """
    ind, project = result.indicator, result.project
    out = ["digraph trace {",
           f"  graph {_attrs(rankdir='LR', charset='UTF-8', fontname=FONT, fontsize=TITLE_FONT, nodesep='0.35', ranksep='0.6', label=f'绩效指标溯源：{ind.name}', labelloc='t')};",
           f"  node {_attrs(fontname=FONT, fontsize=NODE_FONT, shape='box', style='rounded', margin='0.15,0.08')};",
           f"  edge {_attrs(fontname=FONT, fontsize=EDGE_FONT)};",
           f"  indicator {_attrs(label=wrap(ind.name) + chr(10) + (ind.target_raw or ''), shape='box', style='rounded,filled', fillcolor='#fde9c9')};",
           f"  project {_attrs(label=wrap(project.name), shape='folder')};",
           f"  indicator -> project {_attrs(label='属于项目')};"]
    laws: dict[str, str] = {}
    node_of: dict[str, str] = {}
    articles = 0
    for b in result.bases:
        if b.law_iri not in laws:
            laws[b.law_iri] = law = f"law{len(laws) + 1}"
            out.append(f"  {law} {_attrs(label=_law_label(b), shape='box', tooltip=b.law_iri)};")
            out.append(f"  project -> {law} {_attrs(label='引用（' + '、'.join(SECTION_LABELS.get(k, k) for k in b.sections) + '）')};")
        law = laws[b.law_iri]
        target = law
        if b.article:
            articles += 1
            target = f"article{articles}"
            out.append(f"  {target} {_attrs(label=b.article, shape='box', tooltip=b.iri)};")
            out.append(f"  {law} -> {target} {_attrs(label='条款')};")
        node_of[b.iri] = target
        text = b.evidence or b.quote
        if text:
            note = f"quote{len(node_of)}"
            out.append(f"  {note} {_attrs(label='“' + wrap(text, limit=QUOTE_CHARS) + '”', shape='note', fillcolor='#f5f5f5', style='filled')};")
            out.append(f"  {target} -> {note} {_attrs(label='引文', style='dotted', arrowhead='none')};")
    ranked = sorted((b for b in result.bases if b.score is not None), key=lambda b: b.rank or 0)
    for b in ranked[:support_edges]:
        out.append(f"  indicator -> {node_of[b.iri]} "
                   f"{_attrs(label=f'支撑 {b.score:.2f}', style='dashed', color='#c0392b', fontcolor='#c0392b', constraint='false')};")
    out.append("}")
    return "\n".join(out) + "\n"
