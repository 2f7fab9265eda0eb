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
    if not any(blocks for _text, blocks in pages):
        text = normalize_text(join_pages([text for text, _blocks in pages]))
        check_text(text, name)
        return Document(path=name, text=text, encoding="pdf", kind="pdf")
    g = GridText()
    for number, (text, blocks) in enumerate(pages, 1):
        if not blocks:
            g.add_heading(text)
            continue
        n_tables = sum(kind == "table" for kind, _ in blocks)
        k = 0
        for kind, content in blocks:
            if kind == "text":
                g.add_heading(content)
            else:
                k += 1
                lay_out(g, content, f"page {number}" + (f" table {k}" if n_tables > 1 else ""))
    return Document(path=name, text=g.text, encoding="pdf", kind="pdf", tables=tuple(g.tables))
