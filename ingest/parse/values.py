"""Cell values: amounts, dates and yes/no answers as printed in a table, into typed values.

Pure functions shared by every parser (the fixed-width layout parser and the grid
interpreter) and by the front ends that accept amounts (``--budget-min 300万``).

Example:
    >>> parse_amount("2,724,000"), parse_date("2020.01.01"), parse_bool("是")
    (Decimal('2724000'), datetime.date(2020, 1, 1), True)
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

_DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def parse_amount(value: str, scale: int = 1) -> Decimal | None:
    """A budget cell in yuan: ``"2,724,000"`` → 2724000; blank → None (not 0).

    Example:
        >>> parse_amount("138,200")
        Decimal('138200')
    """
    m = re.search(r"-?\d[\d,，]*(?:\.\d+)?", value)
    if not m:
        return None
    try:
        return Decimal(re.sub(r"[,，]", "", m.group())) * scale
    except InvalidOperation:
        return None


# Magnitudes a person writes after an amount in yuan (元 alone, or nothing, is 1).
MONEY_UNITS = {"千": 1_000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}
_MONEY = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(%s)?\s*元?"
                    % "|".join(sorted(MONEY_UNITS, key=len, reverse=True)))   # 千万 before 千


def parse_money(text: str) -> Decimal:
    """An amount a person types, in yuan: ``3000000``, ``3,000,000``, ``300万``, ``1.5亿``, ``300万元``.

    Full-width digits and the Chinese comma are read as their ASCII forms. Raises ``ValueError``
    (saying what is accepted) for anything else, a negative amount included.

    Example:
        >>> parse_money("300万"), parse_money("3,000,000"), parse_money("1.5亿元")
        (Decimal('3000000'), Decimal('3000000'), Decimal('150000000'))
    """
    norm = unicodedata.normalize("NFKC", text or "").replace("，", ",").strip()
    m = _MONEY.fullmatch(norm)
    if not m:
        raise ValueError(f"not an amount: {text!r} (write yuan as 3000000 or 3,000,000, or 300万, 1.5亿)")
    scale = MONEY_UNITS.get(m.group(2) or "", 1)
    value = Decimal(m.group(1).replace(",", "")) * scale
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


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
