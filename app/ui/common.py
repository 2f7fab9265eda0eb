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

import bisect
import html
import logging
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import streamlit as st

from app.core import KnowledgeBase
from app.settings import REPO_ROOT, Settings
from ingest.errors import JixiaoError
from ingest.records import SECTION_LABELS

T = TypeVar("T")
log = logging.getLogger("jixiao.ui")

FIELD_LABELS = {"name": "项目名称 name", "indicator": "绩效指标 indicator", "citation": "引用依据 citation"}
TABLE_ROWS = 2000  # rows of a table of projects drawn at once (the filters narrow the rest)
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
    """The process-wide knowledge base of :func:`data_dir`. Example: ``knowledge_base().catalog()``

    A data directory that cannot be used (a file, not writable) is shown as an error with its
    hint, and the page stops there."""
    try:
        return _open(str(data_dir().resolve()))
    except JixiaoError as exc:
        show_error(exc)
        st.stop()


@st.cache_resource(show_spinner=False)
def _warm_up(directory: str, _kb: KnowledgeBase) -> threading.Thread:
    """Load, once per process and in the background, what the first search, question and query
    would otherwise wait for: the search index and encoder, the ask engine, the vocabulary."""
    def work() -> None:
        try:
            if not _kb.records.documents():
                return
            _kb.search("能耗", k=1)
            if hasattr(_kb, "ask"):
                _kb.ask("项目总预算是多少")
            from app.ui import sparql_run
            sparql_run.completions()
            import pandas  # noqa: F401 - the first table
        except Exception:  # noqa: BLE001 - a warm-up that fails leaves the work to the first request
            log.exception("warm-up of %s failed", directory)
    thread = threading.Thread(target=work, name="jixiao-warm-up", daemon=True)
    thread.start()
    return thread


def warm_up() -> None:
    """Start the background warm-up of this process's knowledge base (once); a data directory
    that cannot be opened is left to the page, which says why."""
    try:
        kb = _open(str(data_dir().resolve()))
    except JixiaoError:
        return
    _warm_up(str(kb.data_dir), kb)


def reload_knowledge_base() -> None:
    """Forget the cached knowledge base: the store lock is released and files are read afresh
    (after a ``jixiao ingest`` from the command line, for instance)."""
    _open.clear()
    _warm_up.clear()


def catalog() -> list:
    """Every ingested project as its catalog entry (``ingest.storage.catalog.ProjectEntry``: names,
    unit, year, category, type, budget amounts, indicator names): what the pages list, filter and
    chart. The records themselves (28 KB a project, 2.8 GB at 100,000) are read one project at a
    time, for its card (:func:`project`). The record store re-reads only the catalog files of
    documents that changed. Example: ``len(catalog())`` → 8 on the seed"""
    return knowledge_base().catalog()


def project(project_id: str):
    """One project's full records (its card), reading only its document; None when not stored."""
    return knowledge_base().project(project_id)


_MEMO: dict[tuple, Any] = {}  # (data dir, documents stamp, what, arguments) → answer
MEMO_SIZE = 512


def _stamp(kb: KnowledgeBase) -> tuple:
    return tuple(sorted((d, v.get("ingested"), v.get("projects")) for d, v in kb.records.documents().items()))


