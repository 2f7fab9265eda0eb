"""The stored review of a knowledge base, kept per document and brought up to date per batch.

Each document's review is a named graph of its own, ``jxd:graph/review/{doc_id}`` (its run, what
the review read of its tables, its findings); the rules are in ``jxd:graph/review``. After a batch
only these documents are reviewed again:

- the documents it added (and, through the support flag in ``views.json``, whose support links
  changed);
- the documents that now review a project another document reviewed (a project found in two
  documents is reviewed once, in the first by file, as ``RecordStore.projects`` lists it);
- the documents whose history or peer findings the change moves: the later years of the same
  project as a changed record with actual values, and the projects whose peer median (or count)
  for a changed indicator key comes out different.

The corpus the history and peer rules read is the summary of ``summary.py``, here in a SQLite file
beside the records (``<data_dir>/review/``, one per graph location), with the documents and the
records each holds. The file is committed after the graphs are written; a kill in between leaves
the old summary, and the next writer does the same batch again (``views.json``'s ``review`` entry
is cleared meanwhile, so ``KnowledgeBase.heal`` notices). A change of the rules, words, frameworks
or shapes reviews every document again.

Example: ``update(kb, view.store)`` → ``ReviewUpdate(reviewed=3, dropped=1, …)``
"""
from __future__ import annotations

import dataclasses
import json
import sqlite3
from decimal import Decimal
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from ontology import REVIEW_TTL

from ingest import identifiers as iris
from ingest.records import Department, Project, Span

from app.review.context import SUPPORT_QUERY, Support, as_project
from app.review.engine import run_review, sort_findings
from app.review.model import Finding, ProjectReview, Review, RuleBook, load_rules
from app.review.rdf import review_quads, rulebook_quads
from app.review.summary import CorpusSummary, Identity, identity, indicator_key, peer_value, same_project

