"""Where a from-scratch search index build holds its memory: resident and peak memory (``VmRSS``,
``VmHWM``) at the edges of its end phases (the BM25 matrix, the vector index, the save).

Reads the records of a data directory (``bench/run.py`` or ``jixiao ingest`` made it, or a
records-only store) and builds the index into a scratch directory in this process, as
``ingest.search.isolated`` does in its own; the encoder's vector cache makes its vectors.

Usage: ``python bench/build_memory.py DATA_DIR OUT_DIR [--encoder static]``
Example at 100,000 projects: ``python bench/build_memory.py /tmp/jx/kb100k /tmp/jx/idx100k``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def memory(tag: str) -> None:
    with open("/proc/self/status") as f:
        status = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    mib = {k: int(v.split()[0]) // 1024 for k, v in status.items()}
    print(f"{time.strftime('%H:%M:%S')} {tag}: RSS {mib['VmRSS']:,} MiB, peak {mib['VmHWM']:,} MiB", flush=True)


def reported(owner, name: str, is_classmethod: bool = False) -> None:
    """Print memory before and after ``owner.name`` each time it runs."""
    f = getattr(owner, name).__func__ if is_classmethod else getattr(owner, name)

    def wrapper(*args, **kwargs):
        memory(f"before {owner.__name__}.{name}")
        try:
            return f(*args, **kwargs)
        finally:
            memory(f"after {owner.__name__}.{name}")
    setattr(owner, name, classmethod(wrapper) if is_classmethod else wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--encoder", default="static")
    args = ap.parse_args()
    from ingest.search.encoders import get_encoder
    from ingest.search.index import SearchIndex
    from ingest.search.lexical import LexicalIndex
    from ingest.search.vectors import VectorIndex
    from ingest.storage.recordstore import RecordStore
    reported(LexicalIndex, "_score_matrix")
    reported(VectorIndex, "from_rows", is_classmethod=True)
    reported(SearchIndex, "save")
    store = RecordStore(args.data_dir)
    start = time.perf_counter()
    index = SearchIndex.build_documents(lambda texts: store.scan(texts=texts), get_encoder(args.encoder), args.out_dir)
    print(f"built and saved in {time.perf_counter() - start:,.0f} s: {len(index):,} passages", flush=True)
    memory("end")


if __name__ == "__main__":
    main()
