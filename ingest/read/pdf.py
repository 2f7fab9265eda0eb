"""Read the text layer of a PDF into the seed's line format.

A PDF page becomes its text lines joined with ``\\n``; every page after the first
begins with a single space, which is the seed's page-break convention, so the
parser reads a PDF and its extracted ``.txt`` alike (the same non-blank lines and
the same page-break markers; a PDF has no blank lines).

pdfplumber is imported inside ``extract_pdf_text`` so that text-only use never
loads it.

Example: ``extract_pdf_text("data/2020_table.pdf").splitlines()[0]``
"""
from __future__ import annotations

import io
import os
import re
from typing import Callable

from ingest.errors import IngestError
from ingest.read.document import read_file_bytes

#: Settings for ``pdfplumber.Page.extract_text``. Characters on one line are one word
#: while the gap between them is at most ``x_tolerance_ratio`` × the font size: 0.15 em
#: absorbs the letter spacing of justified CJK text (so no space is put inside a CJK run
#: or inside ``60Co``) and is narrower than any word space (0.2–0.5 em), so words placed
#: apart without a space glyph still get one. A space glyph always separates words;
#: runs of spaces become one space, as in the seed. No Unicode normalization: NFKC
#: would turn the full-width （）：， into ASCII.
EXTRACT_SETTINGS = {
    "x_tolerance_ratio": 0.15,
    "y_tolerance": 3,
    "keep_blank_chars": False,
    "use_text_flow": False,
}

#: A page separator: the first line of every page after the first begins with this.
PAGE_BREAK = " "

#: Fraction of characters without a Unicode mapping above which the text layer is refused.
#: Below it, each such glyph (pdfminer writes ``(cid:123)``) becomes U+FFFD, so its
#: digits cannot be read as numbers.
MAX_UNMAPPED = 0.05
_UNMAPPED = re.compile(r"\(cid:\d+\)")

_OCR_HINT = "run OCR (e.g. ocrmypdf) first"
_PDF_ERRORS = {
    # pdfminer's wording → what it means for a user
    "No /Root object": "no document catalog (the file is truncated or damaged)",
    "Unexpected EOF": "unexpected end of file (the file is truncated)",
}


def extract_pdf_text(source: str | os.PathLike | bytes, *, name: str | None = None,
                     password: str | None = None,
                     on_page: Callable[[int, int], None] | None = None) -> str:
    """Return the text layer of a PDF, one line per text line, pages marked as in the seed.

    ``source`` is a path or the PDF's bytes; ``name`` labels errors (default: the path).
    ``on_page(i, n)`` is called after page ``i`` (1-based) of ``n`` is read.
    Raises ``IngestError`` for a file that is not a readable PDF, an encrypted PDF
    without its password, or a scanned PDF with no text layer.

    Example: ``extract_pdf_text("table.pdf", on_page=lambda i, n: print(f"{i}/{n}"))``
    """
    label = name or (str(source) if not isinstance(source, bytes) else "<pdf>")
    data = source if isinstance(source, bytes) else read_file_bytes(source, label)
    _check_header(data, label)
    return join_pages([text for text, _blocks in _read_pages(data, label, password, on_page, tables=False)])


