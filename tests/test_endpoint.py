"""`jixiao endpoint` serves the data directory's graph as a real SPARQL 1.1 endpoint."""
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from app.core import KnowledgeBase
from app.queries import QUERIES_DIR
from app.sparql import load_query
from ingest.graph.store import StoreError
from ingest.graph import open_store

from oxigraph_server import free_port


@pytest.mark.slow
def test_endpoint_serves_the_ingested_graph(tmp_path, seed_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([seed_path], index=False)
    kb.close()                                              # release the store lock for the server
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(tmp_path / "kb"), "endpoint",
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        remote = open_store(endpoint=f"http://127.0.0.1:{port}", timeout=5)
        for _ in range(100):
            try:
                remote.query("ASK {}")
                break
            except StoreError:
                time.sleep(0.2)
        rows = remote.query(load_query(f"@{QUERIES_DIR}/budget_by_performance_type.rq")).rows
        assert rows == [("政策补贴类", 4, Decimal(9229000)), ("其他类", 1, Decimal(3831000)),
                        ("信息化建设工程类", 3, Decimal(1056034))]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
