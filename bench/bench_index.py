"""Benchmark the search index of a data directory at scale: build, change in place, query, recall.

Reads the records of an ingested data directory (``bench/run.py`` or ``jixiao ingest`` made it),
builds the search index from scratch into a scratch directory (vectors from the encoder's
vector cache: the figures are the index's own cost), then:

- changes it in place: adds one new generated document, replaces it (one project renamed),
  removes it, each timed with its save (``SearchIndex.update``);
- queries it warm in process: p50/p95 of ``SearchIndex.search`` per mode over generated queries
  (the same generator as ``bench/run.py``), and of ``SearchIndex.load``;
- recall@10 of the vector index against exact search (the same vectors in a flat index) for the
  dense side of the same queries, at each ``nprobe`` for IVF.

Usage: ``python bench/bench_index.py DATA_DIR CORPUS_DIR [--queries 200] [--out DIR] [--json]``
(``CORPUS_DIR`` is the generated corpus with its ``manifest.jsonl``; the new document is drawn
after its last one).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--query-corpus", type=Path, help="the corpus whose manifest the queries are drawn from "
                    "(default CORPUS_DIR; a manifest written before indicator names were kept needs another)")
    ap.add_argument("--out", type=Path, help="where the scratch index goes (default: a temporary directory)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import numpy as np
    import generate
    import run as benchrun
    from ingest.parse.dispatch import parse_any
    from ingest.read import read_path
    from ingest.search.encoders import get_encoder
    from ingest.search.index import SearchIndex
    from ingest.search.static import auto_encoder
    from ingest.search.vectorcache import CachedEncoder, VectorCache
    from ingest.search.vectors import VectorIndex
    from ingest.storage.recordstore import RecordStore
    from app.settings import Settings

    settings = Settings.load(data_dir=args.data_dir)
    records = RecordStore(args.data_dir)
    spec = auto_encoder(args.data_dir / "search", 10 ** 9)
    encoder = CachedEncoder(get_encoder(spec), VectorCache(settings.cache_dir))
    docs = [json.loads(line) for line in (args.corpus / "manifest.jsonl").read_text("utf-8").splitlines()]
    drawn = [json.loads(line) for line in ((args.query_corpus or args.corpus) / "manifest.jsonl")
             .read_text("utf-8").splitlines()]
    queries = benchrun.search_queries(drawn, args.queries, 1)
    out: dict = {"encoder": encoder.name}

    t, projects = timed(records.projects)
    texts = {d: records.text(d) for d in records.documents()}
    out["projects"], out["read_records_s"] = len(projects), round(t, 1)
    scratch = args.out or Path(tempfile.mkdtemp(prefix="jx-index-"))
    t, index = timed(lambda: SearchIndex.build(projects, encoder, scratch, doc_texts=texts))
    out.update(passages=len(index), build_s=round(t, 1), kind=index.vectors.kind,
               disk_mib=round(sum(f.stat().st_size for f in scratch.rglob("*") if f.is_file()) / 2 ** 20, 1))
    del projects

    # one new document, replaced, removed: in place, each with its save
    vocab = generate.load_vocabulary()
    doc = generate.draw_document(vocab, 1, len(docs), "text", (8, 8))
    path = generate.write_document(doc, Path(tempfile.mkdtemp(prefix="jx-doc-")), 1)
    new = read_path(path)
    group = list(parse_any(new).projects)
    t, stats = timed(lambda: index.update({new.doc_id: group}, doc_texts={new.doc_id: new.text}))
    out["add_one_s"], out["add_one_encoded"] = round(t, 2), stats.encoded
    renamed = [dataclasses.replace(group[0], name=group[0].name + "（调整）"), *group[1:]]
    t, stats = timed(lambda: index.update({new.doc_id: renamed}, doc_texts={new.doc_id: new.text}))
    out["replace_one_s"] = round(t, 2)
    t, _ = timed(lambda: index.update({}, removed=[new.doc_id]))
    out["remove_one_s"] = round(t, 2)

    t, index = timed(lambda: SearchIndex.load(scratch, encoder))
    out["load_s"] = round(t, 2)
    index.search(queries[0])
    for mode in ("bm25", "dense", "hybrid"):
        times = []
        for q in queries:
            t, _ = timed(lambda: index.search(q, k=10, mode=mode))
            times.append(t)
        out[f"{mode}_p50_ms"], out[f"{mode}_p95_ms"] = round(1000 * pct(times, .5), 1), round(1000 * pct(times, .95), 1)

    # recall@10 of the dense side against exact search over the same vectors
    rows = index.vectors.ids
    vectors = index.vectors.vectors_of(rows)
    qv = np.stack([index.query_vector(q) for q in queries])
    exact = VectorIndex(vectors, kind="flat", ids=rows)
    _, truth = exact.search(qv, 10)
    trials = [None] if index.vectors.kind == "flat" else [8, 16, 32, index.vectors.nprobe(), 128]
    if index.vectors.kind == "flat":          # what IVF would give at this size
        approx = VectorIndex(vectors, kind="ivf", ids=rows)
        trials = [8, 16, 32, approx.nprobe(), 128]
    else:
        approx = index.vectors
    out["ivf_nlist"], out["ivf_default_nprobe"] = int(approx.index.nlist), approx.nprobe()
    for nprobe in sorted(set(trials)):
        t, (_, found) = timed(lambda: approx.search(qv, 10, nprobe=nprobe))
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
        out[f"ivf_recall@10_nprobe{nprobe}"] = round(recall, 3)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
