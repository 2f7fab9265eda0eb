"""The ``jixiao`` command line. Each command parses its input, calls one
``KnowledgeBase`` method and renders the result; errors become exit messages here only.

Every command takes ``--data-dir`` and ``--endpoint`` before or after its name. Every
error, a bad argument included, is printed as ``error: …`` with a ``hint:`` line (for a bad
argument: the command's own example) and no traceback; see :class:`JixiaoGroup`.

Example: ``jixiao ingest && jixiao search --data-dir var 能耗``
"""
from __future__ import annotations

import json
import re
import sys
from decimal import Decimal

import click

from ingest.errors import JixiaoError

from app.core import KnowledgeBase

WARNINGS_SHOWN = 10
DATA_DIR_HELP = ("Data directory for records, graph and indexes (env JIXIAO_DATA_DIR; default ./var in the "
                 "working directory).")
ENDPOINT_HELP = "Use this SPARQL 1.1 endpoint instead of the embedded store (env JIXIAO_ENDPOINT)."
EXIT_DOMAIN = 2          # a bad argument, or an error the message and hint explain
EXIT_AMBIGUOUS = 3       # trace: the name fits several indicators; the candidates are listed


# -- errors: one format for every command ----------------------------------------------------
def example_of(command: click.Command) -> str | None:
    """The first line of the ``Example:`` block of a command's help, or None.

    Example: ``example_of(cli.commands["search"])`` → ``'jixiao search "哪些项目涉及能耗在线监测"'``
    """
    m = re.search(r"^\s*Example:\s*\n\s*(\S.*)$", command.help or "", re.M)
    return m.group(1).strip() if m else None


class HintedUsageError(click.UsageError):
    """A bad argument, shown as ``error: …`` and a hint: the command's example and its ``--help``."""

    def __init__(self, error: click.UsageError):
        super().__init__(error.message, error.ctx)
        self.error = error

    def format_message(self) -> str:
        return self.error.format_message()

    def hint(self) -> str:
        ctx = self.ctx
        if ctx is None:
            return "`jixiao --help` lists the commands"
        help_ = f"`{ctx.command_path} --help` explains every option"
        param = getattr(self.error, "param", None)
        about = f"{param.opts[-1] if param.opts else param.name}: {param.help.rstrip('.')}; " \
            if param is not None and getattr(param, "help", None) else ""
        if isinstance(ctx.command, click.Group) and not about:
            return f"commands: {', '.join(sorted(ctx.command.commands))}; {help_}"
        example = example_of(ctx.command)
        return about + (f"for example `{example}`; {help_}" if example else help_)

    def show(self, file=None) -> None:
        if self.ctx is not None:
            click.echo(self.ctx.get_usage(), err=True, file=file)
        click.echo(f"error: {self.format_message()}\n  hint: {self.hint()}", err=True, file=file)


class DomainError(click.ClickException):
    """A :class:`JixiaoError` on its way out: its message and hint as they are, exit code 2."""

    exit_code = EXIT_DOMAIN

    def __init__(self, error: JixiaoError):
        super().__init__(str(error))

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True, file=file)


# `jixiao export` alone prints the group's help (click's own behaviour): not an error to reword
_HELP_SHOWN = getattr(click.exceptions, "NoArgsIsHelpError", ())


class JixiaoGroup(click.Group):
    """The root group: turns bad arguments and domain errors, wherever they are raised, into
    ``error: …`` plus a ``hint:`` line, in the console script and under ``CliRunner`` alike."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _HELP_SHOWN:
            raise
        except click.UsageError as e:   # a bad option before the command name
            raise e if isinstance(e, HintedUsageError) else HintedUsageError(e) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (HintedUsageError, *((_HELP_SHOWN,) if _HELP_SHOWN else ())):
            raise
        except click.UsageError as e:   # a subcommand's arguments (parsed inside this call)
            raise HintedUsageError(e) from None
        except JixiaoError as e:
            raise DomainError(e) from None


# -- options every command takes -----------------------------------------------------------
def _remember(name: str):
    def callback(ctx: click.Context, param: click.Parameter, value):
        if value is not None:        # given after the command name: it wins over the group's
            ctx.ensure_object(dict)[name] = value
        return value
    return callback


def kb_options(f):
    """``--data-dir`` and ``--endpoint``, accepted after a command's name as well as before it."""
    f = click.option("--endpoint", metavar="URL", default=None, expose_value=False,
                     callback=_remember("endpoint"), help=ENDPOINT_HELP)(f)
    return click.option("--data-dir", type=click.Path(file_okay=False), default=None, expose_value=False,
                        callback=_remember("data_dir"), help=DATA_DIR_HELP)(f)


