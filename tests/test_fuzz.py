"""Property-based fuzzing of the parser and the graph builder (hypothesis), with extreme numbers.

- The parser gets the seed's tables, mutated: amounts replaced by extreme numbers (10⁴⁰, 1E+999,
  many decimals, negative, full-width digits), lines deleted, doubled or inserted (labels, titles,
  junk), characters replaced by any Unicode (controls, zero-width, surrogates excluded by UTF-8).
  Whatever comes in, reading and parsing raise nothing but ``IngestError``; every span lies in the
  text; after ``check_bounds`` no number is beyond bounds; the graph of what was parsed can always
  be built, and every literal in it is one Oxigraph holds (so SUM over budgets stays bound).
- The builder gets the seed's records with fields replaced by extreme values: the same promises,
  and the graph of a sample of them conforms to the SHACL shapes.

500 examples a run (`EXAMPLES` below), in about a minute on two busy cores: marked slow.
"""
from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import IngestError
from ingest.graph.build import document_quads, validate
from ingest.parse.bounds import MAX_MAGNITUDE, check_bounds
from ingest.parse.document import ParseResult, parse_document, split_projects
from ingest.parse.grid import parse_grids
from ingest.read import read_text

pytestmark = pytest.mark.slow

XSD = "http://www.w3.org/2001/XMLSchema#"
EXAMPLES = {"parser": 300, "builder": 180, "shapes": 20}      # 500 a run
def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
AMOUNT = re.compile(r"(?<=[：:]\s)\d[\d,]*(?:\.\d+)?")

# -- strategies ------------------------------------------------------------------------------------------
extreme_decimal = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(-10**40, 10**40).map(Decimal),
    st.integers(0, 1200).map(lambda n: Decimal(f"1E+{n}")),
    st.integers(0, 60).map(lambda n: Decimal(f"1E-{n}")),
    st.sampled_from([Decimal(0), Decimal("-0"), Decimal("999999999999999.99"), Decimal(10) ** 15,
                     Decimal("170141183460469231731.687303715884105727"), Decimal("-1")]),
)


def number_text(d: Decimal) -> str:
    return format(d, "f") if d.is_finite() and abs(d.adjusted()) < 60 else str(d)


printed_number = st.one_of(
    extreme_decimal.map(number_text),
    st.integers(0, 10**30).map(lambda n: f"{n:,}"),
    st.integers(0, 10**12).map(lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    st.sampled_from(["", "-", "1e999", "∞", "NaN", "一千亿", "1,2,3", "0x10", "１２３，４５６", "—"]),
)
junk_line = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["财政项目支出绩效目标表", "（2020年度）", "项目名称：", "一级目标 二级目标 三级目标 指标目标值",
                     "项目总预算（元）：", "|a|b|c|", "\t\t\t", "\u200b\u202e", "<table><tr><td>x</td></tr>", "\x0c"]),
)


@st.composite
def mutated_table(draw, tables: list[str]) -> str:
    lines = draw(st.sampled_from(tables)).split("\n")
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["amount", "delete", "double", "insert", "char"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines.append("")
        if op == "amount":
            hits = [(n, m) for n, ln in enumerate(lines) for m in AMOUNT.finditer(ln)]
            if hits:
                n, m = hits[draw(st.integers(0, len(hits) - 1))]
                lines[n] = lines[n][:m.start()] + draw(printed_number) + lines[n][m.end():]
        elif op == "delete":
            del lines[i]
        elif op == "double":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(junk_line))
        elif lines[i]:
            j = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:j] + draw(st.characters(blacklist_categories=("Cs",))) + lines[i][j + 1:]
    return "\n".join(lines)


# -- the promises --------------------------------------------------------------------------------------------
def check_records(result: ParseResult, text: str) -> None:
    """Every span inside the text; no number beyond bounds."""
    def walk(record):
        if not dataclasses.is_dataclass(record):
            return
        spans = [getattr(record, "span", None), getattr(record, "source", None),
                 *(getattr(record, "spans", None) or {}).values()]
        for s in spans:
            if s is not None and hasattr(s, "start"):
                assert 0 <= s.start <= s.end <= len(text), s
        for f in dataclasses.fields(record):
            v = getattr(record, f.name)
            if isinstance(v, Decimal):
                assert v.is_finite() and abs(v) < MAX_MAGNITUDE, (f.name, v)
            elif dataclasses.is_dataclass(v):
                walk(v)
            elif isinstance(v, tuple):
                for x in v:
                    walk(x)
    for r in [*result.projects, *result.departments]:
        walk(r)


