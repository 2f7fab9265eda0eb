"""Stable identifiers derived from content: ids and the IRIs of instance data.

Every identifier is a pure function of content (unit + year + name, a document's
text, offsets, a name), so re-ingesting a document mints the same ids and IRIs
and the store stays idempotent. Helper nodes that have no identity of their own
(a budget, a field's provenance, a selector) hang below the IRI of the node they
describe. The scheme is drawn in ``docs/ARCHITECTURE.md``.

Example: ``span_iri("33c4abcdc6cea628", 10, 20) == "https://w3id.org/jixiao/id/doc/33c4abcdc6cea628/span/10-20"``
"""
from __future__ import annotations

import hashlib


def digest(text: str, size: int = 16) -> str:
    """Hex digest prefix of ``text`` (SHA-1; an identifier, not a security measure)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:size]


def project_id(unit: str | None, year: int | None, name: str) -> str:
    """Project id from unit + year + name: the same project in two documents is one node."""
    return digest(f"{unit or ''}|{year or ''}|{name}")


def department_id(code: str | None, year: int | None, name: str) -> str:
    """Department id from its budget code (or, without one, its name) + year.

    Example: ``department_id("801", 2021, "某某局") == department_id("801", 2021, "某某局（本级）")``
    """
    return digest(f"department|{code or name}|{year or ''}")




BASE = "https://w3id.org/jixiao/id/"  # == str(ontology.JXD)

# The one SKOS concept scheme of indicator levels (一级目标 / 二级目标).
INDICATOR_SCHEME = BASE + "scheme/indicator-levels"


def short_hash(text: str, n: int = 12) -> str:
    """First ``n`` hex digits of the SHA-1 of ``text`` (UTF-8)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


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
    return f"{BASE}org/{short_hash(name)}"


def doc_iri(doc_id: str) -> str:
    return f"{BASE}doc/{doc_id}"


def graph_iri(doc_id: str) -> str:
    """Named graph holding everything read from one document."""
    return f"{BASE}graph/{doc_id}"


def span_iri(doc_id: str, start: int, end: int) -> str:
    return f"{doc_iri(doc_id)}/span/{start}-{end}"


def position_selector_iri(span: str) -> str:
    return f"{span}/position"


def quote_selector_iri(span: str) -> str:
    return f"{span}/quote"


def legal_iri(resolution_key: str) -> str:
    """A law, regulation, normative document or standard: one node across all documents."""
    return f"{BASE}legal/{short_hash(resolution_key)}"


def article_iri(legal: str, n: int) -> str:
    return f"{legal}/article/{n}"


def concept_iri(label: str) -> str:
    """SKOS concept of an indicator level label (产出目标, 数量 …)."""
    return f"{BASE}concept/{short_hash(label)}"
