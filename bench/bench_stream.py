"""Benchmark the ingest's parse + graph phases: ``ingest_paths`` with the knowledge base's sinks
(records, document graphs, support links ranked with the encoder, passage checks), without the
search index and the review that ``kb.ingest`` runs after it.

Modes: ``parallel`` (the default path: worker processes, batches written with the bulk loader)
and ``one`` (in this process, each document written on its own: the path before batches).
``--code DIR`` runs another checkout of the code (e.g. ``git archive`` of an older commit), for
a before/after on the same corpus and machine; there ``ingest_paths`` takes no executor.

Usage: ``python bench/bench_stream.py --corpus /tmp/jxbench/corpus-1000-s1 --mode parallel [--append]``

Example: ``python bench/bench_stream.py --corpus /tmp/jxbench/corpus-100-s1 --mode one``
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"


def peak_rss_sampler(peak: dict) -> threading.Event:
    """Sample this process's RSS every 20 ms into ``peak['main']``; returns the stop event."""
    stop = threading.Event()

    def run():
        while not stop.is_set():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        peak["main"] = max(peak.get("main", 0), int(line.split()[1]) * 1024)
            time.sleep(0.02)
    threading.Thread(target=run, daemon=True).start()
    return stop


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="a folder made by bench/generate.py or bench/run.py")
    ap.add_argument("--mode", choices=("parallel", "one"), default="parallel")
    ap.add_argument("--encoder", default="static", help="encoder of the support links (default static); none: no links")
    ap.add_argument("--work", type=Path, default=Path("/tmp/jxstream"))
    ap.add_argument("--code", type=Path, default=None, help="import jixiao from this checkout instead")
    ap.add_argument("--batch", type=int, default=None, help="documents per batch (parallel mode)")
    ap.add_argument("--append", action="store_true", help="append the row to bench/results.md")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.code or ROOT))
    os.chdir(args.code or ROOT)

    from ingest.pipeline import ingest_paths
    from ingest.graph.store import EmbeddedStore
    from ingest.storage.recordstore import RecordStore
    from ingest.storage.views import ViewState
    from ingest.sync import GraphSink, GraphView, PassageSink

    files = sorted(p for p in args.corpus.iterdir() if p.suffix != ".jsonl")
    data_dir = args.work / f"kb-{args.mode}"
    shutil.rmtree(data_dir, ignore_errors=True)
    encoder = None
    timing = {"encode": 0.0, "texts": 0}
    if args.encoder != "none":
        from ingest.search.encoders import get_encoder
        from ingest.search.vectorcache import CachedEncoder, VectorCache
        encoder = CachedEncoder(get_encoder(args.encoder), VectorCache(os.environ.get("JIXIAO_CACHE_DIR",
                                                                                      "~/.cache/jixiao")))
        inner = encoder.inner

        def timed(fn, count):
            def wrapped(*a, **k):
                t = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    timing["encode"] += time.perf_counter() - t
                    timing["texts"] += count(*a, **k)
            return wrapped
        inner.encode_passages = timed(inner.encode_passages, lambda texts: len(texts))
        inner.encode_query = timed(inner.encode_query, lambda text: 1)

    records, views = RecordStore(data_dir), ViewState(data_dir)
    store = EmbeddedStore(data_dir / "graph")
    view = GraphView(store, views, "graph")
    sinks = [GraphSink(view, encoder), PassageSink()]
    takes_executor = "executor" in inspect.signature(ingest_paths).parameters
    peak: dict = {}
    stop = peak_rss_sampler(peak)
    workers_cpu = 0.0
    cpu0 = os.times()
    t = time.perf_counter()
    if not takes_executor:
        report = ingest_paths(files, records, sinks)
    elif args.mode == "one":
        report = ingest_paths(files, records, sinks, executor=False, batch_documents=1)
    else:
        from ingest.batch import PARALLEL_FROM, executor_for
        extra = {"batch_documents": args.batch} if args.batch else {}
        with executor_for(max(len(files), PARALLEL_FROM)) as ex:     # the default pool
            list(ex.map(abs, range(2 * (os.cpu_count() or 1))))    # the workers started before the clock
            pids = list(ex._processes)
            base = {pid: process_cpu(pid) for pid in pids}
            t = time.perf_counter()
            cpu0 = os.times()
            worker_peak = {}

            def watch():
                while not stop.is_set():
                    for pid in pids:
                        try:
                            worker_peak[pid] = max(worker_peak.get(pid, 0), process_rss(pid))
                        except OSError:
                            pass
                    time.sleep(0.05)
            threading.Thread(target=watch, daemon=True).start()
            report = ingest_paths(files, records, sinks, executor=ex, **extra)
            workers_cpu = sum(process_cpu(pid) - base[pid] for pid in pids)
            peak["worker"] = max(worker_peak.values(), default=0)
    total = time.perf_counter() - t
    cpu1 = os.times()
    main_cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    stop.set()
    children = peak.get("worker", 0)
    quads = store.count_quads()
    store.close()
    n = report.projects
    load = os.getloadavg()[0]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    row = {"mode": args.mode + (f" ({args.code})" if args.code else ""), "files": len(files), "projects": n,
           "errors": len(report.errors), "seconds": total, "encode_s": timing["encode"], "texts": timing["texts"],
           "projects_per_s": n / total, "without_encode_per_s": n / max(total - timing["encode"], 1e-9),
           "quads": quads, "peak_main": peak.get("main", 0), "peak_worker": children, "load": load,
           # the writer's CPU counts every thread of this process, the bulk loader's and RocksDB's included
           "main_cpu_s": main_cpu, "workers_cpu_s": workers_cpu}
    print(json.dumps(row, indent=1))
    if args.append:
        line = (f"| {row['mode']} | {n:,} | {total:,.1f} | **{row['projects_per_s']:,.1f}** | "
                f"{timing['encode']:,.1f} ({timing['texts']:,} texts) | {main_cpu:,.0f} + {workers_cpu:,.0f} | "
                f"{1000 * (main_cpu + workers_cpu) / n:,.0f} | "
                f"{quads:,} | {peak.get('main', 0) / 2**20:,.0f} / {children / 2**20:,.0f} MiB | {load:.1f} | "
                f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {commit} |\n")
        with open(RESULTS, "a", encoding="utf-8") as out:
            out.write(line)


if __name__ == "__main__":
    main()
