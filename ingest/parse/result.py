"""What parsing one document gives, whichever parser read it.

Example: ``ParseResult().projects`` → ``[]``
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ingest.errors import IngestError, IngestWarning
from ingest.records import Department, Project


@dataclass
class ParseResult:
    """What one document gave: good projects (and departments, from 整体支出 tables), warnings,
    and per-table errors."""

    projects: list[Project] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    warnings: list[IngestWarning] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
