"""The names a question may use, read from the graph, plus the vocabulary of ``vocabulary.toml``.

``Lexicon.from_graph(run)`` asks the graph (through ``run``, a function that runs a SPARQL
SELECT and returns rows of plain values) for every label a question can name: projects,
budget units, categories, performance types, the 一级/二级 framework, indicator names and
their units, laws (titles, short titles, aliases, document numbers), issuers, legal levels
and the phases of implementation plans. Each becomes an :class:`Entry`; one surface may
carry several (``质量`` is a 二级指标 and an indicator name).

Example: ``Lexicon.from_graph(kb_rows).entries["国能中心"][0].kind == "project"``
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

VOCABULARY = Path(__file__).with_name("vocabulary.toml")

PREFIXES = """PREFIX jx: <https://w3id.org/jixiao/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# kind -> SPARQL returning ?label (and ?iri / ?extra where the kind has them)
GRAPH_LABELS: dict[str, str] = {
    "project": "SELECT DISTINCT ?iri ?label WHERE { ?iri a jx:Project ; jx:name ?label }",
    "unit": "SELECT DISTINCT ?iri ?label WHERE { ?p a jx:Project ; jx:unit ?iri . ?iri skos:prefLabel ?label }",
    "category": "SELECT DISTINCT ?label WHERE { ?p a jx:Project ; jx:category ?label }",
    "performance_type": "SELECT DISTINCT ?label WHERE { ?p a jx:Project ; jx:performanceType ?label }",
    # the concepts an indicator's level points to, each looked up once (not every indicator joined to
    # its concept: 1.3-1.4 s at 10,000 projects, 0.15-0.18 s this way, the same labels)
    "level1": "SELECT DISTINCT ?label WHERE { ?c skos:prefLabel ?label . FILTER EXISTS { ?i jx:level1 ?c . ?i a jx:Indicator } }",
    "level2": "SELECT DISTINCT ?label WHERE { ?c skos:prefLabel ?label . FILTER EXISTS { ?i jx:level2 ?c . ?i a jx:Indicator } }",
    "indicator": "SELECT DISTINCT ?label WHERE { ?i a jx:Indicator ; jx:name ?label }",
    "value_unit": "SELECT DISTINCT ?label WHERE { ?i a jx:Indicator ; jx:valueUnit ?label }",
    "law": """SELECT DISTINCT ?iri ?label ?extra WHERE {
        ?iri a eli:LegalResource . FILTER NOT EXISTS { ?iri eli:is_part_of ?whole }
        { ?iri dcterms:title ?label } UNION { ?iri jx:docNumber ?label }
        OPTIONAL { ?iri jx:docNumber ?extra } }""",
    "issuer": "SELECT DISTINCT ?iri ?label WHERE { ?l eli:passed_by ?iri . ?iri skos:prefLabel ?label }",
    "legal_level": "SELECT DISTINCT ?label WHERE { ?l a eli:LegalResource ; jx:level ?label }",
    "phase": "SELECT DISTINCT ?label WHERE { ?ph a jx:PlanPhase ; jx:phaseName ?label }",
    "department": "SELECT DISTINCT ?iri ?label WHERE { ?iri a jx:Department ; jx:name ?label }",
    # a source of funds as printed (当年财政拨款); ?extra is its key (fiscal), which the query uses
    "fund_source": "SELECT DISTINCT ?label ?extra WHERE { ?l a jx:BudgetLine ; jx:fundSource ?label ; jx:fundSourceKey ?extra }",
}
# kinds whose names are linked fuzzily too (an abbreviation, a missing word, a typo)
FUZZY_KINDS = ("project", "indicator", "law", "phase", "unit", "issuer", "department")
PRC = "中华人民共和国"


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """``vocabulary.toml``, parsed once."""
    return tomllib.loads(VOCABULARY.read_text("utf-8"))


