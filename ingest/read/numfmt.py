"""A spreadsheet value as Excel prints it, from the value and the cell's number format.

A budget stored as the float ``1234567.0`` with the format ``#,##0.00`` is printed
``1,234,567.00``; ``0.95`` with ``0%`` is ``95%``; a date serial with ``yyyy"年"m"月"d"日"`` is
``2021年1月1日``. A reader that wrote ``1234567.0`` or ``0.95`` would put numbers in the
document that appear nowhere on the printed table. This covers the formats tables use
(General, fixed decimals, thousands separators, percentages, literal units such as
``"万元"``, dates and times, the sign sections); a format it does not understand falls back
to General, which still prints integers without ``.0``.

Example:
    >>> format_value(1234567.0, "#,##0.00")
    '1,234,567.00'
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

_BRACKET = re.compile(r"\[[^\]]*\]")           # [Red], [$-804], [>=100], [DBNum1] …
_DATE_TOKEN = re.compile(r"(?i)yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p")
_DIGIT = set("0#?")


def format_value(value, fmt: str | None) -> str:
    """Render a cell value (number, bool, date, text) with its Excel number format.

    Example:
        >>> format_value(0.95, "0%"), format_value(3.0, "General")
        ('95%', '3')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, (datetime, date, time)):
        return format_date(value, fmt)
    if isinstance(value, timedelta):
        return str(value)
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    section, value = _section(fmt or "General", value)
    if section is None:
        return general(value)
    try:
        return _format_number(value, section)
    except (ValueError, ArithmeticError):
        return general(value)


def general(value) -> str:
    """Excel's General: integers without ``.0``, at most 15 significant digits, no exponent
    for ordinary magnitudes.

    Example:
        >>> general(0.1 + 0.2)
        '0.3'
    """
    if isinstance(value, int):
        return str(value)
    d = Decimal(f"{float(value):.15g}")
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def _sections(fmt: str) -> list[str]:
    out, buf, quoted = [], [], False
    for ch in fmt:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return out


def _section(fmt: str, value) -> tuple[str | None, float]:
    """The format section for this value's sign, and the value it prints (negative sections
    print the absolute value; their own literals carry the sign)."""
    parts = _sections(fmt)
    if value < 0 and len(parts) >= 2 and parts[1].strip():
        section, value = parts[1], -value
    elif value == 0 and len(parts) >= 3 and parts[2].strip():
        section = parts[2]
    else:
        section = parts[0]
    section = _BRACKET.sub("", section)
    if section.strip().lower() in ("", "general", "@") or "/" in section.replace("\\/", ""):
        return None, value      # General, text, or a fraction format: print as General
    return section, value


def _quoted(section: str, i: int) -> tuple[str, int] | None:
    """The literal text that starts at ``i`` (``"元"`` or ``\\元``) and where it ends, or None."""
    if section[i] == '"':
        j = section.find('"', i + 1)
        j = len(section) if j < 0 else j
        return section[i + 1:j], j + 1
    if section[i] == "\\" and i + 1 < len(section):
        return section[i + 1], i + 2
    return None


def _pieces(section: str) -> list[tuple[str, str]]:
    """Split a section into ("lit", text), ("pct", "%") and ("pat", placeholder) pieces."""
    pieces: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        ch = section[i]
        quoted = _quoted(section, i)
        if quoted:
            pieces.append(("lit", quoted[0]))
            i = quoted[1]
        elif ch in "_*":
            i += 2                       # _x pads with the width of x, *x repeats x: nothing printed
        elif ch == "%":
            pieces.append(("pct", ch))
            i += 1
        elif ch in "0#?.," or (ch in "Ee" and section[i + 1:i + 2] in ("+", "-")):
            if ch in "Ee":
                pieces.append(("pat", "E"))
                i += 2
            else:
                pieces.append(("pat", ch))
                i += 1
        else:
            pieces.append(("lit", ch))
            i += 1
    return pieces