FORMAT = "1"
STATE = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS docs (doc TEXT PRIMARY KEY, file TEXT, support INTEGER);
CREATE TABLE IF NOT EXISTS members (id TEXT, kind TEXT, doc TEXT, pos INTEGER, PRIMARY KEY (id, kind, doc));
CREATE INDEX IF NOT EXISTS members_doc ON members (doc);
CREATE TABLE IF NOT EXISTS reviews (doc TEXT PRIMARY KEY, body TEXT);   -- each document's review, as JSON
"""
PROJECT, DEPARTMENT = "project", "department"



@dataclass
class ReviewUpdate:
    """What one update did: documents reviewed, review graphs dropped, findings written (in the
    documents reviewed); ``moved``: documents the batch did not touch whose history or peer findings
    it can move (only those two rules are judged again on them)."""

    reviewed: int = 0
    dropped: int = 0
    findings: int = 0
    full: bool = False
    moved: set[str] = field(default_factory=set)


def fingerprint(rules: RuleBook) -> str:
    """What the stored reviews depend on besides the records: the rules, words, frameworks, shapes."""
    here = resources.files("app.review")
    parts = [FORMAT, rules.fingerprint(), Path(REVIEW_TTL).read_text("utf-8")]
    parts += [here.joinpath(name).read_text("utf-8") for name in ("words.toml", "frameworks.toml")]
    return iris.digest("\x1e".join(parts), 32)


def state_path(data_dir: Path, location: str) -> Path:
    return Path(data_dir) / "review" / f"summary-{iris.digest(location, 12)}.sqlite"


class ReviewState:
    """The SQLite file of one data directory's stored review (see the module docstring)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level="DEFERRED")
        self.db.executescript(STATE)
        self.summary = CorpusSummary(self.db)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        return row[0] if row else None

    def reset(self, stamp: str) -> None:
        for table in ("docs", "members", "records", "actuals", "peers", "subjects", "meta", "reviews"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (stamp,))
        self.summary._groups.clear()

    def docs(self) -> dict[str, tuple[str, bool]]:
        return {d: (f, bool(s)) for d, f, s in self.db.execute("SELECT doc, file, support FROM docs")}

    def owner(self, record_id: str, kind: str) -> tuple[str, int] | None:
        """(doc, position) of the document that reviews a record: the first by (file, doc id)."""
        rows = self.db.execute("SELECT d.file, m.doc, m.pos FROM members m JOIN docs d ON d.doc = m.doc "
                               "WHERE m.id=? AND m.kind=?", (record_id, kind)).fetchall()
        if not rows:
            return None
        _, doc, pos = min(rows)
        return doc, pos

    def reviewed_by(self, record_id: str, kind: str) -> str | None:
        row = self.db.execute("SELECT doc FROM records WHERE id=? AND kind=?", (record_id, kind)).fetchone()
        return row[0] if row else None

    def owned(self, doc: str) -> set[tuple[str, str]]:
        return set(self.db.execute("SELECT id, kind FROM records WHERE doc=?", (doc,)).fetchall())

    def members(self, doc: str) -> list[tuple[str, str]]:
        return self.db.execute("SELECT id, kind FROM members WHERE doc=?", (doc,)).fetchall()

    def later_same_project(self, who: Identity, year: int) -> set[str]:
        """Documents reviewing a record of the same project in a later year."""
        rows = self.db.execute("SELECT id, code, sqname, ud, doc FROM records WHERE year > ? AND "
                               "(code = ? OR (sqname = ? AND ud IS ?))", (year, who.code, who.sqname, who.ud))
        return {r[4] for r in rows if same_project(who, Identity(*r[:4]))}

    def judged(self, keys: Iterable[str], rules: RuleBook, skip: set[str]) -> dict[tuple, tuple]:
        """(record, kind, row) → (doc, what ``target_below_peers`` finds: None, or the number of
        peers and their median) of every judged rate target of ``keys`` outside the documents ``skip``."""
        rule = rules.rules.get("target_below_peers")
        if rule is None:
            return {}
        min_peers, gap = rule.threshold("min_peers"), Decimal(str(rule.threshold("gap_points")))
        out = {}
        for key in keys:
            for rid, kind, doc, n, value, code, sqname, ud in self.db.execute(
                    "SELECT id, kind, doc, n, value, code, sqname, ud FROM subjects WHERE key=?", (key,)).fetchall():
                if doc in skip:
                    continue
                peers = self.summary.peer_median(Identity(rid, code, sqname, ud), key)
                fires = peers is not None and peers[0] >= min_peers and \
                    Decimal(str(peers[1])) - Decimal(value) >= gap
                out[(rid, kind, n)] = (doc, peers if fires else None)
        return out


CACHED_DOCUMENTS = 64    # documents' records kept while one update runs (read again past that)


def _payload(kb, doc: str, cache: dict) -> tuple[list[Project], list[Department]]:
    if doc not in cache:
        while len(cache) >= CACHED_DOCUMENTS:
            cache.pop(next(iter(cache)))
        cache[doc] = (kb.records.projects(doc), kb.records.departments(doc))
    return cache[doc]


def _first(records) -> dict[str, tuple[int, Any]]:
    out: dict[str, tuple[int, Any]] = {}
    for pos, r in enumerate(records):
        out.setdefault(r.id, (pos, r))
    return out


def doc_support(store: Any, records: list) -> dict[str, list[Support]]:
    """indicator IRI → stored support links (from whichever graph holds them), for the
    indicators of ``records``: what ``kb.stored_support`` gives of the whole graph, for them."""
    iris_ = []
    for r in records:
        iri = iris.department_indicator_iri if isinstance(r, Department) else iris.indicator_iri
        iris_ += [iri(r.id, n) for n in range(1, len(r.indicators) + 1)]
    out: dict[str, list[Support]] = {}
    for k in range(0, len(iris_), 500):
        values = "VALUES ?indicator { " + " ".join(f"<{i}>" for i in iris_[k:k + 500]) + " }"
        for indicator, basis, semantic, lexical in store.query(SUPPORT_QUERY.format(values=values)).rows:
            out.setdefault(str(indicator), []).append(Support(str(basis), float(semantic), float(lexical)))
    return out


