"""Answer a Chinese question with one read-only SPARQL query the user can see, or say honestly
that it cannot.

``Asker(run, search=None, trace=None)`` reads the graph's labels once (through ``run``, which
executes SPARQL and returns a ``QueryResult``). ``ask(question)``:

1. understands the question (``app/understand``);
2. scores every template of ``templates.toml`` on its features and fills the best one whose
   slots explain everything the question names;
3. runs its SPARQL (a SELECT or ASK only, checked) and writes the answer from the rows;
4. falls back — no template fits, a name is not in the graph, a link is ambiguous or unsure,
   words nothing explains — with the closest readings ("您是不是想问…") and search hits.

The answer never states anything the query did not return.

Example: ``Asker(kb.sparql).ask("2020年信息化建设工程类项目总预算是多少").figure == "1056034"``
"""
from __future__ import annotations

import re
from typing import Callable

from app.ask.answer import AskAnswer, plain, render
from app.ask.slots import Slots, confident, family_mentions, features
from app.ask.templates import Template, load_templates
from app.understand import Lexicon, Understanding, understand
from ingest.errors import JixiaoError

# kinds of mention a query must use for its answer to be about the question
EXPLAIN_KINDS = {"project", "indicator", "level1", "level2", "law", "issuer", "legal_level", "phase",
                 "performance_type", "category", "unit", "field", "attribute", "article", "department", "fund_source"}
READ_ONLY = re.compile(r"^\s*(?:PREFIX\s+\S*\s*<[^>]*>\s*)*(SELECT|ASK)\b", re.I)
UPDATE_WORDS = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)


class AskError(JixiaoError):
    """A question could not be turned into a safe query."""


def check_read_only(sparql: str) -> None:
    """Raise unless ``sparql`` is one SELECT or ASK query (no update of any kind)."""
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', sparql)
    if not READ_ONLY.match(body) or UPDATE_WORDS.search(body):
        raise AskError("only SELECT and ASK queries are run for questions", hint="this is a bug in a template")


