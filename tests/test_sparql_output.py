"""app/sparql.py: the table (tabulate, CJK-aware) and the CSV, TSV, JSON and XML renderings of
query answers, which pyoxigraph writes: checked against what Oxigraph itself says for the query."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from wcwidth import width as display_width

from app.sparql import load_query, render, to_table
from ingest.graph.store import EmbeddedStore, QueryError

JX = "https://w3id.org/jixiao/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
G = ox.NamedNode("https://w3id.org/jixiao/id/graph/33c4abcdc6cea628")
QUERY = f"""SELECT ?p ?name ?total ?note WHERE {{
  ?p <{JX}name> ?name OPTIONAL {{ ?p <{JX}total> ?total }} OPTIONAL {{ ?p <{JX}overview> ?note }}
}} ORDER BY ?name"""


@pytest.fixture(scope="module")
def store():
    s = EmbeddedStore()
    p1, p2, b = (ox.NamedNode("https://w3id.org/jixiao/id/project/a1"),
                 ox.NamedNode("https://w3id.org/jixiao/id/project/b2"), ox.BlankNode("n1"))
    # written straight into the default graph: a result may carry a blank node (another
    # endpoint's data), though jixiao's own replace_graph refuses them
    s.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in [
        ox.Triple(p1, ox.NamedNode(JX + "name"), ox.Literal("大型仪器项目经费")),
        ox.Triple(p1, ox.NamedNode(JX + "total"), ox.Literal("1250000.50", datatype=ox.NamedNode(XSD + "decimal"))),
        ox.Triple(p1, ox.NamedNode(JX + "overview"), ox.Literal('我院空气比释动能,"标准装置"\n始建于上世纪80年代末', language="zh")),
        ox.Triple(p2, ox.NamedNode(JX + "name"), ox.Literal("“互联网+计量”公共服务平台(运维)")),
        ox.Triple(b, ox.NamedNode(JX + "name"), ox.Literal("匿名")),
        ox.Triple(b, ox.NamedNode(JX + "total"), ox.Literal("96000", datatype=ox.NamedNode(XSD + "integer"))),
    ])
    return s


def oxigraph_says(store, query, fmt):
    return store.oxigraph.query(query).serialize(format=fmt).decode("utf-8")


def test_json_is_exactly_sparql_results_json(store):
    ours = json.loads(render(store.query(QUERY), "json"))
    assert ours == json.loads(oxigraph_says(store, QUERY, ox.QueryResultsFormat.JSON))
    assert ours["head"]["vars"] == ["p", "name", "total", "note"]
    assert ours["results"]["bindings"][2]["total"] == {"type": "literal", "value": "1250000.5", "datatype": XSD + "decimal"}
    assert ours["results"]["bindings"][2]["note"]["xml:lang"] == "zh"
    assert "total" not in ours["results"]["bindings"][0]          # unbound: left out
    assert ours["results"]["bindings"][1]["p"]["type"] == "bnode"


def test_json_of_ask(store):
    ask = f"ASK {{ ?p <{JX}name> ?n }}"
    assert json.loads(render(store.query(ask), "json")) == {"head": {}, "boolean": True}
    assert json.loads(render(store.query(ask), "json")) == json.loads(oxigraph_says(store, ask, ox.QueryResultsFormat.JSON))


def test_csv_tsv_and_xml_are_oxigraphs_own(store):
    for fmt, ox_format in [("csv", ox.QueryResultsFormat.CSV), ("tsv", ox.QueryResultsFormat.TSV),
                           ("xml", ox.QueryResultsFormat.XML)]:
        # byte for byte what Oxigraph writes (render ends a text with a newline for the terminal)
        assert render(store.query(QUERY), fmt).rstrip("\n") == oxigraph_says(store, QUERY, ox_format).rstrip("\n")
    csv_lines = render(store.query(QUERY), "csv").split("\r\n")
    assert csv_lines[0] == "p,name,total,note"
    assert csv_lines[3].startswith("https://w3id.org/jixiao/id/project/a1,大型仪器项目经费,1250000.5,")
    assert '"我院空气比释动能,""标准装置""\n始建于上世纪80年代末"' in csv_lines[3] + "\r\n" + csv_lines[4]


def test_a_row_cap_keeps_every_format_in_step(store):
    capped = store.query(QUERY).head(2)
    assert len(capped) == 2 and [r[1] for r in capped.rows] == ["“互联网+计量”公共服务平台(运维)", "匿名"]
    assert len(json.loads(render(capped, "json"))["results"]["bindings"]) == 2
    assert render(capped, "csv").count("\r\n") == 3              # header + two rows


def test_table_aligns_chinese_text(store):
    text = to_table(store.query(QUERY), prefixes={"jxd": "https://w3id.org/jixiao/id/"})
    lines = text.splitlines()
    assert lines[0].split() == ["p", "name", "total", "note"]
    assert lines[-1] == "(3 rows)"
    assert "jxd:project/a1" in text and len(lines) == 6  # prefixes used, one line per row
    # every row starts its "name" column at the same display column
    starts = {display_width(line[:line.index(name)]) for line, name in
              zip(lines[2:5], ["“互联网+计量”", "匿名", "大型仪器项目经费"])}
    assert len(starts) == 1
    # numbers are right-aligned: their last digit sits under the end of the header "total"
    header_end = display_width(lines[0][:lines[0].index("total") + len("total")])
    row = lines[4]
    assert display_width(row[:row.index("1250000.5") + len("1250000.5")]) == header_end


def test_table_clips_long_cells(store):
    text = to_table(store.query(QUERY), max_width=10)
    assert all(display_width(cell) <= 10 for line in text.splitlines()[2:-1] for cell in line.split("  ") if cell)
    assert "…" in text
    assert "大型仪器…" in text and "大型仪器项" not in text         # 4 wide characters (8 columns) + … fit in 10


def test_ask_and_graph_answers(store):
    assert render(store.query("ASK { ?s ?p ?o }"), "table") == "true\n"
    graph = store.query(f"CONSTRUCT {{ ?p <{JX}name> ?n }} WHERE {{ ?p <{JX}name> ?n }}")
    assert render(graph, "nt").count(" .\n") == 3
    assert "@prefix jx:" not in render(graph, "nt") and "jx:name" in render(graph, "ttl")
    assert "subject" in render(graph, "table").splitlines()[0]
    with pytest.raises(QueryError, match="CONSTRUCT"):
        render(store.query(QUERY), "nt")
    with pytest.raises(QueryError, match="unknown output format"):
        render(store.query(QUERY), "yaml")


def test_graph_answers_as_solutions_and_as_rdf(store):
    graph = store.query(f"CONSTRUCT {{ ?p <{JX}name> ?n }} WHERE {{ ?p <{JX}name> ?n }}")
    lines = render(graph, "csv").split("\r\n")
    assert lines[0] == "subject,predicate,object" and len([x for x in lines[1:] if x]) == 3
    assert f"https://w3id.org/jixiao/id/project/b2,{JX}name,“互联网+计量”公共服务平台(运维)" in lines
    nodes = json.loads(render(graph, "json"))                    # JSON-LD: one node object per subject
    assert sorted(n[JX + "name"][0]["@value"] for n in nodes) == ["“互联网+计量”公共服务平台(运维)", "匿名", "大型仪器项目经费"]
    assert "<rdf:RDF" in render(graph, "xml")


def test_typed_rows(store):
    from decimal import Decimal

    rows = store.query(QUERY).rows
    assert {r[1]: r[2] for r in rows} == {"匿名": 96000, "大型仪器项目经费": Decimal("1250000.5"),
                                         "“互联网+计量”公共服务平台(运维)": None}


def test_load_query(tmp_path):
    (tmp_path / "q.rq").write_text("\ufeffSELECT * { ?s ?p ?o }", encoding="utf-8")
    assert load_query("@q.rq", base_dir=tmp_path) == "SELECT * { ?s ?p ?o }"
    assert load_query(f"@{tmp_path / 'q.rq'}") == "SELECT * { ?s ?p ?o }"
    assert load_query("ASK {}") == "ASK {}"
    with pytest.raises(QueryError, match="cannot read the query file"):
        load_query("@missing.rq", base_dir=tmp_path)