def update(kb, store: Any, changed: Iterable[str] = ()) -> ReviewUpdate:
    """Bring the stored review of ``kb`` in line with its records, reviewing only what the change
    can move (module docstring). ``changed``: documents to review again whatever the summary says
    (the batch's, when the caller knows them). ``store`` is writable (inside ``kb.writing``)."""
    rules = load_rules()
    stamp = fingerprint(rules)
    state = ReviewState(state_path(kb.data_dir, kb.graph_location))
    out = ReviewUpdate()
    try:
        if state.meta("fingerprint") != stamp:
            state.reset(stamp)
            out.full = True
        current = {d: info.get("file", "") for d, info in kb.records.documents().items()}
        flags = {d: bool(v.get("support")) for d, v in (kb.views.graph_docs(kb.graph_location) or {}).items()}
        old = state.docs()
        refiled = {d for d in set(old) & set(current) if old[d][0] != current[d]}   # the same text at another path
        removed = sorted(set(old) - set(current) | refiled)
        added = sorted(set(current) - set(old) | refiled)
        resupport = {d for d in set(old) & set(current) if old[d][1] != flags.get(d, False)}
        resupport |= set(changed) & set(old) & set(current)
        payloads: dict[str, tuple[list[Project], list[Department]]] = {}
        affected: set[str] = set()    # documents reviewed again whole (besides the added ones)

        # 1. which document reviews each record, before and after
        touched: set[tuple[str, str]] = set()
        for d in removed:
            touched |= set(state.members(d))
        for d in added:
            projects, departments = _payload(kb, d, payloads)
            touched |= {(p.id, PROJECT) for p in projects} | {(x.id, DEPARTMENT) for x in departments}
        for d in resupport:           # the support links of a record come from whichever graph holds them
            affected |= {state.reviewed_by(*m) for m in state.members(d)} - {None}
        before = {m: state.reviewed_by(*m) for m in touched}
        for d in removed:
            state.db.execute("DELETE FROM members WHERE doc=?", (d,))
            state.db.execute("DELETE FROM docs WHERE doc=?", (d,))
        for d in added:
            state.db.execute("INSERT INTO docs VALUES (?,?,?)", (d, current[d], int(flags.get(d, False))))
            projects, departments = _payload(kb, d, payloads)
            rows = [(i, PROJECT, d, pos) for i, (pos, _) in _first(projects).items()]
            rows += [(i, DEPARTMENT, d, pos) for i, (pos, _) in _first(departments).items()]
            state.db.executemany("INSERT INTO members VALUES (?,?,?,?)", rows)
        for d in resupport:
            state.db.execute("UPDATE docs SET support=? WHERE doc=?", (int(flags.get(d, False)), d))
        moves = {}
        for m in touched:
            after = state.owner(*m)
            if (after[0] if after else None) != before[m] or (after and after[0] in refiled):
                moves[m] = after
        docs_after = {**{d: current[d] for d in old if d in current}, **{d: current[d] for d in added}}

        # 2. the records that leave or join the corpus, and the peer keys and histories they touch
        keys: set[str] = set()
        history: list[tuple[Identity, int]] = []
        for (rid, kind), after in moves.items():
            for (key,) in state.db.execute("SELECT DISTINCT key FROM peers WHERE id=?", (rid,)).fetchall():
                keys.add(key)
            row = state.db.execute("SELECT code, sqname, ud, year, has_actual FROM records WHERE id=? AND kind=?",
                                   (rid, kind)).fetchone()
            if row and row[4] and row[3] is not None:
                history.append((Identity(rid, *row[:3]), row[3]))
            if after is not None:
                doc, pos = after
                record = _first(_payload(kb, doc, payloads)[0 if kind == PROJECT else 1])[rid][1]
                p = as_project(record) if kind == DEPARTMENT else record
                if kind == PROJECT:
                    keys |= {indicator_key(i.name) for i in p.indicators if peer_value(i)}
        batch = set(added) | set(removed)     # reviewed again (or dropped) anyway
        judged_before = state.judged(keys, rules, batch)

        for (rid, kind), after in moves.items():
            prior = state.reviewed_by(rid, kind)
            if prior is not None:
                affected.add(prior)
                state.summary.remove(rid, kind)
            if after is not None:
                doc, pos = after
                record = _first(_payload(kb, doc, payloads)[0 if kind == PROJECT else 1])[rid][1]
                p = as_project(record) if kind == DEPARTMENT else record
                state.summary.add(p, kind, doc, f"{docs_after[doc]}\x1f{doc}\x1f{pos:06d}", corpus=kind == PROJECT)
                affected.add(doc)
                if kind == PROJECT and any(i.actual_value is not None for i in p.indicators) and p.year is not None:
                    history.append((identity(p), p.year))
        for who, year in history:
            out.moved |= state.later_same_project(who, year)
        judged_after = state.judged(keys, rules, batch)
        for k, (doc, found) in judged_after.items():
            if judged_before.get(k, (doc, None))[1] != found:
                out.moved.add(doc)
        out.moved -= set(added) | set(removed) | affected | resupport | {None}
        todo = (set(added) | affected | resupport | out.moved) & set(current)

        # 3. the documents' review graphs, then the summary's commit
        payloads.clear()          # read again one document at a time: no corpus in memory
        if out.full:
            keep = {iris.REVIEW_GRAPH} | {iris.review_graph_iri(d) for d in todo}
            for g in _graph_names(store):
                if (g == iris.REVIEW_GRAPH or g.startswith(iris.REVIEW_GRAPH + "/")) and g not in keep:
                    store.drop_graph(g)
        if not current:
            store.drop_graph(iris.REVIEW_GRAPH)
        elif out.full or not old:
            store.replace_graph(iris.REVIEW_GRAPH, rulebook_quads(rules))
        for d in removed:
            store.drop_graph(iris.review_graph_iri(d))
            state.db.execute("DELETE FROM reviews WHERE doc=?", (d,))
            out.dropped += 1
        whole = set(added) | affected | resupport      # the rest only had their history or peers moved
        for d in sorted(todo):
            out.findings += _review_document(kb, store, state, d, rules, payloads, corpus_only=d not in whole)
            out.reviewed += 1
        state.db.commit()
        return out
    finally:
        state.db.close()


