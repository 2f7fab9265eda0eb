"""The SPARQL worker processes a test can see, read from /proc: the query tests, the UI tests and
the browser test all check that a stopped query's process is really gone.

Example: ``assert wait_no_workers(2) == []``
"""
from __future__ import annotations

import os
import time
from pathlib import Path


def workers(parent: int | None = None) -> list[int]:
    """The SPARQL worker processes (``ingest.graph.worker``) that ``parent`` (this process, or the
    UI server's pid) started and that are still alive (zombies left out); the core keeps no
    spares, so each is a running query."""
    parent = os.getpid() if parent is None else parent
    out = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError, IndexError):
            continue
        if b"ingest.graph.worker" in cmdline and int(fields[1]) == parent and fields[0] != "Z":
            out.append(int(proc.name))
    return out


def wait_no_workers(seconds: float = 5.0, parent: int | None = None) -> list[int]:
    """The workers still alive after waiting up to ``seconds`` for them to go."""
    deadline = time.monotonic() + seconds
    while workers(parent) and time.monotonic() < deadline:
        time.sleep(0.05)
    return workers(parent)
