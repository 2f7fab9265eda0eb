"""Reading: a file on disk → a normalized ``Document``, with the tables it holds as grids.

Owns decoding (UTF-8, GB18030, BOMs, line ends), normalization, the document id and one
reader per format (text, PDF, .xlsx/.xls, .docx, HTML), each into ``grid.Table``s.
Writes nothing to the data directory.

Example: ``doc = read_path("data/000_33c4abcdc6cea628.txt"); doc.doc_id``
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ingest.errors import IngestError
from ingest.read.document import Document, check_text, normalize_text, read_bytes, read_file_bytes

__all__ = ["Document", "read_path", "read_bytes", "normalize_text"]


# suffix → (module, function): each reader takes (bytes, name) and returns a Document.
# Modules load lazily, so reading text never imports openpyxl, python-docx or pdfplumber.
READERS: dict[str, tuple[str, str]] = {
    ".xlsx": ("ingest.read.xlsx", "read_xlsx"),
    ".xlsm": ("ingest.read.xlsx", "read_xlsx"),
    ".xls": ("ingest.read.xls", "read_xls"),
    ".docx": ("ingest.read.docx", "read_docx"),
    ".html": ("ingest.read.html", "read_html"),
    ".htm": ("ingest.read.html", "read_html"),
    ".mht": ("ingest.read.html", "read_html"),        # a web page saved as one file (MHTML)
    ".mhtml": ("ingest.read.html", "read_html"),
    ".pdf": ("ingest.read.pdf", "read_pdf"),
    ".xml": ("ingest.read.xmlss", "read_xmlss"),      # Excel's "XML Spreadsheet 2003"
}
# Formats we do not read ourselves, and how to turn them into one we do.
CONVERT = {
    ".doc": "docx", ".wps": "docx", ".rtf": "docx", ".et": "xlsx", ".ods": "xlsx", ".odt": "docx",
}
TEXT_SUFFIXES = {".txt", ".text", ".csv", ".tsv", ".md", ""}
INPUT_SUFFIXES = tuple(sorted(set(READERS) | TEXT_SUFFIXES - {""}))
# Pictures of a table (a scan, a screenshot): no text to read.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
# What a folder walk hands on: every file read, and every file that gets an error saying what
# to do with it (convert it, OCR it), so that nothing in a folder is skipped without a word.
FOLDER_SUFFIXES = tuple(sorted(set(INPUT_SUFFIXES) | set(CONVERT) | IMAGE_SUFFIXES))


def read_path(path: str | Path, on_page=None) -> Document:
    """Read one input file into a ``Document``: text, PDF, Excel, Word or HTML.

    Example: ``read_path("data/000_33c4abcdc6cea628.txt").text[:20]``
    """
    from importlib import import_module

    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        raise IngestError("an image has no text to read", file=name,
                          hint="ask for the Excel, Word or PDF file the table was made in, "
                               "or run OCR on it first (e.g. ocrmypdf on a PDF of the scan)")
    data = read_file_bytes(p, name)
    if suffix in CONVERT or suffix in (".xlsx", ".xlsm", ".xls"):
        # web systems export HTML tables as .xls or .doc, and files get renamed: read what the
        # bytes are; a real legacy or OpenDocument file is refused with its conversion
        from ingest.read.archive import sniff
        kind = sniff(data)
        real = {"ole": ".xls" if suffix in (".xlsx", ".xlsm", ".xls") else None,
                "zip": ".xlsx" if CONVERT.get(suffix, "xlsx") == "xlsx" else ".docx",
                "encrypted": suffix if suffix in READERS else None,
                "html": ".html", "mhtml": ".html", "xmlss": ".xml", "pdf": ".pdf"}.get(kind)
        if real is None and suffix in CONVERT:
            raise IngestError(f"{suffix} files are not read directly", file=name,
                              hint=f"convert it first: libreoffice --headless --convert-to {CONVERT[suffix]} {p.name}")
        suffix = real or suffix
    if data.startswith(b"%PDF"):
        suffix = ".pdf"
    elif data.startswith(b"PK\x03\x04") and suffix not in READERS:
        raise IngestError("this is a zip-based office file with an unexpected name", file=name,
                          hint="rename it to .xlsx or .docx, whichever it is")
    if suffix in READERS:
        module, function = READERS[suffix]
        reader = getattr(import_module(module), function)
        return reader(data, name, on_page=on_page) if suffix == ".pdf" else reader(data, name)
    return read_text(data, name)


def read_text(data: bytes, name: str) -> Document:
    """Text: fixed-width layout text as it is, or a pipe-delimited copy of a table as a grid."""
    from ingest.read.textgrid import text_tables

    doc = read_bytes(data, name)
    tables = text_tables(doc.text, name)
    return replace(doc, tables=tuple(tables)) if tables else doc
