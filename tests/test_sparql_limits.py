"""SPARQL that cannot hurt the server, in the KnowledgeBase, the CLI and the endpoint alike: updates
refused however they are written, SERVICE refused unless the deployment allows it (so no request
leaves for an address a user names), every query under a time limit and a row cap, its work really
stopped at the limit or when its client goes away.

The servers that SERVICE would call are listeners this test starts on 127.0.0.1: one that counts
connections, one that accepts and never answers."""
from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import KnowledgeBase
from ingest.graph.bounded import Limits, QueryTimeout
from ingest.graph.guard import QueryRefused
from ingest.graph.results import QueryError
from ingest.graph.serve import SparqlEndpoint
from listener import Listener
from processes import wait_no_workers, workers

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ORDERED = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(scope="module")
def kb(tmp_path_factory, seed_path):
    base = KnowledgeBase.open(tmp_path_factory.mktemp("limits"))
    assert not base.ingest([seed_path], index=False).failed
    base.close()
    yield base
    base.close()


UPDATES = ["INSERT DATA { <http://a> <http://b> <http://c> }", "drop all", "# comment\n clear default",
           "LOAD <http://127.0.0.1:9/evil.ttl>", "SELECT * { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }"]


# -- the KnowledgeBase -----------------------------------------------------------------------------------
@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_by_the_knowledge_base(kb, update):
    with pytest.raises(QueryRefused, match="updates are not accepted"):
        kb.sparql(update)


def test_service_is_refused_and_nothing_is_sent(kb):
    listener = Listener()
    try:
        with pytest.raises(QueryRefused, match="SERVICE"):
            kb.sparql(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
        with pytest.raises(QueryRefused, match="SERVICE"):
            kb.query(f"select * where {{ service silent <{listener.url}> {{ ?s ?p ?o }} }}")
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()


def test_allowed_service_to_a_silent_server_stops_at_the_time_limit(kb):
    trusted = KnowledgeBase.open(kb.data_dir, allow_service=True)
    silent = Listener(answer=False)
    try:
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match="time limit of 2 s"):
            trusted.sparql(f"SELECT * WHERE {{ SERVICE <{silent.url}> {{ ?s ?p ?o }} }}", timeout=2)
        assert time.monotonic() - start < 4            # not the 40 s of an HTTP client's own patience
        assert silent.connections == 1                 # allowed: it really went out
        assert wait_no_workers() == []
    finally:
        silent.close()


def test_a_service_that_cannot_be_reached_is_a_message_not_a_traceback(kb):
    trusted = KnowledgeBase.open(kb.data_dir, allow_service=True)
    closed = Listener()
    port = closed.port
    closed.close()
    r = CliRunner().invoke(cli, ["--data-dir", str(kb.data_dir), "sparql",
                                 f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}"],
                           obj={}, env={"JIXIAO_ALLOW_SERVICE": "1"})
    assert r.exit_code == 2 and "error: the query could not be answered" in r.output
    assert "Traceback" not in r.output and str(Path.cwd()) not in r.output
    assert trusted.settings.allow_service


def test_the_time_limit_kills_the_work(kb):
    start = time.monotonic()
    with pytest.raises(QueryTimeout, match="ran past the time limit of 1 s and was stopped"):
        kb.sparql(CARTESIAN, timeout=1)
    assert time.monotonic() - start < 3
    assert wait_no_workers(2) == []                    # the worker is gone: the work really stopped


def test_the_row_cap_cuts_and_says_so(kb):
    result = kb.sparql("SELECT ?s WHERE { ?s ?p ?o }", row_cap=7)
    assert len(result) == 7 and result.truncated
    assert not kb.sparql("SELECT ?s WHERE { ?s ?p ?o } LIMIT 7", row_cap=7).truncated


def test_cancel_stops_a_running_query(kb):
    job = kb.start_query(ORDERED, timeout=60)
    time.sleep(0.5)
    assert workers()
    job.cancel()
    assert job.wait(3)
    with pytest.raises(QueryTimeout, match="cancelled"):
        job.answer()
    assert wait_no_workers(2) == []


