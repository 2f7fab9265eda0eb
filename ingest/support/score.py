"""Ranked support: which of a project's cited bases most directly supports each indicator.

A project cites laws, articles and documents (``Project.citations``); its indicators
(预算执行率, 能耗数据异常故障修复率 …) say nothing about which of them they rest on.
This module ranks, for every indicator, the project's cited bases by how directly
each supports it, and writes the result as explicit, clearly *inferred* link nodes.

The steps, each a small pure function except :func:`support_links` (which encodes):

1. :func:`candidates` – one candidate per cited basis and granularity: a law or
   document cited without an article (``law``), an article (``article``), and each
   clause of a multi-clause quote (``clause``). Its text is the title, the document
   number, the article, the quote (or the clause) and a bit of the text right after
   the citation (:func:`citation_context`), e.g. what a 规划 is said to contain.
2. Semantic similarity: cosine of the e5 vectors of the indicator's *name*
   (:func:`indicator_query`, encoded as a query) and the candidate text (as a passage),
   min-max scaled over the project's candidates (:func:`scale_semantic`): e5 cosines
   between Chinese texts all sit in 0.8–0.9, so only their order within one indicator
   carries information.
3. Lexical overlap (:func:`lexical_overlap`): the IDF-weighted share of the character
   bigrams of 一级目标 + 二级目标 + 三级目标 + 目标值 (:func:`indicator_text`) found in the
   candidate, IDF taken over the project's candidates, so 重点用能单位, which every
   energy document names, counts little and 预算, which only the budget rule names, a lot.
4. :func:`combine` – ``SEMANTIC_WEIGHT * scaled cosine + LEXICAL_WEIGHT * overlap``.
5. :func:`rank_links` – best candidate per basis IRI (a clause lends its score and its
   span to its article or document), best first.

What is encoded and the weights were chosen by measurement on the judged pairs of
``tests/eval/trace_cases.jsonl`` (``app/evaluate_trace.py``): on its 15 cases with more
than one candidate, encoding the full row (levels + name + target) put the judged basis
first in 60 % of cases, the name alone in 87 %; adding the lexical part on the full row
gives 93 % for semantic weights 0.7–0.9 (87 % at 0.5–0.6 and at 1.0, 73–80 % lexical alone).

:func:`support_quads` writes each link as a ``jx:SupportLink`` node in the named graph
``iris.graph_iri(doc_id) + "/inferred"``, apart from what the document states.

Example: ``support_quads(doc.doc_id, projects, support_links(projects, get_encoder(), doc.text))``
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping, MutableMapping, Sequence

import numpy as np

from ingest import identifiers as iris
from ingest.records import Citation, Indicator, Project, Span
from ingest.legal.resolve import canonical_title, resolution_key, title_index

METHOD = "hybrid-e5+lexical"
# Weights measured on tests/eval/trace_cases.jsonl (see the module docstring).
SEMANTIC_WEIGHT = 0.8
LEXICAL_WEIGHT = 0.2
CONTEXT_CHARS = 60          # how much text after a citation joins its candidate text
MIN_CLAUSE_CHARS = 12       # shorter pieces of a quote stay with their neighbour
SCORE_DECIMALS = 4

KeyFunction = Callable[[Citation], "str | None"]
# (encoder name, "query"/"passage", text) → vector, kept for the life of a process; passages are
# also cached on disk when the encoder is an ``ingest.search.vectorcache.CachedEncoder`` (KnowledgeBase.encoder).
MemoryCache = MutableMapping[tuple[str, str, str], np.ndarray]


# -- records -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A cited basis an indicator may rest on, at one granularity.

    - ``basis_iri``: the article IRI when an article is cited, else the law/document IRI.
    - ``law_iri``: the IRI of the whole law or document (``iris.legal_iri``).
    - ``granularity``: ``law`` (a document cited as a whole), ``article`` (an article
      with its quote) or ``clause`` (one sentence of a multi-sentence quote).
    - ``clause``: the quoted text this candidate stands on (the whole quote, one clause or None).
    - ``context``: the text right after the citation in its section (what it is cited for).
    - ``text``: what is scored: title, number, article, clause and context.
    - ``span``: the evidence: the clause's characters when they could be found, else the citation's.
    """

    basis_iri: str
    law_iri: str
    granularity: str
    citation: Citation
    clause: str | None
    context: str
    text: str
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SupportLink:
    """An inferred link: indicator ``indicator_iri`` is supported by ``basis_iri``.

    ``score`` in [0, 1], higher = more direct; it compares the bases of *one* indicator
    (its semantic part is scaled over the project's candidates), not indicators with
    each other. ``rank`` 1 = best basis of that indicator. ``semantic`` is the raw e5
    cosine and ``lexical`` the bigram overlap; ``span`` the evidence (the cited clause
    or citation) and ``exact`` its text when known; ``granularity`` what the evidence is
    (``law``, ``article`` or ``clause``). Every number is a plain Python ``float``/``int``.
    ``candidate`` is what was scored (title, article, quote …) for display; a link read
    back from the graph (``ingest.support.rdf.stored_links``) has none.
    """

    indicator_iri: str
    basis_iri: str
    score: float
    method: str = METHOD
    span: Span | None = None
    rank: int = 1
    semantic: float = 0.0
    lexical: float = 0.0
    exact: str | None = None
    granularity: str | None = None
    candidate: Candidate | None = field(default=None, compare=False, repr=False)


