"""Read input files into normalized ``Document`` text.

Normalized text is what every span offset refers to. It is the decoded text with
the BOM removed, every line ending turned into LF, zero-width characters dropped
and form feeds turned into the seed's page-break convention (a line that begins
with a space). The same content read from UTF-8, UTF-8 with BOM, GB18030/GBK,
CRLF text or a PDF therefore gives the same normalized text (PDF: the same
non-blank lines).

Example: ``doc = read_path("data/000_33c4abcdc6cea628.txt"); doc.doc_id``
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ingest.errors import IngestError
from ingest.identifiers import document_id

# A line this long is not text extracted from a table; it is a minified or binary file.
MAX_LINE_CHARS = 100_000
# No table file is this large; reading one would only fill the memory.
MAX_FILE_BYTES = 200 * 1024 * 1024
_ZERO_WIDTH = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)


@dataclass(frozen=True)
class Document:
    """One input file as normalized text.

    ``doc_id`` is a hash of the normalized text, so the same content in another
    encoding is the same document; ``kind`` is the format read (``text``, ``pdf``, ``xlsx``,
    ``docx``, ``html`` …). ``tables`` holds the grids a table reader found (see
    ``ingest.read.grid``), with cell offsets into ``text``; it is empty for fixed-width text,
    which the layout parser reads line by line.
    """

    path: str
    text: str
    encoding: str
    kind: str = "text"
    tables: tuple = field(default=(), compare=False, repr=False)

    @cached_property
    def doc_id(self) -> str:
        return document_id(self.text)

    @property
    def name(self) -> str:
        return Path(self.path).name


def normalize_text(text: str) -> str:
    """Normalize line ends, drop BOM/zero-width characters, mark form feeds as page breaks.

    Example: ``normalize_text("\\ufeffa\\r\\nb\\fc") == "a\\nb\\n c"``
    """
    text = text.translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # pdftotext puts a form feed before the first line of each new page; the seed's
    # extractor wrote a space there instead. Use the seed's convention throughout.
    text = re.sub(r"\n?\f", "\n ", text)
    return text


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def empty_error(name: str) -> IngestError:
    """A file of no bytes (a download that never started, a copy that failed), in any format."""
    return IngestError("empty file: nothing to ingest", file=name,
                       hint="the file has no content: download or export it again")


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """Decode text bytes as UTF-8 (with or without BOM) or GB18030/GBK.

    Raises ``IngestError`` naming the file and line for empty, binary or
    undecodable input.
    """
    if not data.strip():
        raise empty_error(path)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    sample = data[:65536]
    controls = sum(b < 9 or 13 < b < 32 for b in sample)
    if b"\x00" in sample or controls > len(sample) * 0.01:
        raise IngestError("binary data, not text", file=path, line=line_of_bytes(data, _first_control(sample)),
                          hint="give a .txt extracted from the PDF, or the .pdf itself")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            # the encoding that reads further is the one the file is in: its error is the real place
            if gb_error.start > utf8_error.start:
                pos, line = gb_error.start, line_of_bytes(data, gb_error.start)
                raise IngestError(
                    f"cannot decode byte 0x{data[pos]:02x} at byte {pos}: the file is GB18030 up to there, "
                    "then a byte that is no character", file=path, line=line,
                    hint=f"the file is damaged at line {line}: fix that byte, or drop what cannot be read with "
                         f"iconv -c -f GB18030 -t UTF-8 {Path(path).name} > {Path(path).stem}.utf8.txt") from None
            pos = utf8_error.start
            raise IngestError(
                f"cannot decode byte 0x{data[pos]:02x} at byte {pos}: the file is neither UTF-8 nor GB18030",
                file=path, line=line_of_bytes(data, pos),
                hint=_convert_hint(data, path),
            ) from None


def _first_control(sample: bytes) -> int:
    for i, b in enumerate(sample):
        if b < 9 or 13 < b < 32:
            return i
    return 0


def line_of_bytes(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _convert_hint(data: bytes, path: str) -> str:
    """How to convert a file to UTF-8: with the encoding charset-normalizer guesses, or, when it
    cannot tell, how to find it out (a command, never a placeholder to fill in)."""
    import codecs

    from charset_normalizer import from_bytes

    name = Path(path).name
    convert = f"-t UTF-8 {name} > {Path(name).stem}.utf8.txt"
    best = from_bytes(data[:65536]).best()
    if best is None:
        return f"find its encoding (file -i {name}), then convert it to UTF-8 first, e.g. iconv -f BIG5 {convert}"
    encoding = re.sub(r"-([LB]E)$", r"\1", codecs.lookup(best.encoding).name.upper().replace("_", "-"))  # iconv's spelling
    return f"it looks like {encoding}: convert it to UTF-8 first, iconv -f {encoding} {convert}"


def check_text(text: str, path: str) -> None:
    """Reject text that cannot be a table: absurdly long lines or mojibake."""
    for number, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE_CHARS:
            raise IngestError(
                f"line {number} is {len(line):,} characters long; a table extracted from a PDF has short lines",
                file=path, line=number, hint="is this a minified, binary or concatenated file?")
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text[:200_000]))
    latin1 = len(re.findall(r"[\u00c0-\u00ff]", text[:200_000]))
    if latin1 > 20 and latin1 > cjk:
        raise IngestError("the text looks mis-encoded (UTF-8 bytes read as Latin-1: 'è´¢æ”¿…')",
                          file=path, line=line_of(text, re.search(r"[\u00c0-\u00ff]", text).start()),
                          hint="re-extract the text as UTF-8, or fix it with: iconv -f UTF-8 -t LATIN1")


def read_bytes(data: bytes, path: str) -> Document:
    """Decode and normalize text bytes (not PDF). Example: ``read_bytes(b"...", "a.txt")``"""
    if data.startswith(b"%PDF"):
        raise IngestError("this is a PDF; read it with read_path()", file=path)
    text, encoding = decode_bytes(data, path)
    text = normalize_text(text)
    check_text(text, path)
    return Document(path=path, text=text, encoding=encoding, kind="text")


def read_file_bytes(path: str | Path, label: str) -> bytes:
    """The bytes of a file, or an ``IngestError`` that names it and says why not: a missing file,
    a folder, a device or named pipe (which could be read forever), a file larger than
    :data:`MAX_FILE_BYTES`."""
    import stat

    try:
        info = Path(path).stat()
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
            raise IngestError(f"the file is {info.st_size / 2**20:,.0f} MB; a performance-target table is far "
                              f"smaller (limit {MAX_FILE_BYTES // 2**20} MB)", file=label,
                              hint="split it, or ingest the tables it holds one by one")
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            raise IngestError("not a regular file (a device, a named pipe or a socket)", file=label,
                              hint="ingest files; a pipe or device could be read forever")
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise IngestError("no such file", file=label,
                          hint="check the path (relative to the working directory); "
                               "`jixiao ingest` alone reads the bundled data/") from None
    except IsADirectoryError:
        raise IngestError("is a directory; pass the files inside it", file=label) from None
    except OSError as e:
        raise IngestError(f"cannot read: {e.strerror}", file=label) from None
