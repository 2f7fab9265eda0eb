"""Web pages (.html/.htm) → a ``Document`` of the data tables they hold.

Bureaus publish tables on pages full of chrome (menus, breadcrumbs, footers), often inside
layout tables. The page is parsed tolerantly (lxml.html) after decoding it with its BOM,
its ``<meta charset>`` or, failing both, UTF-8 then GB18030 (a superset of GB2312/GBK). A page
saved as one file (MHTML, also what Word writes as a "web page" ``.doc``) is unwrapped first.

Which tables are kept: a table that holds a data table is a layout table (its own text is
page text); an innermost table is a data table when it looks like one — at least two rows
with two or more printed cells, and not mostly link text (a menu). A small table nested
in a data table's cell is flattened into that cell's text, a line per row.

Each data table is laid out with, before it, its ``<caption>`` and the last few lines of page
text since the previous table (its title, ``单位：万元``); text after the last table is
dropped as page footer. Cells follow the HTML table model: ``rowspan``/``colspan`` (a
``rowspan="0"`` runs to the end of the table), ``<br>`` and block elements as line breaks,
white space collapsed as a browser does (a line break between two Chinese characters
disappears, CSS Text §4.1.2).

Example: ``read_html(Path("目标表.html").read_bytes(), "目标表.html").tables[0].rows()[0]``
"""
from __future__ import annotations

import codecs
import re

from ingest.errors import IngestError
from ingest.read.archive import empty_error, sniff
from ingest.read.cells import check_size, lay_out
from ingest.read.document import Document, check_text
from ingest.read.grid import GridText, RawCell, clean_cell

#: How many lines of page text before a table are kept as its heading (title, unit line …).
HEADING_LINES = 4
#: A page-text line longer than this is prose, not a table's title.
HEADING_MAX_CHARS = 200

_BLOCK = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
          "article", "header", "footer", "blockquote", "pre", "dd", "dt", "dl", "form", "center",
          "caption", "thead", "tbody", "tfoot", "nav", "aside", "main", "address", "hr", "fieldset"}
_SKIP = {"script", "style", "noscript", "template", "head", "title", "select", "option", "iframe",
         "object", "svg", "button", "textarea", "input"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WIDE = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]"
_SPACE_RUN = re.compile(r"[ \t\r\n\f]+")
_BR = "\x00"          # a hard line break while collecting text (NUL never appears in decoded HTML)
_LINK_START, _LINK_END = "\x01", "\x02"      # around link text in page text (never in decoded HTML)


#: Words of a performance-target form: a page without a data table that prints them is passed
#: on as text (the form typed as paragraphs); one without them is no form ("详见附件").
_FORM_WORDS = re.compile(r"项目名称|绩效目标|绩效指标|三级指标|指标值|部门名称")
#: Words of the lines a form prints under its table (who filled it in, when, who checked it).
_SIGNED = re.compile(r"填报人|填表人|填报日期|填报时间|填表日期|负责人|审核人|联系电话|盖章|签字|报送日期")


def read_html(data: bytes, name: str) -> Document:
    """Read the data tables of a web page, each with its title lines.

    Example: ``read_html(b"<table><tr><td>a</td><td>b</td></tr>…</table>", "t.html").kind`` → ``"html"``
    """
    declared = None
    if sniff(data) == "mhtml":
        data, declared = mhtml_page(data, name)
    text, encoding = decode_html(data, name, declared)
    root = _parse(text, name)
    kinds = classify_tables(root)
    g = GridText()
    state = _Walk(g, kinds, name)
    state.walk(root)
    if g.tables and any(_FORM_WORDS.search(line) for line in state.dropped):
        # page text outside the data tables names a form (typed as paragraphs): keep all of it
        g = GridText()
        state = _Walk(g, kinds, name, keep_text=True)
        state.walk(root)
    if not g.tables:
        from ingest.read.textgrid import text_tables
        page = clean_cell("\n".join(state.lines))
        tables = text_tables(page, name) if page else []
        if tables:                        # a table pasted as text into the page (<pre>, paragraphs)
            return Document(path=name, text=page, encoding=encoding, kind="html", tables=tuple(tables))
        if _FORM_WORDS.search(page):     # a form typed as paragraphs: the text parsers read it
            check_text(page, name)
            return Document(path=name, text=page, encoding=encoding, kind="html")
        what = "the page has no <table>" if not kinds else "no <table> on the page holds data (only layout or menus)"
        raise IngestError(f"no table found: {what}", file=name,
                          hint="save the page that shows the table itself, or copy the table into a .txt or .xlsx")
    check_text(g.text, name)
    return Document(path=name, text=g.text, encoding=encoding, kind="html", tables=tuple(g.tables))


