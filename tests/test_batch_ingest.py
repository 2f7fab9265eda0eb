"""The streaming, parallel ingest (``ingest.batch`` workers, ``ingest.pipeline.Writer`` batches with the
bulk loader) stores exactly what the one-file-at-a-time path stores: the same quads in every named
graph and the default graph, the same records, the same report; a bad file in a parallel batch is
named and the rest stored; a re-ingested changed document replaces its old version everywhere.

The corpus: the seed, the seed under two other units, every template fixture (tests/fixtures/templates)
rendered in one of five formats, a download cut short and an empty file."""
from __future__ import annotations

import pickle
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.core import KnowledgeBase
from ingest.batch import PARALLEL_FROM, Prepared, executor_for, prepare_file, prepared_stream
from ingest.pipeline import ingest_paths
from ingest.graph.store import EmbeddedStore
from ingest.storage.recordstore import RecordStore
from ingest.storage.views import ViewState
from ingest.sync import GraphSink, GraphView, PassageSink, graph_iris
from render import render
from render.spec import load_spec, spec_names

UNIT = "上海市计量测试技术研究院"
FORMATS = ("xlsx", "docx", "html", "pipe", "tsv")


@pytest.fixture(scope="module")
def pool():
    """The process pool an ingest of many files starts by default (one worker per core)."""
    with executor_for(PARALLEL_FROM) as ex:
        assert ex is not None
        yield ex


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_path) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    text = seed_path.read_text("utf-8")
    (folder / "00_seed.txt").write_text(text, "utf-8")
    for n, unit in enumerate(["上海市甲测试中心", "上海市乙测试中心"], start=1):
        (folder / f"0{n}_variant.txt").write_text(text.replace(UNIT, unit), "utf-8")
    # the seed again with its first project's budget changed: that project conflicts with the seed's
    budget = "项目总预算（元）： 138,200 项目当年预算（元）： 138,200"
    assert budget in text
    (folder / "03_conflict.txt").write_text(text.replace(budget, budget.replace("138,200", "138,900"), 1), "utf-8")
    for n, name in enumerate(spec_names()):
        render(load_spec(name), FORMATS[n % len(FORMATS)], folder, stem=f"1{n:02d}_{name}")
    good = render(load_spec("shenbao_wanyuan"), "xlsx", tmp_path_factory.mktemp("whole"))
    (folder / "50_损坏的申报表.xlsx").write_bytes(good.read_bytes()[:3000])   # a download cut short
    (folder / "51_空文件.docx").write_bytes(b"")
    return folder


