"""The SPARQL guard refuses updates and federation however they are written, and lets
every read through, whatever words its comments, strings and names contain."""
import pytest

from app.queries import QUERIES_DIR
from ingest.graph.guard import QueryRefused, check_query, keywords

UPDATES = [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "insert data { <http://a> <http://b> <http://c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://ex/>\nDeLeTe { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/x.ttl>",
    "clear all", "CLEAR DEFAULT", "DROP GRAPH <http://g>", "drop silent all",
    "CREATE GRAPH <http://g>", "ADD DEFAULT TO <http://g>", "MOVE <http://a> TO <http://b>",
    "COPY DEFAULT TO <http://g>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "# a comment first\n  drop all",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused(update):
    with pytest.raises(QueryRefused, match="updates are not accepted"):
        check_query(update)


@pytest.mark.parametrize("query", [
    "SELECT ?drop WHERE { ?drop ?insert ?load }",
    'SELECT * WHERE { ?s ?p "DROP ALL" }',
    "SELECT * WHERE { ?s <http://example.org/delete> ?o }  # then DROP ALL",
    "PREFIX ex: <http://ex/>\nSELECT * WHERE { ?s ex:copy ex:load }",
    'ASK { ?s ?p """multi\nline INSERT"""}',
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "describe <http://a>",
])
def test_reads_pass_whatever_their_words(query):
    assert check_query(query).form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://169.254.169.254/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE ?endpoint { ?s ?q ?r } } }",
])
def test_service_is_refused_unless_allowed(query):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(query)
    assert check_query(query, allow_service=True).uses_service


def test_service_inside_a_string_or_iri_is_not_federation():
    assert not check_query('SELECT * WHERE { ?s <http://x/SERVICE> "SERVICE" }').uses_service


def test_not_a_query_says_what_it_expected():
    with pytest.raises(QueryRefused, match="expected SELECT"):
        check_query("hello world")


def test_keywords_skip_comments_strings_iris_and_names():
    assert [w for w, _ in keywords('select ?drop { ?s <x:drop> "drop" ; ex:drop 1 } # drop')] == ["SELECT"]


def test_every_saved_query_passes():
    paths = sorted(QUERIES_DIR.glob("*.rq"))
    assert len(paths) >= 10
    for path in paths:
        assert check_query(path.read_text("utf-8")).form == "SELECT", path.name