def _graph_names(store: Any) -> list[str]:
    """The store's named graphs: from the embedded store's graph index (``graphs()`` scans every
    quad: 100 s at 1,000 projects), else as the endpoint lists them."""
    ox = getattr(store, "oxigraph", None)
    if ox is not None and hasattr(ox, "named_graphs"):
        return [g.value for g in ox.named_graphs()]
    return store.graphs()


def _review_document(kb, store: Any, state: ReviewState, doc: str, rules: RuleBook, payloads: dict,
                     corpus_only: bool = False) -> int:
    """Review the records ``doc`` reviews into its graph (dropped when it reviews none). With
    ``corpus_only`` (nothing of the document changed, only what history and peers read) only the
    rules that read other documents run again; its other findings are the stored ones."""
    owned = state.owned(doc)
    projects, departments = _payload(kb, doc, payloads)
    mine = [p for i, (_, p) in _first(projects).items() if (i, PROJECT) in owned]
    deps = [x for i, (_, x) in _first(departments).items() if (i, DEPARTMENT) in owned]
    graph = iris.review_graph_iri(doc)
    body = state.db.execute("SELECT body FROM reviews WHERE doc=?", (doc,)).fetchone() if corpus_only else None
    state.db.execute("DELETE FROM reviews WHERE doc=?", (doc,))
    if not mine and not deps:
        store.drop_graph(graph)
        return 0
    text = kb.records.text(doc)
    rv, contexts = _rejudged(json.loads(body[0]), mine, deps, text, doc, rules, state) if body else (None, None)
    if rv is None:
        support = doc_support(store, [*mine, *deps])
        # the run is named by the rules and this document (run_review names it by the documents it read)
        rv, contexts = run_review(mine, {doc: text}, rules, support, mine, deps, summary=state.summary)
    store.replace_graph(graph, review_quads(rv, contexts, {doc: text}, graph=graph, rules=False))
    state.db.execute("INSERT INTO reviews VALUES (?,?)", (doc, json.dumps({
        "projects": [_encode(p, k >= len(mine)) for k, p in enumerate(rv.projects)],
        "failures": list(rv.failures)}, ensure_ascii=False)))
    payloads.pop(doc, None)
    return len(rv.findings)


