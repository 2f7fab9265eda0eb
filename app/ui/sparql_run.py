"""SPARQL for the UI: bounded in time and rows, cancellable, with columns in SELECT order and
labels beside IRIs, and completions for the editor taken from the ontology.

A query first passes the read-only guard (``ingest.graph.guard``: no updates, no SERVICE unless
the deployment allows it). On the embedded store it then runs in a process of its own
(``app.ui.sparql_worker``): the page polls it, shows the time used against the limit, and ends
the process on timeout or cancel, so the work really stops. Against a remote endpoint the
query runs in a thread; the HTTP client's own timeout bounds it.

Example: ``job = QueryJob.start(kb, "ASK {}"); job.wait(10); job.answer().result.boolean``
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ingest.errors import JixiaoError
from ingest.graph.results import QueryError, QueryResult, query_error, result_from_oxigraph

TIMEOUT_S = 10.0   # the UI's default limit (the Reliability issue: 10 s in the UI)
ROW_CAP = 10_000   # rows kept from one answer; the page says when there were more
LABEL_IRIS = 2_000  # distinct IRIs looked up for labels, at most


@dataclass(frozen=True)
class Answer:
    """A finished query: the result, whether rows were cut at the cap, and how long it took."""

    result: QueryResult
    truncated: bool
    seconds: float


class QueryTimeout(JixiaoError):
    """The query ran past its time limit and was stopped."""


def limits(kb: Any) -> tuple[float, int]:
    """(seconds, rows) for this deployment: the settings' values when they exist, else the defaults."""
    s = kb.settings
    return (float(getattr(s, "sparql_timeout", None) or getattr(s, "timeout", None) or TIMEOUT_S),
            int(getattr(s, "row_cap", None) or ROW_CAP))


