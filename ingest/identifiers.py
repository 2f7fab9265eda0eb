"""Stable identifiers derived from content: ids and the IRIs of instance data.

Every identifier is a pure function of content (unit + year + name, a document's
text, offsets, a name), so re-ingesting a document mints the same ids and IRIs
and the store stays idempotent. Helper nodes that have no identity of their own
(a budget, a field's provenance, a selector) hang below the IRI of the node they
describe. The scheme is drawn in ``docs/ARCHITECTURE.md``.

Example:
    >>> span_iri("33c4abcdc6cea628", 10, 20)
    'https://w3id.org/jixiao/id/doc/33c4abcdc6cea628/span/10-20'
"""
from __future__ import annotations

import hashlib
import re

from ontology import NAMESPACES


def digest(text: str, size: int = 16, algorithm: str = "sha1") -> str:
    """The first ``size`` hex digits of a hash of ``text`` (UTF-8): the one hash helper.

    An identifier or a cache key, not a security measure. SHA-1 names projects, IRIs and
    passages; document ids and the vector cache use SHA-256 (``algorithm="sha256"``).

    Example:
        >>> digest("abc", 8)  # SHA-1 of "abc" is a9993e36 4706…
        'a9993e36'
    """
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest()[:size]


def document_id(text: str) -> str:
    """Document id of normalized text: 16 hex digits of its SHA-256, so the same content in
    another encoding or file is the same document.

    Example:
        >>> document_id("")
        'e3b0c44298fc1c14'
    """
    return digest(text, 16, "sha256")


def project_id(unit: str | None, year: int | None, name: str) -> str:
    """Project id from unit + year + name: the same project in two documents is one node."""
    return digest(f"{unit or ''}|{year or ''}|{name}")


def department_id(code: str | None, year: int | None, name: str) -> str:
    """Department id from its budget code (or, without one, its name) + year.

    Example:
        >>> department_id("801", 2021, "某某局") == department_id("801", 2021, "某某局（本级）")
        True
    """
    return digest(f"department|{code or name}|{year or ''}")


BASE = NAMESPACES["jxd"]  # the instance namespace, ontology.JXD

# The one SKOS concept scheme of indicator levels (一级目标 / 二级目标).
INDICATOR_SCHEME = BASE + "scheme/indicator-levels"
# The standard framework of 一级 / 二级 names (产出 / 效益 / 满意度 / 成本; 数量 / 质量 …) the printed levels map to.
FRAMEWORK_SCHEME = BASE + "scheme/indicator-framework"


def project_iri(pid: str) -> str:
    return f"{BASE}project/{pid}"


def indicator_iri(pid: str, n: int) -> str:
    """The ``n``-th (1-based) indicator row of a project."""
    return f"{project_iri(pid)}/indicator/{n}"


def budget_iri(pid: str) -> str:
    return f"{project_iri(pid)}/budget"


def citation_iri(pid: str, n: int) -> str:
    """The ``n``-th (1-based) citation a project makes."""
    return f"{project_iri(pid)}/citation/{n}"


def field_iri(subject_iri: str, field: str) -> str:
    """Provenance node of one field (``name``, ``unit``, ``total`` …) of a project or budget."""
    return f"{subject_iri}/field/{field}"


def org_iri(name: str) -> str:
    return f"{BASE}org/{digest(name, 12)}"


def doc_iri(doc_id: str) -> str:
    return f"{BASE}doc/{doc_id}"


def graph_iri(doc_id: str) -> str:
    """Named graph holding everything read from one document."""
    return f"{BASE}graph/{doc_id}"


INFERRED = "/inferred"   # the suffix of a document's inferred graph (ingest.support.rdf)


def inferred_graph_iri(doc_id: str) -> str:
    """Named graph of what jixiao inferred from one document (its support links), apart from what
    the document states. Kept once, in this graph: the merged default graph is the merge of what
    the documents state (``ingest.graph.store.merged``)."""
    return graph_iri(doc_id) + INFERRED


def is_derived_graph(graph: str) -> bool:
    """True for a graph of what jixiao derived rather than a document states: a document's inferred
    graph (support links), the review's graphs (rules, each document's findings) and the corpus
    summary (``SUMMARY_GRAPH``). Their triples are kept once, in that graph, and not copied into the
    merged default graph.

    Example: ``is_derived_graph(inferred_graph_iri("33c4")) and not is_derived_graph(graph_iri("33c4"))``
    """
    return (graph.startswith(f"{BASE}graph/") and graph.endswith(INFERRED)
            or graph == REVIEW_GRAPH or graph.startswith(REVIEW_GRAPH + "/") or graph == SUMMARY_GRAPH)


def derived_graph_filter(var: str = "?g") -> str:
    """A SPARQL expression true when ``var`` is a derived graph (``is_derived_graph``)."""
    return (f'(STRSTARTS(STR({var}), "{BASE}graph/") && STRENDS(STR({var}), "{INFERRED}") '
            f'|| STR({var}) = "{REVIEW_GRAPH}" || STRSTARTS(STR({var}), "{REVIEW_GRAPH}/") '
            f'|| STR({var}) = "{SUMMARY_GRAPH}")')


