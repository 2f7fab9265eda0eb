"""Write the fixtures out, to look at them or to try ``jixiao ingest`` on them.

Usage (from ``tests/``): ``python -m render OUTDIR [FIXTURE ...] [--formats xlsx,pdf,pipe] [--review]``;
no fixture names means all of them, no ``--formats`` means every format, lossy text shapes included;
``--review`` writes the review's fixtures (``tests/fixtures/review``) instead of the templates.

Example: ``cd tests && ../.venv/bin/python -m render /tmp/tables zipingbiao --formats xlsx,pdf``
"""
from __future__ import annotations

import argparse
from pathlib import Path

from render import FORMATS, LOSSY, render
from render.spec import REVIEW_FIXTURES, TEMPLATES, load_spec, spec_names


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m render", description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("names", nargs="*", help=f"fixtures (default: all of {', '.join(spec_names())})")
    ap.add_argument("--formats", default=",".join(FORMATS + LOSSY))
    ap.add_argument("--review", action="store_true", help="the review's fixtures (tests/fixtures/review)")
    args = ap.parse_args()
    folder = REVIEW_FIXTURES if args.review else TEMPLATES
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name in args.names or spec_names(folder):
        spec = load_spec(name, folder)
        for fmt in args.formats.split(","):
            print(render(spec, fmt.strip(), args.outdir))


if __name__ == "__main__":
    main()
