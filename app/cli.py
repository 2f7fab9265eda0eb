"""The ``jixiao`` command line. Each command parses its input, calls one
``KnowledgeBase`` method and renders the result; errors become exit messages here only.

Example: ``jixiao ingest && jixiao export records --format json``
"""
from __future__ import annotations

import json
import sys

import click

from ingest.errors import JixiaoError

from app.core import KnowledgeBase

WARNINGS_SHOWN = 10
DATA_DIR_HELP = "Data directory for records, graph and indexes (env JIXIAO_DATA_DIR; default: ./var in the repo)."


def _kb(ctx: click.Context) -> KnowledgeBase:
    """The knowledge base of this invocation, closed (store lock released) when the command ends."""
    kb = KnowledgeBase.open(ctx.obj.get("data_dir"), endpoint=ctx.obj.get("endpoint"))
    ctx.call_on_close(kb.close)
    return kb


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--endpoint", default=None, help="Use this SPARQL 1.1 endpoint instead of the embedded store (env JIXIAO_ENDPOINT).")
@click.version_option(package_name="jixiao")
@click.pass_context
def cli(ctx: click.Context, data_dir, endpoint):
    """jixiao 绩效图谱: knowledge graph and search over 财政项目支出绩效目标表.

    Start with `jixiao ingest` (reads the bundled data/), then `jixiao export records`.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(data_dir=data_dir, endpoint=endpoint)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no warnings, only the summary.")
@click.option("-v", "--verbose", is_flag=True, help=f"List every warning, not only the first {10}.")
@click.pass_context
def ingest(ctx, paths, data_dir, quiet, verbose):
    """Ingest .txt/.pdf performance-target tables (default: the bundled data/ folder).

    Prints a summary (files, projects, indicators, warnings). Bad files are
    reported with their file and line; the rest of the batch is still ingested,
    and the exit code is 1 when anything failed.
    """
    from tqdm import tqdm
    if data_dir:
        ctx.obj["data_dir"] = data_dir
    kb = _kb(ctx)
    progress = None if quiet else (lambda files: tqdm(files, desc="ingest", unit="file", file=sys.stderr))
    bar = {}

    def encoding(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc="encode passages", unit="passage", file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    report = kb.ingest(list(paths) or None, progress=progress, encode_progress=None if quiet else encoding)
    if "bar" in bar:
        bar["bar"].close()
    if not quiet:
        # layout repairs (a displaced label…) first, then the flagged indicator rows
        warnings = sorted(report.warnings, key=lambda w: w.field == "indicators")
        shown = warnings if verbose else warnings[:WARNINGS_SHOWN]
        for w in shown:
            click.echo(f"warning: {w}", err=True)
        if len(shown) < len(report.warnings):
            click.echo(f"… {len(report.warnings) - len(shown)} more warnings (irregular rows are flagged, "
                       "not dropped); -v lists them all", err=True)
    for e in report.errors:
        click.echo(f"error: {e}", err=True)
    click.echo(report.summary())
    click.echo(f"data directory: {kb.data_dir}")
    ctx.exit(1 if report.failed else 0)


@cli.command()
@click.pass_context
def documents(ctx):
    """List the ingested documents: id, file, projects, when."""
    for doc_id, info in _kb(ctx).records.documents().items():
        click.echo(f"{doc_id}  {info['projects']:>3} projects  {info['ingested']}  {info['file']}")


@cli.command()
@click.argument("document")
@click.pass_context
def remove(ctx, document):
    """Remove one ingested document (its id, or the path it was ingested from):
    its records, its named graph and its search passages. Nothing else is touched."""
    kb = _kb(ctx)
    doc_id = kb.records.doc_for_path(document) or document
    if not kb.remove_document(doc_id):
        raise click.ClickException(f"no ingested document {document!r}; see `jixiao documents`")
    click.echo(f"removed {doc_id}")


@cli.group()
def export():
    """Export records or the graph."""


@export.command("records")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("--flags", is_flag=True, help="Also give each indicator's irregularity flags and each citation's quote, level and issuer.")
@click.pass_context
def export_records(ctx, fmt, flags):
    """Write every ingested project as a JSON list to stdout."""
    from ingest.storage.codec import project_to_dict
    kb = _kb(ctx)
    rows = []
    for p in kb.projects():
        d = project_to_dict(p)
        if flags:
            full = project_to_dict(p, full=True)
            for i, fi in zip(d["indicators"], full["indicators"]):
                i["flags"] = fi["flags"]
            d["citations"] = [{k: v for k, v in c.items()} for c in full["citations"]]
        rows.append(d)
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@export.command("graph")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "trig", "nq"]), default="ttl",
              show_default=True, help="trig and nq keep one named graph per source document.")
@click.pass_context
def export_graph(ctx, fmt):
    """Write the whole knowledge graph to stdout."""
    click.echo(_kb(ctx).export_graph(fmt), nl=False)   # bytes go to the binary stream


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="json is the SPARQL 1.1 Query Results JSON format.")
@click.pass_context
def sparql(ctx, query, fmt):
    """Run a SPARQL query: the text itself, @file.rq, or the name of a saved query in queries/.

    Saved queries: `jixiao queries`. The default graph is the union of every document's graph.
    """
    from app.queries import resolve
    from app.sparql import load_query, render
    result = _kb(ctx).sparql(load_query(resolve(query)))
    click.echo(render(result, fmt), nl=False)


@cli.command()
def queries():
    """List the saved example queries (queries/*.rq) and what each answers."""
    from app.queries import saved_queries
    for name, comment in saved_queries():
        click.echo(f"{name:34} {comment}")


@cli.command()
@click.option("--bind", default="127.0.0.1:7878", show_default=True, help="Host and port to listen on.")
@click.option("--read-only", is_flag=True, help="Serve without locking the store (do not ingest meanwhile).")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (browser tools such as YASGUI).")
@click.pass_context
def endpoint(ctx, bind, read_only, cors):
    """Serve the graph as a standard SPARQL 1.1 endpoint (query, update, graph store) for other tools.

    Queries go to http://BIND/query. While it runs, ingest through it with
    `jixiao --endpoint http://BIND ingest`. Stop it with Ctrl-C.
    """
    import os
    from ingest.graph.store import server_command
    kb_dir = KnowledgeBase.open(ctx.obj.get("data_dir")).data_dir
    cmd = server_command(kb_dir, bind, read_only=read_only, cors=cors)
    click.echo(f"SPARQL endpoint: http://{bind}/query  (store {kb_dir / 'graph'})", err=True)
    sys.stderr.flush()
    # become the server, so Ctrl-C and a supervisor's signals reach it directly
    os.execv(cmd[0], cmd)


@cli.command()
@click.option("--port", default=8501, show_default=True, help="Port of the web UI.")
@click.pass_context
def ui(ctx, port):
    """Serve the Streamlit UI: search, SPARQL editor, indicator trace, projects.

    Open http://localhost:PORT in a browser. The UI process holds the graph store
    while it runs; use `jixiao endpoint --read-only` meanwhile for external tools.
    """
    from app.ui import run_ui
    run_ui(ctx.obj.get("data_dir"), port)   # replaces this process; no store is opened here


@cli.command()
@click.pass_context
def validate(ctx):
    """Check the graph against the SHACL shapes (ontology/shapes.ttl); exit 1 on violations."""
    ok, report = _kb(ctx).validate()
    click.echo(report)
    ctx.exit(0 if ok else 1)


@cli.command()
@click.argument("query")
@click.option("--k", default=10, show_default=True, help="How many projects.")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of hits with passages, highlights and spans.")
@click.option("--unit", help="Only projects of this budget unit (申报单位).")
@click.option("--year", type=int, help="Only projects of this fiscal year.")
@click.option("--type", "performance_type", help="Only this 绩效类型, e.g. 信息化建设工程类.")
@click.option("--category", help="Only this 项目类别.")
@click.option("--budget-min", type=float, help="Only projects whose 项目总预算 is at least this (yuan).")
@click.option("--budget-max", type=float, help="Only projects whose 项目总预算 is at most this (yuan).")
@click.pass_context
def search(ctx, query, k, mode, as_json, unit, year, performance_type, category, budget_min, budget_max):
    """Search projects in Chinese or English; best passages are shown with the matches in 【】."""
    filters = dict(unit=unit, year=year, performance_type=performance_type, category=category,
                   budget_min=budget_min, budget_max=budget_max)
    hits = _kb(ctx).search(query, k=k, mode=mode, filters={k_: v for k_, v in filters.items() if v is not None})
    if as_json:
        click.echo(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no matching project")
    for n, h in enumerate(hits, 1):
        click.echo(f"{n:>2}. {h.project_name}  (score {h.score:.4f})")
        for p in h.passages:
            click.echo(f"      {p.field}: {p.marked()}")


@cli.command()
@click.argument("indicator")
@click.option("--project", help="Narrow an indicator name used by several projects (a project name or part of it).")
@click.option("--json", "as_json", is_flag=True, help="{indicator, project, bases: [{title, doc_number, article, quote, score, method, span}]}")
@click.option("--dot", "dot_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write the trace as a Graphviz DOT picture to this file.")
@click.pass_context
def trace(ctx, indicator, project, as_json, dot_file):
    """Trace an indicator (name or IRI) to the laws, articles and quoted clauses that support it.

    Bases are ranked by how directly each supports the indicator (semantic + lexical),
    each with its source span. An ambiguous name lists the candidates instead of guessing.
    """
    from app.trace import Ambiguous, render_trace
    from app.trace_dot import to_dot
    result = _kb(ctx).trace(indicator, project)
    click.echo(render_trace(result, as_json=as_json))
    if dot_file and not isinstance(result, Ambiguous):
        with open(dot_file, "w", encoding="utf-8") as f:
            f.write(to_dot(result))
    if isinstance(result, Ambiguous):
        ctx.exit(3)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON list of findings.")
@click.pass_context
def gaps(ctx, as_json):
    """Findings for reviewers: indicators whose project cites no concrete legal basis (only a
    budget rule), and 立项依据 that merely repeat 项目设立的必要性 or another section."""
    from app.gaps import render_gaps
    click.echo(render_gaps(_kb(ctx).gaps(), as_json=as_json))


@cli.group("eval")
def evaluate():
    """Measure search and trace quality on the judged sets in tests/eval/."""


@evaluate.command("search")
@click.option("--queries", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL of {query, relevant}; default tests/eval/search_queries.jsonl.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_search(ctx, path, as_json):
    """recall@5, MRR and nDCG@10 of bm25, dense and hybrid search, side by side."""
    from app.evaluate.search import format_table
    table = _kb(ctx).evaluate_search(path)
    click.echo(json.dumps(table, ensure_ascii=False, indent=2) if as_json else format_table(table))


@evaluate.command("trace")
@click.option("--cases", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL of judged indicator → best-basis pairs; default tests/eval/trace_cases.jsonl.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_trace(ctx, path, as_json):
    """top-1 and top-3 accuracy of the ranked support on judged indicator → basis pairs."""
    from app.evaluate.trace import format_trace_eval
    result = _kb(ctx).evaluate_trace(path)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str) if as_json else format_trace_eval(result))


def main() -> None:
    """Console entry point: domain errors become a message and exit code 2, not a traceback."""
    try:
        cli(obj={})
    except JixiaoError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
