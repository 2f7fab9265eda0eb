"""The saved example queries in ``ontology/queries/*.rq`` (package data, so a wheel install
has them): list them, find one by name.

Each file starts with a ``#`` comment saying what it answers.

Example: ``dict(saved_queries())["budget_by_performance_type"]``
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from ingest.errors import JixiaoError

from ontology import ONTOLOGY_DIR

QUERIES_DIR = ONTOLOGY_DIR / "queries"
# A bare word (budget_by_unit_year, my-query.rq) can only be a saved query's name: no SPARQL query is one word.
_NAME = re.compile(r"[\w.-]+")


class UnknownQueryError(JixiaoError):
    """A saved-query name that ``ontology/queries/`` does not hold; the hint lists the names.

    Example: ``UnknownQueryError("no saved query named 'budgets'", hint="saved queries: …")``
    """


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


def resolve(text: str, directory: Path = QUERIES_DIR) -> str:
    """A query argument as ``load_query`` takes it: a saved query's name becomes ``@its/path.rq``.

    A bare word that names no saved query raises :class:`UnknownQueryError` listing the
    names (close ones first), instead of reaching the SPARQL parser.
    Example: ``resolve("budget_change")`` → ``"@…/queries/budget_change.rq"``
    """
    if not text or text.startswith("@") or not _NAME.fullmatch(text.strip()):
        return text
    path = saved_query_path(text.strip(), directory)
    if path:
        return f"@{path}"
    names = [name for name, _ in saved_queries(directory)]
    close = difflib.get_close_matches(text.strip().removesuffix(".rq"), names, n=3, cutoff=0.5)
    raise UnknownQueryError(f"no saved query named {text.strip()!r}",
                            hint=(f"did you mean {' or '.join(close)}? " if close else "")
                            + "saved queries: " + ", ".join(names)
                            + "; or give the query text itself, or @file.rq")
