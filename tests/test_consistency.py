"""One consistent store: the records are the truth, the graph and the search index are views that
say which document versions they reflect; a writer takes the lock before changing anything, a
failed write stores nothing, and what a fault leaves behind is healed by the next command.

The faults here are made with the real parts: a second process that holds the write lock, an
endpoint that is not there, and the states a kill leaves between two writes (a document's graphs
written but its records not committed; records committed but a graph not written; a default-graph
triple left behind). tests/test_kill.py kills real ingests."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import KnowledgeBase
from ingest import identifiers as iris
from ingest.storage.lock import StoreBusy
from ingest.sync import GraphView, derive_graphs, graph_iris

from oxigraph_server import free_port
from seeded import data_dir, seeded  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent
OTHER = Path(__file__).parent / "fixtures" / "other_layout.txt"   # a project of another unit


def cli_run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), obj={}, env=env)


class LockHolder:
    """Another process holding the data directory's write lock, as a running ingest does."""

    def __init__(self, data_dir: Path, what: str = "jixiao ingest"):
        code = ("import sys\nfrom ingest.storage.lock import WriteLock\n"
                "with WriteLock(sys.argv[1]).hold(sys.argv[2]):\n"
                "    print('held', flush=True)\n    sys.stdin.read()\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(data_dir), what], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "held"

    def release(self):
        self.proc.stdin.close()
        self.proc.wait(10)


def graph_state(kb: KnowledgeBase) -> tuple[list[str], int]:
    """The named graphs and the number of default-graph triples, read from a fresh read-only view."""
    store = kb.reader()
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    return store.graphs(), n


# -- the lock is taken before anything changes -------------------------------------------------------
def test_remove_while_another_process_writes_changes_nothing_and_says_who(data_dir, seed_path):
    kb = KnowledgeBase.open(data_dir)
    doc = kb.records.doc_for_path(str(seed_path))
    before = graph_state(kb)
    holder = LockHolder(data_dir)
    try:
        with pytest.raises(StoreBusy, match=rf"being written by pid {holder.proc.pid} \(jixiao ingest\)"):
            kb.remove_document(doc)
        r = cli_run("--data-dir", str(data_dir), "remove", str(seed_path))
        assert r.exit_code == 2 and "being written by pid" in r.output and "Traceback" not in r.output
        # nothing changed, and readers work meanwhile without the lock
        assert doc in kb.records.documents() and graph_state(kb) == before
        assert cli_run("--data-dir", str(data_dir), "documents").output.startswith(doc)
        r = cli_run("--data-dir", str(data_dir), "sparql", "ASK { ?s ?p ?o }")
        assert r.exit_code == 0 and r.output.strip() == "true"
        r = cli_run("--data-dir", str(data_dir), "export", "graph", "--format", "nt")
        # the export is the union of the named graphs: the default graph's triples and the spans
        union = kb.reader().query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                                  "WHERE { GRAPH ?g { ?s ?p ?o } } }").rows[0][0]
        assert r.exit_code == 0 and r.output.count("\n") == union > before[1]
        assert cli_run("--data-dir", str(data_dir), "validate").exit_code == 0
    finally:
        holder.release()
    assert kb.remove_document(doc)                       # the lock is free again: it goes, everywhere
    assert kb.records.documents() == {} and graph_state(kb) == ([], 0)
    assert kb.views.graph_docs("graph") == {} and kb.views.search_docs() == set()
    kb.close()


def test_an_unreachable_endpoint_stores_nothing(tmp_path, seed_path):
    url = f"http://127.0.0.1:{free_port()}"
    r = cli_run("--data-dir", str(tmp_path / "kb"), "--endpoint", url, "ingest", "-q", str(seed_path))
    assert r.exit_code == 2 and "cannot reach the SPARQL endpoint" in r.output and "Traceback" not in r.output
    assert KnowledgeBase.open(tmp_path / "kb").records.documents() == {}


