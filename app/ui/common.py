"""What every page shares: the one knowledge base, error display, and small pure formatters.

The knowledge base is opened once per data directory for the whole Streamlit process
(``st.cache_resource``): the embedded graph store is locked by the process that opens it,
so a second ``KnowledgeBase`` on the same directory, from another page or another
browser session, would fail. Its parts still open lazily, so the search and projects
pages never touch the graph store; SPARQL, trace (the stored support links) and ingest do.

The data directory comes from ``JIXIAO_DATA_DIR`` (then ``jixiao.toml``, then ``./var``),
the same setting the CLI reads; ``jixiao ui --data-dir DIR`` sets it for the server.

Example: ``hits = call(knowledge_base().search, "能耗在线监测")`` (None after an error is shown)
"""
from __future__ import annotations

import html
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import streamlit as st

from app.core import KnowledgeBase
from app.settings import Settings
from ingest.errors import JixiaoError
from ingest.records import SECTION_LABELS

T = TypeVar("T")

FIELD_LABELS = {"name": "项目名称 name", "indicator": "绩效指标 indicator", "citation": "引用依据 citation"}
CONTEXT_CHARS = 160  # characters of source text shown on each side of a span
# Characters Markdown (and Streamlit's :color[…], :emoji: and $…$ directives) reads as syntax
# anywhere in a line get a backslash, and so do those that open a heading or a list at the
# start ("# ", "- ", "+ ", "1. "); < > & " ' are HTML-escaped instead.
_MD_INLINE = set("\\`*_[]$:~|")
_MD_LINE_START = re.compile(r"^(\s*\d*)([#+\-.)])")


def data_dir() -> Path:
    """The data directory this UI shows (``JIXIAO_DATA_DIR``, ``jixiao.toml`` or ``./var``)."""
    return Settings.load().data_dir


@st.cache_resource(show_spinner="打开知识库 Opening the knowledge base…", on_release=lambda kb: kb.close())
def _open(directory: str) -> KnowledgeBase:
    return KnowledgeBase.open(directory)


def knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base of :func:`data_dir`. Example: ``knowledge_base().projects()``"""
    return _open(str(data_dir().resolve()))


def reload_knowledge_base() -> None:
    """Forget the cached knowledge base: the store lock is released and files are read afresh
    (after a ``jixiao ingest`` from the command line, for instance)."""
    _open.clear()


def page(title: str, icon: str = "📊") -> None:
    """Page setup shared by every page: wide layout and the title."""
    st.set_page_config(page_title=f"{title} · 绩效图谱", page_icon=icon, layout="wide")
    st.title(title)


def show_error(exc: JixiaoError) -> None:
    """A domain error as ``st.error``: its first line, the detail (such as a SPARQL caret) as code,
    and the hint. Example: ``show_error(QueryError("expected WHERE", query=q, position=(1, 8)))``"""
    message, _, hint = str(exc).partition("\n  hint: ")
    head, _, detail = message.partition("\n")
    text = escape(head) + (f"\n\n**提示 hint:** {escape(hint)}" if hint else "")
    st.error(text, icon="⚠️")
    if detail.strip():
        st.code(detail, language=None)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``fn(*args, **kwargs)``, or None after showing the domain error it raised.

    Other exceptions are bugs: they propagate, and Streamlit shows the traceback.
    Example: ``result = call(kb.trace, "预算执行率")``
    """
    try:
        return fn(*args, **kwargs)
    except JixiaoError as exc:
        show_error(exc)
        return None


# -- pure formatters ---------------------------------------------------------------------------
def escape(text: str) -> str:
    """``text`` made literal for ``st.markdown(..., unsafe_allow_html=True)``: HTML special
    characters as entities, Markdown syntax backslash-escaped, line breaks as spaces.

    Example: ``escape("<b>*x*</b>")`` → ``"&lt;b&gt;\\\\*x\\\\*&lt;/b&gt;"``
    """
    out = []
    for ch in text:
        if ch in "<>&\"'":
            out.append(html.escape(ch))
        elif ch in _MD_INLINE:
            out.append("\\" + ch)
        elif ch in "\r\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return _MD_LINE_START.sub(r"\1\\\2", "".join(out), count=1)


