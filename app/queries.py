"""The saved example queries in ``ontology/queries/*.rq`` (package data, so a wheel install
has them): list them, find one by name.

Each file starts with a ``#`` comment saying what it answers. A query that asks about one
thing (a project, a law) declares it as a parameter: a comment line ``# param NAME: what it
is`` and, in the body, ``VALUES ?NAME { UNDEF }``. Left unset, ``UNDEF`` constrains nothing,
so the query answers for every project (every law) of whatever corpus it runs on;
:func:`bind_params` fills it in (``jixiao sparql project_card --param project=某项目``).

Example: ``dict(saved_queries())["budget_by_performance_type"]``
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ingest.errors import JixiaoError

from ontology import ONTOLOGY_DIR

QUERIES_DIR = ONTOLOGY_DIR / "queries"
# A bare word (budget_by_unit_year, my-query.rq) can only be a saved query's name: no SPARQL query is one word.
_NAME = re.compile(r"[\w.-]+")


class UnknownQueryError(JixiaoError):
    """A saved-query name that ``ontology/queries/`` does not hold; the hint lists the names.

    Example: ``UnknownQueryError("no saved query named 'budgets'", hint="saved queries: …")``
    """


class ParameterError(JixiaoError):
    """A ``--param`` the query does not declare, or one given without ``name=value``.

    Example: ``ParameterError("project_card has no parameter 'law'", hint="its parameters: project")``
    """


@dataclass(frozen=True)
class Param:
    """One declared parameter: its variable name and what it stands for."""

    name: str
    help: str


_PARAM_LINE = re.compile(r"^#\s*param\s+(\w+)\s*:\s*(.*?)\s*$", re.M)


def _values_block(name: str) -> re.Pattern:
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{[^}]*\}")


def parameters(text: str) -> list[Param]:
    """The parameters a query declares (``# param NAME: …`` lines with a ``VALUES ?NAME`` block).

    Example: ``[p.name for p in parameters(Path("ontology/queries/project_card.rq").read_text())]`` → ``["project"]``
    """
    return [Param(m.group(1), m.group(2)) for m in _PARAM_LINE.finditer(text)
            if _values_block(m.group(1)).search(text)]


def sparql_term(value: str) -> str:
    """A parameter value as a SPARQL term: ``<iri>`` stays an IRI, anything else is a string literal.

    Example: ``sparql_term("计量法")`` → ``'"计量法"'``; ``sparql_term("<https://x/y>")`` → ``"<https://x/y>"``
    """
    value = value.strip()
    if re.fullmatch(r"<[^<>\s\"{}|^`\\]*>", value):
        return value
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def bind_params(text: str, values: Mapping[str, str | Sequence[str]], query_name: str = "the query") -> str:
    """``text`` with each named parameter's ``VALUES`` block holding the given value(s);
    parameters not given stay ``UNDEF`` (every value). A name the query does not declare
    raises :class:`ParameterError` listing the ones it does.

    Example: ``bind_params(text, {"project": "时频实验室运维费"})`` → the text with ``VALUES ?project { "时频实验室运维费" }``
    """
    declared = {p.name for p in parameters(text)}
    for name, given in values.items():
        if name not in declared:
            raise ParameterError(f"{query_name} has no parameter {name!r}",
                                 hint=("its parameters: " + ", ".join(sorted(declared))) if declared
                                 else f"{query_name} takes no parameters")
        terms = [given] if isinstance(given, str) else list(given)
        block = "VALUES ?" + name + " { " + " ".join(sparql_term(v) for v in terms) + " }"
        text = _values_block(name).sub(lambda _m: block, text)
    return text


def parse_param(item: str) -> tuple[str, str]:
    """``"name=value"`` → ``("name", "value")``; anything else is a :class:`ParameterError`.

    Example: ``parse_param("project=时频实验室运维费")`` → ``("project", "时频实验室运维费")``
    """
    name, sep, value = item.partition("=")
    if not sep or not re.fullmatch(r"\w+", name.strip()):
        raise ParameterError(f"--param {item!r} is not NAME=VALUE",
                             hint="for example --param project=时频实验室运维费 (jixiao queries lists each query's parameters)")
    return name.strip(), value


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