def ingest(data_dir: Path, paths: list, executor=None, batch: int = 50):
    """``ingest_paths`` into the records and the graph store, through the knowledge base's graph and
    passage sinks (no support links: they are ranked in this process on both paths alike; no review);
    every quad of the store (the named graphs and the default graph, read with pyoxigraph itself)
    as sorted N-Quads lines."""
    records, views = RecordStore(data_dir), ViewState(data_dir)
    store = EmbeddedStore(data_dir / "graph")
    view = GraphView(store, views, "graph")
    view.heal(records)
    report = ingest_paths(paths, records, [GraphSink(view, None), PassageSink()],
                          executor=executor, batch_documents=batch)
    graphs = store.graphs()
    raw = store.oxigraph
    quads = sorted(ox.serialize(raw, format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines())
    default = len(list(raw.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    state = {"documents": sorted(records.version()), "projects": sorted(p.id for p in records.projects()),
             "graph_docs": views.graph_docs("graph"), "graphs": graphs, "default": default}
    del raw
    store.close()
    return report, quads, state


def summary(report):
    return [(Path(f.path).name, f.doc_id, f.projects, f.departments, f.indicators, [str(w) for w in f.warnings],
             [str(e) for e in f.errors]) for f in report.files]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, corpus):
    """One file at a time, in this process, each document written on its own (the path before batches)."""
    return ingest(tmp_path_factory.mktemp("one") / "kb", [corpus], executor=False, batch=1)


def test_parallel_batches_store_the_same_graph_records_and_report(tmp_path, corpus, reference, pool):
    ref_report, ref_quads, ref_state = reference
    # batches of 4: several bulk loads and a last partial batch
    report, quads, state = ingest(tmp_path / "kb", [corpus], executor=pool, batch=4)
    assert summary(report) == summary(ref_report)
    assert len(quads) == len(ref_quads) and quads == ref_quads
    assert state == ref_state
    # the seed and its two copies: eight projects each, and both graphs of every stored document
    by_name = {Path(f.path).name: f for f in report.files}
    assert [by_name[n].projects for n in ("00_seed.txt", "01_variant.txt", "02_variant.txt")] == [8, 8, 8]
    assert set(state["graph_docs"]) == set(state["documents"])
    assert {g for d in state["documents"] for g in graph_iris(d)[:1]} <= set(state["graphs"])
    # the default graph is the merge: the variants share the seed's laws and categories, counted once
    assert 0 < state["default"] < len(quads) - state["default"]


def test_every_template_fixture_is_stored_through_the_workers(corpus, reference):
    report, _, state = reference
    by_name = {Path(f.path).name: f for f in report.files}
    for n, name in enumerate(spec_names()):
        [f] = [f for k, f in by_name.items() if k.startswith(f"1{n:02d}_{name}")]
        assert f.errors == [] and f.projects + f.departments >= 1, (name, [str(e) for e in f.errors])
        assert f.doc_id in state["documents"]


def test_a_bad_file_in_a_parallel_batch_is_named_and_the_rest_is_stored(tmp_path, corpus, reference, pool):
    report, _, state = ingest(tmp_path / "kb", [corpus], executor=pool)
    by_name = {Path(f.path).name: f for f in report.files}
    for bad in ("50_损坏的申报表.xlsx", "51_空文件.docx"):
        [error] = by_name[bad].errors
        assert str(corpus / bad) in str(error) and error.hint and "Traceback" not in str(error)
        assert by_name[bad].doc_id is None
    stored = [f for f in report.files if f.projects or f.departments]
    assert len(stored) == len(report.files) - 2
    assert sorted({f.doc_id for f in stored}) == state["documents"] == reference[2]["documents"]
    # the conflicting copy, in the same batch as the seed: its changed project is refused, naming the
    # seed's file; its seven unchanged projects are equal copies, not conflicts
    conflict = by_name["03_conflict.txt"]
    [error] = conflict.errors
    assert "00_seed.txt" in str(error) and "138200" in str(error).replace(",", "") and conflict.projects == 7


def test_re_ingesting_a_changed_document_replaces_it_everywhere(tmp_path, corpus, pool, seed_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in sorted(corpus.glob("*"))[:20]:
        (folder / f.name).write_bytes(f.read_bytes())
    data_dir = tmp_path / "kb"
    first, _, before = ingest(data_dir, [folder], executor=pool, batch=6)
    old = next(f.doc_id for f in first.files if f.path.endswith("01_variant.txt"))
    # the variant's unit renamed: a new version of the same file (a new document id)
    variant = folder / "01_variant.txt"
    variant.write_text(variant.read_text("utf-8").replace("上海市甲测试中心", "上海市丁测试中心"), "utf-8")
    again, quads, after = ingest(data_dir, [folder], executor=pool, batch=6)
    new = next(f.doc_id for f in again.files if f.path.endswith("01_variant.txt"))
    assert new != old and new in after["documents"] and old not in after["documents"]
    assert old not in after["graph_docs"] and not set(graph_iris(old)) & set(after["graphs"])
    assert len(after["documents"]) == len(before["documents"])
    assert not any("丁测试中心" in q for q in quads if old in q)
    # and the store equals a fresh one-at-a-time ingest of the folder as it is now
    _, fresh_quads, fresh = ingest(tmp_path / "fresh", [folder], executor=False, batch=1)
    assert quads == fresh_quads and after == fresh


def test_re_ingesting_the_same_folder_changes_nothing(tmp_path, corpus, pool):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in sorted(corpus.glob("*"))[:8]:
        (folder / f.name).write_bytes(f.read_bytes())
    _, quads, state = ingest(tmp_path / "kb", [folder], executor=pool)
    _, quads2, state2 = ingest(tmp_path / "kb", [folder], executor=pool)
    assert quads2 == quads and state2 == state


def test_what_crosses_to_a_worker_pickles(seed_path):
    """Paths in, plain records and N-Quads bytes out; the work function is found by name."""
    assert pickle.loads(pickle.dumps(prepare_file)) is prepare_file
    prepared = prepare_file(str(seed_path.resolve()), "data/seed.txt")
    back = pickle.loads(pickle.dumps(prepared))
    assert isinstance(back, Prepared) and back.doc.path == "data/seed.txt" and back.doc.tables == ()
    assert back.result == prepared.result and len(back.result.projects) == 8
    assert back.graph.data == prepared.graph.data and back.graph.count == len(list(back.graph))


def test_the_stream_keeps_the_input_order(corpus, pool):
    files = sorted(corpus.glob("*"))
    assert [p.path for p in prepared_stream(files, pool, window=3)] == [str(f) for f in files]


def test_kb_ingest_takes_an_executor_and_writes_support_links_in_batches(tmp_path, seed_path, pool):
    """Through ``KnowledgeBase.ingest``: the seed and a copy under another unit in one batch, their
    support graphs (ranked here, with the encoder) bulk-loaded beside the document graphs."""
    folder = tmp_path / "in"
    folder.mkdir()
    text = seed_path.read_text("utf-8")
    (folder / "a.txt").write_text(text, "utf-8")
    (folder / "b.txt").write_text(text.replace(UNIT, "上海市甲测试中心"), "utf-8")
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([folder], executor=pool)
    assert not report.failed and report.projects == 16
    docs = set(kb.records.version())
    assert kb.views.graph_docs("graph") == {d: {"support": True} for d in docs}
    assert GraphView(kb.reader(), kb.views, "graph").observed() == {d: {"support": True} for d in docs}
    # each copy ranks the same bases for its indicators: as many links in each inferred graph
    counts = [kb.reader().count_quads(graph_iris(d)[1]) for d in sorted(docs)]
    assert counts[0] == counts[1] > 0
    kb.close()


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


@pytest.mark.slow
def test_a_killed_parallel_ingest_leaves_no_workers(tmp_path, seed_path):
    """SIGKILL of `jixiao ingest` while its worker processes run: they exit with it (not left blocked
    on results nobody reads), and the next ingest heals and stores every document."""
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    text = seed_path.read_text("utf-8")
    for n in range(PARALLEL_FROM + 2):
        (folder / f"{n:02d}.txt").write_text(text.replace(UNIT, f"上海市第{n}测试中心"), "utf-8")
    data_dir = tmp_path / "kb"
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), "ingest", "-q", str(folder)],
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while proc.poll() is None and time.monotonic() < deadline:
        workers = {c for c in _children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()} if proc.poll() is None else set()
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None and len(workers) >= 2, "the ingest started no workers"
    time.sleep(1.0)                       # let them take files
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()]
    for w in alive:                       # ours: do not leave them behind if the test fails
        os.kill(w, signal.SIGKILL)
    assert alive == []
    again = subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), "ingest", "-q", str(folder)],
                           cwd=root, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-2000:]
    kb = KnowledgeBase.open(data_dir)
    assert len(kb.records.version()) == PARALLEL_FROM + 2
    assert set(kb.views.graph_docs("graph")) == set(kb.records.version())
    kb.close()
