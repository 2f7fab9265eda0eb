"""Atomic file writes: one way to put a file in place, used by every store.

:func:`write` fills a temporary file beside the target, fsyncs it and moves it into
place with ``os.replace``, so a reader sees the old file or the new one, never half
of one, and a crash never loses what was there. The other writers are thin wrappers
over it; :func:`replace_directory` swaps a whole directory (an index library that
writes several files of its own).

Example: ``write_json(Path("var/records/manifest.json"), {"format": 1})``
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable


def write(path: str | os.PathLike, fill: Callable[[BinaryIO], Any]) -> None:
    """Call ``fill`` on a temporary binary file next to ``path``, fsync it, then rename it to ``path``.

    The temporary file (``.<name>.<random>.tmp``) is removed if ``fill`` fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """``data`` as the whole content of ``path``."""
    write(path, lambda f: f.write(data))


def write_text(path: str | os.PathLike, text: str) -> None:
    """``text`` as UTF-8 without BOM; line ends are written as given."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, obj: Any, *, indent: int | None = 1) -> None:
    """JSON, UTF-8 with non-ASCII kept readable, and a final newline."""
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=indent) + "\n")


def write_npy(path: str | os.PathLike, array: Any) -> None:
    """A NumPy array in ``.npy`` form (``np.save``, no pickle)."""
    import numpy as np

    write(path, lambda f: np.save(f, array, allow_pickle=False))


def replace_directory(directory: str | os.PathLike, fill: Callable[[Path], Any]) -> None:
    """Call ``fill`` on a new empty directory beside ``directory``, then swap it into place.

    A separate function because a directory cannot be renamed over a non-empty one:
    the old directory is moved aside first, the new one moved in, then the old one
    deleted. A reader may find no directory for that instant, but never a mix of
    old and new files.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        fill(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if directory.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".old", dir=directory.parent))
        os.replace(directory, old / directory.name)
    os.replace(tmp, directory)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