def test_a_store_held_by_a_read_write_endpoint_is_named_in_the_hint(data_dir, seed_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), "endpoint",
                             "--read-write", "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not (data_dir / "endpoint.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        r = cli_run("--data-dir", str(data_dir), "remove", str(seed_path))
        assert r.exit_code == 2, r.output
        assert f"held by the SPARQL endpoint http://127.0.0.1:{port}" in r.output
        assert f"jixiao --endpoint http://127.0.0.1:{port} ingest" in r.output
        kb = KnowledgeBase.open(data_dir)
        assert kb.records.doc_for_path(str(seed_path)) in kb.records.documents()     # not removed
        # reading needs no lock, even now
        assert cli_run("--data-dir", str(data_dir), "sparql", "ASK { ?s ?p ?o }").output.strip() == "true"
    finally:
        proc.terminate()
        proc.wait(20)
    assert not (data_dir / "endpoint.json").exists()


# -- a failed or interrupted write heals on the next command -------------------------------------------
def test_a_document_whose_graphs_were_lost_is_derived_again_on_open(data_dir, seed_path):
    kb = KnowledgeBase.open(data_dir)
    doc = kb.records.doc_for_path(str(seed_path))
    before = graph_state(kb)
    with kb.lock.hold("test"):                # the state a kill leaves: records committed, inferred graph not written
        kb.graph.drop_graph(graph_iris(doc)[1])
        kb.views.mark_graph("graph", doc, None)
        kb.close()
    from ingest.identifiers import REVIEW_GRAPH, SUMMARY_GRAPH, review_graph_iri
    # the review's and the corpus summary stay
    assert graph_state(kb)[0] == sorted([graph_iris(doc)[0], REVIEW_GRAPH, review_graph_iri(doc), SUMMARY_GRAPH])
    healed = KnowledgeBase.open(data_dir)
    assert healed.heal_note.startswith("healed the graph: 1 document(s) derived again")
    assert graph_state(healed) == before
    assert healed.views.graph_docs("graph") == {doc: {"support": True}}
    healed.close()


def test_graphs_of_a_document_the_records_do_not_hold_are_dropped(data_dir, seed_path):
    from ingest.parse.document import parse_document
    from ingest.parse.grid import parse_grids
    from ingest.read import read_path
    other = read_path(OTHER)
    parsed = parse_grids(other) if other.tables else parse_document(other)
    kb = KnowledgeBase.open(data_dir)
    before = graph_state(kb)
    with kb.lock.hold("test"):                # a kill after the graphs were written, before the commit
        view = kb.graph_view()
        view.write(derive_graphs(other.doc_id, other.name, other.text, parsed.projects))
        kb.close()
    assert len(graph_state(kb)[0]) == len(before[0]) + 1
    healed = KnowledgeBase.open(data_dir)
    assert "1 removed document(s) dropped" in healed.heal_note
    assert graph_state(healed) == before                  # its triples left the default graph too
    healed.close()


def test_a_default_graph_triple_no_document_holds_is_repaired(data_dir, seed_path):
    kb = KnowledgeBase.open(data_dir)
    doc = kb.records.doc_for_path(str(seed_path))
    before = graph_state(kb)
    with kb.lock.hold("test"):                # a fault between a graph's two writes
        kb.graph.update("INSERT DATA { <https://w3id.org/jixiao/id/x> <https://w3id.org/jixiao/ontology#name> 'orphan' }")
        kb.views.mark_graph("graph", doc, None)
        kb.close()
    assert graph_state(kb)[1] == before[1] + 1
    healed = KnowledgeBase.open(data_dir)
    assert "1 default-graph triple(s) repaired" in healed.heal_note
    assert graph_state(healed) == before
    healed.close()


