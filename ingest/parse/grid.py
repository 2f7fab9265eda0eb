"""Grids → records: one template-agnostic interpreter for every table a reader found.

Driven by a vocabulary of printed labels kept as data (``vocabulary.toml`` beside this file):
header fields, indicator columns and the framework of 一级 / 二级 names, each with its synonyms.

Example: ``parse_grids(read_path("fixture.xlsx")).projects[0].name``
"""
from __future__ import annotations

from ingest.errors import IngestError
from ingest.parse.document import ParseResult
from ingest.read.document import Document


def parse_grids(doc: Document) -> ParseResult:
    """Every project (and department record) in the tables of ``doc``."""
    raise IngestError("reading tables from grids is not built yet", file=doc.path)