def _read_pages(data: bytes, label: str, password: str | None,
                on_page: Callable[[int, int], None] | None, tables: bool) -> list[tuple[str, list]]:
    """Each page's text layer and, with ``tables``, its ruled tables and the text around them
    (``ingest.read.pdftables.page_blocks``; [] for a page without a ruled table)."""
    import pdfplumber  # heavy: only PDFs need it
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password)
    except PdfminerException as exc:
        raise _open_error(_cause(exc), label, password) from None
    with pdf:
        try:
            pages = pdf.pages
        except PdfminerException as exc:
            raise _unreadable(_cause(exc), label) from None
        if not pages:
            raise IngestError("not a readable PDF: it has no pages", file=label)
        out: list[tuple[str, list]] = []
        chars = unmapped = 0
        for number, page in enumerate(pages, 1):
            try:
                deduped = _dedupe_chars(page)
                page_chars = [c["text"] for c in deduped.chars if not c["text"].isspace()]
                text = deduped.extract_text(**EXTRACT_SETTINGS)
                blocks = _page_blocks(deduped) if tables else []
            except Exception as exc:  # pdfminer raises many types on damaged content
                raise _unreadable(_cause(exc), label, page=number) from None
            chars += len(page_chars)
            unmapped += sum(c.startswith("(cid:") for c in page_chars)
            out.append((_UNMAPPED.sub("\ufffd", text), blocks))
            page.close()
            if on_page is not None:
                on_page(number, len(pages))
    if chars == 0:
        raise IngestError("scanned PDF: no text layer on any page", file=label, hint=_OCR_HINT)
    if unmapped > chars * MAX_UNMAPPED:
        raise IngestError(
            f"the text layer cannot be read: {unmapped:,} of {chars:,} characters have no "
            "Unicode mapping (fonts without a ToUnicode table)",
            file=label, hint="run OCR over it (e.g. ocrmypdf --force-ocr)")
    return out


def _page_blocks(page) -> list:
    from ingest.read.pdftables import page_blocks

    return page_blocks(page, lambda t: _UNMAPPED.sub("\ufffd", t), EXTRACT_SETTINGS)


def join_pages(pages: list[str]) -> str:
    """Join page texts with the seed's page-break convention.

    Example: ``join_pages(["a\\nb", "c"]) == "a\\nb\\n c"``
    """
    return "\n".join((PAGE_BREAK if i else "") + text for i, text in enumerate(pages))


def _dedupe_chars(page):
    """The page without duplicate glyphs (fake bold prints a glyph twice, offset < 1 pt).

    The same rule as ``Page.dedupe_chars()`` (same text, font and size within 1 pt),
    which restores the char order with ``list.index`` and is quadratic: 2.5 s on the seed.
    """
    from itertools import groupby
    from operator import itemgetter

    from pdfplumber.utils import cluster_objects

    key = itemgetter("upright", "text", "fontname", "size")
    keep: set[int] = set()
    for _, group in groupby(sorted(page.chars, key=key), key):
        for row in cluster_objects(list(group), itemgetter("doctop"), 1):
            for same in cluster_objects(row, itemgetter("x0"), 1):
                keep.add(id(min(same, key=itemgetter("doctop", "x0"))))
    if len(keep) == len(page.chars):
        return page
    return page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep)


def _check_header(data: bytes, label: str) -> None:
    # The PDF spec lets %PDF- appear anywhere in the first 1024 bytes.
    if not data:
        raise IngestError("not a readable PDF: the file is empty", file=label)
    if b"%PDF-" not in data[:1024]:
        kind = "text" if _looks_like_text(data) else "data"
        raise IngestError(f"not a readable PDF: no %PDF header (the file holds {kind}, not a PDF)",
                          file=label, hint="give the real .pdf, or a .txt file with a .txt name")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut at the end
                continue
        return b"\x00" not in sample
    return False