class Money(click.ParamType):
    """An amount in yuan as people type it: ``3000000``, ``3,000,000``, ``300万``, ``1.5亿``."""

    name = "AMOUNT"

    def convert(self, value, param, ctx) -> Decimal:
        if isinstance(value, Decimal):
            return value
        from ingest.parse.values import parse_money
        try:
            return parse_money(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _bind(ctx, param, value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT (a port from 1 to 65535), e.g. 127.0.0.1:7878")
    return value


def _kb(ctx: click.Context) -> KnowledgeBase:
    """The knowledge base of this invocation, closed (store lock released) when the command ends."""
    kb = KnowledgeBase.open(ctx.obj.get("data_dir"), endpoint=ctx.obj.get("endpoint"))
    ctx.call_on_close(kb.close)
    return kb


@click.group(cls=JixiaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--endpoint", metavar="URL", default=None, help=ENDPOINT_HELP)
@click.version_option(package_name="jixiao")
@click.pass_context
def cli(ctx: click.Context, data_dir, endpoint):
    """jixiao 绩效图谱: knowledge graph and search over 财政项目支出绩效目标表.

    Start with `jixiao ingest` (reads the bundled data/), then `jixiao search`,
    `jixiao trace` or `jixiao sparql`. `jixiao COMMAND --help` explains each one.

    \b
    Example:
      jixiao ingest
      jixiao search "哪些项目涉及能耗在线监测"
      jixiao search --data-dir var 能耗

    \b
    Exit codes:
      0  done
      1  something failed that the command reports (see each command)
      2  a bad argument, or an error; the message says what and a hint how to fix it
    """
    ctx.ensure_object(dict)
    ctx.obj.update(data_dir=data_dir, endpoint=endpoint)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@kb_options
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no warnings, only the summary.")
@click.option("-v", "--verbose", is_flag=True, help=f"List every warning, not only the first {WARNINGS_SHOWN}.")
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Read, parse and build the graph on a Dask cluster: tcp://HOST:PORT of a running scheduler "
                   "(every worker has the same jixiao install and sees the input files by the same path), "
                   "or local:N for N worker processes on this machine. Needs pip install 'jixiao[cluster]'.")
@click.pass_context
def ingest(ctx, paths, quiet, verbose, cluster):
    """Ingest .txt/.pdf performance-target tables: files or folders (default: the bundled data/).

    Builds the records, the graph (with the ranked support links) and the search
    index, then prints a summary (files, projects, indicators, warnings). A bad
    file is reported with its file and line; the rest of the batch is still ingested.

    \b
    Example:
      jixiao ingest
      jixiao ingest tables/ 2021年度项目支出绩效目标表.pdf -v
      jixiao ingest --cluster tcp://10.0.0.5:8786 /shared/tables/
      jixiao ingest --cluster local:2 tables/

    \b
    Exit codes:
      0  every file ingested
      1  some file could not be read (the others are ingested)
      2  a bad argument, the data directory or graph store cannot be used,
         or the --cluster scheduler cannot be reached or its workers lack jixiao
    """
    from tqdm import tqdm
    kb = _kb(ctx)
    if kb.settings.encoder == "auto" and paths:      # the encoder follows the corpus size (README: Search and models)
        from ingest.pipeline import expand_paths
        from ingest.search.static import expected_passages
        kb.expected_passages = expected_passages(expand_paths(paths))
    progress = None if quiet else (lambda files: tqdm(files, desc="ingest", unit="file", file=sys.stderr))
    bar = {}

    def encoding(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc="encode passages", unit="passage", file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    if cluster:
        from ingest.cluster import cluster_executor
        from app.settings import BUNDLED_DATA
        with cluster_executor(cluster, inputs=list(paths) or [BUNDLED_DATA]) as executor:
            report = kb.ingest(list(paths) or None, progress=progress,
                               encode_progress=None if quiet else encoding, executor=executor)
    else:
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
    if kb.heal_note:
        click.echo(f"note: {kb.heal_note}", err=True)
    click.echo(report.summary())
    click.echo(f"data directory: {kb.data_dir}")
    ctx.exit(1 if report.failed else 0)


@cli.command()
@kb_options
@click.pass_context
def documents(ctx):
    """List the ingested documents: id, number of projects, when, file.

    \b
    Example:
      jixiao documents --data-dir var

    \b
    Exit codes:
      0  listed (an empty data directory says how to ingest, on stderr)
      2  a bad argument, or the data directory cannot be used
    """
    from app.core import INGEST_HINT
    kb = _kb(ctx)
    docs = kb.records.documents()
    if not docs:
        click.echo(f"no documents in {kb.data_dir} yet\n  hint: {INGEST_HINT}", err=True)
    for doc_id, info in docs.items():
        click.echo(f"{doc_id}  {info['projects']:>3} projects  {info['ingested']}  {info['file']}")


@cli.command()
@click.argument("document")
@kb_options
@click.pass_context
def remove(ctx, document):
    """Remove one ingested document (its id, or the path it was ingested from):
    its records, its named graph and its search passages. Nothing else is touched.

    \b
    Example:
      jixiao remove data/000_33c4abcdc6cea628.txt

    \b
    Exit codes:
      0  removed
      2  no such document, or a bad argument
    """
    from app.core import KnowledgeBaseError
    kb = _kb(ctx)
    doc_id = kb.records.doc_for_path(document) or document
    if not kb.remove_document(doc_id):
        raise KnowledgeBaseError(f"no ingested document {document!r} in {kb.data_dir}",
                                 hint="`jixiao documents` lists the ids and files you can remove")
    click.echo(f"removed {doc_id}")


@cli.group()
@kb_options
def export():
    """Export records (JSON) or the graph (Turtle, N-Triples, JSON-LD, TriG, N-Quads).

    \b
    Example:
      jixiao export records --format json > projects.json
      jixiao export graph --format trig > graph.trig
    """


@export.command("records")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("--flags", is_flag=True, help="Also give each indicator's irregularity flags, each citation's quote, "
              "level and issuer, and each project's review findings (rule, severity, indicator, message, span).")
@kb_options
@click.pass_context
def export_records(ctx, fmt, flags):
    """Write every ingested project as a JSON list to stdout.

    \b
    Example:
      jixiao export records --flags > projects.json

    \b
    Exit codes:
      0  written (an empty list when nothing is ingested)
      2  a bad argument, or the data directory cannot be used
    """
    from ingest.storage.codec import project_to_dict
    kb = _kb(ctx)
    findings: dict[str, list] = {}
    if flags and kb.records.documents():
        for pr in kb.review().projects:   # the review's findings about each project (jixiao review)
            findings[pr.project_id] = [f.to_json() for f in pr.findings]
    # one document's records at a time (a province's projects are GBs as objects), written as the
    # same indented list json.dumps would give; a project in two documents is written once
    seen: set[str] = set()
    first = True
    for _, group, _ in kb.records.scan(texts=False):
        for p in group:
            if p.id in seen:
                continue
            seen.add(p.id)
            d = project_to_dict(p)
            if flags:
                full = project_to_dict(p, full=True)
                for i, fi in zip(d["indicators"], full["indicators"]):
                    i["flags"] = fi["flags"]
                d["citations"] = [{k: v for k, v in c.items()} for c in full["citations"]]
                d["findings"] = findings.get(p.id, [])
            item = "\n".join("  " + line for line in json.dumps(d, ensure_ascii=False, indent=2).splitlines())
            click.echo(("[\n" if first else ",\n") + item, nl=False)
            first = False
    click.echo("[]" if first else "\n]")


@export.command("graph")
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "trig", "nq"]), default="ttl",
              show_default=True, help="trig and nq keep one named graph per source document.")
