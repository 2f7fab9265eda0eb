"""SPARQL for the UI: bounded in time and rows, cancellable, with columns in SELECT order and
labels beside IRIs, and completions for the editor taken from the ontology.

A query runs through the core's one mechanism (``ingest.graph.bounded``, via
``KnowledgeBase.start_query``): the read-only guard (no updates, no SERVICE unless the deployment
allows it), then a read-only worker process on the embedded store, killed at the time limit or on
cancel, so the work really stops; against a remote endpoint a thread abandoned at the limit. The
page polls the job and shows the time used against the limit.

Example: ``job = QueryJob.start(kb, "ASK {}"); job.wait(10); job.answer().result.boolean``
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ingest.errors import JixiaoError
from ingest.graph.bounded import ROW_CAP, UI_TIMEOUT, Answer, QueryTimeout  # noqa: F401 (the page uses them)
from ingest.graph.results import QueryResult

TIMEOUT_S = UI_TIMEOUT   # the UI's default limit: 10 s
LABEL_IRIS = 2_000  # distinct IRIs looked up for labels, at most


def limits(kb: Any) -> tuple[float, int]:
    """(seconds, rows) for this deployment: the settings' values when they exist, else the UI's defaults."""
    lim = kb.limits(default_timeout=TIMEOUT_S)
    return lim.timeout, lim.row_cap


class QueryJob:
    """The page's handle on the core's ``QueryJob``: ``start`` checks and starts one query."""

    @staticmethod
    def start(kb: Any, query: str, row_cap: int | None = None):
        """A running ``ingest.graph.bounded.QueryJob`` (wait, elapsed, cancel, answer); a refused or
        empty query raises at once."""
        return kb.start_query(query, row_cap=row_cap, default_timeout=TIMEOUT_S)


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
            result = kb.query(LABELS_QUERY % " ".join(f"<{i}>" for i in rest))   # our own query: in-process
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