def memo(what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``call(fn, *args, **kwargs)`` remembered for the documents as they are now: the same trace,
    search or question asked again (a reload, a shared link, another person) is answered at once;
    any ingest or remove changes the stamp and so the key. Errors are not remembered.

    Example: ``result = memo("trace", kb.trace, "预算执行率", None)``
    """
    kb = knowledge_base()
    key = (str(kb.data_dir), _stamp(kb), what, args, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    if key in _MEMO:
        return _MEMO[key]
    result = call(fn, *args, **kwargs)
    if result is not None:
        if len(_MEMO) >= MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = result
    return result


def project_index() -> dict:
    """Project id → catalog entry, for :func:`catalog`."""
    return {p.id: p for p in catalog()}


def page(title: str, icon: str | None = None) -> None:
    """Page setup shared by every page: wide layout and the title."""
    st.set_page_config(page_title=f"{title} · 绩效图谱", layout="wide")
    st.title(title)


def show_error(exc: JixiaoError | str) -> None:
    """A domain error (or its text) as ``st.error``: its first line, the detail (such as a SPARQL
    caret) as code, and the hint; absolute paths shortened. Example:
    ``show_error(QueryError("expected WHERE", query=q, position=(1, 8)))``"""
    message, _, hint = scrub(str(exc)).partition("\n  hint: ")
    head, _, detail = message.partition("\n")
    text = escape(head) + (f"\n\n**提示 hint:** {escape(hint)}" if hint else "")
    st.error(text, icon=":material/error:")
    if detail.strip():
        st.code(detail, language=None)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``fn(*args, **kwargs)``, or None after showing the error it raised.

    A domain error is shown with its place and hint. Any other exception is a bug: its
    traceback goes to the server log, and the page says what failed in one line, with no
    traceback and no server paths (a page must stay usable while a part of it is broken).
    Example: ``result = call(kb.trace, "预算执行率")``
    """
    try:
        return fn(*args, **kwargs)
    except JixiaoError as exc:
        show_error(exc)
        return None
    except Exception as exc:  # noqa: BLE001 - logged with its traceback; the page shows one line
        log.exception("UI call %s failed", getattr(fn, "__qualname__", fn))
        st.error(escape(scrub(f"内部错误 Internal error in {getattr(fn, '__name__', 'a call')}: "
                              f"{type(exc).__name__}: {exc}")) + "\n\n**提示 hint:** 请把此消息报告给管理员；"
                 "服务器日志中有详细信息。Please report this; the server log has the details.", icon=":material/bug_report:")
        return None


def table(rows: Sequence[dict[str, Any]] | dict[str, list[Any]], **kwargs: Any):
    """``st.dataframe`` of rows (or columns) with no ``None`` on screen: blank text cells are "",
    missing numbers show the placeholder ``—``; the index is hidden.

    Returns what ``st.dataframe`` returns (the selection, with ``on_select``).
    Example: ``table([{"name": "x", "budget": None}])``
    """
    import pandas as pd

    frame = pd.DataFrame(rows if not isinstance(rows, dict) else dict(rows))
    for column in frame.columns:
        series = frame[column]
        present = [v for v in series if v is not None and not (isinstance(v, float) and v != v)]
        numeric = bool(present) and not pd.api.types.is_bool_dtype(series) and (
            pd.api.types.is_numeric_dtype(series) or
            all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present))
        if not numeric:
            frame[column] = [text(v) for v in series]
        elif pd.api.types.is_float_dtype(series) or any(isinstance(v, (float, Decimal)) for v in series):
            config = kwargs.setdefault("column_config", {})  # amounts: 9,229,000
            config.setdefault(column, st.column_config.NumberColumn(format="localized"))
    kwargs.setdefault("hide_index", True)
    return st.dataframe(frame, placeholder="—", **kwargs)


def text(value: Any, blank: str = "") -> str:
    """A value as text for people: None (and NaN) → ``blank``, booleans as 是/否, Decimal without exponent.

    Example: ``text(None, "—")`` → ``"—"``
    """
    if value is None or (isinstance(value, float) and value != value):
        return blank
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def yuan(value: Any) -> str:
    """An amount in yuan with thousands separators and in 万元: ``1,056,034 元（105.60 万元）``; — when blank."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    wan = amount / 10000
    return f"{amount:,.0f} 元（{wan:,.2f} 万元）" if amount == amount.to_integral() else f"{amount:,} 元（{wan:,.2f} 万元）"


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


def rel_path(file: str | Path | None) -> str:
    """A source file as people may see it: relative to the data directory or the repository,
    else its bare name, never the server's absolute layout.

    Example: ``rel_path(REPO_ROOT / "data" / "x.txt")`` → ``"data/x.txt"``
    """
    if not file:
        return ""
    path = Path(file)
    if not path.is_absolute():
        return path.as_posix()
    for base in (data_dir().resolve(), REPO_ROOT):
        try:
            relative = path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
        return path.name if relative == "." else relative  # the folder itself: its name
    return path.name


_ABS_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s'\"<>:，。；（）()]+/)*[^\s'\"<>:，。；（）()]*")


def scrub(text: str) -> str:
    """``text`` with every absolute path shortened by :func:`rel_path`, for messages shown to users.

    Example: ``scrub("cannot read /srv/jx/var/uploads/a.xlsx")`` → ``"cannot read uploads/a.xlsx"``
    """
    return _ABS_PATH.sub(lambda m: rel_path(m.group(0)) or m.group(0), text)


_NEWLINES: dict[tuple[str, str], list[int]] = {}  # (data dir, doc id) → newline offsets; ids hash the text


def _newlines(doc: str) -> list[int]:
    key = (str(data_dir()), doc)
    if key not in _NEWLINES:
        try:
            text = knowledge_base().records.text(doc)
        except (OSError, JixiaoError):
            text = ""
        _NEWLINES[key] = [i for i, ch in enumerate(text) if ch == "\n"]
    return _NEWLINES[key]


def line_of(doc: str, offset: int) -> int:
    """The 1-based line of character ``offset`` in a document's normalized text."""
    return bisect.bisect_right(_newlines(doc), offset - 1) + 1


def where(span: Any) -> str:
    """``relative/file.txt:line`` of a ``Span`` or trace ``Evidence`` (the line its text starts on);
    empty for None. Example: ``where(p.source)`` → ``"data/000_33c4abcdc6cea628.txt:12"``"""
    if span is None:
        return ""
    return f"{rel_path(span.file)}:{line_of(span.doc, span.start)}"


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
