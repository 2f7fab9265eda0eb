"""Phases of a 项目实施计划 (implementation plan): name, start and end as printed.

A plan cell is free text, but where it is a schedule it is a run of *phase name* and
*time* pairs, printed in one of two orders:

- name first: ``项目启动 2017.05 需求调研与需求分析 2017.05-2017.06应用开发 2017.06-2017.10``
  or a numbered list ``1、用能单位范围确定 6月至8月2、专家库建设8月…``;
- time first: ``2016.04 需求调研2016.06 需求分析设计与确认2016.06-2016.10 系统开发``.

:func:`plan_phases` finds the time expressions (``2017.05``, ``2017.05-2017.06``,
``2020年3月``, ``6月至8月``, ``2020-01-01``), decides the order from whether the text
starts with a time, and pairs each time with the short name beside it. Prose around
the schedule (``…工作计划如下：``, ``其次，机房搬迁…``) is not a phase: a name is cut at
sentence punctuation and must be short. A plan without times (``按预算执行``) has no phases.
Pure: text in, :class:`PlanPhase` out, with offsets into the given text.

Example:
    >>> plan_phases("项目启动 2017.05 正式验收 2017.12")[1].name
    '正式验收'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# One point in time as printed: 2017.05 · 2017-05 · 2017/5 · 2020-01-01 · 2020年3月(5日) · 3月(5日) · 2017年
_POINT = (r"(?:(?:19|20)\d{2}\s*[.\-/．]\s*\d{1,2}(?:\s*[.\-/．]\s*\d{1,2})?(?![\d.])"
          r"|(?:19|20)\d{2}\s*年\s*(?:\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:[上中下]旬|底|初|末)?)?"
          r"|(?<![\d.])\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?(?:[上中下]旬|底|初|末)?)")
_RANGE_SEP = r"\s*(?:-|—|–|~|～|至|到|－)\s*"
TIME = re.compile(rf"(?P<start>{_POINT})(?:{_RANGE_SEP}(?P<end>{_POINT}))?")
# List markers: 1、 2. （3） ① …, but not the dot inside 2017.05
_MARKER = re.compile(r"(?:(?<![\d.])\d{1,2}\s*[、．](?!\d)|(?<![\d.])\d{1,2}\.(?!\d)|[（(]\s*\d{1,2}\s*[)）]|[①-⑳])")
_CUT = re.compile(r"[，。；：:;！？,!?\n]")
MAX_NAME = 20


@dataclass(frozen=True)
class PlanPhase:
    """One phase of an implementation plan.

    - ``name``: the phase as printed (``正式验收``, ``系统开发``).
    - ``start``/``end``: the times as printed (``2017.05``, ``6月``); ``end`` equals
      ``start`` for a single point in time.
    - ``start_offset``/``end_offset``: characters of the phase (name and time) in the plan text.
    """

    position: int
    name: str
    start: str
    end: str
    start_offset: int
    end_offset: int


def _clean_time(s: str) -> str:
    return re.sub(r"\s+", "", s).replace("．", ".")


def _name(chunk: str, from_end: bool) -> tuple[str, int, int] | None:
    """The phase name inside ``chunk``: the piece nearest the time, markers and prose cut away.

    Returns (name, start, end) within ``chunk`` or None when nothing short is left.
    """
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^，。；：:;！？,!?\n]+", chunk)]
    if not pieces:
        return None
    a, b = pieces[-1] if from_end else pieces[0]
    piece = chunk[a:b]
    marks = list(_MARKER.finditer(piece))
    if marks:  # a list marker starts a new item: the name is after the last (or before the first) one
        if from_end:
            a += marks[-1].end()
        elif marks[0].start() > 0:
            b = a + marks[0].start()
        else:
            a += marks[0].end()
    piece = chunk[a:b]
    lead = len(piece) - len(piece.lstrip(" \u3000、"))
    trail = len(piece) - len(piece.rstrip(" \u3000、"))
    a, b = a + lead, b - trail
    name = chunk[a:b]
    if not name or len(name) > MAX_NAME or not re.search(r"[\u4e00-\u9fff A-Za-z]", name):
        return None
    return name, a, b


def plan_phases(text: str | None) -> list[PlanPhase]:
    """The phases of a plan text, in printed order (empty when it is not a schedule).

    Example:
        >>> [p.name for p in plan_phases("2016.04 需求调研2016.06-2016.10 系统开发")]
        ['需求调研', '系统开发']
    """
    if not text:
        return []
    times = list(TIME.finditer(text))
    if len(times) < 2:
        return []
    time_first = not text[:times[0].start()].strip(" \u3000")
    out: list[PlanPhase] = []
    for n, m in enumerate(times):
        if time_first:
            lo = m.end()
            hi = times[n + 1].start() if n + 1 < len(times) else len(text)
            found = _name(text[lo:hi], from_end=False)
        else:
            lo = times[n - 1].end() if n else 0
            hi = m.start()
            found = _name(text[lo:hi], from_end=True)
        if found is None:
            continue
        name, a, b = found
        start = _clean_time(m.group("start"))
        end = _clean_time(m.group("end") or m.group("start"))
        span = (m.start(), lo + b) if time_first else (lo + a, m.end())
        out.append(PlanPhase(len(out) + 1, name, start, end, *span))
    return out if len(out) >= 2 else []
