"""Project metadata that search filters look at, and the filters.

Example: ``SearchFilters(year=2020, budget_min=1_000_000).matches(ProjectInfo.of(project))``
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping

from ingest.records import BUDGET_FIELDS, Project

# -- project metadata and filters -------------------------------------------------------------
# The amounts a budget filter can bound (``SearchFilters.budget_field``): the fields of
# ``records.Budget`` and the execution rate derived from them (a fraction).
BUDGET_FILTER_FIELDS = BUDGET_FIELDS + ("execution_rate",)
_AMOUNTS = ("budget_total", "current_year", "prev_year_budget", "prev_year_executed")


@dataclass(frozen=True)
class ProjectInfo:
    """The project fields that search filters look at; ``budget_total`` is 项目总预算, ``current_year``
    项目当年预算, ``prev_year_budget`` 同名项目上年预算额, ``prev_year_executed`` 上年预算执行数, in yuan."""

    id: str
    name: str
    unit: str | None = None
    year: int | None = None
    category: str | None = None
    performance_type: str | None = None
    budget_total: Decimal | None = None
    current_year: Decimal | None = None
    prev_year_budget: Decimal | None = None
    prev_year_executed: Decimal | None = None

    @classmethod
    def of(cls, p: Project) -> "ProjectInfo":
        b = p.budget
        return cls(p.id, p.name, p.unit, p.year, p.category, p.performance_type, b.total, b.current_year,
                   b.prev_year_budget, b.prev_year_executed)

    def amount(self, budget_field: str | None = None) -> Decimal | None:
        """The amount a budget filter on ``budget_field`` compares (``total`` when None).

        Example: ``info.amount("current_year")``
        """
        f = budget_field or "total"
        if f == "total":
            return self.budget_total
        if f == "execution_rate":
            if self.prev_year_budget and self.prev_year_executed is not None:
                return self.prev_year_executed / self.prev_year_budget
            return None
        return getattr(self, f)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for key in _AMOUNTS:
            d[key] = None if d[key] is None else str(d[key])
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "ProjectInfo":
        # an index written before the other amounts were kept has budget_total only. The fields are
        # set directly: a frozen dataclass' __init__ sets each through object.__setattr__, which is
        # most of the 0.5 s that loading 100,000 projects took
        values = {**_DEFAULTS, **d}
        for key in _AMOUNTS:
            if values[key] is not None:
                values[key] = Decimal(values[key])
        info = object.__new__(cls)
        info.__dict__.update(values)
        return info


def _same(a: str | None, b: str | None) -> bool:
    def norm(s):
        return unicodedata.normalize("NFKC", s).strip().lower()
    return a is not None and b is not None and norm(a) == norm(b)


def _decimal(x) -> Decimal | None:
    if x is None or x == "":
        return None
    try:
        return Decimal(str(x).replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"budget bound {x!r} is not a number (yuan)") from exc


_DEFAULTS = {f.name: f.default for f in fields(ProjectInfo)}


class ProjectTable(Mapping):
    """project id → :class:`ProjectInfo`, read from a saved index's rows, each made when first asked
    for: a search shows ten projects, and making all of them took 0.42 s of loading at 100,000
    projects. Read-only; a writer changing the index takes a plain dict of it.

    Example: ``ProjectTable([{"id": "p1", "name": "国能中心"}])["p1"].name`` → ``'国能中心'``
    """

    def __init__(self, rows: list[Mapping[str, Any]]):
        self._rows = {r["id"]: r for r in rows}
        self._made: dict[str, ProjectInfo] = {}

    def __getitem__(self, pid: str) -> ProjectInfo:
        info = self._made.get(pid)
        if info is None:
            info = self._made[pid] = ProjectInfo.from_json(self._rows[pid])
        return info

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, pid: object) -> bool:
        return pid in self._rows


@dataclass(frozen=True)
class SearchFilters:
    """Restrict hits to projects whose metadata match; ``None`` means "any".

    Text fields compare after NFKC and case folding; the budget bounds are
    inclusive, in yuan, on 项目总预算, or on the amount ``budget_field`` names (``current_year``,
    ``prev_year_budget``, ``prev_year_executed``; ``execution_rate`` as a fraction). A project
    whose amount is blank fails a budget filter.

    Example: ``SearchFilters(year=2020, budget_min=1_000_000, budget_field="current_year")``
    """

    unit: str | None = None
    year: int | None = None
    performance_type: str | None = None
    category: str | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    budget_field: str | None = None

    @classmethod
    def coerce(cls, filters: "SearchFilters | Mapping[str, Any] | None") -> "SearchFilters | None":
        if filters is None or isinstance(filters, SearchFilters):
            return filters
        unknown = set(filters) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown search filter(s) {sorted(unknown)}; "
                             f"known: {sorted(cls.__dataclass_fields__)}")
        d = {k: v for k, v in filters.items() if v is not None}
        if "year" in d:
            d["year"] = int(d["year"])
        for key in ("budget_min", "budget_max"):
            if key in d:
                d[key] = _decimal(d[key])
        if d.get("budget_field") not in (None, *BUDGET_FILTER_FIELDS):
            raise ValueError(f"unknown budget field {d['budget_field']!r}; known: {', '.join(BUDGET_FILTER_FIELDS)}")
        return cls(**d)

    def is_empty(self) -> bool:
        return all(v is None for k, v in self.__dict__.items() if k != "budget_field")

    def matches(self, info: ProjectInfo) -> bool:
        if self.unit is not None and not _same(self.unit, info.unit):
            return False
        if self.year is not None and info.year != self.year:
            return False
        if self.performance_type is not None and not _same(self.performance_type, info.performance_type):
            return False
        if self.category is not None and not _same(self.category, info.category):
            return False
        if self.budget_min is not None or self.budget_max is not None:
            total = info.amount(self.budget_field)
            if total is None:
                return False
            if self.budget_min is not None and total < Decimal(self.budget_min):
                return False
            if self.budget_max is not None and total > Decimal(self.budget_max):
                return False
        return True