@kb_options
@click.pass_context
def export_graph(ctx, fmt):
    """Write the whole knowledge graph to stdout.

    \b
    Example:
      jixiao export graph --format ttl > graph.ttl

    \b
    Exit codes:
      0  written
      2  a bad argument, or the graph store cannot be opened
    """
    click.echo(_kb(ctx).export_graph(fmt), nl=False)   # bytes go to the binary stream


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="json is the SPARQL 1.1 Query Results JSON format.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Fill a saved query's parameter (its VALUES ?NAME block); repeat for more values. "
                   "Unset parameters match everything.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop the query after this many seconds (default 30, or the sparql_timeout setting).")
@click.option("--row-cap", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep at most N rows (default 10,000, or the row_cap setting); a note says when rows were cut.")
@kb_options
@click.pass_context
def sparql(ctx, query, fmt, params, timeout, row_cap):
    """Run a SPARQL query: the text itself, @file.rq, or the name of a saved query in ontology/queries/.

    Saved queries: `jixiao queries`. The default graph is the union of every document's graph.
    Queries only read: updates are refused, and so is SERVICE (federation) unless the
    allow_service setting is on. A query runs read-only beside a running ingest, under a time
    limit (--timeout) and a row cap (--row-cap).

    \b
    Example:
      jixiao sparql budget_by_performance_type --format csv
      jixiao sparql project_card --param name=时频实验室运维费
      jixiao sparql @my_query.rq
      jixiao sparql 'PREFIX jx: <https://w3id.org/jixiao/ontology#>
                     SELECT ?name WHERE { ?p jx:name ?name } LIMIT 5'

    \b
    Exit codes:
      0  answered
      2  the query does not parse (line, column and a caret), an update or SERVICE (refused),
         the time limit was hit, an unknown saved query (the names are listed), an unreadable
         file, or a bad argument
    """
    from app.queries import bind_params, parse_param, resolve
    from app.sparql import load_query, render
    text = load_query(resolve(query))
    if params:
        given: dict[str, list[str]] = {}
        for item in params:
            name, value = parse_param(item)
            given.setdefault(name, []).append(value)
        text = bind_params(text, given, query_name=query if len(query) < 60 else "the query")
    result = _kb(ctx).sparql(text, timeout=timeout, row_cap=row_cap)
    click.echo(render(result, fmt), nl=False)
    if result.truncated:
        click.echo(f"note: only the first {len(result):,} rows are shown (the row cap); add LIMIT/OFFSET, "
                   "or raise it with --row-cap N", err=True)


@cli.command()
@kb_options
def queries():
    """List the saved example queries (ontology/queries/*.rq) and what each answers.

    \b
    Example:
      jixiao queries

    \b
    Exit codes:
      0  listed
      2  a bad argument
    """
    from app.queries import QUERIES_DIR, parameters, saved_queries
    for name, comment in saved_queries():
        click.echo(f"{name:34} {comment}")
        for p in parameters((QUERIES_DIR / f"{name}.rq").read_text("utf-8")):
            click.echo(f"{'':34}   --param {p.name}=…  {p.help}")


@cli.command()
@click.option("--bind", default="127.0.0.1:7878", show_default=True, callback=_bind, help="HOST:PORT to listen on.")
@click.option("--read-only/--read-write", "read_only", default=True, show_default=True,
              help="Read-only (the default) holds no lock, so `jixiao ingest` runs beside it; --read-write "
                   "also accepts SPARQL Update and Graph Store requests, and locks the store.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop each query after this many seconds (default 30, or the sparql_timeout setting).")
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (browser tools such as YASGUI).")
@kb_options
@click.pass_context
def endpoint(ctx, bind, read_only, timeout, cors):
    """Serve the graph as a standard SPARQL 1.1 endpoint for other tools.

    Queries go to http://BIND/query (GET or POST). Every query is checked (updates and SERVICE
    refused) and runs under a time limit and a row cap; a query whose client goes away is
    stopped. Read-only by default: ingest meanwhile as usual, and each query sees what was
    ingested before it. With --read-write, updates go to http://BIND/update and the graph
    store to http://BIND/store: ingest through it with `jixiao --endpoint http://BIND ingest`.
    Stop it with Ctrl-C.

    \b
    Example:
      jixiao endpoint --bind 127.0.0.1:7878
      jixiao endpoint --read-write --timeout 60

    \b
    Exit codes:
      0  stopped (Ctrl-C)
      2  a bad argument, the port is taken, the store is held elsewhere (--read-write), or no
         Oxigraph binary (--read-write)
    """
    import signal
    from app.core import check_data_dir
    from app.settings import Settings
    from ingest.graph.serve import SparqlEndpoint
    if ctx.obj.get("endpoint"):
        raise click.BadParameter("jixiao endpoint serves the data directory's own store; it does not use "
                                 "another endpoint", param_hint="--endpoint")
    settings = Settings.load(data_dir=ctx.obj.get("data_dir"))
    kb_dir = check_data_dir(settings.data_dir)
    kb = KnowledgeBase(settings)
    host, _, port = bind.rpartition(":")
    server = SparqlEndpoint(kb_dir, host, int(port), limits=kb.limits(timeout), read_only=read_only,
                            cors=cors, log=True).start()
    mode = "read-only" if read_only else "read-write"
    click.echo(f"SPARQL endpoint: {server.url}/query  ({mode}; store {kb_dir / 'graph'}; time limit "
               f"{server.limits.timeout:g} s, row cap {server.limits.row_cap:,}; SERVICE "
               f"{'allowed' if server.limits.allow_service else 'off'})", err=True)

    def stop(signum, frame):   # a supervisor's SIGTERM stops it as Ctrl-C does
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port of the web UI.")
@kb_options
@click.pass_context
def ui(ctx, port):
    """Serve the Streamlit UI: search, SPARQL editor, indicator trace, projects.

    Open http://localhost:PORT in a browser. The UI process holds the graph store
    while it runs; use `jixiao endpoint --read-only` meanwhile for external tools.

    \b
    Example:
      jixiao ui --port 8501 --data-dir var

    \b
    Exit codes:
      0  stopped (Ctrl-C)
      2  a bad argument, or the data directory cannot be used
    """
    from app.core import check_data_dir
    from app.settings import Settings
    from app.ui import run_ui
    settings = Settings.load(data_dir=ctx.obj.get("data_dir"), endpoint=ctx.obj.get("endpoint"))
    # resolved here, so the server reads this directory whatever its own working directory
    run_ui(check_data_dir(settings.data_dir), port, endpoint=settings.endpoint)  # replaces this process


@cli.command()
@kb_options
@click.pass_context
def validate(ctx):
    """Check the graph against the SHACL shapes (ontology/shapes.ttl).

    \b
    Example:
      jixiao validate

    \b
    Exit codes:
      0  the graph conforms
      1  violations (listed)
      2  nothing ingested yet, or a bad argument
    """
    kb = _kb(ctx)
    kb.require_projects()
    ok, report = kb.validate()
    click.echo(report)
    ctx.exit(0 if ok else 1)


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True,
              help='{"answer", "rows", "sparql", "entities", "reading", "fallback", …} as JSON.')
