"""Reading: a file on disk → a normalized ``Document`` (text, or the text layer of a PDF).

Owns decoding (UTF-8, GB18030, BOMs, line ends), normalization and the document id.
Writes nothing to the data directory.

Example: ``doc = read_path("data/000_33c4abcdc6cea628.txt"); doc.doc_id``
"""
from __future__ import annotations

from pathlib import Path

from ingest.read.document import Document, check_text, normalize_text, read_bytes, read_file_bytes

__all__ = ["Document", "read_path", "read_bytes", "normalize_text"]


def read_path(path: str | Path, on_page=None) -> Document:
    """Read a ``.txt`` or ``.pdf`` file into a ``Document``.

    Example: ``read_path("data/000_33c4abcdc6cea628.txt").text[:20]``
    """
    p = Path(path)
    name = str(path)
    data = read_file_bytes(p, name)
    if p.suffix.lower() == ".pdf" or data.startswith(b"%PDF"):
        from ingest.read.pdf import extract_pdf_text  # pdfplumber loads only for PDFs
        text = normalize_text(extract_pdf_text(data, name=name, on_page=on_page))
        check_text(text, name)
        return Document(path=name, text=text, encoding="pdf", kind="pdf")
    return read_bytes(data, name)