# -- the CLI -----------------------------------------------------------------------------------------
def test_the_cli_refuses_updates_and_bounds_queries(kb):
    def run(*args, env=None):
        return CliRunner().invoke(cli, ["--data-dir", str(kb.data_dir), "sparql", *args], obj={}, env=env)
    r = run("INSERT DATA { <http://a> <http://b> <http://c> }")
    assert r.exit_code == 2 and "error: updates are not accepted" in r.output and "expected CONSTRUCT" not in r.output
    r = run(CARTESIAN, "--timeout", "1")
    assert r.exit_code == 2 and "ran past the time limit of 1 s" in r.output and "--timeout" in r.output
    r = run(CARTESIAN, env={"JIXIAO_SPARQL_TIMEOUT": "1"})
    assert r.exit_code == 2 and "time limit of 1 s" in r.output
    r = run("SELECT ?s WHERE { ?s ?p ?o }", "--row-cap", "3", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.count("\n") == 4 and "only the first 3 rows" in r.stderr
    assert wait_no_workers() == []


# -- the endpoint ------------------------------------------------------------------------------------------
@pytest.fixture()
def endpoint(kb):
    with SparqlEndpoint(kb.data_dir, "127.0.0.1", 0, limits=Limits(timeout=2, row_cap=5), spares=0) as ep:
        yield ep


def request(ep, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8"), dict(r.getheaders())
    finally:
        conn.close()


def test_the_endpoint_answers_reads_in_the_format_asked(endpoint):
    status, body, _ = request(endpoint, "GET", "/query?query=" + quote("ASK { ?s ?p ?o }"))
    assert status == 200 and json.loads(body)["boolean"] is True
    status, body, headers = request(endpoint, "POST", "/query", b"SELECT ?s WHERE { ?s ?p ?o }",
                                    {"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"] == "text/csv" and body.count("\n") == 6
    assert headers["X-Jixiao-Truncated"] == "5"
    status, body, headers = request(endpoint, "POST", "/query",
                                    ("query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2")).encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize("update", UPDATES)
def test_the_endpoint_refuses_updates(endpoint, update):
    status, body, _ = request(endpoint, "POST", "/query", update.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 403 and "updates are not accepted" in body
    status, body, _ = request(endpoint, "POST", "/update", update.encode(), {"Content-Type": "application/sparql-update"})
    assert status == 403 and "read-only" in body


def test_the_endpoint_sends_nothing_to_a_service(endpoint):
    listener = Listener()
    try:
        query = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
        status, body, _ = request(endpoint, "GET", "/query?query=" + quote(query))
        assert status == 403 and "SERVICE" in body
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()


def test_the_endpoint_stops_a_query_at_its_time_limit(endpoint):
    start = time.monotonic()
    status, body, _ = request(endpoint, "GET", "/query?query=" + quote(CARTESIAN))
    assert status == 504 and "time limit of 2 s" in body
    assert time.monotonic() - start < 5
    assert wait_no_workers(2) == []


def test_the_endpoint_stops_a_query_whose_client_went_away(kb):
    with SparqlEndpoint(kb.data_dir, "127.0.0.1", 0, limits=Limits(timeout=120), spares=0) as ep:
        s = socket.create_connection(("127.0.0.1", ep.port))
        s.sendall(f"GET /query?query={quote(ORDERED)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        deadline = time.monotonic() + 5
        while not workers() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert workers()                             # the query is running
        s.close()                                       # the client goes away
        start = time.monotonic()
        assert wait_no_workers(3) == []                 # and so does the work, long before 120 s
        assert time.monotonic() - start < 3


def test_a_knowledge_base_over_the_endpoint_keeps_the_limits(endpoint, kb):
    remote = KnowledgeBase.open(kb.data_dir, endpoint=endpoint.url)
    assert remote.sparql("ASK { ?s ?p ?o }").boolean is True
    with pytest.raises(QueryRefused):
        remote.sparql("DROP ALL")
    r = CliRunner().invoke(cli, ["--data-dir", str(kb.data_dir), "--endpoint", endpoint.url, "sparql", CARTESIAN],
                           obj={})
    assert r.exit_code == 2 and "time limit" in r.output and "Traceback" not in r.output


def test_a_query_that_needs_too_much_memory_ends_its_worker_not_the_server(kb):
    from ingest.graph.bounded import run_query
    start = time.monotonic()
    with pytest.raises(QueryError, match="needed more than 512 MB of memory and was stopped"):
        run_query(ORDERED, Limits(timeout=60, memory_mb=512), store_dir=kb.data_dir / "graph")
    assert time.monotonic() - start < 30
    assert wait_no_workers(2) == []
    assert run_query("ASK { ?s ?p ?o }", Limits(memory_mb=512), store_dir=kb.data_dir / "graph").result.boolean
