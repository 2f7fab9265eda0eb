"""The ``jixiao`` command line. Each command parses its input, calls one
``KnowledgeBase`` method and renders the result; errors become exit messages here only.

Example: ``jixiao ingest && jixiao export records --format json``
"""
from __future__ import annotations

import json
import sys

import click

from ingest.errors import JixiaoError

from .core import KnowledgeBase

DATA_DIR_HELP = "Data directory for records, graph and indexes (env JIXIAO_DATA_DIR; default: ./var in the repo)."


def _kb(ctx: click.Context) -> KnowledgeBase:
    return KnowledgeBase.open(ctx.obj.get("data_dir"), endpoint=ctx.obj.get("endpoint"))


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
@click.pass_context
def ingest(ctx, paths, data_dir, quiet):
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
    report = kb.ingest(list(paths) or None, progress=progress)
    if not quiet:
        for w in report.warnings:
            click.echo(f"warning: {w}", err=True)
    for e in report.errors:
        click.echo(f"error: {e}", err=True)
    click.echo(report.summary())
    click.echo(f"data directory: {kb.data_dir}")
    ctx.exit(1 if report.failed else 0)


@cli.group()
def export():
    """Export records or the graph."""


@export.command("records")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("--flags", is_flag=True, help="Also give each indicator's irregularity flags and each citation's quote, level and issuer.")
@click.pass_context
def export_records(ctx, fmt, flags):
    """Write every ingested project as a JSON list to stdout."""
    from ingest.export import project_to_dict
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


def main() -> None:
    """Console entry point: domain errors become a message and exit code 2, not a traceback."""
    try:
        cli(obj={})
    except JixiaoError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
