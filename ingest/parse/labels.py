"""The printed labels of the table (``申报单位名称：`` …) and where they stand.

A field's value is the joined text between its label and the next label. Labels
are matched on wrap-joined text, so a label wrapped over two lines still
matches; the variants cover the wording of other provinces' templates.

Example:
    >>> [h.key for h in find_labels("项目名称： 甲 项目类别： 乙")]
    ['name', 'category']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# key -> regex of the label text. Order matters only for overlapping wordings:
# a longer label is listed before a label that is its suffix.
LABELS: dict[str, str] = {
    "unit": r"申报单位(?:名称)?|预算单位(?:名称)?|项目单位(?:名称)?",
    "department": r"主管部门(?:名称)?",
    "name": r"项目名称",
    "category": r"项目类别|项目类型",
    "start_date": r"计划开始日期|项目开始日期|开始日期",
    "end_date": r"计划完成日期|项目完成日期|计划结束日期|完成日期",
    "gov_purchase": r"是否(?:含有)?政府购买服务",
    "performance_type": r"(?:项目)?绩效类型",
    "manager": r"项目负责人",
    "contact": r"联系人|联系电话",
    "overview": r"项目概况",
    "legal_basis": r"立项依据",
    "necessity": r"项目设立的必要性|项目设立必要性",
    "safeguards": r"保证项目实施的制度[、,，]\s*措施|项目实施的保障措施",
    "plan": r"项目实施计划",
    "goals": r"总目标及阶段性目标|项目总目标|年度绩效目标",
    "total": r"项目总预算(?:[（(](?:万?元)[)）])?",
    "current_year": r"项目当年预算(?:[（(](?:万?元)[)）])?",
    "prev_year_budget": r"同名项目上年预算额(?:[（(](?:万?元)[)）])?",
    "prev_year_executed": r"同名项目上年预算执行数(?:[（(](?:万?元)[)）])?",
}

# Headings that end the field before them but are not followed by a colon.
HEADINGS: dict[str, str] = {
    "budget_heading": r"本项目上年度.{0,8}资金使用情况",
}

# The indicator table is found line by line (see ``ingest.parse.document``): its heading
# and column header are whole lines.
TABLE_HEADING = re.compile(r"^(?:(?:19|20)\d\d)\s*年度?\s*(?:项目)?绩效目标\s*$")
TABLE_HEADER = re.compile(r"一级(?:目标|指标)\s*二级(?:目标|指标)\s*三级(?:目标|指标)\s*(?:指标)?(?:目标值|值)")
TITLE = re.compile(r"(?:财政)?项目支出绩效目标(?:申报)?表")
YEAR = re.compile(r"[（(]\s*((?:19|20)\d\d)\s*年度?\s*[)）]")

_LABEL_RE = re.compile(
    "|".join(f"(?P<{k}>{v})\\s*[：:]" for k, v in LABELS.items())
    + "|" + "|".join(f"(?P<{k}>{v})" for k, v in HEADINGS.items())
)


@dataclass(frozen=True)
class LabelHit:
    """A label found in joined text: ``text[start:end]`` is the label with its colon."""

    key: str
    start: int
    end: int

    @property
    def is_heading(self) -> bool:
        return self.key in HEADINGS


_BARE_RE = re.compile("|".join(f"(?P<{k}>{v})" for k, v in LABELS.items()))


def find_labels(text: str, line_starts: frozenset[int] = frozenset()) -> list[LabelHit]:
    """First occurrence of every label in ``text``, in text order.

    Only the first occurrence counts: a later one is a label word quoted inside
    a long cell, not a new field. Some extractions drop the colon after a
    label; a label with no colon is accepted only where it begins a line
    (``line_starts``) and only when that label has no colon anywhere.
    """
    seen: dict[str, LabelHit] = {}
    for m in _LABEL_RE.finditer(text):
        key = m.lastgroup
        if key not in seen:
            seen[key] = LabelHit(key, m.start(), m.end())
    for m in _BARE_RE.finditer(text):
        key, start, end = m.lastgroup, m.start(), m.end()
        before_ok = start in line_starts or (start > 0 and text[start - 1].isspace())
        after_ok = end in line_starts or end == len(text) or text[end].isspace()
        if before_ok and after_ok and key not in seen and not any(h.start <= start < h.end for h in seen.values()):
            seen[key] = LabelHit(key, start, end)
    return sorted(seen.values(), key=lambda h: h.start)


def unit_scale(label_text: str) -> int:
    """10000 when a budget label says 万元, else 1 (yuan)."""
    return 10000 if "万元" in label_text else 1