def mark(text: str, ranges: Sequence[tuple[int, int]]) -> str:
    """``text`` escaped, with each ``(start, end)`` range wrapped in ``<mark>``.

    Ranges index the raw text, so each piece is escaped on its own after slicing;
    overlapping or out-of-order ranges are merged.
    Example: ``mark("市能耗在线监测", [(1, 3)])`` → ``"市<mark>能耗</mark>在线监测"``
    """
    out, pos = [], 0
    for start, end in sorted(ranges):
        start, end = max(start, pos), min(end, len(text))
        if end <= start:
            continue
        out += [escape(text[pos:start]), "<mark>", escape(text[start:end]), "</mark>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def context(text: str, start: int, end: int, chars: int = CONTEXT_CHARS) -> str:
    """The source around ``[start, end)`` with that span marked and ``…`` where it was cut.

    Example: ``context("0123456789", 4, 6, chars=2)`` → ``"…23<mark>45</mark>67…"``
    """
    a, b = max(0, start - chars), min(len(text), end + chars)
    return ("…" if a else "") + mark(text[a:b], [(start - a, end - a)]) + ("…" if b < len(text) else "")


def where(span: Any) -> str:
    """``file:start-end`` of a ``Span`` or trace ``Evidence``; empty for None."""
    return f"{span.file}:{span.start}-{span.end}" if span is not None else ""


def field_label(field: str) -> str:
    """A passage's field for people: ``sections.legal_basis`` → ``立项依据 sections.legal_basis``."""
    if field.startswith("sections."):
        return f"{SECTION_LABELS.get(field.split('.', 1)[1], '')} {field}".strip()
    return FIELD_LABELS.get(field, field)


def plain(value: Any) -> Any:
    """A cell for a dataframe: Decimal → float (yuan amounts fit), None stays None, others as they are."""
    return float(value) if isinstance(value, Decimal) else value


def chart_columns(columns: dict[str, list[Any]]) -> tuple[str, list[str]] | None:
    """(label column, numeric columns) when exactly one column is text and at least one is numeric.

    Example: ``chart_columns({"type": ["a"], "yuan": [1.0]})`` → ``("type", ["yuan"])``
    """
    def numeric(values):
        present = [v for v in values if v is not None]
        return bool(present) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)
                                     for v in present)
    texts = [c for c, vs in columns.items() if vs and all(isinstance(v, str) or v is None for v in vs)]
    numbers = [c for c, vs in columns.items() if numeric(vs)]
    return (texts[0], numbers) if len(texts) == 1 and numbers else None


def sparql_columns(result: Any) -> dict[str, list[Any]]:
    """A SELECT answer as ``{variable: values}`` for ``st.dataframe``: typed literals as Python
    values (Decimal as float), IRIs shortened with the usual prefixes (``jxd:project/…``).

    Example: ``sparql_columns(kb.sparql("SELECT ?n { ?p jx:name ?n }"))["n"][0]``
    """
    from rdflib import URIRef

    from ingest.graph.store import default_prefixes

    prefixes = sorted(default_prefixes().items(), key=lambda kv: -len(kv[1]))

    def cell(v: Any) -> Any:
        if isinstance(v, URIRef):
            return next((f"{p}:{v[len(ns):]}" for p, ns in prefixes if v.startswith(ns) and len(v) > len(ns)), str(v))
        return plain(v)
    rows = result.triples if result.kind == "graph" else result.rows
    names = ("subject", "predicate", "object") if result.kind == "graph" else result.variables
    return {name: [cell(row[i]) for row in rows] for i, name in enumerate(names)}