def norm(text: str) -> str:
    """The form names are compared in: NFKC, lower case, one kind of quote and bracket, no spaces."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = t.translate(str.maketrans({"“": "", "”": "", "‘": "", "’": "", '"': "", "'": "", "〔": "[", "〕": "]", "【": "[", "】": "]",
                                   "（": "(", "）": ")", "《": "", "》": "", "<": "", ">": "", "〈": "", "〉": ""}))
    return re.sub(r"\s+", "", t)


def core(label: str) -> str:
    """A label without quotes and brackets, for fuzzy comparison."""
    return re.sub(r"[\"'()\[\]]", "", norm(label))


@dataclass(frozen=True)
class Entry:
    """One thing a surface can name: ``kind`` (project, indicator, law …), the ``label`` as in
    the graph, its IRI where it has one, and how sure a match of the whole surface is."""

    kind: str
    label: str
    iri: str | None = None
    weight: float = 1.0
    extra: str | None = None


@dataclass
class Lexicon:
    """surface (normalized) -> entries; plus the labels of each kind for fuzzy linking."""

    # dicts when built; read-only mappings looked up in the file when read from the cache
    entries: Mapping[str, list[Entry]] = field(default_factory=dict)
    labels: Mapping[str, list[Entry]] = field(default_factory=dict)
    # (cores, entries) of fuzzy_surfaces: computed once, or read from the cache (app/ask/cache.py)
    _fuzzy: tuple[list[str], Sequence[list[Entry]]] | None = field(default=None, repr=False, compare=False)

    def add(self, surface: str, entry: Entry) -> None:
        s = norm(surface)
        if not s:
            return
        self._fuzzy = None
        bucket = self.entries.setdefault(s, [])
        for i, e in enumerate(bucket):
            if (e.kind, e.label, e.iri) == (entry.kind, entry.label, entry.iri):
                if entry.weight > e.weight:
                    bucket[i] = entry
                return
        bucket.append(entry)

    def fuzzy_surfaces(self) -> tuple[list[str], list[list[Entry]]]:
        """The surfaces fuzzy linking compares (:func:`core` forms of at least two characters) and
        the entries of ``FUZZY_KINDS`` each names, computed once per lexicon: a question must not
        normalize every name in the graph again (132 ms a question at 1,000 projects)."""
        if self._fuzzy is None:
            cores, entries = [], []
            for surface, es in self.entries.items():
                es = [e for e in es if e.kind in FUZZY_KINDS]
                if not es:
                    continue
                c = core(surface)
                if len(c) >= 2:
                    cores.append(c)
                    entries.append(es)
            self._fuzzy = (cores, entries)
        return self._fuzzy

    def all_labels(self) -> list[str]:
        return sorted({e.label for es in self.labels.values() for e in es})

    @classmethod
    def from_graph(cls, run: Callable[[str], list[dict[str, Any]]]) -> "Lexicon":
        """Read every label from the graph; ``run(sparql)`` returns rows as dicts of plain values."""
        lex = cls()
        for kind, query in GRAPH_LABELS.items():
            for row in run(PREFIXES + query):
                label = row.get("label")
                if not label:
                    continue
                entry = Entry(kind, str(label), row.get("iri"), 1.0, row.get("extra"))
                lex.labels.setdefault(kind, []).append(entry)
                lex.add(str(label), entry)
                for alias, weight in aliases(kind, str(label)):
                    lex.add(alias, Entry(kind, str(label), row.get("iri"), weight, row.get("extra")))
        lex._add_table_aliases()
        lex._add_vocabulary()
        return lex

    def _add_table_aliases(self) -> None:
        """Law and issuer aliases of ``ingest/legal/tables`` that point at something in the graph."""
        from ingest.legal.docnumbers import issuer_aliases
        from ingest.legal.resolve import _law_aliases
        laws = {e.label: e for e in self.labels.get("law", [])}
        for alias, title in _law_aliases().items():
            if title in laws:
                self.add(alias, Entry("law", title, laws[title].iri, 0.95, laws[title].extra))
        issuers = {e.label: e for e in self.labels.get("issuer", [])}
        for alias, name in issuer_aliases().items():
            if name in issuers:
                self.add(alias, Entry("issuer", name, issuers[name].iri, 0.95))

    def _add_vocabulary(self) -> None:
        v = vocabulary()
        for name, words in v["concepts"].items():
            for w in words:
                self.add(w, Entry("concept", name))
        for f in v["budget_field"]:
            for w in f["words"]:
                self.add(w, Entry("field", f["key"], weight=1.0 if w != f["words"][-1] or not f.get("default") else 0.9))
        for a in v["attribute"]:
            for w in a["words"]:
                self.add(w, Entry("attribute", a["key"]))
        for d in v["dimension"]:
            for w in d["words"]:
                self.add(w, Entry("dimension", d["key"]))
        levels = {e.label for e in self.labels.get("legal_level", [])}
        for level, words in v["legal_level"].items():
            if level in levels:
                for w in words:
                    self.add(w, Entry("legal_level", level, weight=0.9))
        keys = {e.extra for e in self.labels.get("fund_source", [])}
        for key, words in v["fund_sources"].items():
            if key in keys:   # only sources some table prints: 财政拨款 means nothing in a graph without them
                for w in words:
                    self.add(w, Entry("fund_source", w, None, 0.95, key))
        for group in v["ignore"].values():
            for w in group:
                self.add(w, Entry("ignore", w))


def aliases(kind: str, label: str) -> Iterable[tuple[str, float]]:
    """Other ways people write a label, with how sure a match of each one is.

    Projects lose a bracketed part or a suffix listed in the vocabulary (时频实验室运维费 →
    时频实验室, 国能中心（市能耗在线监测系统） → 国能中心); national laws lose 中华人民共和国;
    document numbers are matched in any bracket form by normalization.
    """
    v = vocabulary()["aliases"]
    if kind == "project":
        base = core(label)
        outside = core(re.sub(r"[（(][^（）()]*[)）]", "", label))
        inside = re.findall(r"[（(]([^（）()]+)[)）]", unicodedata.normalize("NFKC", label))
        forms = {outside, base}
        forms.update(core(x) for x in inside if len(core(x)) >= 4 and not any(core(x) == core(s) for s in v["project_suffixes"]))
        for f in list(forms):
            for suffix in v["project_suffixes"]:
                s = core(suffix)
                if s and f.endswith(s) and len(f) - len(s) >= 2:
                    forms.add(f[: -len(s)])
        for f in forms:
            if f != norm(label) and len(f) >= 2:
                yield f, 0.95
    elif kind == "law":
        if label.startswith(PRC) and len(label) > len(PRC) + 1:
            yield label[len(PRC):], 0.97
    elif kind == "unit":
        pass