def span_iri(doc_id: str, start: int, end: int) -> str:
    return f"{doc_iri(doc_id)}/span/{start}-{end}"


# A span node or one of its selectors: what the default graph does not copy (``is_span_node``).
SPAN_NODE_PATTERN = r"/doc/[^/]+/span/[0-9]+-[0-9]+(/position|/quote)?"   # after BASE, to the IRI's end
_SPAN_NODE = re.compile(re.escape(BASE[:-1]) + SPAN_NODE_PATTERN + "$")


def is_span_node(iri: str) -> bool:
    """True for a span (``oa:SpecificResource``) or one of its selectors.

    A span belongs to one document (its IRI carries the document and the offsets), so it
    cannot be counted twice across documents: the store keeps it once, in that document's
    named graph, and not again in the merged default graph (``ingest.graph.store.merged``).

    Example:
        >>> is_span_node(span_iri("33c4abcdc6cea628", 10, 20) + "/quote"), is_span_node(doc_iri("33c4"))
        (True, False)
    """
    return _SPAN_NODE.match(iri) is not None


def span_node_filter(var: str = "?s") -> str:
    """A SPARQL expression true when ``var`` is a span or a selector (``is_span_node``)."""
    return f'REGEX(STR({var}), "{SPAN_NODE_PATTERN}$")'


def position_selector_iri(span: str) -> str:
    return f"{span}/position"


def quote_selector_iri(span: str) -> str:
    return f"{span}/quote"


def legal_iri(resolution_key: str) -> str:
    """A law, regulation, normative document or standard: one node across all documents."""
    return f"{BASE}legal/{digest(resolution_key, 12)}"


def article_iri(legal: str, n: int) -> str:
    return f"{legal}/article/{n}"


def concept_iri(label: str) -> str:
    """SKOS concept of an indicator level label (产出目标, 数量 …)."""
    return f"{BASE}concept/{digest(label, 12)}"


def framework_concept_iri(level: int, label: str) -> str:
    """SKOS concept of a framework name at level 1 or 2 (成本 is both a 一级 and a 二级 name).

    Example:
        >>> framework_concept_iri(1, "产出") != framework_concept_iri(2, "产出")
        True
    """
    return f"{BASE}framework/{level}/{digest(label, 12)}"


def department_iri(did: str) -> str:
    """A department's 整体支出 record for one year (``department_id``)."""
    return f"{BASE}department/{did}"


def department_budget_iri(did: str) -> str:
    return f"{department_iri(did)}/budget"


def department_indicator_iri(did: str, n: int) -> str:
    """The ``n``-th (1-based) indicator row of a department's table."""
    return f"{department_iri(did)}/indicator/{n}"


def department_citation_iri(did: str, n: int) -> str:
    """The ``n``-th (1-based) citation a department's table makes."""
    return f"{department_iri(did)}/citation/{n}"


def period_iri(record_iri: str, kind: str) -> str:
    """The target block (``annual``, ``midterm``) of a project or department."""
    return f"{record_iri}/period/{kind}"


def budget_line_iri(budget: str, n: int) -> str:
    """The ``n``-th (1-based) line of a budget block, by source of funds."""
    return f"{budget}/line/{n}"


def unplaced_row_iri(record_iri: str, n: int) -> str:
    """The ``n``-th (1-based) row of a table that could not be placed, kept as printed."""
    return f"{record_iri}/unplaced/{n}"


# The corpus-wide aggregates, added up over every document once per write (ingest/graph/summary.py):
# derived, like the review, so kept once in this graph and not in the merged default graph.
SUMMARY_GRAPH = BASE + "graph/summary"


# -- the review (app/review): findings about tables, kept in a named graph of their own -----------
REVIEW_GRAPH = BASE + "graph/review"   # the review's rules; each document's findings in review_graph_iri(doc)


def review_graph_iri(doc_id: str) -> str:
    """The named graph of one document's review (its run, what it read, its findings).

    Example:
        >>> review_graph_iri("33c4abcdc6cea628")
        'https://w3id.org/jixiao/id/graph/review/33c4abcdc6cea628'
    """
    return f"{REVIEW_GRAPH}/{doc_id}"


def review_rule_iri(rule_id: str) -> str:
    """A review rule (``missing_cost_indicator`` …), one node whatever the run."""
    return f"{BASE}review/rule/{rule_id}"


def review_run_iri(fingerprint: str) -> str:
    """One review run (a ``prov:Activity``), named by a digest of the rules and documents it read."""
    return f"{BASE}review/run/{digest(fingerprint, 16)}"


def review_framework_iri(framework_id: str) -> str:
    """An indicator framework the review detects (``national``, ``shanghai2020`` …)."""
    return f"{BASE}review/framework/{framework_id}"


def finding_iri(rule_id: str, subject_iri: str, detail: str = "") -> str:
    """One finding: a rule about a project or indicator (``detail`` tells several apart).

    Example:
        >>> finding_iri("rate_over_100", "https://w3id.org/jixiao/id/project/x/indicator/1").split("/")[-2]
        'finding'
    """
    return f"{BASE}review/finding/{digest(f'{rule_id}|{subject_iri}|{detail}', 16)}"
