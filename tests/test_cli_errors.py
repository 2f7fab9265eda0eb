"""Every command, run with bad arguments, prints ``error: …`` and a ``hint:`` line, and no traceback.

One case (or a few) per command: missing arguments, bad option values, a data directory
that is a file, a file that does not exist, an empty data directory, an unknown name.
``{kb}`` in an argument is the session's ingested seed, ``{tmp}`` a fresh temporary folder,
``{file}`` a plain file there.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import cli

from test_docs import commands

# (command path, arguments after it, what the error must say)
CASES = [
    ("jixiao", ["serach", "能耗"], "No such command 'serach'"),
    ("jixiao", ["--data-dir", "{file}", "documents"], "is a file"),
    ("jixiao ingest", ["--data-dir", "{file}"], "is a file"),
    ("jixiao ingest", ["{tmp}/missing.txt", "-q", "--data-dir", "{tmp}/kb"], "no such file"),
    ("jixiao documents", ["extra"], "unexpected extra argument"),
    ("jixiao remove", [], "Missing argument 'DOCUMENT'"),
    ("jixiao remove", ["no-such-document", "--data-dir", "{kb}"], "no ingested document 'no-such-document'"),
    ("jixiao export records", ["--format", "xml", "--data-dir", "{kb}"], "'xml' is not"),
    ("jixiao export graph", ["--format", "xml", "--data-dir", "{kb}"], "'xml' is not one of"),
    ("jixiao sparql", [], "Missing argument 'QUERY'"),
    ("jixiao sparql", ["@{tmp}/missing.rq", "--data-dir", "{kb}"], "cannot read the query file"),
    ("jixiao sparql", ["budgets_by_type", "--data-dir", "{kb}"], "no saved query named 'budgets_by_type'"),
    ("jixiao sparql", ["SELECT ?x WHERE { ?x ", "--data-dir", "{kb}"], "SPARQL error at line 1"),
    ("jixiao sparql", ["budget_change", "--format", "xls", "--data-dir", "{kb}"], "'xls' is not one of"),
    ("jixiao queries", ["extra"], "unexpected extra argument"),
    ("jixiao validate", ["--data-dir", "{tmp}/empty"], "nothing is ingested"),
    ("jixiao ui", ["--port", "0"], "0 is not in the range"),
    ("jixiao ui", ["--data-dir", "{file}"], "is a file"),
    ("jixiao endpoint", ["--bind", "localhost"], "is not HOST:PORT"),
    ("jixiao endpoint", ["--endpoint", "http://127.0.0.1:7878"], "serves the data directory's own store"),
    ("jixiao ask", [], "Missing argument 'QUESTION'"),
    ("jixiao ask", ["2020年总预算是多少", "--data-dir", "{tmp}/empty"], "nothing is ingested"),
    ("jixiao search", [], "Missing argument 'QUERY'"),
    ("jixiao search", ["能耗", "--k", "0"], "0 is not in the range x>=1"),
    ("jixiao search", ["能耗", "--budget-min", "三百万"], "not an amount"),
    ("jixiao search", ["能耗", "--mode", "fuzzy"], "'fuzzy' is not one of"),
    ("jixiao search", ["能耗", "--year", "二〇二〇"], "is not a valid integer"),
    ("jixiao search", ["能耗", "--data-dir", "{tmp}/empty"], "nothing is ingested"),
    ("jixiao trace", [], "Missing argument 'INDICATOR'"),
    ("jixiao trace", ["能耗数据修复率", "--data-dir", "{kb}"], "no indicator named '能耗数据修复率'"),
    ("jixiao trace", ["预算执行率", "--project", "不存在的项目", "--data-dir", "{kb}"], "no project matches"),
    ("jixiao trace", ["jxd:project/nope/indicator/1", "--data-dir", "{kb}"], "no indicator has the IRI"),
    ("jixiao trace", ["能耗数据异常故障修复率", "--dot", "{tmp}/no/such/dir/t.dot", "--data-dir", "{kb}"],
     "cannot write"),
    ("jixiao review", ["火星探测", "--data-dir", "{kb}"], "no project named '火星探测'"),
    ("jixiao review", ["--format", "pdf"], "'pdf' is not one of"),
    ("jixiao review", ["--data-dir", "{tmp}/empty"], "nothing is ingested"),
    ("jixiao eval review", ["--cases", "{file}", "--data-dir", "{kb}"], "each line"),
    ("jixiao gaps", ["--data-dir", "{tmp}/empty"], "nothing is ingested"),
    ("jixiao gaps", ["--json", "extra"], "unexpected extra argument"),
    ("jixiao eval search", ["--queries", "{tmp}/missing.jsonl"], "does not exist"),
    ("jixiao eval search", ["--queries", "{file}", "--data-dir", "{kb}"], "each line"),
    ("jixiao eval trace", ["--cases", "{file}", "--data-dir", "{kb}"], "each line"),
    ("jixiao eval trace", ["--data-dir", "{tmp}/empty"], "nothing is ingested"),
    ("jixiao eval ask", ["--no-such-option"], "No such option"),
]


def case_id(case) -> str:
    return f"{case[0].removeprefix('jixiao').strip() or 'jixiao'}:{' '.join(case[1])[:40]}"


@pytest.mark.parametrize("path,args,says", CASES, ids=[case_id(c) for c in CASES])
def test_bad_arguments_give_an_error_with_a_hint_and_no_traceback(path, args, says, request, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text('{"query": "能耗"}\n', "utf-8")          # a file: not a folder, not a judged set
    kb = request.getfixturevalue("kb_dir") if any("{kb}" in a for a in args) else None
    values = {"kb": str(kb), "tmp": str(tmp_path), "file": str(plain)}
    argv = path.split()[1:] + [a.replace("{kb}", values["kb"]).replace("{tmp}", values["tmp"])
                               .replace("{file}", values["file"]) for a in args]
    r = CliRunner().invoke(cli, argv, obj={})
    assert isinstance(r.exception, SystemExit), r.exception    # not a Python error escaping
    assert r.exit_code in (1, 2), r.output
    assert "Traceback" not in r.output
    assert "error:" in r.output and "\n  hint: " in r.output, r.output
    assert says in r.output, r.output


def test_every_command_has_a_bad_argument_case():
    covered = {path for path, _, _ in CASES}
    assert {path for path, _ in commands()} <= covered
