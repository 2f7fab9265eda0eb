"""A review printed like the official review sheet (绩效目标审核表): per project 总体目标,
产出指标, 效益指标, 满意度指标, 需补充完善事项, each finding with its rule, severity, message
and source cell (file:line and the cell's text), then the counts by severity.

Example: ``print(render_text(kb.review(), kb.doc_texts()))``
"""
from __future__ import annotations

import bisect
import json
import os
from pathlib import Path
from typing import Mapping

from ingest.records import Span

from app.review.model import SECTIONS, SEVERITIES, SEVERITY_LABELS, Finding, ProjectReview, Review

NUMERALS = "一二三四五六七八九十"
CELL_CHARS = 60     # characters of a cell's text shown beside a finding


class Lines:
    """``file:line`` of spans, from the documents' normalized texts (computed once per document)."""

    def __init__(self, doc_texts: Mapping[str, str] | None = None):
        self.texts = doc_texts or {}
        self._breaks: dict[str, list[int]] = {}

    def line(self, span: Span) -> int | None:
        text = self.texts.get(span.doc)
        if text is None:
            return None
        if span.doc not in self._breaks:
            self._breaks[span.doc] = [i for i, ch in enumerate(text) if ch == "\n"]
        return bisect.bisect_right(self._breaks[span.doc], span.start - 1) + 1

    def where(self, span: Span | None) -> str:
        """``relative/file.txt:12`` (relative to the working directory when it is below it)."""
        if span is None:
            return ""
        file = span.file
        try:
            rel = os.path.relpath(file)
            file = rel if not rel.startswith("..") else Path(file).name
        except ValueError:
            pass
        line = self.line(span)
        return f"{file}:{line}" if line else file


def cell(text: str | None, chars: int = CELL_CHARS) -> str:
    """A cell's text on one line, cut to ``chars``."""
    t = " ".join((text or "").split())
    return t if len(t) <= chars else t[:chars - 1] + "…"


def counts_line(counts: Mapping[str, int]) -> str:
    return " · ".join(f"{SEVERITY_LABELS[s]} {counts.get(s, 0)}" for s in SEVERITIES)


def _bases(p: ProjectReview) -> str:
    if not p.bases:
        return "无具体依据"
    shown = [f"《{b['title']}》" if b.get("title") else b.get("doc_number") or "" for b in p.bases[:4]]
    levels = sorted({f"{b.get('jurisdiction')}" for b in p.bases})
    more = f" 等 {len(p.bases)} 项" if len(p.bases) > 4 else ""
    return "、".join(shown) + more + f"（{'、'.join(levels)}）"


def render_text(rv: Review, doc_texts: Mapping[str, str] | None = None) -> str:
    """The review as plain text, one block per project, then the totals."""
    lines = Lines(doc_texts)
    out = [f"绩效目标审核 · {len(rv.projects)} 个项目 · 规则 {rv.rules.version}"]
    for p in rv.projects:
        out += ["", "═" * 40, f"项目：{p.project}（{p.unit or '—'}，{p.year or '—'} 年，{p.kind}）",
                f"框架：{p.framework_label}", f"依据：{_bases(p)}"]
        for k, (section, items) in enumerate(p.by_section().items()):
            out.append(f"{NUMERALS[k]}、{section}")
            if not items:
                out.append("    无问题")
            for f in items:
                out.append(f"    [{SEVERITY_LABELS[f.severity]}] {rv.rules.rule(f.rule).title}（{f.rule}）"
                           + (f" · {f.indicator}" if f.indicator else ""))
                out.append(f"        {f.message}")
                where = lines.where(f.span)
                if where:
                    out.append(f"        出处 {where}  “{cell(f.text)}”")
        out.append(f"小计：{counts_line(p.counts())}")
    out += ["", f"合计：{counts_line(rv.counts())}（{len(rv.projects)} 个项目，{len(rv.findings)} 条）"]
    out += [f"注意：有检查未能完成 {x}" for x in rv.failures]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rv: Review, doc_texts: Mapping[str, str] | None = None) -> str:
    """The review as Markdown: a heading per project, a table per review-sheet section."""
    lines = Lines(doc_texts)
    out = [f"# 绩效目标审核意见", "", f"{len(rv.projects)} 个项目 · 规则版本 {rv.rules.version} · "
           f"合计 {counts_line(rv.counts())}", ""]
    for p in rv.projects:
        out += [f"## {_md(p.project)}", "",
                f"- 单位：{_md(p.unit or '—')}；年度：{p.year or '—'}；表格：{p.kind}",
                f"- 框架：{_md(p.framework_label)}", f"- 依据：{_md(_bases(p))}",
                f"- 小计：{counts_line(p.counts())}", ""]
        for k, (section, items) in enumerate(p.by_section().items()):
            out += [f"### {NUMERALS[k]}、{section}", ""]
            if not items:
                out += ["无问题。", ""]
                continue
            out += ["| 严重程度 | 规则 | 指标 | 审核意见 | 出处 |", "| --- | --- | --- | --- | --- |"]
            for f in items:
                where = lines.where(f.span)
                out.append(f"| {SEVERITY_LABELS[f.severity]} | {_md(rv.rules.rule(f.rule).title)}（`{f.rule}`） | "
                           f"{_md(f.indicator or '—')} | {_md(f.message)} | "
                           f"{_md(where)}{' “' + _md(cell(f.text)) + '”' if where else ''} |")
            out.append("")
    return "\n".join(out)


def render_json(rv: Review, doc_texts: Mapping[str, str] | None = None) -> str:
    """The review as JSON (``Review.to_json``), each finding with ``where`` (file:line) added."""
    lines = Lines(doc_texts)
    data = rv.to_json()
    for p, pj in zip(rv.projects, data["projects"]):
        for f, fj in zip(p.findings, pj["findings"]):
            fj["where"] = lines.where(f.span)
            fj["title"] = rv.rules.rule(f.rule).title
    return json.dumps(data, ensure_ascii=False, indent=2)


def finding_rows(f: Finding, rv: Review, lines: Lines) -> dict:
    """One finding as a flat row (UI tables, docx)."""
    return {"severity": SEVERITY_LABELS[f.severity], "rule": f.rule, "title": rv.rules.rule(f.rule).title,
            "indicator": f.indicator or "", "message": f.message, "where": lines.where(f.span), "cell": cell(f.text)}


__all__ = ["render_text", "render_markdown", "render_json", "Lines", "SECTIONS", "cell", "counts_line", "finding_rows"]
