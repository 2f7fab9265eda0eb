"""Read one question (or search query): what it names, what it compares, what it asks for.

:func:`understand` runs, in order:

1. special tokens by pattern: quoted titles 《…》, document numbers in any bracket form,
   standard numbers (JJG 912-2010), articles (第二十七条), dates, years, ranks (第二高, 前三),
   numbers with their comparatives and ranges (超过300万, 在100万到300万之间, 95%以上);
2. forward maximum matching against the :class:`~app.understand.lexicon.Lexicon`: graph
   labels and their aliases, and the vocabulary (concepts, budget fields, attributes,
   dimensions, negation, question words);
3. fuzzy linking (rapidfuzz) of what is left against the names of projects, indicators,
   laws, phases, units and issuers, each link with a confidence;
4. negation scope (没有引用…, 未填写…) and grouping (按绩效类型, 各一级指标);
5. what nothing explains, cut by jieba with the graph-label dictionary: ``unknown`` words.

Example: ``understand("2020年信息化建设工程类项目总预算是多少", lex).mentions_of("performance_type")``
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable

from app.understand.lexicon import Entry, Lexicon, norm, vocabulary
from app.understand.numbers import Quantity, Rank, dates, quantities, ranks, years

ARTICLE = re.compile(r"第(?P<n>[零〇一二两三四五六七八九十百千\d]+)条")
TITLE = re.compile(r"《([^《》]{1,80})》")
SPLIT_CHARS = set("的和与及或、，,。.;；:：?？!！\"'()[]{} 在是")
# kinds a negation can apply to, and concepts that may stand between it and its object
NEGATABLE = {"project", "indicator", "level1", "level2", "law", "issuer", "legal_level", "field", "attribute",
             "performance_type", "category", "unit", "phase", "doc_number"}
# names matched before numbers and years are read (2020年市级财政预算管理办法 is one title)
WHOLE_FIRST = {"project", "law", "indicator", "unit", "issuer", "phase", "performance_type", "category",
               "level1", "level2"}
NEGATION_BRIDGE = {"cite", "has", "blank", "filled", "indicator", "target", "project", "money", "basis"}


@dataclass
class Mention:
    """Part of the question that names something: its text, offsets (in the normalized
    question), its possible readings (several kinds may share one surface), how sure the
    link is, and whether a negation governs it."""

    start: int
    end: int
    text: str
    readings: list[Entry]
    confidence: float = 1.0
    fuzzy: bool = False
    negated: bool = False
    article: int | None = None

    def kinds(self) -> set[str]:
        return {r.kind for r in self.readings}

    def reading(self, kind: str) -> Entry | None:
        return next((r for r in self.readings if r.kind == kind), None)

    def to_json(self) -> dict:
        graph = [r for r in self.readings if r.kind not in ("concept", "ignore")]
        best = graph[0] if graph else self.readings[0]
        return {"text": self.text, "kind": best.kind, "label": best.label, "iri": best.iri,
                "confidence": round(self.confidence, 3), "fuzzy": self.fuzzy, "negated": self.negated,
                **({"article": self.article} if self.article is not None else {}),
                **({"also": [f"{r.kind}:{r.label}" for r in graph[1:]]} if len(graph) > 1 else {})}


@dataclass
class Condition:
    """A number compared: ``op`` one of ``> >= < <= = between`` (``value2`` the upper bound)."""

    op: str
    value: Decimal
    unit: str | None
    start: int
    end: int
    text: str
    value2: Decimal | None = None

    def to_json(self) -> dict:
        return {"op": self.op, "value": str(self.value), "value2": None if self.value2 is None else str(self.value2),
                "unit": self.unit, "text": self.text}


@dataclass
class Understanding:
    """Everything read from one question; the ask templates and search filters use it."""

    question: str
    text: str
    mentions: list[Mention] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    years: list[tuple[int, int, int]] = field(default_factory=list)
    dates: list[tuple[date, int, int, str]] = field(default_factory=list)
    rank: Rank | None = None
    group: str | None = None
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # named but not in the graph (《民法典》, a document number)
    ambiguous: list[Mention] = field(default_factory=list)

    def concepts(self) -> set[str]:
        return {r.label for m in self.mentions for r in m.readings if r.kind == "concept"}

    def has(self, concept: str) -> bool:
        return concept in self.concepts()

    def mentions_of(self, kind: str, negated: bool | None = None) -> list[Mention]:
        return [m for m in self.mentions if kind in m.kinds() and (negated is None or m.negated == negated)]

    def entities(self) -> list[Mention]:
        """Mentions of graph things and of budget fields/attributes (not question words)."""
        return [m for m in self.mentions if m.kinds() - {"concept", "ignore", "dimension"}]

    def negated(self) -> bool:
        return any(m.negated for m in self.mentions) or self.has("negation")


def _covered(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(s < b and a < e for s, e in spans)


def _flat_words(groups: Iterable[Iterable[str]]) -> list[str]:
    return sorted({w for g in groups for w in g}, key=len, reverse=True)


def _comparator(text: str, q: Quantity, taken: list[tuple[int, int]]) -> tuple[str | None, int, int]:
    """The comparative word written before or after ``q``: (op, start, end of the whole condition)."""
    v = vocabulary()["comparators"]
    start, end, op = q.start, q.end, None
    before = text[:q.start]
    best = ""
    for o, words in v["before"].items():
        for w in words:
            w = norm(w) or w
            for gap in ("", "在", "为", "是", "的"):
                if before.endswith(w + gap) and len(w + gap) > len(best):
                    best, op = w + gap, o.rstrip("*")
    if best:
        start = q.start - len(best)
    after = text[q.end:]
    for o, words in v["after"].items():
        for w in sorted(words, key=len, reverse=True):
            if after.startswith(norm(w)):
                op, end = (o if op in (None, "=") else op), q.end + len(norm(w))
                break
    return op, start, end


def _conditions(text: str, qs: list[Quantity], taken: list[tuple[int, int]]) -> list[Condition]:
    v = vocabulary()["comparators"]["range"]
    out: list[Condition] = []
    used: set[int] = set()
    for i, q in enumerate(qs):
        if i in used:
            continue
        if i + 1 < len(qs):
            nxt = qs[i + 1]
            between = text[q.end:nxt.start]
            if between in [norm(j) or j for j in v["joiners"]]:
                unit_a, unit_b = q.unit, nxt.unit
                a, b = q.value, nxt.value
                if unit_a is None and unit_b == "元" and re.search(r"[万亿]", nxt.text):
                    a = a * (Decimal(10**8) if "亿" in nxt.text else Decimal(10**4))
                    unit_a = "元"
                lead = next((w for w in v["lead"] if text[:q.start].endswith(w)), "")
                tail = next((w for w in v["between"] if text[nxt.end:].startswith(w)), "")
                out.append(Condition("between", min(a, b), unit_b or unit_a, q.start - len(lead),
                                     nxt.end + len(tail), text[q.start - len(lead):nxt.end + len(tail)], max(a, b)))
                used.update((i, i + 1))
                continue
        op, s, e = _comparator(text, q, taken)
        out.append(Condition(op or "=", q.value, q.unit, s, e, text[s:e]))
    return out


def understand(question: str, lexicon: Lexicon, tokenizer=None) -> Understanding:
    """Read ``question`` against ``lexicon``; ``tokenizer`` (jieba with the label dictionary,
    :class:`ingest.search.tokenize.Tokenizer`) cuts what nothing else explained.

    Example: ``understand("预算超过300万的项目", lex).conditions[0].op == ">"``
    """
    raw = unicodedata.normalize("NFKC", question)
    u = Understanding(question, "")
    titles = [t for t in TITLE.findall(raw)]
    upper = re.sub(r"\s+", "", raw.translate(str.maketrans({"《": "", "》": "", "〔": "[", "〕": "]", "【": "[",
                                                            "】": "]", "“": "", "”": "", "‘": "", "’": "", '"': "", "'": "",
                                                            "（": "(", "）": ")"})))
    text = norm(question)
    if len(upper) != len(text):  # keep offsets shared: fall back to the lower-case form
        upper = text
    u.text = text
    taken: list[tuple[int, int]] = []

    def add(m: Mention) -> None:
        u.mentions.append(m)
        taken.append((m.start, m.end))

    # 1. titles, document numbers, standards, articles
    for title in titles:
        t = norm(title)
        pos = text.find(t)
        entries = [e for e in lexicon.entries.get(t, []) if e.kind == "law"]
        if not entries:
            from ingest.legal.resolve import canonical_title
            entries = [e for e in lexicon.entries.get(norm(canonical_title(title)), []) if e.kind == "law"]
        if pos >= 0 and not _covered(taken, pos, pos + len(t)):
            if entries:
                add(Mention(pos, pos + len(t), t, entries, 1.0))
            else:
                u.missing.append(f"《{title}》")
                taken.append((pos, pos + len(t)))
    from ingest.legal.docnumbers import find_doc_numbers, find_standards
    for canonical, s, e in find_doc_numbers(upper) + find_standards(upper):
        if _covered(taken, s, e):
            continue
        entries = [x for x in lexicon.entries.get(norm(canonical), []) if x.kind == "law"]
        if entries:
            add(Mention(s, e, text[s:e], entries, 1.0))
        else:
            u.missing.append(canonical)
            taken.append((s, e))
    articles = [(m.start(), m.end(), m.group("n")) for m in ARTICLE.finditer(text)]
    for s, e, _ in articles:
        taken.append((s, e))

    # 2. dates, years, ranks, numbers and their comparatives
    for d in dates(text):
        if not _covered(taken, d[1], d[2]):
            u.dates.append(d)
            taken.append((d[1], d[2]))
    # 3a. graph labels first where they are written whole (2020年市级财政预算管理办法 holds a year)
    _match(text, lexicon, taken, add, kinds_first=True)
    for y in years(text):
        if not _covered(taken, y[1], y[2]):
            u.years.append(y)
            taken.append((y[1], y[2]))
    for r in ranks(text):
        if not _covered(taken, r.start, r.end):
            u.rank = u.rank or r
            taken.append((r.start, r.end))
    qs = quantities(text, skip=taken)
    u.conditions = _conditions(text, qs, taken)
    for c in u.conditions:
        taken.append((c.start, c.end))
    # 3b. the vocabulary and the rest of the labels
    _match(text, lexicon, taken, add, kinds_first=False)
    for s, e, n in articles:
        from ingest.legal.numerals import cn_to_int
        law = next((m for m in sorted(u.mentions, key=lambda m: -m.end) if m.end <= s and m.reading("law")), None)
        try:
            num = cn_to_int(n)
        except ValueError:
            continue
        if law is not None and law.article is None:
            law.article = num
        else:
            add(Mention(s, e, text[s:e], [Entry("article", str(num))], 1.0, article=num))

    # 4. fuzzy links for what is left
    _fuzzy(text, lexicon, taken, add, u)
    u.mentions.sort(key=lambda m: m.start)
    _reread(u)
    _negation(u)
    _grouping(u)
    # 5. what is left unexplained
    u.unknown = _unknown(text, taken, tokenizer)
    return u


def _match(text: str, lexicon: Lexicon, taken: list, add, kinds_first: bool) -> None:
    """Forward maximum matching of lexicon surfaces over the positions not yet taken."""
    longest = 40
    i = 0
    while i < len(text):
        if _covered(taken, i, i + 1):
            i += 1
            continue
        hit = None
        for n in range(min(longest, len(text) - i), 0, -1):
            s = text[i:i + n]
            entries = lexicon.entries.get(s)
            if not entries or _covered(taken, i, i + n):
                continue
            if kinds_first:
                if n >= 3 and any(e.kind in WHOLE_FIRST for e in entries) and not _inside_word(text, lexicon, i, n):
                    hit = (n, entries)
                    break
                continue
            if all(e.kind == "ignore" for e in entries):
                continue  # question words do not hide the names around them; SPLIT_CHARS cut runs
            hit = (n, entries)
            break
        if hit is None:
            i += 1
            continue
        n, entries = hit
        weight = max(e.weight for e in entries)
        add(Mention(i, i + n, text[i:i + n], list(entries), weight))
        i += n


def _inside_word(text: str, lexicon: Lexicon, i: int, n: int) -> bool:
    """Whether ``text[i:i+n]`` lies inside a longer vocabulary word (预算执行率 in 上年预算执行率)."""
    for j in range(max(0, i - 8), i + 1):
        for end in range(i + n, min(len(text), j + 40) + 1):
            if (j, end) == (i, i + n):
                continue
            es = lexicon.entries.get(text[j:end])
            if es and any(e.kind in ("field", "attribute", "concept") for e in es):
                return True
    return False


def _fuzzy(text: str, lexicon: Lexicon, taken: list, add, u: Understanding) -> None:
    """Link leftover runs to the closest names of projects, indicators, laws … (rapidfuzz)."""
    from rapidfuzz import fuzz, process
    cores, entry_lists = lexicon.fuzzy_surfaces()
    for a, b in _runs(text, taken):
        run = text[a:b]
        if len(run) < 2 or not re.search(r"[\u4e00-\u9fff]", run) or not cores:
            continue
        # Only a name whose whole or partial score reaches 80 can count below: find those in one
        # C pass over every name, then align just them.
        near = (process.cdist([run], cores, scorer=fuzz.partial_ratio, score_cutoff=80, workers=1)[0] > 0) | \
               (process.cdist([run], cores, scorer=fuzz.ratio, score_cutoff=80, workers=1)[0] > 0)
        scored = []
        for i in near.nonzero()[0]:
            s, entries = cores[i], entry_lists[i]
            # the whole run against the whole name: a word left out or mistyped (能耗数据异常修复率)
            whole = fuzz.ratio(run, s) / 100
            conf, lo, hi, inside = (whole, a, b, False) if whole >= 0.8 else (0.0, a, b, False)
            if len(s) < len(run):  # the name inside a longer run
                al = fuzz.partial_ratio_alignment(s, run)
                if al is not None and al.score >= 85 and len(s) >= 3 and al.score / 100 > conf:
                    conf, lo, hi = al.score / 100, a + al.dest_start, a + al.dest_end
            else:  # the run inside a longer name: an abbreviation (网上政务大厅)
                al = fuzz.partial_ratio_alignment(run, s)
                if al is not None and al.score >= 80:
                    inside = al.score >= 95
                    aligned = (al.src_end - al.src_start) / len(run)   # how much of the run took part
                    partial = al.score / 100 * aligned * (0.4 + 0.6 * min(1.0, len(run) / len(s) / 0.6))
                    if partial > conf:
                        conf, lo, hi = partial, a, b
            if conf < 0.5:
                continue
            for e in entries:
                scored.append((conf * e.weight, lo, hi, e, inside))
        if not scored:
            continue
        scored.sort(key=lambda t: -t[0])
        best_conf, lo, hi, best, _ = scored[0]
        # the same words inside several names of one kind: ambiguous, whatever the scores say
        contained = {e.label for c, l2, h2, e, whole in scored if whole and (l2, h2) == (lo, hi) and e.kind == best.kind}
        rivals = {(e.kind, e.label) for c, l2, h2, e, _ in scored if c >= best_conf - 0.08 and (l2, h2) == (lo, hi)}
        same_kind = {lab for k, lab in rivals if k == best.kind} | (contained if len(contained) > 1 else set())
        scored = [t[:4] for t in scored]
        readings = [e for c, l2, h2, e in scored if (l2, h2) == (lo, hi) and c >= best_conf - 0.08]
        uniq: list[Entry] = []
        for e in readings:
            if all((e.kind, e.label) != (x.kind, x.label) for x in uniq):
                uniq.append(e)
        m = Mention(lo, hi, text[lo:hi], uniq, best_conf, fuzzy=True)
        if len(same_kind) > 1:
            m.confidence = min(best_conf, 0.55)
            for c, l2, h2, e in scored:
                if e.kind == best.kind and e.label in same_kind and all(e.label != x.label for x in m.readings):
                    m.readings.append(e)
            u.ambiguous.append(m)
        if best_conf >= 0.5:
            add(m)


def _runs(text: str, taken: list) -> list[tuple[int, int]]:
    out, start = [], None
    for i, ch in enumerate(text + "\0"):
        free = i < len(text) and not _covered(taken, i, i + 1) and ch not in SPLIT_CHARS
        if free and start is None:
            start = i
        elif not free and start is not None:
            out.append((start, i))
            start = None
    return out


def _gap(u: Understanding, a: Mention, b: Mention) -> str:
    return u.text[a.end:b.start]


def _reread(u: Understanding) -> None:
    """Words whose sense depends on their neighbour (the rules and their words: ``[reread]`` of
    vocabulary.toml):

    - ``单位`` beside a unit an indicator value uses (单位为家, 以家为单位) is that value's unit, not
      the 申报单位 of a project;
    - a count word that is also a framework label (数量 is 二级 数量指标 and 个数) counts when it
      follows an indicator word (指标数量, 指标的数量) and names the level when an indicator word follows
      it (数量指标).
    """
    v = vocabulary()["reread"]
    unit_words, joiners = {norm(w) for w in v["value_unit_words"]}, {norm(w) for w in v["value_unit_joiners"]} | {""}
    ms = u.mentions
    for i, m in enumerate(ms):
        if m.text in unit_words and m.kinds() & {"attribute", "dimension"}:
            after = ms[i + 1] if i + 1 < len(ms) else None
            before = ms[i - 1] if i > 0 else None
            if (after is not None and "value_unit" in after.kinds() and _gap(u, m, after) in joiners) or \
                    (before is not None and "value_unit" in before.kinds() and _gap(u, before, m) in joiners):
                m.readings = [Entry("concept", "value_unit_word")]
        concept = m.reading("concept")
        if concept is not None and concept.label == "count" and m.kinds() & {"level1", "level2", "indicator"}:
            after = ms[i + 1] if i + 1 < len(ms) else None
            before = ms[i - 1] if i > 0 else None
            is_ind = lambda x: x is not None and x.reading("concept") is not None and x.reading("concept").label == "indicator"  # noqa: E731
            if is_ind(after) and _gap(u, m, after) == "":
                m.readings = [r for r in m.readings if r.kind != "concept"]
            elif is_ind(before) and _gap(u, before, m) in ("", "的"):
                m.readings = [concept]


def _negation(u: Understanding) -> None:
    ms = u.mentions
    for i, m in enumerate(ms):
        if m.reading("concept") is None or m.reading("concept").label != "negation":
            continue
        after = ms[i + 1] if i + 1 < len(ms) else None
        if after is not None and after.reading("concept") and after.reading("concept").label == "blank" and \
                not any(x.kinds() & NEGATABLE for x in ms[i + 2:i + 3]):
            # 上年预算额没有填: the field stands before the negation
            before = [x for x in ms[:i] if "field" in x.kinds() and m.start - x.end <= 3]
            if before:
                before[-1].negated = True
                continue
        for nxt in ms[i + 1:]:
            if nxt.start - m.end > 8:
                break
            if nxt.kinds() & NEGATABLE:
                nxt.negated = True
                break
            labels = {r.label for r in nxt.readings if r.kind == "concept"}
            if not (labels & NEGATION_BRIDGE) and "ignore" not in nxt.kinds():
                break


def _grouping(u: Understanding) -> None:
    g = vocabulary()["grouping"]
    markers = sorted((norm(w) for w in g["markers"]), key=len, reverse=True)
    suffixes = [norm(w) for w in g["suffixes"]]
    for m in u.mentions:
        dim = m.reading("dimension")
        if dim is None:
            continue
        before = u.text[max(0, m.start - 3):m.start]
        after = u.text[m.end:m.end + 2]
        if any(before.endswith(w) for w in markers) or any(after.startswith(w) for w in suffixes):
            if dim.label == "project" and (u.has("avg") or u.has("sum")):
                continue  # 平均每个项目…: an average over projects, not one row per project
            u.group = dim.label
            return


def _unknown(text: str, taken: list, tokenizer) -> list[str]:
    v = vocabulary()["ignore"]
    ignore = {norm(w) for group in v.values() for w in group}
    words = []
    for a, b in _runs(text, taken):
        run = text[a:b]
        parts = tokenizer.query_terms(run) if tokenizer is not None else [run]
        if any(len(w) >= 2 and w not in ignore and re.search(r"[\u4e00-\u9fffa-z]", w) for w in parts):
            run = run.strip("的在是和与及")
            for w in sorted(ignore, key=len, reverse=True):   # 属于航天类 → 航天类: the edges say nothing
                if len(w) >= 2 and run.startswith(w) and len(run) > len(w):
                    run = run[len(w):]
                if len(w) >= 2 and run.endswith(w) and len(run) > len(w):
                    run = run[:-len(w)]
            words.append(run)   # the unexplained run, as written
    # a word also inside a longer unknown word is the same unknown thing
    return [w for w in dict.fromkeys(words) if not any(w != x and w in x for x in words)]