class QueryJob:
    """One running query. ``wait`` polls, ``cancel`` stops it, ``answer`` returns or raises."""

    def __init__(self, query: str):
        self.query = query
        self.started = time.monotonic()
        self._done = threading.Event()
        self._answer: Answer | None = None
        self._error: BaseException | None = None
        self._proc: subprocess.Popen | None = None
        self.cancelled = False

    @classmethod
    def start(cls, kb: Any, query: str, row_cap: int | None = None) -> "QueryJob":
        """Check the query, then start it; a refused or empty query raises at once."""
        from ingest.graph.guard import check_query

        if not query.strip():
            raise QueryError("the query is empty", hint="write a SELECT, ASK, CONSTRUCT or DESCRIBE query")
        check_query(query, allow_service=bool(getattr(kb.settings, "allow_service", False)))
        cap = row_cap or limits(kb)[1]
        job = cls(query)
        if kb.settings.endpoint:
            threading.Thread(target=job._remote, args=(kb, cap), daemon=True).start()
        else:
            store = kb.data_dir / "graph"
            if not store.is_dir():
                kb.graph  # creates an empty store, so a query on an empty knowledge base answers nothing
            job._proc = subprocess.Popen([sys.executable, "-m", "app.ui.sparql_worker", str(store), str(cap)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            threading.Thread(target=job._collect, daemon=True).start()
        return job

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True when the query has finished (answer or error)."""
        return self._done.wait(seconds)

    def cancel(self) -> None:
        """Stop the query: its process is killed (a remote query is abandoned)."""
        if not self._done.is_set():
            self.cancelled = True
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()

    def answer(self) -> Answer:
        if not self._done.is_set():
            raise QueryTimeout("the query has not finished")
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer

    # -- the two backends ----------------------------------------------------------------------
    def _finish(self, answer: Answer | None = None, error: BaseException | None = None) -> None:
        self._answer, self._error = answer, error
        self._done.set()

    def _remote(self, kb: Any, cap: int) -> None:
        try:
            result = kb.sparql(self.query)
            truncated = len(result) > cap
            if truncated:
                result = result.head(cap)
            self._finish(Answer(result, truncated, self.elapsed))
        except JixiaoError as e:
            self._finish(error=e)
        except Exception as e:  # noqa: BLE001 - shown as a message, never a traceback
            self._finish(error=QueryError(f"the query failed: {type(e).__name__}: {e}"))

    def _collect(self) -> None:
        import pyoxigraph as ox

        proc = self._proc
        assert proc is not None
        out, _ = proc.communicate(self.query.encode("utf-8"))
        if proc.returncode != 0 or not out:
            if not self.cancelled:
                self._finish(error=QueryError("the query process stopped without an answer",
                                              hint="try again; if it repeats, the query may need too much memory"))
            else:
                self._finish(error=QueryTimeout("cancelled"))
            return
        head, _, payload = out.partition(b"\n")
        header = json.loads(head)
        if "error" in header:
            message = header["message"]
            if header["error"] == "syntax":
                self._finish(error=query_error(message, self.query))
            else:
                self._finish(error=QueryError(f"the query failed: {message}",
                                              hint="SERVICE and other engines' extensions are not available here"))
            return
        if header["kind"] == "ask":
            result = QueryResult("ask", boolean=header["boolean"])
        elif header["kind"] == "select":
            result = result_from_oxigraph(ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON))
        else:
            result = result_from_oxigraph(list(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)))
        self._finish(Answer(result, bool(header.get("truncated")), self.elapsed))


# -- presentation ----------------------------------------------------------------------------------
_NOT_CODE = re.compile(r"#[^\n]*|<[^<>\s]*>|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def select_order(query: str, variables: tuple[str, ...]) -> list[str]:
    """The columns in the order a reader expects: for ``SELECT *`` (which Oxigraph answers in
    alphabetical order) the order in which the variables first appear in the query; otherwise
    the SELECT clause's own order, as given.

    Example: ``select_order("SELECT * { ?s ?p ?o }", ("o", "p", "s"))`` → ``["s", "p", "o"]``
    """
    code = _NOT_CODE.sub(" ", query)
    if not re.search(r"(?i)\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", code):
        return list(variables)
    seen = list(dict.fromkeys(m.group(1) for m in re.finditer(r"[?$]([\w\u4e00-\u9fff]+)", code)))
    order = [v for v in seen if v in variables]
    return order + [v for v in variables if v not in order]


def shorten(iri: str, prefixes: list[tuple[str, str]]) -> str:
    """An IRI with the longest matching known prefix: ``jxd:project/…``."""
    return next((f"{p}:{iri[len(ns):]}" for p, ns in prefixes if iri.startswith(ns) and len(iri) > len(ns)), iri)


LABELS_QUERY = """PREFIX jx: <https://w3id.org/jixiao/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s (SAMPLE(?l) AS ?label) WHERE {
  VALUES ?s { %s }
  { ?s jx:name ?l } UNION { ?s skos:prefLabel ?l } UNION { ?s dcterms:title ?l }
  UNION { ?s rdfs:label ?l FILTER(lang(?l) = "zh" || lang(?l) = "") }
} GROUP BY ?s"""


def labels(kb: Any, iris: list[str]) -> dict[str, str]:
    """IRI → a name people know it by (jx:name, skos:prefLabel, dcterms:title, rdfs:label@zh)."""
    iris = [i for i in dict.fromkeys(iris) if not re.search(r"[\s<>\"{}|\\^`]", i)][:LABEL_IRIS]
    if not iris:
        return {}
    vocabulary = ontology_labels()
    out = {i: vocabulary[i] for i in iris if i in vocabulary}
    rest = [i for i in iris if i not in out]
    if rest:
        try:
            result = kb.sparql(LABELS_QUERY % " ".join(f"<{i}>" for i in rest))
        except JixiaoError:
            return out
        out.update({s: str(label) for s, label in result.rows if label is not None})
    return out


def columns(kb: Any, query: str, result: QueryResult) -> dict[str, list[Any]]:
    """A SELECT or CONSTRUCT answer as ``{column: values}`` in reading order, for ``st.dataframe``:
    typed literals as Python values (Decimal as float), IRIs shortened with the usual prefixes
    and followed by their label, unbound cells None.

    Example: ``columns(kb, q, kb.sparql(q))["name"][0]``
    """
    from decimal import Decimal

    import pyoxigraph as ox

    from ingest.graph.store import default_prefixes
    from ingest.graph.results import to_python

    prefixes = sorted(default_prefixes().items(), key=lambda kv: -len(kv[1]))
    if result.kind == "graph":
        names, rows = ["subject", "predicate", "object"], result.triples
        order = names
    else:
        names, rows = list(result.variables), result.bindings
        order = select_order(query, result.variables)
    found = labels(kb, [t.value for row in rows for t in row if isinstance(t, ox.NamedNode)])

    def cell(t: Any) -> Any:
        if isinstance(t, ox.NamedNode):
            short = shorten(t.value, prefixes)
            label = found.get(t.value)
            return f"{label} ‹{short}›" if label else short
        value = to_python(t)
        if isinstance(value, Decimal):
            return float(value)
        return value if value is None or isinstance(value, (int, float, bool, str)) else str(value)
    index = {n: i for i, n in enumerate(names)}
    return {n: [cell(row[index[n]]) for row in rows] for n in order}


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[dict[str, Any]], dict[str, str]]:
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS

    from ontology import NAMESPACES, VOCABULARY_TTL

    g = rdflib.Graph().parse(VOCABULARY_TTL, format="turtle")
    prefixes = sorted(NAMESPACES.items(), key=lambda kv: -len(kv[1]))
    words: list[dict[str, Any]] = [
        {"caption": f"PREFIX {p}:", "value": f"PREFIX {p}: <{ns}>\n", "meta": "prefix", "name": f"prefix-{p}", "score": 500}
        for p, ns in NAMESPACES.items()]
    names: dict[str, str] = {}
    kinds = {OWL.Class: "class 类", RDFS.Class: "class 类", OWL.ObjectProperty: "property 属性",
             OWL.DatatypeProperty: "property 属性", RDF.Property: "property 属性"}
    for kind, meta in kinds.items():
        for term in sorted(set(g.subjects(RDF.type, kind)), key=str):
            label = next((str(l) for l in g.objects(term, RDFS.label) if getattr(l, "language", None) == "zh"), "")
            if label:
                names[str(term)] = label
            short = shorten(str(term), prefixes)
            if short == str(term) or any(w["value"] == short for w in words):
                continue
            words.append({"caption": short, "value": short, "meta": f"{label} {meta}".strip(),
                          "name": short, "score": 400 if "class" in meta else 300})
    return words, names


def completions() -> list[dict[str, Any]]:
    """Editor completions: the prefixes with their declarations, and every class and property of
    ``ontology/jixiao.ttl`` as a prefixed name with its Chinese label.

    Example: ``{"caption": "jx:Project", "value": "jx:Project", "meta": "项目 class 类", …}``
    """
    return _vocabulary()[0]


def ontology_labels() -> dict[str, str]:
    """Vocabulary IRI → its Chinese label (``jx:Project`` → 项目)."""
    return _vocabulary()[1]


GROUPS_TOML = __import__("pathlib").Path(__file__).with_name("query_groups.toml")
OTHER_GROUP = "其他 Other"


def grouped_queries(saved: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(group, name, description) of every saved query, grouped by user task (``query_groups.toml``),
    unlisted ones last under 其他 Other.

    Example: ``grouped_queries(saved_queries())[0][:2]`` → ``("预算 Budgets", "budget_by_performance_type")``
    """
    import tomllib

    described = dict(saved)
    groups = tomllib.loads(GROUPS_TOML.read_text("utf-8")).get("group", [])
    out, placed = [], set()
    for g in groups:
        for name in g["queries"]:
            if name in described and name not in placed:
                out.append((g["title"], name, described[name]))
                placed.add(name)
    out += [(OTHER_GROUP, n, d) for n, d in saved if n not in placed]
    return out
