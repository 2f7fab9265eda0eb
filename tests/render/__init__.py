"""Test helper: render a fixture spec (``render.spec``) to a real file of each format.

Office files are written by the libraries users' tools write them with (openpyxl, python-docx,
reportlab), the ".xls" files of web systems as what they are (Excel 2003 XML, Excel-flavoured
HTML; a BIFF8 .xls has no maintained writer); HTML is a bureau's web page around a ``<table>``; text copies are what pasting
the table out of Excel, Word or a browser gives. Renderings are made at test time in a tmp
dir, never committed.

Example: ``render(load_spec("shenbao_wanyuan"), "xlsx", tmp_path)`` → ``tmp_path/"shenbao_wanyuan.xlsx"``
"""
from __future__ import annotations

from pathlib import Path

# format → file name suffix. Text copies are all saved as .txt, as users save pasted text.
SUFFIX = {
    "xlsx": ".xlsx",
    "xls_xml": ".xls",          # Excel 2003 XML Spreadsheet saved as .xls (web systems' exports)
    "xls_html": ".web.xls",     # an HTML table saved as .xls ("Excel web page")
    "docx": ".docx",
    "html": ".html",
    "pdf": ".pdf",
    "pipe": ".pipe.txt",        # one row a line, cells joined by " | " (copied from a web page)
    "markdown": ".md.txt",      # | a | b | rows with a | --- | line under the first row
    "cells": ".cells.txt",      # one cell a line ending in " |" (an HTML table's cells in order)
    "tsv": ".tsv.txt",          # tab-separated rows, as Excel puts a range on the clipboard
    "spaces": ".spaces.txt",    # each row's cells run together with spaces
    "oneline": ".oneline.txt",  # the whole table on one line
}
FORMATS = ("xlsx", "xls_xml", "xls_html", "docx", "html", "pdf", "pipe", "markdown", "cells", "tsv")
OFFICE = ("xlsx", "xls_xml", "xls_html", "docx", "html", "pdf")
TEXT = ("pipe", "markdown", "cells", "tsv")
LOSSY = ("spaces", "oneline")


def render_many(specs: list, fmt: str, path: str | Path) -> Path:
    """Several fixtures in one file, as units send them: one sheet each (.xlsx), one table after
    another (.docx, a web page), one from each new page (.pdf), one after another (text)."""
    from render import html, office, pdf, text

    path = Path(path)
    writers = {"xlsx": office.write_xlsx_many, "docx": office.write_docx_many, "html": html.write_html_many,
               "pdf": pdf.write_pdf_many}
    if fmt in writers:
        return writers[fmt](specs, path)
    path.write_text("\n".join(text.render_text(s, fmt) for s in specs), "utf-8")
    return path


def render(spec, fmt: str, directory: str | Path, stem: str | None = None) -> Path:
    """Write ``spec`` as ``fmt`` into ``directory`` and return the file's path."""
    from render import excel2003, html, office, pdf, text

    path = Path(directory) / f"{stem or spec.name}{SUFFIX[fmt]}"
    writers = {"xlsx": office.write_xlsx, "docx": office.write_docx, "html": html.write_html,
               "pdf": pdf.write_pdf, "xls_xml": excel2003.write_xls_xml, "xls_html": excel2003.write_xls_html}
    if fmt in writers:
        writers[fmt](spec, path)
    else:
        path.write_text(text.render_text(spec, fmt), "utf-8")
    return path