def _cause(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's exception as the first argument of its own."""
    inner = exc.args[0] if exc.args else None
    return inner if isinstance(inner, BaseException) else exc


def _open_error(exc: BaseException, label: str, password: str | None) -> IngestError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if isinstance(exc, PDFPasswordIncorrect):
        what = "the password is wrong" if password else "it needs a password to open"
        return IngestError(f"encrypted PDF: {what}", file=label,
                           hint="remove the password first, e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf")
    if isinstance(exc, PDFEncryptionError):
        return IngestError(f"encrypted PDF: unsupported encryption ({exc})", file=label,
                           hint="decrypt it first, e.g. qpdf --decrypt in.pdf out.pdf")
    return _unreadable(exc, label)


def _unreadable(exc: BaseException, label: str, page: int | None = None) -> IngestError:
    reason = str(exc).strip() or type(exc).__name__
    for pdfminer_says, meaning in _PDF_ERRORS.items():
        if pdfminer_says in reason:
            reason = meaning
            break
    where = f" (page {page})" if page else ""
    return IngestError(f"not a readable PDF{where}: {reason}", file=label,
                       hint="re-download or re-export the PDF; qpdf or mutool clean can repair some files")


def read_pdf(data: bytes, name: str, on_page: Callable[[int, int], None] | None = None):
    """A PDF as a ``Document``: its ruled tables as grids, laid out with the text around them;
    a PDF without ruled tables as its text layer, exactly as ``extract_pdf_text`` gives it.

    Example: ``read_pdf(Path("申报表.pdf").read_bytes(), "申报表.pdf").tables``
    """
    from ingest.read.cells import lay_out
    from ingest.read.document import Document, check_text, normalize_text
    from ingest.read.grid import GridText

    _check_header(data, name)
    pages = _read_pages(data, name, None, on_page, tables=True)
    items = _join_pages_tables(pages)
    if not any(kind == "table" for kind, *_ in items):
        text = normalize_text(join_pages([text for text, _blocks in pages]))
        check_text(text, name)
        return Document(path=name, text=text, encoding="pdf", kind="pdf")
    g = GridText()
    for kind, content, *where in items:
        if kind == "text":
            g.add_heading(content)
        else:
            lay_out(g, content, where[0])
    return Document(path=name, text=g.text, encoding="pdf", kind="pdf", tables=tuple(g.tables))


#: A line that only numbers the page (``- 2 -``, ``第2页``, ``第 2 页 共 3 页``, ``2/3``).
_PAGE_MARK = re.compile(r"^[-—–\s]*(第\s*)?\d{1,4}\s*页?\s*([/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–\s]*$")


def _join_pages_tables(pages: list[tuple[str, list]]) -> list[list]:
    """The pages' blocks in reading order as ``["text", str]`` and ``["table", [RawCell], source]``
    items, a table that runs onto the next page joined into one: the next page starts with a ruled
    table (nothing above it but a page number) whose column rules lie on those of the table the
    previous page ended with. Its rows go under that table's, on its columns; a header row printed
    again at the top of the page is dropped. A ruled row that continues nothing is a text line."""
    from dataclasses import replace

    from ingest.read.pdftables import column_of, same_rules

    items: list[list] = []
    open_table = None          # [cells, xs, n_rows] of the table the last page ended with
    for number, (text, blocks) in enumerate(pages, 1):
        if not blocks:
            items.append(["text", text])
            open_table = open_table if _PAGE_MARK.match(text.strip() or "0") else None
            continue
        n_tables = sum(kind == "table" for kind, _ in blocks)
        fresh, k = True, 0
        for kind, content in blocks:
            if kind == "text":
                items.append(["text", content])
                if not _PAGE_MARK.match(content.strip() or "0"):
                    open_table, fresh = None, False
                continue
            if fresh and open_table is not None and same_rules(content.xs, open_table[1]):
                cells, xs, n_rows = open_table
                at = column_of(content.xs, xs)
                moved = [replace(c, row=n_rows + c.row, col=at[c.col], colspan=at[c.col + c.colspan] - at[c.col])
                         for c in content.cells]
                first = _row_key(moved, n_rows)
                if first and any(_row_key(cells, r) == first for r in {c.row for c in cells}):
                    moved = [replace(c, row=c.row - 1) for c in moved if c.row != n_rows]
                cells.extend(moved)
                open_table[2] = max((c.row + c.rowspan for c in cells), default=0)
                fresh = False
                continue
            fresh = False
            if kind == "row":
                items.append(["text", " ".join(c.text for c in content.cells if c.text)])
                open_table = None
                continue
            k += 1
            cells = list(content.cells)
            items.append(["table", cells, f"page {number}" + (f" table {k}" if n_tables > 1 else "")])
            open_table = [cells, content.xs, max((c.row + c.rowspan for c in cells), default=0)]
    return items


def _row_key(cells, row: int) -> tuple:
    """The printed cells starting in ``row`` as (col, colspan, text), to find a repeated header."""
    return tuple(sorted((c.col, c.colspan, "".join(c.text.split())) for c in cells if c.row == row and c.text.strip()))
