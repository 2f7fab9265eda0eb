"""Load while writing: 16 concurrent clients against one KnowledgeBase, and 16 against the endpoint,
mixing search, SPARQL and trace for a bounded time while an ingest runs, with no errors and every
answer consistent with the state before the ingest or the state after it; and `jixiao remove` and
`jixiao sparql` while a `jixiao ingest` runs in another process."""
from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.core import KnowledgeBase
from app.queries import QUERIES_DIR
from app.trace import TraceResult
from ingest.graph.bounded import Limits
from ingest.graph.serve import SparqlEndpoint
from seeded import data_dir, seeded  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
OTHER = Path(__file__).parent / "fixtures" / "other_layout.txt"     # a project of another unit
CLIENTS = 16
SECONDS = 8.0
PROJECTS = "PREFIX jx: <https://w3id.org/jixiao/ontology#> SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a jx:Project }"
BUDGETS = (QUERIES_DIR / "budget_by_performance_type.rq").read_text("utf-8")


def run_clients(work, seconds: float = SECONDS, clients: int = CLIENTS) -> tuple[Counter, list]:
    """``work(rng)`` in ``clients`` threads until ``seconds`` have passed; (what each did, errors)."""
    done, errors, stop = Counter(), [], time.monotonic() + seconds

    def client(n: int):
        rng = random.Random(n)
        while time.monotonic() < stop:
            try:
                done[work(rng)] += 1
            except Exception as e:  # noqa: BLE001 - collected: the test fails on any
                errors.append(f"{type(e).__name__}: {e}")
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return done, errors


def test_sixteen_clients_on_one_knowledge_base_while_it_ingests(data_dir, seed_path):
    kb = KnowledgeBase.open(data_dir)
    old_budgets = kb.sparql(BUDGETS).rows
    seen = {"projects": set(), "budgets": set(), "hits": set()}

    def work(rng: random.Random) -> str:
        kind = rng.choice(["search", "sparql", "budgets", "trace"])
        if kind == "search":
            hits = kb.search("能耗在线监测", k=3)
            assert hits[0].project_name == "国能中心（市能耗在线监测系统）"
            seen["hits"].add(len(hits))
        elif kind == "sparql":
            seen["projects"].add(kb.sparql(PROJECTS).rows[0][0])
        elif kind == "budgets":
            seen["budgets"].add(tuple(kb.sparql(BUDGETS).rows))
        else:
            result = kb.trace("能耗数据异常故障修复率")
            assert isinstance(result, TraceResult) and result.bases[0].doc_number == "发改办环资〔2019〕424号"
        return kind

    report: dict = {}
    writer = threading.Thread(target=lambda: report.update(r=kb.ingest([OTHER])))
    writer.start()
    done, errors = run_clients(work)
    writer.join(300)
    assert not report["r"].failed, report["r"].errors
    assert errors == []
    assert min(done.values()) >= 3 and sum(done.values()) >= 100, done
    new_budgets = tuple(kb.sparql(BUDGETS).rows)
    assert seen["projects"] <= {8, 9} and seen["budgets"] <= {tuple(old_budgets), new_budgets}
    assert kb.sparql(PROJECTS).rows[0][0] == 9 and kb.search_index() and kb.search_note is None
    print(f"\none knowledge base, {CLIENTS} clients for {SECONDS:g} s while ingesting: {dict(done)}")
    kb.close()


def get(port: int, query: str, accept: str = "application/sparql-results+json") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/query?query=" + quote(query), headers={"Accept": accept})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8")
    finally:
        conn.close()


def count(body: str) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_sixteen_clients_on_the_endpoint_while_jixiao_ingest_runs(data_dir):
    support = (QUERIES_DIR / "indicator_support.rq").read_text("utf-8")
    with SparqlEndpoint(data_dir, "127.0.0.1", 0, limits=Limits(timeout=30)) as ep:
        status, body = get(ep.port, support)
        assert status == 200
        support_rows = len(json.loads(body)["results"]["bindings"])
        seen = set()

        def work(rng: random.Random) -> str:
            kind = rng.choice(["projects", "budgets", "support"])
            query = {"projects": PROJECTS, "budgets": BUDGETS, "support": support}[kind]
            status, body = get(ep.port, query)
            assert status == 200, body
            if kind == "projects":
                seen.add(count(body))
            elif kind == "support":
                assert len(json.loads(body)["results"]["bindings"]) >= support_rows   # the seed's, and then more
            return kind

        ingest = subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), "ingest", "-q",
                                   str(OTHER)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        done, errors = run_clients(work)
        _, err = ingest.communicate(timeout=300)
        assert ingest.returncode == 0, err.decode()[-2000:]      # ingest ran beside a read-only endpoint
        assert errors == []
        assert sum(done.values()) >= 50, done
        assert seen <= {8, 9}
        assert count(get(ep.port, PROJECTS)[1]) == 9               # the next query sees the new state
        print(f"\nendpoint, {CLIENTS} clients for {SECONDS:g} s while `jixiao ingest` ran: {dict(done)}")


def test_remove_and_sparql_while_an_ingest_runs(data_dir, seed_path, tmp_path):
    from ingest.parse.document import split_projects
    folder = tmp_path / "batch"
    folder.mkdir()
    text = seed_path.read_text("utf-8")
    text = text[:split_projects(text)[2][1]]                         # the first three tables
    for n, unit in enumerate(["上海市甲中心", "上海市乙中心"]):
        (folder / f"{n}.txt").write_text(text.replace("上海市计量测试技术研究院", unit), "utf-8")
    ingest = subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(data_dir), "ingest", "-q",
                               str(folder)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kb = KnowledgeBase.open(data_dir)
    deadline = time.monotonic() + 60
    while kb.lock.holder() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert kb.lock.holder()["pid"] == ingest.pid
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "remove", str(seed_path)], obj={})
    assert r.exit_code == 2 and f"being written by pid {ingest.pid}" in r.output and "Traceback" not in r.output
    counts = set()
    while ingest.poll() is None:
        r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "sparql", PROJECTS, "--format", "csv"], obj={})
        assert r.exit_code == 0, r.output
        counts.add(int(r.stdout.split()[1]))
    assert ingest.returncode == 0, ingest.stderr.read().decode()[-2000:]
    assert counts <= {8, 11, 14} and 8 in counts                     # whole documents appear one at a time
    assert kb.records.doc_for_path(str(seed_path)) in kb.records.documents()   # nothing was removed meanwhile
    r = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "remove", str(seed_path)], obj={})
    assert r.exit_code == 0, r.output
    after = KnowledgeBase.open(data_dir)
    assert after.sparql(PROJECTS).rows[0][0] == 6
    assert set(after.views.graph_docs("graph")) == set(after.records.version()) == after.views.search_docs()