# -- candidates ----------------------------------------------------------------------------
def key_function(projects: Iterable[Project]) -> KeyFunction:
    """Citation → resolution key, exactly as ``ingest.graph.build`` keys law nodes of one document.

    A title cited without its number joins the node of the same title cited with a number
    elsewhere in the same projects. Returns None for a citation with neither.
    Example: ``key_function(projects)(project.citations[0])`` → ``"title:2020年市级机关预算管理办法"``
    """
    known = title_index(c for p in projects for c in p.citations)

    def key(c: Citation) -> str | None:
        try:
            return resolution_key(c, known)
        except ValueError:
            return None
    return key


def basis_iris(citation: Citation, key: KeyFunction) -> tuple[str, str] | None:
    """(basis IRI, law IRI) of a citation: its article when one is cited, else the law."""
    k = key(citation)
    if not k:
        return None
    law = iris.legal_iri(k)
    return (iris.article_iri(law, citation.article_num) if citation.article_num is not None else law), law


_CLAUSE_END = re.compile(r"(?<=[。；;！？!?])")


def split_clauses(quote: str | None, min_chars: int = MIN_CLAUSE_CHARS) -> list[str]:
    """Sentences of a quote (cut after 。；！？); a piece shorter than ``min_chars`` joins the previous one.

    Example: ``split_clauses("国家实行等级保护制度。网络运营者应当履行安全保护义务")`` → two clauses
    """
    if not quote:
        return []
    out: list[str] = []
    for piece in _CLAUSE_END.split(quote.strip()):
        piece = piece.strip()
        if not piece:
            continue
        if out and (len(piece) < min_chars or len(out[-1]) < min_chars):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def _loose_pattern(text: str) -> re.Pattern[str]:
    """``text`` allowing line breaks and spaces between any two characters (the source's wraps)."""
    chars = [re.escape(c) for c in text if not c.isspace()]
    return re.compile(r"\s*".join(chars))


def locate(text: str, doc_text: str, within: Span) -> Span | None:
    """Span of ``text`` inside ``within`` of ``doc_text``, ignoring the source's line wraps; None if absent.

    Example: ``locate("数据接入", doc.text, citation.span)``
    """
    if not text or not text.strip():
        return None
    m = _loose_pattern(text).search(doc_text, within.start, within.end)
    return Span(within.doc, within.file, m.start(), m.end()) if m else None


_BRACKET_NUMBER = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "(": "（", ")": "）"})
_ITEM = re.compile(r"(?:^|[。；;，,\s])(?:\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[）)])")
_NEXT_CITATION = re.compile(r"[。；;！？!?]|《|第[一二三四五六七八九十百零〇两\d]+条")
_LEAD_WORDS = re.compile(r"^(?:的通知|中)?(?:工作)?(?:规定|明确提出|明确|提出|指出|要求)*[，,：:\s]*")
_LEAD = re.compile(r"^[》〉”\"’）)\]〕】\s，,、:：]*(?:[（(][^）)]{0,40}[）)])?[》〉”\"’）)\s，,、:：]*")


