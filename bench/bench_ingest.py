"""Benchmark ingest: parse, map to RDF, and load the graph through Oxigraph vs rdflib.

The seed is replicated ``--copies`` times with a different unit name in each copy
(distinct projects, same layout). Every time is reported as a ratio to a
baseline measured in the same process, decoding + normalizing the same text,
so numbers compare across machines and noisy neighbours.

Usage: ``python bench/bench_ingest.py [--copies 100] [--json]``
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.graph.build import document_quads  # noqa: E402
from ingest.parse.document import parse_document  # noqa: E402
from ingest.read.document import read_bytes  # noqa: E402


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    seed = (ROOT / "data" / "000_33c4abcdc6cea628.txt").read_text("utf-8")
    big = "\n".join(seed.replace("上海市计量测试技术研究院", f"上海市计量测试技术研究院{i}分院") for i in range(args.copies))
    data = big.encode("utf-8")

    base, doc = timed(lambda: read_bytes(data, "bench.txt"), repeat=3)
    t_parse, result = timed(lambda: parse_document(doc))
    t_map, quads = timed(lambda: document_quads(doc.doc_id, doc.name, doc.text, result.projects))

    import pyoxigraph as ox
    import rdflib
    nq = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    t_ox, _ = timed(lambda: ox.Store().bulk_extend(quads))
    t_ox_parse, _ = timed(lambda: ox.Store().bulk_load(nq, format=ox.RdfFormat.N_QUADS))
    t_rdflib, _ = timed(lambda: rdflib.Dataset().parse(data=nq, format="nquads"))

    rows = {
        "decode+normalize (baseline)": base,
        "parse into records": t_parse,
        "records -> quads": t_map,
        "Oxigraph bulk_extend (quads)": t_ox,
        "Oxigraph bulk_load (N-Quads)": t_ox_parse,
        "rdflib Dataset.parse (N-Quads)": t_rdflib,
    }
    meta = {"copies": args.copies, "projects": len(result.projects), "quads": len(quads),
            "chars": len(doc.text)}
    if args.json:
        print(json.dumps({"meta": meta, "seconds": rows, "ratio": {k: v / base for k, v in rows.items()}}, indent=2))
        return
    print(f"{meta['projects']} projects, {meta['quads']:,} quads, {meta['chars']:,} characters")
    print(f"{'step':34}{'seconds':>10}{'× baseline':>12}")
    for k, v in rows.items():
        print(f"{k:34}{v:>10.3f}{v / base:>12.1f}")


if __name__ == "__main__":
    main()
