"""The vocabulary (ontology/jixiao.ttl), the shapes (ontology/shapes.ttl) and the namespace module."""
from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ontology import JX, ONTOLOGY_DIR, PREFIXES, SHAPES_TTL, VOCABULARY_TTL

DECLARED_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}


@pytest.fixture(scope="module")
def vocab() -> rdflib.Graph:
    return rdflib.Graph().parse(VOCABULARY_TTL, format="turtle")


@pytest.fixture(scope="module")
def jx_terms(vocab) -> set[URIRef]:
    return {s for t in DECLARED_TYPES for s in vocab.subjects(RDF.type, t) if str(s).startswith(str(JX))}


def test_both_files_parse_with_rdflib_and_oxigraph():
    for path in (VOCABULARY_TTL, SHAPES_TTL):
        assert len(rdflib.Graph().parse(path, format="turtle")) > 100
        assert list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def test_vocabulary_declares_the_core_terms(jx_terms):
    expected = {"Project", "Budget", "Indicator", "Citation", "SourceDocument", "FieldProvenance",
                "unit", "name", "year", "startDate", "endDate", "total", "currentYear", "prevYearBudget",
                "prevYearExecuted", "currency", "executionRate", "level1", "level2", "operator", "value",
                "valueUnit", "targetRaw", "qualitative", "irregular", "flag", "level", "docNumber",
                "articleNumber", "quote", "citingProject", "cites", "section", "field", "overview",
                "legalBasisText", "necessity", "safeguards", "plan", "goals", "category",
                "performanceType", "govPurchase"}
    assert {JX[t] for t in expected} <= jx_terms


def test_every_jx_term_has_zh_and_en_label_and_comment(vocab, jx_terms):
    missing = []
    for term in sorted(jx_terms):
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in vocab.objects(term, prop) if isinstance(o, Literal)}
            if not {"zh", "en"} <= langs:
                missing.append(f"{term} {prop}: {sorted(l or '' for l in langs)}")
    assert not missing, "\n".join(missing)


def test_every_jx_term_in_use_is_declared(vocab, jx_terms):
    """Terms in the shapes file and in the seed graph must exist in the vocabulary."""
    shapes = rdflib.Graph().parse(SHAPES_TTL, format="turtle")
    used = {t for triple in shapes for t in triple if isinstance(t, URIRef) and str(t).startswith(str(JX))}
    assert used <= jx_terms, sorted(used - jx_terms)


def test_seed_graph_uses_only_declared_terms(jx_terms, seed_doc, seed_result):
    from ingest.graph.build import document_quads

    quads = document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, seed_result.projects)
    used = {URIRef(q.predicate.value) for q in quads}
    used |= {URIRef(q.object.value) for q in quads if q.predicate.value == str(RDF.type)}
    jx_used = {t for t in used if str(t).startswith(str(JX))}
    assert jx_used <= jx_terms, sorted(jx_used - jx_terms)


def test_vocabulary_has_no_blank_nodes(vocab):
    """Re-loading the vocabulary into the store must be idempotent."""
    assert not any(isinstance(t, BNode) for triple in vocab for t in triple)


def test_prefixes_make_queries_parse():
    store = ox.Store()
    assert list(store.query(PREFIXES + "SELECT * WHERE { ?p a jx:Project ; eli:cites ?r . ?r skos:prefLabel ?l }")) == []


def test_ontology_package_imports_neither_ingest_nor_app():
    code = ("import sys, ontology; bad = [m for m in sys.modules if m.split('.')[0] in ('ingest', 'app')];"
            "sys.exit(bool(bad))")
    assert subprocess.run([sys.executable, "-c", code], cwd=ONTOLOGY_DIR.parent).returncode == 0


def test_readme_names_every_reused_vocabulary():
    text = (ONTOLOGY_DIR / "README.md").read_text(encoding="utf-8")
    for word in ("ELI", "W3C ORG", "SKOS", "PROV-O", "Web Annotation", "dcterms", "```mermaid", "SPARQL"):
        assert word in text
