"""Namespaces and files of the jixiao vocabulary.

``JX`` is the vocabulary (classes and properties, ``ontology/jixiao.ttl``), ``JXD`` the
instance data (projects, indicators, spans …). The other namespaces are the standard
vocabularies jixiao reuses; ``ontology/README.md`` says why each one.

Example: ``str(JX.Project) == "https://w3id.org/jixiao/ontology#Project"``
"""
from __future__ import annotations

from pathlib import Path

from rdflib import Namespace
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

JX = Namespace("https://w3id.org/jixiao/ontology#")
JXD = Namespace("https://w3id.org/jixiao/id/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_DIR = Path(__file__).resolve().parent
VOCABULARY_TTL = ONTOLOGY_DIR / "jixiao.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"

# prefix -> namespace IRI, in the order saved queries print them.
NAMESPACES: dict[str, str] = {
    "jx": str(JX),
    "jxd": str(JXD),
    "eli": str(ELI),
    "org": str(ORG),
    "skos": str(SKOS),
    "prov": str(PROV),
    "oa": str(OA),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}

# SPARQL PREFIX lines, prepended to every saved query (queries/*.rq).
PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in NAMESPACES.items())

__all__ = [
    "JX", "JXD", "ELI", "ORG", "SKOS", "PROV", "OA", "DCTERMS", "XSD", "RDF", "RDFS", "OWL", "SH",
    "ONTOLOGY_DIR", "VOCABULARY_TTL", "SHAPES_TTL", "NAMESPACES", "PREFIXES",
]