def citation_context(section_text: str | None, citation: Citation, max_chars: int = CONTEXT_CHARS) -> str:
    """The words right after a citation in its section, up to the end of the sentence,
    the next numbered item, the next 《title》 or the next article.

    ``…的通知（沪府发[2016]73号），将“国家时间频率计量中心上海分支机构”列入了…`` gives
    ``将“国家时间频率计量中心上海分支机构”列入了…``. Empty when the citation ends its
    sentence or is followed by the next item. The citation is found by the end of its
    quote, else its document number, else its article after its title, else its title.
    Example: ``citation_context("1、《某法》第三条规定“甲乙丙”。2、…", Citation("某法", None, quote="甲乙丙"))`` → ``""``
    """
    if not section_text:
        return ""
    text = section_text.translate(_BRACKET_NUMBER)
    end = _anchor_end(text, citation)
    if end < 0:
        return ""
    rest = _LEAD.sub("", text[end:end + max_chars * 3], count=1)
    stops = [m.start() for m in (_ITEM.search(rest), _NEXT_CITATION.search(rest)) if m]
    if stops:
        rest = rest[:min(stops)]
    rest = _LEAD_WORDS.sub("", rest, count=1)
    return rest[:max_chars].strip("，,。；; ")


def _anchor_end(text: str, c: Citation) -> int:
    """Offset in ``text`` just after the citation ``c`` (see :func:`citation_context`), or -1."""
    if c.quote:
        tail = re.split(r"[；;”“]", c.quote.strip().rstrip("。；;，,”\" "))[-1][-10:]
        m = _loose_pattern(tail).search(text) if tail else None
        if m:
            return m.end()
    if c.doc_number:
        i = text.find(c.doc_number.translate(_BRACKET_NUMBER))
        if i >= 0:
            return i + len(c.doc_number)
    start = text.find(c.title) if c.title else -1
    if start >= 0 and c.article:
        i = text.find(c.article, start)
        if i >= 0:
            return i + len(c.article)
    return start + len(c.title) if start >= 0 else -1


def _candidate_text(c: Citation, clause: str | None, context: str) -> str:
    parts = [canonical_title(c.title) if c.title else "", c.doc_number or "", c.article or "", clause or "", context]
    return " ".join(p for p in parts if p)


def candidates(project: Project, key: KeyFunction | None = None, doc_text: str | None = None) -> list[Candidate]:
    """Every cited basis of ``project`` at each granularity, in citation order, without repeats.

    ``key`` resolves a citation to its law node (default: :func:`key_function` of this
    project alone; pass the document's to match ``ingest.graph.build``). With ``doc_text`` (the
    normalized text the spans refer to) a clause's span is narrowed to the clause itself.
    Example: ``[c.granularity for c in candidates(project)]`` → ``["law", "article", "clause", …]``
    """
    key = key or key_function([project])
    out: dict[tuple[str, str], Candidate] = {}
    for c in project.citations:
        iris_ = basis_iris(c, key)
        if iris_ is None:
            continue
        basis, law = iris_
        context = citation_context(project.section(c.section), c)
        granularity = "article" if c.article_num is not None else "law"
        whole = Candidate(basis, law, granularity, c, c.quote, context, _candidate_text(c, c.quote, context), c.span)
        out.setdefault((basis, whole.text), whole)
        clauses = split_clauses(c.quote)
        if len(clauses) > 1:
            for clause in clauses:
                span = c.span
                if doc_text is not None and c.span is not None:
                    span = locate(clause.rstrip("。；;，, "), doc_text, c.span) or c.span
                text = _candidate_text(c, clause, "")
                out.setdefault((basis, text), Candidate(basis, law, "clause", c, clause, "", text, span))
    return list(out.values())


def indicator_query(ind: Indicator) -> str:
    """What an indicator is encoded as: its name (三级目标), e.g. ``能耗数据异常故障修复率``.

    The levels (产出目标 质量) and the target (=100%) are the same for many rows and
    pulled the e5 vector towards generic text (measured: see the module docstring).
    """
    return ind.name


