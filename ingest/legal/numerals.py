"""Chinese numerals → int, for article numbers (第二十七条) and list markers.

Handles the unit form (二十七, 一百零五, 十, 两千), the digit-by-digit form
(一〇五, 二〇二〇), the financial forms (贰拾柒), colloquial endings (一百一 = 110),
and Arabic digits, including full-width ones and mixtures such as ``3万``.

Example:
    >>> cn_to_int("二十七")
    27
"""
from __future__ import annotations

import unicodedata

DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS: dict[str, int] = {"亿": 10**8, "億": 10**8, "万": 10**4, "萬": 10**4}
SHORTHAND: dict[str, str] = {"廿": "二十", "卅": "三十", "卌": "四十"}
# Every character that may appear in a numeral (used by the citation regexes).
NUMERAL_CHARS = "".join([*DIGITS, *UNITS, *BIG_UNITS, *SHORTHAND]) + "0123456789０１２３４５６７８９"


def cn_to_int(text: str) -> int:
    """Value of a Chinese or Arabic numeral; raises ``ValueError`` if ``text`` is not one.

    Example:
        >>> cn_to_int("一百零五"), cn_to_int("两"), cn_to_int("２７")
        (105, 2, 27)
    """
    s = unicodedata.normalize("NFKC", str(text)).strip()
    for short, long in SHORTHAND.items():
        s = s.replace(short, long)
    if not s:
        raise ValueError("empty numeral")
    for big, factor in sorted(BIG_UNITS.items(), key=lambda kv: -kv[1]):
        if big in s:
            head, _, tail = s.partition(big)
            value = (cn_to_int(head) if head else 1) * factor
            if tail:
                # 三万五 = 35000 (colloquial), 三万零五 = 30005
                tail_value = cn_to_int(tail)
                if len(tail) == 1 and tail in DIGITS and head:
                    tail_value *= factor // 10
                value += tail_value
            return value
    if s.isascii() and s.isdigit():
        return int(s)
    if all(ch in DIGITS or ch.isdigit() for ch in s):
        # digit-by-digit: 一〇五 → 105, 二〇二〇 → 2020
        return int("".join(str(DIGITS[ch]) if ch in DIGITS else ch for ch in s))
    return _below_10000(s, text)


def _below_10000(s: str, original: str) -> int:
    total = 0
    number: int | None = None
    last_unit = 0
    after_zero = False
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit() and ch.isascii():
            j = i
            while j < len(s) and s[j].isascii() and s[j].isdigit():
                j += 1
            number, i = int(s[i:j]), j
            continue
        if ch in DIGITS:
            after_zero = after_zero or DIGITS[ch] == 0
            number = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if last_unit and unit >= last_unit:
                raise ValueError(f"not a numeral: {original!r}")
            total += (1 if number is None else number) * unit
            number, last_unit, after_zero = None, unit, False
        else:
            raise ValueError(f"not a numeral: {original!r}")
        i += 1
    if number is not None:
        # 一百一 = 110: a bare digit right after a unit counts in the next unit down
        if last_unit >= 100 and not after_zero and s[-2:-1] in UNITS:
            number *= last_unit // 10
        total += number
    return total
