"""Shareable links: each page keeps its view (query, filters, project …) in the URL's query string.

A page declares its state with :class:`UrlState`: before its widgets, ``bind`` copies a value
from the link into ``st.session_state`` (the widget's key), and after them ``publish``
writes the current values back with ``st.query_params``. Opening the link in a new browser,
or reloading, reproduces the view; a value the link carries is applied once, when the link
is opened, so later edits on the page are not overwritten by the URL the page itself wrote.

Example:
    ``url = UrlState("search"); url.bind("q", key="search_q", default="")``
    ``q = st.text_input("问题", key="search_q"); url.publish(q=q); copy_link_button()``
"""
from __future__ import annotations

import html
from typing import Any, Callable
from urllib.parse import urlencode

import streamlit as st

_STATE = "_url_state"  # session key: {"page": page id, "written": {param: text}}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class UrlState:
    """The query parameters of one page. ``page`` names it, so that coming back to a page
    through a link that repeats an old value still applies that value."""

    def __init__(self, page: str):
        self.page = page
        state = st.session_state.get(_STATE)
        fresh = state is None or state.get("page") != page
        if fresh:
            state = {"page": page, "written": {}}
            st.session_state[_STATE] = state
        self._written: dict[str, str] = state["written"]

    def raw(self, param: str) -> str | None:
        """The parameter as the link gives it, or None."""
        return st.query_params.get(param)

    def bind(self, param: str, *, key: str, default: Any = None,
             parse: Callable[[str], Any] = str) -> None:
        """Before the widget ``key`` is drawn: take ``?param=`` from a newly opened link, or the
        default when the widget has no value yet. A value that does not parse is ignored."""
        raw = self.raw(param)
        if raw is not None and raw != self._written.get(param):
            try:
                st.session_state[key] = parse(raw)
            except (ValueError, TypeError, KeyError):
                pass
            self._written[param] = raw
        elif key not in st.session_state:
            st.session_state[key] = default

    def opened_with(self, param: str) -> str | None:
        """``?param=`` when it came with a newly opened link (not one this page wrote), else None.
        Marks it seen. Example: ``if (q := url.opened_with("sparql")): run(q)``"""
        raw = self.raw(param)
        if raw is None or raw == self._written.get(param):
            return None
        self._written[param] = raw
        return raw

    def publish(self, **values: Any) -> None:
        """After the widgets: the current values into the URL; None and "" are left out."""
        for param, value in values.items():
            text = _text(value)
            if text:
                if st.query_params.get(param) != text:
                    st.query_params[param] = text
            elif param in st.query_params:
                del st.query_params[param]
            self._written[param] = text if text else None


def page_url(params: dict[str, Any] | None = None) -> str:
    """The address of this page with ``params`` (default: the current query string).

    ``st.context.url`` is the address the browser opened (None under ``AppTest``).
    """
    params = st.query_params.to_dict() if params is None else {k: _text(v) for k, v in params.items() if _text(v)}
    base = (st.context.url or "").split("?", 1)[0]
    query = urlencode(params)
    return f"{base}?{query}" if query else base


def copy_link_button(label: str = "复制链接 Copy link") -> None:
    """A button that copies the link of the current view to the clipboard; the link is in
    ``data-url`` too, for people (and tests) who cannot use the clipboard."""
    url = page_url()
    button = (f'<button id="copy" data-url="{html.escape(url, quote=True)}" '
              'style="font:14px sans-serif;padding:4px 12px;border:1px solid #ccc;border-radius:8px;'
              f'background:#fff;cursor:pointer">{html.escape(label)}</button>'
              '<span id="done" style="font:13px sans-serif;color:#2e7d32;margin-left:8px"></span>')
    script = """<script>
const b = document.getElementById("copy"), done = document.getElementById("done");
function fallback(text) {
  const t = document.createElement("textarea"); t.value = text; document.body.appendChild(t);
  t.select(); document.execCommand("copy"); t.remove();
}
b.addEventListener("click", async () => {
  // the page's own address, with the query string it holds now
  let url = b.dataset.url;
  try { url = window.parent.location.href; } catch (e) {}
  try { await navigator.clipboard.writeText(url); } catch (e) { fallback(url); }
  done.textContent = "已复制 Copied";
});
</script>"""
    st.iframe('<body style="margin:0;overflow:hidden">' + button + script + "</body>", height=40)


def link(page: str, params: dict[str, Any]) -> str:
    """A relative link to another page of this app with ``params``, for Markdown:
    ``[名称](link("项目_Projects", {"project": pid}))``. Values are URL-encoded."""
    query = urlencode({k: _text(v) for k, v in params.items() if _text(v)})
    return f"./{page}" + (f"?{query}" if query else "")