def indicator_text(ind: Indicator) -> str:
    """What an indicator is matched on lexically: 一级目标 二级目标 三级目标 目标值.

    Example: ``indicator_text(Indicator("产出目标", "质量", "能耗数据异常故障修复率", "100%"))``
    → ``"产出目标 质量 能耗数据异常故障修复率 100%"``
    """
    return " ".join(x for x in (ind.level1, ind.level2, ind.name, ind.target_raw) if x)


# -- lexical overlap ---------------------------------------------------------------------
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


def char_bigrams(text: str) -> set[str]:
    """Character bigrams of each run of Chinese characters, plus Latin words and numbers (NFKC, lower-cased).

    Example: ``char_bigrams("预算执行率")`` → ``{"预算", "算执", "执行", "行率"}``
    """
    norm = unicodedata.normalize("NFKC", text).lower()
    grams = set(_WORD.findall(norm))
    for run in _CJK_RUN.findall(norm):
        if len(run) == 1:
            grams.add(run)
        grams.update(run[i:i + 2] for i in range(len(run) - 1))
    return grams


def idf_weights(documents: Sequence[set[str]]) -> dict[str, float]:
    """BM25-style IDF, ``ln(1 + (N - df + 0.5) / (df + 0.5))``, of every gram in ``documents``."""
    n = len(documents)
    df = Counter(g for d in documents for g in d)
    return {g: math.log(1.0 + (n - f + 0.5) / (f + 0.5)) for g, f in df.items()}


def lexical_overlap(query: set[str], candidate: set[str], idf: Mapping[str, float]) -> float:
    """IDF-weighted share of the query's grams found in the candidate, in [0, 1].

    A gram unseen in the candidate set weighs as much as the rarest one seen.
    Example: ``lexical_overlap({"预算", "执行"}, {"预算"}, {"预算": 1.0, "执行": 1.0})`` → ``0.5``
    """
    if not query:
        return 0.0
    unseen = max(idf.values(), default=1.0)
    total = sum(idf.get(g, unseen) for g in query)
    hit = sum(idf.get(g, unseen) for g in query & candidate)
    return hit / total if total else 0.0


def scale_semantic(cosines: Sequence[float]) -> list[float]:
    """Cosines min-max scaled to [0, 1] over one indicator's candidates; all 1.0 when they are equal.

    Example: ``scale_semantic([0.84, 0.86, 0.88])`` → ``[0.0, 0.5, 1.0]`` (up to rounding)
    """
    # plain floats: numpy float32 arithmetic would stay float32, which JSON cannot write
    lo, hi = (float(min(cosines)), float(max(cosines))) if len(cosines) else (0.0, 0.0)
    if hi - lo < 1e-9:
        return [1.0] * len(cosines)
    return [(float(c) - lo) / (hi - lo) for c in cosines]


def combine(semantic: float, lexical: float, semantic_weight: float = SEMANTIC_WEIGHT,
            lexical_weight: float = LEXICAL_WEIGHT) -> float:
    """The support score from a scaled cosine and a lexical overlap, both in [0, 1].

    Example: ``combine(1.0, 0.5)`` → ``0.8 * 1.0 + 0.2 * 0.5 == 0.9``
    """
    return semantic_weight * semantic + lexical_weight * lexical


def rank_links(indicator_iri: str, cands: Sequence[Candidate], semantic: Sequence[float],
               lexical: Sequence[float], doc_text: str | None = None,
               weights: tuple[float, float] | None = None) -> list[SupportLink]:
    """One link per basis IRI (its best candidate), best first, ranks from 1.

    ``semantic`` holds the raw cosines (scaled here), ``lexical`` the overlaps, one per
    candidate. Ties keep citation order.
    """
    sw, lw = weights or (SEMANTIC_WEIGHT, LEXICAL_WEIGHT)
    scaled = scale_semantic(semantic)
    best: dict[str, tuple[float, int, SupportLink]] = {}
    for n, (cand, sem, scaled_sem, lex) in enumerate(zip(cands, semantic, scaled, lexical)):
        score = combine(scaled_sem, float(lex), sw, lw)
        if cand.basis_iri in best and best[cand.basis_iri][0] >= score:
            continue
        span = cand.span
        exact = doc_text[span.start:span.end] if doc_text is not None and span is not None else None
        link = SupportLink(indicator_iri, cand.basis_iri, round(float(score), SCORE_DECIMALS), METHOD, span,
                           semantic=round(float(sem), SCORE_DECIMALS), lexical=round(float(lex), SCORE_DECIMALS),
                           exact=exact, granularity=cand.granularity, candidate=cand)
        best[cand.basis_iri] = (score, n, link)
    ordered = sorted(best.values(), key=lambda t: (-t[0], t[1]))
    return [replace(link, rank=r) for r, (_, _, link) in enumerate(ordered, start=1)]