def test_nothing_is_healed_while_another_process_writes(data_dir, seed_path):
    kb = KnowledgeBase.open(data_dir)
    doc = kb.records.doc_for_path(str(seed_path))
    kb.views.mark_graph("graph", doc, None)          # as an ingest in progress would leave it
    holder = LockHolder(data_dir)
    try:
        other = KnowledgeBase.open(data_dir)
        assert "being updated by pid" in other.heal_note
        assert other.views.graph_docs("graph") == {}
    finally:
        holder.release()
    assert KnowledgeBase.open(data_dir).views.graph_docs("graph") == {doc: {"support": True}}


# -- search never answers silently from an index behind the records -----------------------------------
def test_search_rebuilds_an_index_behind_the_records(data_dir):
    kb = KnowledgeBase.open(data_dir)
    assert not kb.ingest([OTHER], index=False).failed   # records, graph: no index
    assert kb.views.search_docs() != set(kb.records.version())
    names = {p.name for p in kb.records.projects(kb.records.doc_for_path(str(OTHER)))}
    fresh = KnowledgeBase.open(data_dir)
    hits = fresh.search("食品安全抽检监测", k=3)
    assert hits[0].project_name in names and fresh.search_note is None
    assert fresh.views.search_docs() == set(fresh.records.version())


def test_search_behind_a_running_writer_says_so(data_dir):
    kb = KnowledgeBase.open(data_dir)
    assert not kb.ingest([OTHER], index=False).failed
    kb.close()
    holder = LockHolder(data_dir)
    try:
        reader = KnowledgeBase.open(data_dir)
        hits = reader.search("能耗在线监测", k=3)
        assert hits and "results cover 1 of the 2 stored documents" in reader.search_note
        r = cli_run("--data-dir", str(data_dir), "search", "能耗在线监测")
        assert r.exit_code == 0 and "note: the search index is being updated by pid" in r.output
        r = cli_run("--data-dir", str(data_dir), "search", "能耗在线监测", "--json")
        assert "being updated by pid" in json.loads(r.stdout)["note"]
    finally:
        holder.release()


# -- readers of the records while a writer replaces documents ---------------------------------------------
def test_a_reader_never_meets_a_missing_file(data_dir, seed_path, tmp_path):
    from ingest.records import Project  # noqa: F401 - records are read back as Project
    from ingest.storage.recordstore import DocumentGone, RecordStore
    reader = RecordStore(data_dir)
    old = reader.doc_for_path(str(seed_path))
    assert len(reader.projects()) == 8
    copy = tmp_path / "doc.txt"
    copy.write_text(seed_path.read_text("utf-8"), "utf-8")
    kb = KnowledgeBase.open(data_dir)
    assert kb.remove_document(old, index=False)
    assert not kb.ingest([copy], index=False).failed      # the same text under another path: the same id
    lines = seed_path.read_text("utf-8").split("\n")
    copy.write_text("\n".join(lines[:191]), "utf-8")         # the file changes: its old version is replaced
    assert not kb.ingest([copy], index=False).failed
    assert len(reader.projects()) == 2                       # the reader sees the new manifest, no FileNotFoundError
    with pytest.raises(DocumentGone, match="no longer in the records store"):
        reader.text(old)
    r = cli_run("--data-dir", str(data_dir), "export", "records")
    assert r.exit_code == 0 and r.output.count('"name":') >= 2


# -- provenance integrity ------------------------------------------------------------------------------
def test_validate_finds_a_span_whose_offset_was_corrupted(data_dir, seed_path):
    kb = KnowledgeBase.open(data_dir)
    ok, report = kb.validate()
    assert ok, report[-1000:]
    doc = kb.records.doc_for_path(str(seed_path))
    text = kb.records.text(doc)
    name = "时频实验室运维费"
    start = text.index(name)
    span = f"{iris.span_iri(doc, start, start + len(name))}/position"
    assert kb.reader().query(f"ASK {{ GRAPH ?g {{ <{span}> ?p ?o }} }}").boolean
    with kb.lock.hold("test"):
        kb.graph.update(f"""PREFIX oa: <http://www.w3.org/ns/oa#>
            DELETE {{ GRAPH ?g {{ <{span}> oa:start ?s }} }} INSERT {{ GRAPH ?g {{ <{span}> oa:start {start + 1} }} }}
            WHERE {{ GRAPH ?g {{ <{span}> oa:start ?s }} }}""")
        kb.close()
    ok, report = kb.validate()
    assert not ok
    assert (f"document {doc}, characters {start + 1}–{start + len(name)}: quotes '{name}' but the text there "
            f"is '{name[1:]}'") in report
    r = cli_run("--data-dir", str(data_dir), "validate")
    assert r.exit_code == 1 and "1 quote(s) differ from the source text" in r.output


