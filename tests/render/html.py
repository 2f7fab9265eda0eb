"""A bureau's web page publishing a fixture table: site chrome around an ``<h3>`` title and a
``<table>`` with ``rowspan``/``colspan``, in the spec's ``HTML_ENCODING`` (GBK pages declare it
with a ``<meta http-equiv>`` as old CMSs do).

The chrome is what such pages carry: a script, a navigation bar, a breadcrumb, the publishing
date and a footer laid out with a table of its own, which is not a performance table.

Example: ``write_html(load_spec("flat_unit"), tmp_path / "t.html")``
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from render.spec import Spec, line_text


def table_html(spec: Spec) -> str:
    rows = []
    for r in range(spec.grid.n_rows):
        tds = []
        for p in spec.grid.row_cells(r):
            attrs = (f' rowspan="{p.rs}"' if p.rs > 1 else "") + (f' colspan="{p.cs}"' if p.cs > 1 else "")
            # a line break inside a cell is a <br>, as Word and web editors write it
            tds.append(f"<td{attrs}>{escape(p.text).replace(chr(10), '<br>')}</td>")
        rows.append("  <tr>" + "".join(tds) + "</tr>")
    return '<table border="1" cellspacing="0" cellpadding="4" class="MsoTableGrid">\n' + "\n".join(rows) + "\n</table>"


def page_html(spec: Spec) -> str:
    return page_html_many([spec])


def _article(spec: Spec) -> str:
    """One table's title, preamble, table and footer, as the article body prints them."""
    pre = []
    for item in spec.preamble:
        if isinstance(item, str):
            pre.append(f'<p style="text-align:center">{escape(item)}</p>')
        else:
            left, right = item
            pre.append(f'<p>{escape(left)}<span style="float:right">{escape(right)}</span></p>')
    post = "".join(f"<p>{escape(line_text(x))}</p>\n" for x in spec.footer)
    return f"<h3>{escape(spec.title)}</h3>\n" + "".join(x + "\n" for x in pre) + table_html(spec) + "\n" + post


def page_html_many(specs: list[Spec]) -> str:
    """A web page publishing one table or several (one after another in the article)."""
    spec = specs[0]
    enc = spec.html_encoding
    meta = (f'<meta charset="{enc}">' if enc.lower().startswith("utf")
            else f'<meta http-equiv="Content-Type" content="text/html; charset={enc}">')
    return f"""<!DOCTYPE html>
<html>
<head>
{meta}
<title>{escape(spec.title)}_某县人民政府门户网站</title>
<style>td {{ border: 1px solid #000; }} .nav a {{ margin: 0 8px; }}</style>
<script type="text/javascript">var siteName = "某县人民政府"; function share() {{ return "<table>"; }}</script>
</head>
<body>
<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/czyjs/">财政预决算</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 财政预决算 &gt; 部门预算</div>
<div class="article">
<div class="info">发布时间：2022-01-20 来源：某县财政局 【字体：大 中 小】</div>
{"".join(_article(s) for s in specs)}</div>
<div class="footer">
<table class="footer-links"><tr><td>主办单位：某县人民政府办公室</td><td>网站标识码：0000000000</td></tr></table>
<p>版权所有 某县人民政府</p>
</div>
</body>
</html>
"""


def write_html(spec: Spec, path: Path) -> Path:
    return write_html_many([spec], path)


def write_html_many(specs: list[Spec], path: Path) -> Path:
    path.write_bytes(page_html_many(specs).encode(specs[0].html_encoding))
    return path