class Asker:
    """Templates + lexicon over one graph; ``ask`` answers one question."""

    def __init__(self, run: Callable[[str], object], search: Callable[[str], list] | None = None,
                 trace: Callable[..., object] | None = None,
                 known: tuple[Lexicon, dict[str, int]] | None = None):
        """``known``: the lexicon and user words read from a cache (``app.ask.cache``); without
        it they are read from the graph."""
        from ingest.search.tokenize import Tokenizer
        self.run = run
        self.search = search
        self.trace = trace
        self.templates = load_templates()
        if known is not None:
            self.lexicon, self.tokenizer = known[0], Tokenizer(known[1])
        else:
            self.lexicon = Lexicon.from_graph(self._rows)
            self.tokenizer = Tokenizer.from_labels(self.lexicon.all_labels())

    def _rows(self, sparql: str) -> list[dict]:
        res = self.run(sparql)
        return [dict(zip(res.variables, [None if v is None else str(v) for v in row])) for row in res.rows]

    def understand(self, question: str) -> Understanding:
        return understand(question, self.lexicon, self.tokenizer)

    # ------------------------------------------------------------------ choosing
    def candidates(self, u: Understanding) -> list[tuple[tuple, Template, Slots]]:
        """Templates that fit, best first: fewest things left unexplained, then highest score."""
        f = features(u)
        out = []
        for order, t in enumerate(self.templates):
            tf = set(f)
            if any(family_mentions(u, fam) for fam in t.filters):
                tf.add("filters")
            if not all(n in tf for n in t.need) or not all(any(x in tf for x in g) for g in t.any):
                continue
            if any(x in tf for x in t.forbid):
                continue
            try:
                slots = Slots(u, t)
                built = slots.build()
            except (ValueError, KeyError, StopIteration):
                continue
            left = [m for m in u.mentions if m.kinds() & EXPLAIN_KINDS and id(m) not in built.used
                    and not self._incidental(u, m, t)]
            score = 10 * len(t.need) + 4 * len(t.any) + sum(1 for x in t.uses if x in tf)
            out.append(((len(left), -score, order), t, slots))
        out.sort(key=lambda c: c[0])
        return out

    @staticmethod
    def _incidental(u: Understanding, m, t: Template) -> bool:
        """A mention that needs no slot: a dimension word used for grouping, an attribute word
        beside a date, a field word the template does not need (…的项目 with a filter)."""
        kinds = m.kinds()
        if "dimension" in kinds and u.group:
            return True
        if "attribute" in kinds and (u.dates or u.years):
            return True
        if "attribute" in kinds and any(m.reading("attribute").label in x.kinds() for x in u.mentions if x is not m):
            return True   # 绩效类型为政策补贴类: the attribute word names the kind of the value beside it
        if kinds & {"field"} and "field" not in t.need and "field" in t.explains:
            return True
        if kinds == {"field", "concept", "ignore"} or (kinds >= {"field"} and "money" in {r.label for r in m.readings}):
            return "field" not in t.need
        return False

    # ------------------------------------------------------------------ answering
    def ask(self, question: str) -> AskAnswer:
        """Answer ``question`` (see the module docstring)."""
        u = self.understand(question)
        entities = [m.to_json() for m in u.entities()]
        cands = self.candidates(u)
        problem = self._problem(u, cands)
        if problem:
            return self._fallback(question, u, cands, problem, entities)
        _, t, slots = cands[0]
        sparql = slots.sparql()
        check_read_only(sparql)
        result = self.run(sparql)
        rows = [dict(zip(result.variables, [plain(v) for v in row])) for row in result.rows]
        raw = [dict(zip(result.variables, row)) for row in result.rows]
        labels = dict(slots.b.labels)
        answer = self._sentence(t, labels, raw)
        reading = render(t.reading, labels).strip()
        figure = str(len(rows)) if t.figure == "n" and not (raw and "n" in raw[0]) else \
            (plain(raw[0].get(t.figure)) if raw else None)
        out = AskAnswer(answer, rows, sparql, entities, reading, False, t.id, t.type,
                        None if figure is None else str(figure),
                        conditions=[c.to_json() for c in u.conditions])
        if t.handover == "trace" and self.trace is not None and labels.get("indicator"):
            out.trace = self._trace(labels["indicator"], labels.get("project") or None)
        return out

    def _sentence(self, t: Template, labels: dict, raw: list[dict]) -> str:
        fk, ak = labels.get("field_kind", "money"), labels.get("attr_kind", "text")
        if not raw:
            return render(t.empty, labels, fk, ak)
        items = "；".join(render(t.item, {**labels, **{k: v for k, v in r.items() if v is not None}}, fk, ak)
                         for r in raw)
        values = {**labels, "n": len(raw), "items": items}
        values.update({k: v for k, v in raw[0].items() if v is not None})
        return render(t.answer, values, fk, ak)

    def _trace(self, indicator: str, project: str | None) -> dict | None:
        try:
            result = self.trace(indicator, project)
        except JixiaoError:
            return None
        from app.trace import render_trace
        import json
        try:
            return json.loads(render_trace(result, as_json=True))
        except (ValueError, TypeError):
            return None

    # ------------------------------------------------------------------ falling back
    @staticmethod
    def _problem(u: Understanding, cands) -> str | None:
        if u.missing:
            return f"图谱中没有找到{'、'.join(u.missing)}。"
        if u.unknown:
            return f"问题中的“{'、'.join(u.unknown)}”在图谱中没有找到。"
        if u.ambiguous:
            m = u.ambiguous[0]
            names = "、".join(dict.fromkeys(r.label for r in m.readings))
            return f"“{m.text}”可能指{names}，不能确定是哪一个。"
        unsure = [m for m in u.entities() if m.fuzzy and not confident(m)]
        if unsure:
            return f"“{unsure[0].text}”与图谱中的名称对不上（置信度{unsure[0].confidence:.2f}）。"
        if not cands:
            return "没有能回答这个问题的问法模板。"
        if cands[0][0][0]:
            return "问题中有些内容没有模板能用上，不能确定问的是什么。"
        return None

    def _fallback(self, question: str, u: Understanding, cands, problem: str, entities) -> AskAnswer:
        suggestions: list[str] = []
        for m in u.ambiguous[:1]:
            for r in m.readings[:3]:
                m2 = type(m)(m.start, m.end, m.text, [r], 1.0, fuzzy=False)
                u2 = Understanding(u.question, u.text, [m2 if x is m else x for x in u.mentions], u.conditions,
                                   u.years, u.dates, u.rank, u.group)
                c2 = self.candidates(u2)
                if c2:
                    suggestions.append(render(c2[0][1].reading, c2[0][2].b.labels).strip())
        for _, t, slots in cands:
            text = render(t.reading, slots.b.labels).strip()
            if text not in suggestions:
                suggestions.append(text)
            if len(suggestions) >= 3:
                break
        hits = []
        if self.search is not None:
            try:
                hits = self.search(question)
            except JixiaoError:
                hits = []
        answer = "无法确定答案：" + problem
        if suggestions:
            answer += " 您是不是想问：" + "；".join(suggestions[:3]) + "？"
        return AskAnswer(answer, [], "", entities, "未能理解：" + problem, True, None, None, None,
                         suggestions[:3], hits, conditions=[c.to_json() for c in u.conditions])
