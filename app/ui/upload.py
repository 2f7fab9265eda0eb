"""Uploaded files, checked like any other input before anything is written.

An upload must have a suffix a reader handles (``ingest.read.INPUT_SUFFIXES``) and be at most
``MAX_UPLOAD_MB``; its name is reduced to a safe base name (no folders, no leading dots, no
control or shell characters, at most ``NAME_CHARS`` characters) and it is written to
``<data_dir>/uploads/`` and nowhere else. Uploading a file of the same name again replaces it,
so a corrected table replaces the document it corrects.

Example: ``path = save_upload(kb.data_dir, "../../etc/绩效目标表.xlsx", data)`` → ``…/uploads/绩效目标表.xlsx``
"""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from ingest.errors import IngestError
from ingest.storage.atomic import write_bytes
from ingest.read import CONVERT, INPUT_SUFFIXES

MAX_UPLOAD_MB = 20    # one performance table is a few hundred KB; a PDF of many tables a few MB
NAME_CHARS = 120
UPLOADS = "uploads"
_UNSAFE = re.compile(r"[^\w.\-()（）【】《》\[\] ]+")


def accepted_types() -> list[str]:
    """The suffixes the uploader offers, without dots: ``["htm", "html", "md", "pdf", …]``."""
    return sorted(s.lstrip(".") for s in INPUT_SUFFIXES)


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder or surprise a shell.

    Example: ``safe_name("..\\\\a/b/<x>.XLSX")`` → ``"_x_.xlsx"``
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")  # control characters
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip(" .") or "upload"
    suffix = _UNSAFE.sub("", suffix).lower()
    stem = stem[:NAME_CHARS - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str, size: int, max_mb: float = MAX_UPLOAD_MB) -> None:
    """Raise ``IngestError`` (naming the file, with a hint) for a type or size that is refused."""
    suffix = Path(safe_name(name)).suffix.lower()
    if suffix in CONVERT:
        raise IngestError(f"{suffix} files are not read directly", file=name,
                          hint=f"save it as .{CONVERT[suffix]} (File → Save as) and upload that")
    if suffix not in INPUT_SUFFIXES:
        raise IngestError(f"{suffix or 'a file without a suffix'} is not a format jixiao reads", file=name,
                          hint="upload " + ", ".join(INPUT_SUFFIXES))
    if size > max_mb * 1024 * 1024:
        raise IngestError(f"the file is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit", file=name,
                          hint="split it into smaller files, one table or a few per file")
    if size == 0:
        raise IngestError("the file is empty", file=name, hint="upload the file again")


def uploads_dir(data_dir: str | os.PathLike) -> Path:
    """``<data_dir>/uploads``, created when missing."""
    path = Path(data_dir) / UPLOADS
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(data_dir: str | os.PathLike, name: str, data: bytes, max_mb: float = MAX_UPLOAD_MB) -> Path:
    """Check an upload and write it to ``<data_dir>/uploads/<safe name>``; return that path."""
    check_upload(name, len(data), max_mb)
    folder = uploads_dir(data_dir).resolve()
    path = (folder / safe_name(name)).resolve()
    if path.parent != folder:  # cannot happen after safe_name; checked because it must never happen
        raise IngestError("the file name leaves the uploads folder", file=name, hint="rename the file")
    write_bytes(path, data)
    return path


def is_upload(data_dir: str | os.PathLike, file: str | os.PathLike) -> bool:
    """Whether ``file`` lies in ``<data_dir>/uploads`` (so removing its document may delete it)."""
    try:
        Path(file).resolve().relative_to((Path(data_dir) / UPLOADS).resolve())
        return True
    except ValueError:
        return False