def mhtml_page(data: bytes, name: str) -> tuple[bytes, str | None]:
    """The HTML part of a web page saved as one file (MHTML: ``.mht``, or Word's "single file web
    page" under a ``.doc`` name), decoded from quoted-printable or base64, and its charset."""
    import email
    from email import policy

    msg = email.message_from_bytes(data, policy=policy.compat32)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True) or b"", part.get_content_charset()
    raise IngestError("no table found: the saved web page (MHTML) holds no HTML part", file=name,
                      hint="save the page again from the browser as a web page (HTML)")


def decode_html(data: bytes, name: str, declared: str | None = None) -> tuple[str, str]:
    """The page's text and the encoding used: BOM, then the declared charset (an MHTML part's, or
    ``<meta charset>``), then UTF-8, then GB18030."""
    if not data.strip():
        raise empty_error(name)
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    candidates = []
    m = _META_CHARSET.search(data[:8192])
    if declared or m:
        declared = (declared or m.group(1).decode("ascii", "ignore")).lower()
        if declared in ("gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "euc-cn"):
            declared = "gb18030"        # pages labelled GB2312 routinely hold GBK characters
        try:
            candidates.append(codecs.lookup(declared).name)
        except LookupError:
            pass
    candidates += ["utf-8", "gb18030"]
    for enc in dict.fromkeys(candidates):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def _parse(text: str, name: str):
    import lxml.html
    from lxml import etree

    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)      # lxml refuses str input with an encoding declaration
    text = re.sub("[\x00-\x02]", "", text)
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(f"not a readable HTML page: {exc}", file=name,
                          hint="save the page again from the browser (Save as → Web page, HTML only)") from None


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return el.get("hidden") is not None or "display:none" in style or "visibility:hidden" in style


def _own_rows(table):
    """The ``<tr>``s of a table (not of tables nested in it), thead first and tfoot last."""
    head, body, foot = [], [], []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            body.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows = [tr for tr in child if _tag(tr) == "tr"]
            {"thead": head, "tbody": body, "tfoot": foot}[tag].extend(rows)
    return head + body + foot


def _own_cells(tr):
    return [td for td in tr if _tag(td) in ("td", "th") and not _hidden(td)]


def classify_tables(root) -> dict:
    """``{table element: "data" | "layout" | "text"}`` for every table on the page.

    Example: a menu table of links → ``"text"``; a table holding a data table → ``"layout"``
    """
    kinds: dict = {}

    def visit(table) -> bool:          # → whether this table is or holds a data table
        nested = [t for t in table.iter("table") if t is not table and _nearest_table(t) is table]
        holds = False
        for t in nested:
            holds = visit(t) or holds
        if not holds:
            kinds[table] = "data" if _looks_like_data(table, kinds) else "text"
        elif _looks_like_data(table, kinds, min_rows=3, skip_holders=True):
            # a real table with a small table in one of its cells (Word's HTML export does
            # this): it stays the data table and the nested ones become its cells' text
            for t in table.iter("table"):
                if t is not table:
                    kinds[t] = "text"
            kinds[table] = "data"
        else:
            kinds[table] = "layout"
        return kinds[table] != "text"

    for t in root.iter("table"):
        if _nearest_table(t) is None:
            visit(t)
    return kinds


def _nearest_table(el):
    p = el.getparent()
    while p is not None and _tag(p) != "table":
        p = p.getparent()
    return p


def _looks_like_data(table, kinds, min_rows: int = 2, skip_holders: bool = False) -> bool:
    """At least ``min_rows`` rows with two or more printed cells, and not mostly link text.
    ``skip_holders``: leave out the cells that hold a table."""
    rows = 0
    text_chars = link_chars = 0
    for tr in _own_rows(table):
        tds = [td for td in _own_cells(tr) if not (skip_holders and td.find(".//table") is not None)]
        texts = [cell_text(td, kinds) for td in tds]
        if sum(bool(t) for t in texts) >= 2:
            rows += 1
        text_chars += sum(len(t) for t in texts)
        link_chars += sum(len(clean_cell(a.text_content())) for td in tds for a in td.iter("a"))
    return rows >= min_rows and link_chars * 2 < text_chars


def cell_text(el, kinds) -> str:
    """The text of an element as a browser shows it: collapsed white space, ``<br>`` and block
    boundaries as line breaks, nested non-data tables a line per row."""
    parts: list[str] = []
    _collect(el, parts, kinds, top=el)
    return _finish("".join(parts))


def _collect(el, parts: list[str], kinds, top) -> None:
    tag = _tag(el)
    if el is not top:
        if tag in _SKIP or not tag or _hidden(el):
            if el.tail:
                parts.append(el.tail)
            return
        if tag == "br":
            parts.append(_BR)
            if el.tail:
                parts.append(el.tail)
            return
        if tag == "table":
            for tr in _own_rows(el):
                parts.append(_BR + " ".join(t.replace("\n", " ") for td in _own_cells(tr)
                                             if (t := cell_text(td, kinds))) + _BR)
            if el.tail:
                parts.append(el.tail)
            return
    block = tag in _BLOCK and el is not top
    if block:
        parts.append(_BR)
    if el.text:
        parts.append(el.text)
    for child in el:
        _collect(child, parts, kinds, top)
    if block:
        parts.append(_BR)
    if el is not top and el.tail:
        parts.append(el.tail)


