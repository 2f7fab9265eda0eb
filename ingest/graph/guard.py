"""What a SPARQL query may do here: read, and only read, and only this store.

Every front end (CLI, UI, ``KnowledgeBase``, the endpoint proxy) asks ``check_query`` before
a query runs. Updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY, WITH …)
are refused, and so is federation (``SERVICE``), which would make the server send requests to
any address a user names and echo the replies (server-side request forgery). Trusted
deployments can allow ``SERVICE`` explicitly.

The check reads the query as SPARQL tokens, not as raw text: comments, string literals and
IRIs are skipped, and variables (``?drop``) and prefixed names (``ex:load``) are not keywords,
so ``# DROP ALL`` in a comment or ``"insert"`` in a string does not refuse a query, while
``drop all`` in lower case does.

Example: ``check_query("SELECT * WHERE { ?s ?p ?o }").form`` → ``"SELECT"``
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.errors import JixiaoError

READ_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

# One alternation, tried left to right at each position: the things that are *not* keywords
# come first, so a keyword inside them is never seen.
_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040\u4e00-\u9fff]+)
  | (?P<pname>[\w\u4e00-\u9fff.-]*:[\w\u4e00-\u9fff.:%-]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>\S)
""", re.VERBOSE)


class QueryRefused(JixiaoError):
    """A query that this deployment does not run (an update, or SERVICE when it is off)."""


@dataclass(frozen=True)
class QueryShape:
    """What the guard saw: the query form and whether it federates."""

    form: str
    uses_service: bool


def keywords(query: str) -> list[tuple[str, int]]:
    """The bare words of a query, upper-cased, with their offsets; comments, strings, IRIs,
    variables and prefixed names left out.

    Example: ``[w for w, _ in keywords('select ?drop { ?s <x:drop> "drop" } # drop')]`` → ``['SELECT']``
    """
    return [(m.group("word").upper(), m.start()) for m in _TOKEN.finditer(query) if m.lastgroup == "word"]


def check_query(query: str, *, allow_service: bool = False) -> QueryShape:
    """Raise ``QueryRefused`` for updates and (unless allowed) SERVICE; else the query's shape.

    Example: ``check_query("drop all")`` raises ``QueryRefused``
    """
    words = keywords(query)
    # the first keyword after the prologue (BASE/PREFIX lines) is the form
    form = next((w for w, _ in words if w not in ("BASE", "PREFIX")), "")
    # None of these words belongs to the query grammar, so a bare one anywhere (a second
    # operation after ``;``, or a query that starts with one) makes this an update.
    if any(w in UPDATE_KEYWORDS for w, _ in words):
        raise QueryRefused("updates are not accepted: this is a read-only SPARQL service",
                           hint="ingest or remove documents with `jixiao ingest` / `jixiao remove`")
    if form not in READ_FORMS:
        raise QueryRefused(f"not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found "
                           f"{form or 'nothing'}", hint="a query starts with PREFIX lines, then SELECT …")
    uses_service = any(w == "SERVICE" for w, _ in words)
    if uses_service and not allow_service:
        raise QueryRefused("SERVICE (federated query) is turned off: it would make this server send requests "
                           "to other addresses", hint="query this graph only, or set allow_service = true "
                           "(JIXIAO_ALLOW_SERVICE=1) on a trusted deployment")
    return QueryShape(form, uses_service)

