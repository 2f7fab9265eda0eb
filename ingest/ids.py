"""Stable identifiers derived from content, so re-ingesting a table is idempotent.

Example: ``project_id("上海市计量测试技术研究院", 2020, "对口援助")``
"""
from __future__ import annotations

import hashlib


def digest(text: str, size: int = 16) -> str:
    """Hex digest prefix of ``text`` (SHA-1; an identifier, not a security measure)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:size]


def project_id(unit: str | None, year: int | None, name: str) -> str:
    """Project id from unit + year + name: the same project in two documents is one node."""
    return digest(f"{unit or ''}|{year or ''}|{name}")
