"""Cell values: amounts, dates and yes/no answers as printed in a table, into typed values.

Pure functions shared by every parser (the fixed-width layout parser and the grid
interpreter) and by the front ends that accept amounts (``--budget-min 300万``).

Example: ``parse_amount("138,200") == Decimal(138200)``
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def parse_amount(value: str, scale: int = 1) -> Decimal | None:
    """A budget cell in yuan: ``"2,724,000"`` → 2724000; blank → None (not 0).

    Example: ``parse_amount("138,200") == Decimal(138200)``
    """
    m = re.search(r"-?\d[\d,，]*(?:\.\d+)?", value)
    if not m:
        return None
    try:
        return Decimal(re.sub(r"[,，]", "", m.group())) * scale
    except InvalidOperation:
        return None


def parse_date(value: str) -> date | None:
    """``2020-01-01``, ``2020/1/1``, ``2020年1月1日`` or ``2020.01.01`` → a date."""
    m = _DATE.search(value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_bool(value: str) -> bool | None:
    """``是`` → True, ``否`` → False, anything else → None."""
    value = value.strip()
    return True if value.startswith("是") else False if value.startswith("否") else None
