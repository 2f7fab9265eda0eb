"""The graph on another SPARQL 1.1 server: every saved query gives the same answers on a real
Virtuoso (Debian's virtuoso-opensource, started here on free loopback ports) as on the embedded
store.

The seed graph is loaded the way a deployment would bulk-load it: the named document graphs as
they are, and the merged default graph into ``ingest.graph.remote.DEFAULT_GRAPH`` (Virtuoso's own
default graph is the union of every graph, which would count each fact twice). The remote
backend speaks Virtuoso's dialect (see ``ingest/graph/remote.py``).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.queries import QUERIES_DIR, saved_queries
from app.sparql import load_query
from ingest.graph.remote import DEFAULT_GRAPH, RemoteStore
from ingest.graph.store import merged
from ingest.identifiers import is_derived_graph

from oxigraph_server import free_port

pytestmark = pytest.mark.slow

INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
CaseMode = 2
MaxClientConnections = 10
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {vsp}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8

[SPARQL]
; the defaults cut answers at 10,000 rows without saying so, return partial "anytime" answers
; after 60 s, and refuse queries with p? paths by their estimated cost
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""


class Virtuoso:
    """One ``virtuoso-t`` in the foreground, its database in ``directory``."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.sql, self.http = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http}/sparql"

    def start(self, timeout: float = 60) -> "Virtuoso":
        binary = shutil.which("virtuoso-t")
        if binary is None:
            pytest.fail("virtuoso-t is not installed: apt-get install -y virtuoso-opensource "
                        "(make setup-test installs it)")
        vsp = "/var/lib/virtuoso-opensource-7/vsp"
        (self.dir / "virtuoso.ini").write_text(
            INI.format(d=self.dir, sql=self.sql, http=self.http, vsp=vsp if Path(vsp).is_dir() else self.dir), "utf-8")
        log = open(self.dir / "stdout.log", "wb")
        self.process = subprocess.Popen([binary, "-c", str(self.dir / "virtuoso.ini"), "+foreground"],
                                        cwd=self.dir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {self.process.returncode}: "
                            + (self.dir / "stdout.log").read_text("utf-8", "replace")[-2000:])
            try:
                with urllib.request.urlopen(self.url + "?query=ASK%7B%7D", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        pytest.fail(f"Virtuoso did not answer on {self.url} within {timeout:g} s")

    def isql(self, *statements: str) -> str:
        cmd = ["isql-vt", f"127.0.0.1:{self.sql}", "dba", "dba", "exec=" + "; ".join(statements) + ";"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode or "*** Error" in done.stdout + done.stderr:
            raise AssertionError(f"isql failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")
        return done.stdout

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def seed_quads(kb) -> list[ox.Quad]:
    """The seed's named graphs as exported, and their merge into DEFAULT_GRAPH (spans left out, as
    jixiao's own writes leave them: ``ingest.graph.store.merged``)."""
    named = list(ox.parse(kb.export_graph("nq"), format=ox.RdfFormat.N_QUADS))
    default = ox.NamedNode(DEFAULT_GRAPH)
    return named + [ox.Quad(t.subject, t.predicate, t.object, default)
                    for t in dict.fromkeys(q.triple for q in merged(named))]


@pytest.fixture(scope="module")
def virtuoso(kb, tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        quads = seed_quads(kb)
        (server.dir / "seed.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        server.isql(f"ld_dir('{server.dir}', 'seed.nq', '{DEFAULT_GRAPH}')", "rdf_loader_run()", "checkpoint",
                    'GRANT SPARQL_UPDATE TO "SPARQL"')       # for the write test: updates through /sparql
        server.quads = len(quads)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def remote(virtuoso):
    store = RemoteStore(virtuoso.url, timeout=120)
    yield store
    store.close()


def test_the_remote_backend_speaks_virtuoso_and_sees_one_default_graph(remote, virtuoso, kb):
    assert remote.dialect == "virtuoso"
    n_default = kb.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == [(n_default,)]
    # GRAPH ?g matches the document graphs only: not DEFAULT_GRAPH, not Virtuoso's system graphs
    graphs = {g for (g,) in remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    assert graphs == {g for (g,) in kb.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    assert DEFAULT_GRAPH not in graphs
    # booleans: Virtuoso prints jx:irregular true as "1"; the rows read both as True
    ask = "PREFIX jx: <https://w3id.org/jixiao/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?i jx:irregular true }"
    assert remote.query(ask).rows == kb.sparql(ask).rows != [(0,)]


def concatenated(text: str) -> dict[str, str]:
    """Variable → separator of each GROUP_CONCAT in a query: SPARQL leaves the order of the
    concatenated values to the engine, so those cells are compared as sets of parts."""
    return {m.group(2): m.group(1) for m in re.finditer(
        r'GROUP_CONCAT\([^;]*;\s*separator\s*=\s*"([^"]*)"\)\s*(?:,\s*"")?\)?\s*AS\s+\?(\w+)', text)}


def comparable(result, text: str) -> list[tuple]:
    seps = concatenated(text)
    cols = [seps.get(v) for v in result.variables]
    return [tuple(sorted(cell.split(sep)) if sep and isinstance(cell, str) else cell
                  for cell, sep in zip(row, cols)) for row in result.rows]


@pytest.mark.parametrize("name", [n for n, _ in saved_queries()])
def test_every_saved_query_gives_the_same_rows_on_virtuoso(name, remote, kb):
    text = load_query(f"@{QUERIES_DIR / name}.rq")
    embedded, answered = kb.sparql(text), remote.query(text)
    assert answered.variables == embedded.variables
    assert len(answered) == len(embedded)
    # the same rows in the same order (ORDER BY keys compare by code point on both engines)
    assert comparable(answered, text) == comparable(embedded, text)


def test_the_cli_runs_a_saved_query_against_virtuoso(virtuoso, kb):
    from click.testing import CliRunner

    from app.cli import cli

    # the seed's data directory: a knowledge base keeps its endpoint equal to its records, so an
    # empty data directory would empty the server (the server's graphs are the seed's here)
    out = CliRunner().invoke(cli, ["--endpoint", virtuoso.url, "--data-dir", str(kb.data_dir),
                                   "sparql", "project_card", "--param", "name=时频实验室运维费", "--format", "csv"])
    assert out.exit_code == 0, out.output
    # 时频实验室运维费: 3,831,000 yuan, 10 indicators, 7 citations (the seed's lines 668–763)
    assert out.output.splitlines()[1].split(",")[-6:] == ["3831000", "3831000", "3423000", "3423000", "10", "7"]


def test_a_document_is_removed_and_replaced_through_the_remote_backend(remote, kb):
    """jixiao's own writes on Virtuoso: the document graph and its share of DEFAULT_GRAPH go, and
    come back, leaving every answer as before (the last test: it restores what it removed)."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = remote.query(count).rows[0][0]
    named = list(ox.parse(kb.export_graph("nq"), format=ox.RdfFormat.N_QUADS))
    doc = next(g for g in remote.graphs() if not is_derived_graph(g))
    mine = [q for q in named if q.graph_name.value == doc]
    others = {q.triple for q in named if q.graph_name.value != doc}
    copied = {q.triple for q in merged(mine)}           # the default graph holds no spans
    assert 0 < len(copied) < len({q.triple for q in mine})
    remote.drop_graph(doc)
    assert doc not in remote.graphs()
    # the default graph lost exactly the triples no other graph holds
    assert remote.query(count).rows[0][0] == before - len(copied - others)
    assert remote.replace_graph(doc, mine) == len(mine)          # in chunks (Virtuoso's parser limit)
    assert remote.replace_graph(doc, mine) == len(mine)          # again: idempotent
    assert remote.query(count).rows[0][0] == before and remote.count_quads(doc) == len(mine)
    text = load_query(f"@{QUERIES_DIR / 'budget_by_performance_type'}.rq")
    assert remote.query(text).rows == kb.sparql(text).rows
