"""Namespaces and files of the jixiao vocabulary.

``JX`` is the vocabulary (classes and properties, ``ontology/jixiao.ttl``), ``JXD`` the
instance data (projects, indicators, spans …). The other namespaces are the standard
vocabularies jixiao reuses; ``ontology/README.md`` says why each one.

Example: ``str(JX.Project) == "https://w3id.org/jixiao/ontology#Project"``
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

ONTOLOGY_DIR = Path(__file__).resolve().parent
VOCABULARY_TTL = ONTOLOGY_DIR / "jixiao.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"
REVIEW_TTL = ONTOLOGY_DIR / "review.ttl"   # the review's structural rules (app/review/shacl.py)

# prefix -> namespace IRI, in the order saved queries print them. Plain strings, so that
# minting IRIs (ingest.identifiers) does not import rdflib (~0.4 s).
NAMESPACES: dict[str, str] = {
    "jx": "https://w3id.org/jixiao/ontology#",
    "jxd": "https://w3id.org/jixiao/id/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# SHACL names the shapes only; it is no prefix of saved queries or exports.
_NAMESPACE_IRIS = {**NAMESPACES, "sh": "http://www.w3.org/ns/shacl#"}

# SPARQL PREFIX lines, prepended to every saved query (queries/*.rq).
PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in NAMESPACES.items())


# The standard vocabularies come as rdflib's closed namespaces (a typo is an error).
_RDFLIB_DEFINED = ("ORG", "SKOS", "PROV", "DCTERMS", "RDF", "RDFS", "OWL", "XSD")


def __getattr__(name: str) -> Any:
    """``JX``, ``JXD``, ``RDF`` … as rdflib namespaces, made on first use."""
    if name.lower() not in _NAMESPACE_IRIS or name != name.upper():
        raise AttributeError(f"module 'ontology' has no attribute {name!r}")
    if name in _RDFLIB_DEFINED:
        from rdflib import namespace as standard

        value = getattr(standard, name)
    else:
        value = _term_cache()(_NAMESPACE_IRIS[name.lower()])
    globals()[name] = value
    return value


def _term_cache() -> type:
    """rdflib's ``Namespace``, each of whose terms is made once: rdflib checks and builds a new
    ``URIRef`` on every ``JX.name`` (3 µs), a third of the time spent writing a document's support
    links, and about as much of building its graph."""
    global _TERM_CACHE
    if _TERM_CACHE is None:
        from rdflib import Namespace

        class TermCache(Namespace):
            def __getattr__(self, name: str) -> Any:
                term = Namespace.__getattr__(self, name)   # AttributeError for dunder names
                self.__dict__[name] = term                  # plain attribute lookup from now on
                return term

            def __reduce__(self):                           # pickled as the namespace it stands for
                return (_namespace, (str(self),))

        _TERM_CACHE = TermCache
    return _TERM_CACHE


_TERM_CACHE: type | None = None


def _namespace(iri: str) -> Any:
    return _term_cache()(iri)


__all__ = [
    "JX", "JXD", "ELI", "ORG", "SKOS", "PROV", "OA", "DCTERMS", "XSD", "RDF", "RDFS", "OWL", "SH",
    "ONTOLOGY_DIR", "VOCABULARY_TTL", "SHAPES_TTL", "REVIEW_TTL", "NAMESPACES", "PREFIXES",
]