@kb_options
@click.pass_context
def ask(ctx, question, as_json):
    """Ask a question in plain Chinese; it is answered by one read-only SPARQL query, shown.

    The answer names its figure (amounts in 元 and 万元), the rows with their projects, the
    SPARQL that produced them, the names recognised (with confidence) and how the question was
    read. When no question type fits or a name is unsure, it says so, offers the closest
    readings (您是不是想问…) and shows search results instead.

    \b
    Example:
      jixiao ask "2020年信息化建设工程类项目总预算是多少"
      jixiao ask "哪些项目没有填写上年预算额" --json

    \b
    Exit codes:
      0  answered
      1  no answer: the fallback was printed
      2  nothing ingested yet, or a bad argument
    """
    kb = _kb(ctx)
    kb.require_projects()            # a never-ingested data directory says how to ingest
    result = kb.ask(question)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        ctx.exit(1 if result.fallback else 0)
    click.echo(result.answer)
    click.echo(f"理解为: {result.reading}")
    if result.entities:
        click.echo("识别: " + "；".join(f"{e['text']}→{e['kind']}:{e['label']}（{e['confidence']:.2f}）"
                                      for e in result.entities))
    if result.sparql:
        click.echo("SPARQL:")
        click.echo(result.sparql)
    for hit in result.search:
        click.echo(f"  搜索: {hit['project_name']}")
    ctx.exit(1 if result.fallback else 0)