# -- encoding ------------------------------------------------------------------------------
def _encode(encoder, kind: str, texts: Sequence[str], cache: MemoryCache | None) -> np.ndarray:
    """Vectors of ``texts`` (``kind`` = ``query`` or ``passage``), encoding only texts not cached."""
    cache = {} if cache is None else cache
    name = getattr(encoder, "name", type(encoder).__name__)
    missing = list(dict.fromkeys(t for t in texts if (name, kind, t) not in cache))
    if missing:
        if kind == "passage":
            vecs = encoder.encode_passages(missing)
        else:
            vecs = [encoder.encode_query(t) for t in missing]
        for t, v in zip(missing, vecs):
            cache[(name, kind, t)] = np.asarray(v, dtype=np.float32)
    if not texts:
        return np.zeros((0, int(getattr(encoder, "dim", 0) or 0)), dtype=np.float32)
    return np.stack([cache[(name, kind, t)] for t in texts])


def _document_of(project: Project) -> str | None:
    span = project.source or next(iter(project.spans.values()), None)
    return span.doc if span else None


def support_links(projects: Sequence[Project], encoder, doc_text: str | Mapping[str, str] | None = None,
                  cache: MemoryCache | None = None, top_k: int | None = None,
                  weights: tuple[float, float] | None = None,
                  key_projects: Sequence[Project] | None = None) -> list[SupportLink]:
    """Ranked support links of every indicator of ``projects``, best first within each indicator.

    ``doc_text`` is the normalized text of the projects' document (or a mapping doc id →
    text when the projects come from several documents); with it, clause spans are exact
    and each link carries its evidence text. ``cache`` (any dict) keeps vectors between
    calls, keyed on (encoder name, kind, text). ``top_k`` keeps the best k bases per indicator.
    ``key_projects`` (default ``projects``) are the projects whose citations resolve law
    nodes, as ``ingest.graph.build`` does per document: pass the whole document's projects when
    scoring only some of them.
    Example: ``support_links(result.projects, get_encoder(), doc.text, top_k=3)``
    """
    projects = list(projects)
    by_doc: dict[str | None, list[Project]] = {}
    for p in projects:
        by_doc.setdefault(_document_of(p), []).append(p)
    plan: list[tuple[Project, list[Candidate], str | None]] = []
    resolvers = key_projects if key_projects is not None else projects
    for doc, group in by_doc.items():
        text = doc_text.get(doc) if isinstance(doc_text, Mapping) else doc_text
        key = key_function([p for p in resolvers if _document_of(p) == doc] or group)
        plan.extend((p, candidates(p, key, text), text) for p in group)
    passages = [c.text for _, cands, _ in plan for c in cands]
    queries = [indicator_query(i) for p, cands, _ in plan if cands for i in p.indicators]
    cache = {} if cache is None else cache
    if passages:  # one batch for the whole document
        _encode(encoder, "passage", passages, cache)
        _encode(encoder, "query", queries, cache)
    out: list[SupportLink] = []
    for p, cands, text in plan:
        if not cands:
            continue
        cvecs = _encode(encoder, "passage", [c.text for c in cands], cache)
        grams = [char_bigrams(c.text) for c in cands]
        idf = idf_weights(grams)
        for n, ind in enumerate(p.indicators, start=1):
            sem = cvecs @ _encode(encoder, "query", [indicator_query(ind)], cache)[0]
            q = char_bigrams(indicator_text(ind))
            lex = [lexical_overlap(q, g, idf) for g in grams]
            links = rank_links(iris.indicator_iri(p.id, n), cands, sem, lex, text, weights)
            out.extend(links[:top_k] if top_k else links)
    return out
