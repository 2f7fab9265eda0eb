"""The write lock of a data directory: one writer at a time, taken before anything changes.

Every operation that writes (ingest, remove, re-ingest, healing a view) holds
``<data_dir>/write.lock`` for its whole length. The lock is an ``flock`` on that file, so the
kernel releases it when the holder dies, even by SIGKILL: a lock never outlives a crash, and
"the lock is free but the views disagree with the records" means a writer died and the views
need healing. The file also says who holds it (pid, command, since when) for the error a
second writer gets. Readers never take it.

Threads of one process share one lock per directory: a second writer thread waits for the
first (``wait`` seconds), a second process gets :class:`StoreBusy` at once (or after ``wait``).

Example: ``with WriteLock("var").hold("jixiao ingest"): ...``
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ingest.errors import JixiaoError

LOCK_NAME = "write.lock"


class LockError(JixiaoError):
    """The data directory cannot be locked for writing (it cannot be written at all).

    Example: ``LockError("cannot lock the data directory /srv/var: Permission denied")``
    """


class StoreBusy(LockError):
    """Another process is writing to this data directory.

    Example: ``StoreBusy("var is being written by pid 4242 (jixiao ingest)", hint="wait for it to finish")``
    """


class _Held:
    """The process-wide state of one directory's lock: a thread lock, the descriptor, the depth."""

    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.fd: int | None = None
        self.depth = 0


_HELD: dict[str, _Held] = {}
_GUARD = threading.Lock()


def _held(path: Path) -> _Held:
    with _GUARD:
        return _HELD.setdefault(str(path.resolve()), _Held())


class WriteLock:
    """The write lock of one data directory (re-entrant within a thread)."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / LOCK_NAME

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lock ({pid, command, since}), or None when nobody does (this process included)."""
        held = _held(self.path)
        if held.depth:
            return {"pid": os.getpid(), "command": "this process"}
        if not self.path.exists():
            return None
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _holder_info(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def held_here(self) -> bool:
        """True while this process holds the lock."""
        return _held(self.path).depth > 0

    @contextmanager
    def hold(self, what: str = "", wait: float = 0.0) -> Iterator["WriteLock"]:
        """Hold the lock while the block runs; :class:`StoreBusy` if another process, or another
        thread of this one, holds it (after waiting up to ``wait`` seconds). Re-entrant in a thread."""
        state = _held(self.path)
        if not (state.rlock.acquire(timeout=wait) if wait > 0 else state.rlock.acquire(blocking=False)):
            raise self._busy({"pid": os.getpid(), "command": "another thread of this process"})
        try:
            if state.depth == 0:
                state.fd = self._acquire(what, wait)
            state.depth += 1
            try:
                yield self
            finally:
                state.depth -= 1
                if state.depth == 0:
                    self._release(state.fd)
                    state.fd = None
        finally:
            state.rlock.release()

    def _acquire(self, what: str, wait: float) -> int:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise LockError(f"cannot write to the data directory {self.data_dir}: {e.strerror or e}",
                            hint="pass --data-dir DIR, a folder you can write to") from None
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    info = _holder_info(fd)
                    os.close(fd)
                    raise self._busy(info) from None
                time.sleep(0.05)
        info = {"pid": os.getpid(), "command": what or " ".join(sys.argv[:3]),
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        return fd

    @staticmethod
    def _release(fd: int | None) -> None:
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            os.close(fd)   # closing the descriptor releases the flock

    def _busy(self, info: dict[str, Any] | None) -> StoreBusy:
        who = ""
        if info:
            who = f" by pid {info.get('pid')}" + (f" ({info['command']})" if info.get("command") else "") \
                  + (f" since {info['since']}" if info.get("since") else "")
        return StoreBusy(f"the data directory {self.data_dir} is being written{who}",
                         hint="wait for that ingest or remove to finish, then run this again; "
                              "reading (search, sparql, validate, export) works meanwhile")


def _holder_info(fd: int, patience: float = 1.0) -> dict[str, Any]:
    """What the holder of the locked file ``fd`` wrote of itself ({pid, command, since}).

    A holder takes the lock, then writes: a reader that comes between reads nothing yet, or what an
    earlier holder (now gone) left. Read again for up to ``patience`` seconds until the file names a
    live process; ``{}`` if it never does."""
    deadline = time.monotonic() + patience
    while True:
        try:
            info = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
        except (ValueError, OSError):
            info = {}
        if _alive(info.get("pid")):
            return info
        if time.monotonic() >= deadline:
            return {}
        time.sleep(0.02)


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # another user's process: alive
        return True
    return True