def _format_number(value, section: str) -> str:
    pieces = _pieces(section)
    pat = [k for k, (kind, t) in enumerate(pieces) if kind == "pat"]
    if not any(pieces[k][1] in _DIGIT for k in pat):
        # no digit placeholder: the section is text only (e.g. "-" for zero)
        return "".join(t for kind, t in pieces if kind != "pat")
    first, last = pat[0], pat[-1]
    prefix = "".join(t for kind, t in pieces[:first] if kind != "pat")
    suffix = "".join(t for kind, t in pieces[last + 1:] if kind != "pat")
    pattern = "".join(t for kind, t in pieces[first:last + 1] if kind == "pat")
    d = value if isinstance(value, Decimal) else Decimal(f"{float(value):.15g}")
    d *= Decimal(100) ** sum(kind == "pct" for kind, _ in pieces)
    if "E" in pattern:
        mant = pattern.split("E")[0]
        decimals = len(mant.partition(".")[2])
        return f"{prefix}{float(d):.{decimals}E}{suffix}"
    scale = len(pattern) - len(pattern.rstrip(","))   # trailing commas divide by 1000 each
    d /= Decimal(1000) ** scale
    int_pat, _, dec_pat = pattern.rstrip(",").partition(".")
    required = dec_pat.count("0")
    places = sum(ch in _DIGIT for ch in dec_pat)
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    while len(frac) > required and frac.endswith("0"):
        frac = frac[:-1]
    min_int = int_pat.count("0")
    whole = ("" if whole == "0" and min_int == 0 else whole).rjust(min_int, "0")
    if "," in int_pat and whole:
        whole = f"{int(whole):,}"
    number = (whole or ("0" if not frac else "")) + ("." + frac if frac else "")
    return f"{sign}{prefix}{number}{suffix}"


def format_date(value, fmt: str | None) -> str:
    """A date or time as its format prints it; ISO ``2021-01-01`` (and ``hh:mm:ss`` when the time
    is not midnight) for General and for the locale-dependent built-in date formats.

    Example:
        >>> format_date(datetime(2021, 3, 5), 'yyyy"年"m"月"d"日"')
        '2021年3月5日'
    """
    section = _BRACKET.sub("", _sections(fmt or "General")[0]).strip()
    if isinstance(value, time):
        value = datetime.combine(date(1900, 1, 1), value)
        iso = value.strftime("%H:%M:%S")
    elif isinstance(value, datetime):
        iso = value.strftime("%Y-%m-%d") + (value.strftime(" %H:%M:%S") if value.time() != time() else "")
    else:
        iso = value.isoformat()
    # mm-dd-yy, m/d/yy and the like are shown in the reader's locale: use ISO for them
    if not section or section.lower() in ("general", "@", "mm-dd-yy", "m/d/yy", "m/d/yy h:mm", "d-mmm-yy"):
        return iso
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    out: list[str] = []
    i = 0
    tokens = []
    while i < len(section):
        ch = section[i]
        quoted = _quoted(section, i)
        if quoted:
            tokens.append(("lit", quoted[0]))
            i = quoted[1]
            continue
        m = _DATE_TOKEN.match(section, i)
        if m:
            tokens.append(("tok", m.group().lower()))
            i = m.end()
            continue
        tokens.append(("lit", ch))
        i += 1
    # m after h or before s is minutes
    kinds = [t for k, t in tokens if k == "tok"]
    hour12 = any(t in ("am/pm", "a/p") for t in kinds)
    for n, (kind, t) in enumerate(tokens):
        if kind == "lit":
            out.append(t)
            continue
        prev = next((tt for kk, tt in reversed(tokens[:n]) if kk == "tok"), "")
        nxt = next((tt for kk, tt in tokens[n + 1:] if kk == "tok"), "")
        if t in ("m", "mm") and (prev.startswith("h") or nxt.startswith("s")):
            out.append(f"{value.minute:02d}" if t == "mm" else str(value.minute))
            continue
        hour = value.hour % 12 or 12 if hour12 else value.hour
        out.append({
            "yyyy": f"{value.year:04d}", "yy": f"{value.year % 100:02d}",
            "mmmm": value.strftime("%B"), "mmm": value.strftime("%b"),
            "mm": f"{value.month:02d}", "m": str(value.month),
            "dddd": value.strftime("%A"), "ddd": value.strftime("%a"),
            "dd": f"{value.day:02d}", "d": str(value.day),
            "hh": f"{hour:02d}", "h": str(hour),
            "ss": f"{value.second:02d}", "s": str(value.second),
            "am/pm": "AM" if value.hour < 12 else "PM", "a/p": "A" if value.hour < 12 else "P",
        }[t])
    return "".join(out)