def check_quads(quads: list) -> None:
    """Literals Oxigraph can hold, and a store where SUM over budgets is bound."""
    for q in quads:
        o = q.object
        if isinstance(o, ox.Literal):
            dt = o.datatype.value
            if dt == XSD + "decimal":
                assert re.fullmatch(r"-?\d+(\.\d+)?", o.value), o
                assert abs(Decimal(o.value)) < MAX_MAGNITUDE, o
            elif dt == XSD + "integer":
                assert -2**63 <= int(o.value) < 2**63, o
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    [row] = list(store.query("SELECT (SUM(?x) AS ?t) (COUNT(?x) AS ?n) WHERE { ?b <https://w3id.org/jixiao/ontology#total> ?x }"))
    if int(row["n"].value):
        assert row["t"] is not None                  # one absurd value would leave the sum unbound


def read_parse_build(data: bytes) -> tuple[ParseResult, list] | None:
    """What ingest does to one file, short of writing: read, parse, bound, build."""
    try:
        doc = read_text(data, "fuzz.txt")
        result = parse_grids(doc) if doc.tables else parse_document(doc)
    except IngestError:
        return None
    result, _ = check_bounds(result, doc.text, doc.path)
    check_records(result, doc.text)
    quads = document_quads(doc.doc_id, doc.name, doc.text, result.projects, result.departments)
    check_quads(quads)
    return result, quads


@pytest.fixture(scope="module")
def tables(seed_path) -> list[str]:
    text = seed_path.read_text("utf-8")
    return [text[a:b] for a, b in split_projects(text)]


def test_mutated_tables_never_crash_the_parser_or_the_builder(tables):
    @fuzz(EXAMPLES["parser"])
    @given(st.data())
    def run(data):
        text = data.draw(mutated_table(tables))
        encoding = data.draw(st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
        try:
            raw = text.encode(encoding)
        except UnicodeEncodeError:
            raw = text.encode("utf-8")
        read_parse_build(raw)
    run()


def test_the_unmutated_tables_parse_whole(tables):
    for t in tables:
        result, quads = read_parse_build(t.encode("utf-8"))
        assert len(result.projects) == 1 and len(quads) > 300


# -- the builder on extreme records ----------------------------------------------------------------------------
words = st.text(min_size=1, max_size=40).filter(lambda t: t.strip())   # a name as a parser reads it: not blank


@st.composite
def extreme_project(draw, projects):
    p = draw(st.sampled_from(projects))
    budget = dataclasses.replace(p.budget, **{f: draw(st.one_of(st.none(), extreme_decimal))
                                              for f in ("total", "current_year", "prev_year_budget", "prev_year_executed")})
    indicators = tuple(dataclasses.replace(i, value=draw(st.one_of(st.none(), extreme_decimal)),
                                           weight=draw(st.one_of(st.none(), extreme_decimal)),
                                           name=draw(st.one_of(st.just(i.name), words)))
                       for i in p.indicators[:draw(st.integers(0, len(p.indicators)))])
    citations = tuple(dataclasses.replace(c, article_num=draw(st.one_of(st.none(), st.integers(-10**20, 10**20))),
                                          title=draw(st.one_of(st.just(c.title), st.text(max_size=20))))
                      for c in p.citations)
    return dataclasses.replace(p, budget=budget, indicators=indicators, citations=citations,
                               year=draw(st.one_of(st.none(), st.integers(-10**20, 10**20))),
                               name=draw(st.one_of(st.just(p.name), words)),
                               unit=draw(st.one_of(st.just(p.unit), words)))   # a table always names its unit


def _bounded_quads(seed_doc, projects):
    result, _ = check_bounds(ParseResult(projects=projects), seed_doc.text, seed_doc.path)
    check_records(result, seed_doc.text)
    quads = document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, result.projects)
    check_quads(quads)
    return quads


def test_extreme_records_always_make_a_graph_oxigraph_can_hold(seed_doc, seed_result):
    @fuzz(EXAMPLES["builder"])
    @given(st.lists(extreme_project(seed_result.projects), min_size=1, max_size=2, unique_by=lambda p: p.id))
    def run(projects):
        _bounded_quads(seed_doc, projects)
    run()


def test_extreme_records_make_a_graph_that_conforms_to_the_shapes(seed_doc, seed_result):
    @fuzz(EXAMPLES["shapes"])
    @given(extreme_project(seed_result.projects))
    def run(project):
        ok, report = validate(_bounded_quads(seed_doc, [project]))
        assert ok, report[:3000]
    run()


def test_an_absurd_amount_is_flagged_not_fatal(seed_doc, seed_result):
    p = seed_result.projects[0]
    absurd = dataclasses.replace(p, budget=dataclasses.replace(p.budget, prev_year_executed=Decimal(10) ** 24))
    result, warnings = check_bounds(ParseResult(projects=[absurd]), seed_doc.text, seed_doc.path)
    [w] = warnings
    assert w.field == "prev_year_executed" and w.line == 38 and "beyond any budget" in w.message
    assert result.projects[0].budget.prev_year_executed is None
    assert result.projects[0].budget.total == p.budget.total
    ok, report = validate(document_quads(seed_doc.doc_id, seed_doc.name, seed_doc.text, result.projects))
    assert ok, report
