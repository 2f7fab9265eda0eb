"""What an office file really is, and whether its zip is safe to open.

Files arrive misnamed: a "报表.xls" exported by a web system is often an HTML page or an
.xlsx; an .xlsx that asks for a password is an OLE2 container holding an encrypted
package. ``sniff`` looks at the bytes; ``open_zip`` refuses damaged archives and zip bombs
before openpyxl or python-docx inflate anything, using the sizes the archive declares.

Example: ``sniff(Path("a.xlsx").read_bytes())`` → ``"zip"``
"""
from __future__ import annotations

import io
import zipfile

from ingest.errors import IngestError
from ingest.read.document import empty_error  # noqa: F401 - the readers take it from here too

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Office encrypts a password-protected .xlsx/.docx into this stream of an OLE2 container.
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")

#: Limits on what an archive may inflate to. A real performance-target workbook or document
#: is a few MB unpacked; these are far above that and far below what exhausts the machine.
MAX_UNPACKED = 256 * 1024 * 1024
MAX_MEMBERS = 10_000
#: A member that inflates more than this many times over, and to more than 16 MB, is a bomb.
MAX_RATIO = 200


def sniff(data: bytes) -> str:
    """``zip``, ``ole`` (legacy Office), ``encrypted`` (a password-protected .xlsx/.docx), ``pdf``,
    ``xmlss`` (Excel 2003 XML), ``mhtml``, ``html``, ``odf`` (OpenDocument) or ``other``."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        # OpenDocument (.ods/.odt) stores its mimetype first, uncompressed
        return "odf" if data[30:80].startswith(b"mimetypeapplication/vnd.oasis.opendocument") else "zip"
    if data.startswith(OLE2_MAGIC):
        return "encrypted" if _ENCRYPTED in data else "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    head = data[:4096].lower()
    if head.lstrip().startswith(b"mime-version:") or (b"content-type: multipart/related" in head):
        return "mhtml"               # a web page saved as one file (.mht, or Word's "web page" .doc)
    if b'progid="excel.sheet"' in head or (b"urn:schemas-microsoft-com:office:spreadsheet" in head
                                           and b"<html" not in head):
        return "xmlss"               # Excel 2003 XML (SpreadsheetML), before HTML: it has a <Table>
    if b"<html" in head or b"<table" in head or b"<!doctype html" in head:
        return "html"
    return "other"


def encrypted_error(name: str, fmt: str) -> IngestError:
    return IngestError(f"this .{fmt} is password-protected (encrypted); it cannot be read", file=name,
                       hint="open it with its password (Excel, Word, WPS or LibreOffice) and save a copy "
                            "without one; ingest that copy")


def open_zip(data: bytes, name: str, fmt: str) -> zipfile.ZipFile:
    """The archive of an .xlsx/.docx, checked: readable, not a zip bomb.

    Raises ``IngestError`` for an empty, damaged or truncated archive, and for one whose
    declared sizes exceed ``MAX_UNPACKED``, ``MAX_MEMBERS`` or ``MAX_RATIO``.
    """
    if not data:
        raise empty_error(name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IngestError(f"not a readable .{fmt}: not a zip archive (damaged, truncated, or not an "
                          f".{fmt} at all)", file=name,
                          hint=f"re-download the file, or open and re-save it as .{fmt}") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise IngestError(f"not a plausible .{fmt}: the archive holds {len(infos):,} files", file=name,
                          hint="this is not an office document; check where it came from")
    total = sum(i.file_size for i in infos)
    bomb = next((i for i in infos if i.file_size > 16 * 1024 * 1024
                 and i.file_size > MAX_RATIO * max(i.compress_size, 1)), None)
    if total > MAX_UNPACKED or bomb is not None:
        what = (f"{bomb.filename} inflates {bomb.file_size // max(bomb.compress_size, 1):,} times over"
                if bomb is not None else f"it unpacks to {total / 2**20:,.0f} MB")
        raise IngestError(f"refused: {what} (a zip bomb, or far too large for a table)", file=name,
                          hint=f"a performance-target table unpacks to a few MB; keep only the "
                               f"sheets or pages to ingest (limit {MAX_UNPACKED // 2**20} MB)")
    return zf