# -- data directories that cannot be used ------------------------------------------------------------------
@pytest.mark.parametrize("command", [["documents"], ["ingest", "-q"], ["sparql", "ASK {}"], ["validate"],
                                     ["export", "graph"], ["search", "能耗"], ["remove", "x"]])
def test_a_data_dir_setting_that_names_a_file_is_an_error(tmp_path, command):
    plain = tmp_path / "plain"
    plain.write_text("x", "utf-8")
    r = cli_run(*command, env={"JIXIAO_DATA_DIR": str(plain)})
    assert r.exit_code == 2 and "is a file, not a folder" in r.output and "Traceback" not in r.output


def test_a_data_dir_that_cannot_be_created_is_an_error(seed_path):
    r = cli_run("--data-dir", "/sys/jixiao-test/kb", "ingest", "-q", str(seed_path))
    assert r.exit_code == 2 and "cannot use the data directory /sys/jixiao-test/kb" in r.output
    assert "Traceback" not in r.output


@pytest.mark.skipif(sys.platform != "linux" or __import__("os").geteuid() == 0,
                    reason="root writes into a read-only folder anyway")
def test_a_data_dir_that_cannot_be_written_is_an_error(data_dir, seed_path):
    for p in [data_dir, *data_dir.rglob("*")]:
        if p.is_dir():
            p.chmod(0o555)
    try:
        r = cli_run("--data-dir", str(data_dir), "remove", str(seed_path))
        assert r.exit_code == 2 and "cannot write to the data directory" in r.output and "Traceback" not in r.output
        assert cli_run("--data-dir", str(data_dir), "documents").exit_code == 0      # reading still works
    finally:
        for p in [data_dir, *data_dir.rglob("*")]:
            if p.is_dir():
                p.chmod(0o755)


def test_the_same_project_in_two_documents_keeps_the_graph_valid(tmp_path, seed_path):
    text = seed_path.read_text("utf-8")
    changed = tmp_path / "changed.txt"
    changed.write_text(text.replace("同名项目上年预算执行数（元）： 126,916", "同名项目上年预算执行数（元）： 126,917", 1), "utf-8")
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([seed_path, changed], index=False)
    [err] = report.errors
    assert err.file == str(changed) and seed_path.name in err.message
    assert "budget.prev_year_executed: 126916 there, 126917 here" in err.message
    ok, text_ = kb.validate()
    assert ok, text_[-2000:]
    # re-ingesting the changed file alone, after the seed is removed, stores its version
    assert kb.remove_document(kb.records.doc_for_path(str(seed_path)), index=False)
    assert not kb.ingest([changed], index=False).failed
    assert {p.budget.prev_year_executed for p in kb.projects() if p.name.startswith("“互联网")} == {126917}
    kb.close()


def test_a_table_without_a_unit_is_an_error_and_the_graph_keeps_its_shapes(seed_doc, seed_result):
    """Whatever a parser makes of a layout, a record without its budget unit is not stored."""
    import dataclasses
    from ingest.pipeline import check_required
    broken = dataclasses.replace(seed_result, projects=[dataclasses.replace(seed_result.projects[1], unit=" ")])
    kept, [err] = check_required(seed_doc, broken)
    assert kept.projects == [] and err.field == "unit" and err.line == 89
    assert "names no 申报单位 (budget unit): it was not stored" in err.message
    assert check_required(seed_doc, seed_result) == (seed_result, [])