CORPUS_RULES = ("target_below_last_actual", "target_below_peers")   # the rules that read other documents


def _rejudged(body: dict, mine: list, deps: list, text: str, doc: str, rules: RuleBook, state: ReviewState):
    """The stored review of a document with its history and peer findings judged again (the other
    rules read only the document: the same findings as reviewing it whole); (None, None) when the
    stored review is not of these records."""
    sub = RuleBook({r: rules.rules[r] for r in CORPUS_RULES if r in rules.rules}, rules.sources, rules.version,
                   rules.path)
    part, contexts = run_review(mine, {doc: text}, sub, None, mine, deps, summary=state.summary)
    old = [_decode(e) for e in body["projects"]]
    if [p.project_id for p in old] != [p.project_id for p in part.projects]:
        return None, None
    reviewed = tuple(dataclasses.replace(o, findings=tuple(sort_findings(
        [*(f for f in o.findings if f.rule not in CORPUS_RULES), *n.findings], rules)))
        for o, n in zip(old, part.projects))
    failures = [x for x in body["failures"] if x.split(" @ ")[0] not in CORPUS_RULES] + list(part.failures)
    return Review(reviewed, rules, iris.review_run_iri(rules.fingerprint() + "|" + doc), tuple(failures)), contexts


# -- the stored review read back (kb.review) ------------------------------------------------------
def _encode(p: ProjectReview, department: bool) -> dict:
    return {"department": department, **dataclasses.asdict(p)}


def _span(d: dict | None) -> Span | None:
    return None if d is None else Span(**d)


def _decode(d: dict) -> ProjectReview:
    findings = tuple(Finding(**{**f, "span": _span(f["span"])}) for f in d["findings"])
    return ProjectReview(d["project_id"], d["project"], d["unit"], d["year"], d["kind"], d["framework"],
                         d["framework_label"], tuple(d["bases"]), findings, _span(d["source"]))


def load(kb) -> Review | None:
    """The stored review of every document, as :func:`app.review.engine.review` of every stored
    project gives it (projects in document order, then departments); None when it is not current
    (other rules, documents it has not reviewed yet, a batch being written)."""
    path = state_path(kb.data_dir, kb.graph_location)
    if not path.exists():
        return None
    rules = load_rules()
    docs = set(kb.records.version())
    if kb.views.derived_docs("review") != docs:
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = db.execute("SELECT v FROM meta WHERE k='fingerprint'").fetchone()
        if meta is None or meta[0] != fingerprint(rules) or \
                {d for (d,) in db.execute("SELECT doc FROM docs")} != docs:
            return None
        files = dict(db.execute("SELECT doc, file FROM docs").fetchall())
        bodies = db.execute("SELECT doc, body FROM reviews").fetchall()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    projects, departments, failures = [], [], []
    for _, body in sorted(bodies, key=lambda r: (files.get(r[0], ""), r[0])):
        data = json.loads(body)
        for entry in data["projects"]:
            (departments if entry["department"] else projects).append(_decode(entry))
        failures += data["failures"]
    reviewed = [*projects, *departments]
    run = iris.review_run_iri(rules.fingerprint() + "|" + ",".join(sorted({p.source.doc for p in reviewed
                                                                            if p.source})))
    return Review(tuple(reviewed), rules, run, tuple(failures))
