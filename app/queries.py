"""The saved example queries in ``queries/*.rq``: list them, find one by name.

Each file starts with a ``#`` comment saying what it answers.

Example: ``dict(saved_queries())["budget_by_performance_type"]``
"""
from __future__ import annotations

from pathlib import Path

from app.settings import REPO_ROOT

QUERIES_DIR = REPO_ROOT / "queries"


def saved_queries(directory: Path = QUERIES_DIR) -> list[tuple[str, str]]:
    """(name, first comment line) of every saved query, by name."""
    out = []
    for path in sorted(directory.glob("*.rq")):
        first = path.read_text("utf-8").splitlines()[0] if path.stat().st_size else ""
        out.append((path.stem, first.lstrip("# ").strip()))
    return out


def saved_query_path(name: str, directory: Path = QUERIES_DIR) -> Path | None:
    """The file of a saved query named ``name`` (with or without ``.rq``), or None."""
    path = directory / (name if name.endswith(".rq") else f"{name}.rq")
    return path if "/" not in name and path.is_file() else None


def resolve(text: str) -> str:
    """A query argument as ``load_query`` takes it: a saved query's name becomes ``@its/path.rq``."""
    path = saved_query_path(text) if text and not text.startswith("@") and "{" not in text else None
    return f"@{path}" if path else text