def _finish(raw: str) -> str:
    def space(m: re.Match) -> str:
        s, i, j = m.string, m.start(), m.end()
        # a segment break between two wide (CJK) characters is removed, not made a space
        if "\n" in m.group() and i > 0 and j < len(s) and re.match(_WIDE, s[i - 1]) and re.match(_WIDE, s[j]):
            return ""
        return " "

    text = _SPACE_RUN.sub(space, raw)
    return clean_cell(text.replace(_BR, "\n"))


def table_cells(table, kinds, name: str, where: str) -> list[RawCell]:
    """The cells of one data table by the HTML table model (rowspan/colspan, occupied slots)."""
    rows = _own_rows(table)
    check_size(len(rows), 0, name, where)
    taken: set[tuple[int, int]] = set()
    cells: list[RawCell] = []
    for r, tr in enumerate(rows):
        c = 0
        for td in _own_cells(tr):
            while (r, c) in taken:
                c += 1
            colspan = min(max(_span(td.get("colspan"), 1), 1), 1000)
            rowspan = _span(td.get("rowspan"), 1)
            rowspan = len(rows) - r if rowspan == 0 else min(max(rowspan, 1), len(rows) - r)
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            cells.append(RawCell(r, c, cell_text(td, kinds), rowspan, colspan))
            c += colspan
    return cells


def _span(value, default: int) -> int:
    try:
        return int(str(value).strip().rstrip(";"))
    except (TypeError, ValueError):
        return default


class _Walk:
    """Walks the page in document order: page text into ``lines``, data tables into ``g``."""

    def __init__(self, g: GridText, kinds: dict, name: str, keep_text: bool = False):
        self.g, self.kinds, self.name = g, kinds, name
        self.keep_text = keep_text       # every line of page text in its place, not only titles
        self.lines: list[str] = []       # every line of page text (for a page without tables)
        self.pending: list[str] = []     # page text since the last data table
        self.dropped: list[str] = []     # page text left out (not a table's title)
        self.buf: list[str] = []
        self.n = 0

    def walk(self, root) -> None:
        body = root.find("body")
        self._visit(body if body is not None else root)
        self._flush()
        if self.keep_text:
            for line in self.pending:
                self.g.add_heading(line)
        else:
            # the form's own lines right under the last table (填报人：…  填报日期：…) stay, as the titles
            # above it do; the site's footer after them does not
            under = []
            for ln in self.pending if self.n else []:
                if len(ln) > HEADING_MAX_CHARS or not _SIGNED.search(ln) or len(under) == HEADING_LINES:
                    break
                under.append(ln)
            for line in under:
                self.g.add_heading(line)
            self.dropped += [ln for ln in self.pending if ln not in under]
        self.pending = []

    def _flush(self) -> None:
        text = _finish("".join(self.buf))
        self.buf = []
        for line in text.split("\n") if text else []:
            plain = line.replace(_LINK_START, "").replace(_LINK_END, "").strip()
            if not plain:
                continue
            self.lines.append(plain)
            # a line that is all link text is navigation, not a table's title
            if re.sub(f"{_LINK_START}[^{_LINK_END}]*{_LINK_END}?", "", line).strip(" |>»·/-"):
                self.pending.append(plain)

    def _visit(self, el) -> None:
        for child in el:
            tag = _tag(child)
            if tag in _SKIP or not tag or _hidden(child):
                pass
            elif tag == "table" and self.kinds.get(child) == "data":
                self._flush()
                self._table(child)
            elif tag == "br":
                self.buf.append(_BR)
            else:
                if tag in ("td", "th"):
                    self.buf.append(" ")     # cells of a layout table: words apart on one line
                block = tag in _BLOCK
                if block:
                    self.buf.append(_BR)
                if tag == "a":
                    self.buf.append(_LINK_START)
                if child.text and tag != "table":
                    self.buf.append(child.text)
                self._visit(child)
                if tag == "a":
                    self.buf.append(_LINK_END)
                if block:
                    self.buf.append(_BR)
            if child.tail:
                self.buf.append(child.tail)

    def _table(self, table) -> None:
        self.n += 1
        caption = table.find("caption")
        heads = [ln for ln in self.pending if len(ln) <= HEADING_MAX_CHARS][-HEADING_LINES:]
        if self.keep_text:
            heads = list(self.pending)
        self.dropped += [ln for ln in self.pending if ln not in heads]
        if caption is not None:
            heads.append(cell_text(caption, self.kinds))
        self.pending = []
        for line in heads:
            self.g.add_heading(line)
        where = f"table {self.n}"
        lay_out(self.g, table_cells(table, self.kinds, self.name, where), where)
        check_size(sum(t.n_rows for t in self.g.tables), 0, self.name, "the page")