@cli.command()
@click.argument("query")
@click.option("--k", type=click.IntRange(min=1), default=10, show_default=True, help="How many projects (1 or more).")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of hits with passages, highlights and spans.")
@click.option("--unit", help="Only projects of this budget unit (申报单位).")
@click.option("--year", type=int, help="Only projects of this fiscal year.")
@click.option("--type", "performance_type", help="Only this 绩效类型, e.g. 信息化建设工程类.")
@click.option("--category", help="Only this 项目类别.")
@click.option("--budget-min", type=Money(), help="Only projects whose 项目总预算 is at least this: 3000000, 3,000,000, 300万, 1.5亿.")
@click.option("--budget-max", type=Money(), help="Only projects whose 项目总预算 is at most this (yuan, or 万/亿).")
@click.option("--all", "show_all", is_flag=True, help="Also show weak hits below the relevance floor.")
@kb_options
@click.pass_context
def search(ctx, query, k, mode, as_json, unit, year, performance_type, category, budget_min, budget_max, show_all):
    """Search projects in Chinese or English; best passages are shown with the matches in 【】.

    \b
    Example:
      jixiao search "哪些项目涉及能耗在线监测"
      jixiao search 系统运维 --type 信息化建设工程类 --budget-min 30万 --k 5

    \b
    Exit codes:
      0  results printed (none is still 0)
      2  a bad argument, or nothing ingested yet (the message says how to ingest)
    """
    from app.search import understood_search
    from app.ask.answer import money
    filters = dict(unit=unit, year=year, performance_type=performance_type, category=category,
                   budget_min=budget_min, budget_max=budget_max)
    kb = _kb(ctx)
    kb.require_documents()           # a never-ingested data directory says how to ingest
    result = understood_search(kb, query, k=k, mode=mode, include_weak=show_all,
                               filters={k_: v for k_, v in filters.items() if v is not None})
    if kb.search_note:               # never silently from an index behind the records
        click.echo(f"note: {kb.search_note}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    if result.answer is not None:
        click.echo(f"答: {result.answer.answer}")
        click.echo(f"   （{result.answer.reading}；jixiao ask --json 显示 SPARQL）")
    if result.applied:
        click.echo("筛选: " + "；".join(result.applied))
    if not result.hits:
        click.echo(result.message or "没有相关项目")
        if result.weak:
            click.echo(f"（{len(result.weak)} 个弱相关结果未显示；加 --all 显示）")
    for n, uh in enumerate(result.hits, 1):
        h = uh.hit
        shown = uh.amount_text() if uh.filtered_on and uh.filtered_on[0] != "total" else ""
        click.echo(f"{n:>2}. {h.project_name}  项目总预算 {money(uh.budget)}{'  ' + shown if shown else ''}"
                   f"  (score {h.score:.4f})")
        for p in h.passages:
            click.echo(f"      {p.field}: {p.marked()}")


@cli.command()
@click.argument("indicator")
@click.option("--project", help="Narrow an indicator name used by several projects (a project name or part of it).")
@click.option("--json", "as_json", is_flag=True, help="{indicator, project, bases: [{title, doc_number, article, quote, score, method, span}]}")
@click.option("--dot", "dot_file", type=click.Path(dir_okay=False, writable=True),
              help="Also write the trace as a Graphviz DOT picture to this file.")
@kb_options
@click.pass_context
def trace(ctx, indicator, project, as_json, dot_file):
    """Trace an indicator (name or IRI) to the laws, articles and quoted clauses that support it.

    Bases are ranked by how directly each supports the indicator (semantic + lexical,
    ranked at ingest and read from the graph), each with its source span. An
    ambiguous name lists the candidates instead of guessing.

    \b
    Example:
      jixiao trace 能耗数据异常故障修复率
      jixiao trace 预算执行率 --project 技改项目经费 --json
      jixiao trace 能耗数据异常故障修复率 --dot trace.dot

    \b
    Exit codes:
      0  traced
      2  no such indicator or project (the hint names close ones), nothing ingested, a bad argument
      3  the name fits several indicators: the candidates are listed; add --project or give an IRI
    """
    from app.trace import Ambiguous, render_trace
    from app.trace_dot import to_dot
    result = _kb(ctx).trace(indicator, project)
    click.echo(render_trace(result, as_json=as_json))
    if isinstance(result, Ambiguous):
        ctx.exit(EXIT_AMBIGUOUS)
    if dot_file:
        try:
            with open(dot_file, "w", encoding="utf-8") as f:
                f.write(to_dot(result))
        except OSError as e:
            raise click.BadParameter(f"cannot write {dot_file}: {e.strerror or e}", param_hint="--dot") from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON list of findings.")
@kb_options
@click.pass_context
def gaps(ctx, as_json):
    """The review's grounding findings seen from the indicators: indicators whose project cites no
    concrete legal basis (only budget rules or the unit's own rules), and 立项依据 that merely repeat
    项目设立的必要性 or another section, or leave the concrete bases to other sections.
    `jixiao review` gives the whole review.

    \b
    Example:
      jixiao gaps --json

    \b
    Exit codes:
      0  findings printed (none is still 0)
      2  nothing ingested yet, or a bad argument
    """
    from app.gaps import render_gaps
    click.echo(render_gaps(_kb(ctx).gaps(), as_json=as_json))


@cli.command()
@click.argument("project", required=False)
@click.option("--json", "as_json", is_flag=True,
              help='{"counts", "projects": [{"project", "framework", "counts", "findings": [{"rule", "severity", '
                   '"indicator", "message", "where", "text"}]}]} as JSON.')
@click.option("--format", "fmt", type=click.Choice(["text", "md", "docx"]), default="text", show_default=True,
              help="text or md (Markdown) to stdout; docx writes an editable Word report to --output.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Where --format docx writes the report (default 绩效目标审核.docx).")
@kb_options
@click.pass_context
def review(ctx, project, as_json, fmt, output):
    """Review every table (or one project) against the performance-target rules, as reviewers do.

    Per project, grouped like the official review sheet (总体目标, 产出指标, 效益指标, 满意度指标,
    需补充完善事项): each finding with its rule, severity (错误/警告/提示), message and source cell
    (file:line and its text); then the counts by severity. The rules and their official sources are
    app/review/rules.toml and ontology/review.ttl (docs/review-rules.md lists them).

    \b
    Example:
      jixiao review
      jixiao review 大型仪器项目经费 --format md
      jixiao review --format docx -o 审核意见.docx

    \b
    Exit codes:
      0  reviewed (findings are not an error)
      2  no such project (the hint names close ones), nothing ingested yet, or a bad argument
    """
    from app.review.render import render_json, render_markdown, render_text
    kb = _kb(ctx)
    rv = kb.review(project)
    texts = kb.doc_texts()
    if as_json:
        click.echo(render_json(rv, texts))
    elif fmt == "docx":
        from app.review.word import write_docx
        path = output or "绩效目标审核.docx"
        try:
            write_docx(rv, path, texts)
        except OSError as e:
            raise click.BadParameter(f"cannot write {path}: {e.strerror or e}", param_hint="--output") from None
        c = rv.counts()
        click.echo(f"wrote {path}: {len(rv.projects)} projects, {c['error']} errors, {c['warning']} warnings, "
                   f"{c['info']} notes")
    else:
        click.echo(render_markdown(rv, texts) if fmt == "md" else render_text(rv, texts))


@cli.group("eval")
@kb_options
def evaluate():
    """Measure search, trace, ask and review quality on the judged sets in tests/eval/.

    \b
    Example:
      jixiao eval search
      jixiao eval trace --json
    """


@evaluate.command("ask")
@click.option("--questions", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL of {question, type, expect}; default tests/eval/questions.jsonl.")
@click.option("--json", "as_json", is_flag=True)
@click.option("-v", "--verbose", is_flag=True, help="List every question that was answered wrongly.")
@kb_options
@click.pass_context
def eval_ask(ctx, path, as_json, verbose):
    """Exact-answer accuracy, fallback rate and accuracy per question type of `jixiao ask`.

    \b
    Example:
      jixiao eval ask -v

    \b
    Exit codes:
      0  measured
      2  a malformed question file, nothing ingested, a bad argument
    """
    from app.evaluate.ask import format_ask_eval
    result = _kb(ctx).evaluate_ask(path)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_ask_eval(result, verbose))


@evaluate.command("review")
@click.option("--cases", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL of {project, rule, fires}; default tests/eval/review_cases.jsonl.")
@click.option("--json", "as_json", is_flag=True)
@click.option("-v", "--verbose", is_flag=True, help="List every case the review got wrong.")
@kb_options
@click.pass_context
def eval_review(ctx, path, as_json, verbose):
    """Precision and recall per rule of `jixiao review` on judged (project, rule) cases.

    Cases about projects that are not ingested are skipped (and counted); ingest the template
    fixtures too to measure all of them (README: Review).

    \b
    Example:
      jixiao eval review -v

    \b
    Exit codes:
      0  measured
      2  a malformed case file, nothing ingested, a bad argument
    """
    from app.evaluate.review import format_review_eval
    result = _kb(ctx).evaluate_review(path)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_review_eval(result, verbose))


@evaluate.command("search")
@click.option("--queries", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL of {query, relevant}; default tests/eval/search_queries.jsonl.")
@click.option("--json", "as_json", is_flag=True)
@kb_options
@click.pass_context
def eval_search(ctx, path, as_json):
    """recall@5, MRR and nDCG@10 of bm25, dense, hybrid and the understood search, side by side.

    On the original queries and on the extended set (queries with conditions, questions), and
    the honest-empty rate on the queries where nothing is relevant (the understood search shows
    nothing above its floor; a plain mode returns nothing at all).

    \b
    Example:
      jixiao eval search --queries my_queries.jsonl

    \b
    Exit codes:
      0  measured
      2  a malformed query file (its file and line), nothing ingested, a bad argument
    """
    from app.evaluate.search import format_table
    table = _kb(ctx).evaluate_search(path)
    click.echo(json.dumps(table, ensure_ascii=False, indent=2) if as_json else format_table(table))


@evaluate.command("trace")
@click.option("--cases", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSONL of judged indicator → best-basis pairs; default tests/eval/trace_cases.jsonl.")
@click.option("--json", "as_json", is_flag=True)
@kb_options
@click.pass_context
def eval_trace(ctx, path, as_json):
    """top-1 and top-3 accuracy of the ranked support on judged indicator → basis pairs.

    \b
    Example:
      jixiao eval trace --cases my_cases.jsonl

    \b
    Exit codes:
      0  measured
      2  a malformed case file (its file and line), nothing ingested, a bad argument
    """
    from app.evaluate.trace import format_trace_eval
    result = _kb(ctx).evaluate_trace(path)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str) if as_json else format_trace_eval(result))


def main() -> None:
    """Console entry point (errors are formatted by :class:`JixiaoGroup`)."""
    cli(obj={})


if __name__ == "__main__":
    main()
