"""The fixture language: a table template written once as data, rendered to every format.

A spec is a small Python module in ``tests/fixtures/templates/`` holding

- ``TITLE``: the title line printed above the table (``项目支出绩效目标申报表``);
- ``PREAMBLE``: lines between the title and the table; a line is a string, or a pair
  ``(left, right)`` printed at the two ends of one line (``填报单位：… | 单位：万元``);
- ``ROWS``: the table, row by row, listing the cells that *start* in each row, left to
  right, as HTML does: a string, or ``C(text, rs=…, cs=…)`` for a merged cell. Positions
  covered by a cell merged down from a row above are skipped;
- ``FOOTER``: lines printed under the table (``填报人：…``), optional;
- ``EXPECTED``: the records a reader of the table must give, written by hand (see ``project``,
  ``department`` and ``ind`` below);
- ``FORMATS``: the renderings to test (default: all of ``render.FORMATS``); ``HTML_ENCODING``.

Example: ``Grid.of([["项目名称", C("某项目", cs=2)]]).cell_at(0, 2).text`` → ``"某项目"``
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType

TEMPLATES = Path(__file__).resolve().parent.parent / "fixtures" / "templates"
REVIEW_FIXTURES = TEMPLATES.parent / "review"   # tables the review rules are tested on (tests/test_review.py)


@dataclass(frozen=True)
class C:
    """One printed cell: ``rs``/``cs`` rows/columns it spans. ``xl`` says how Excel stores it:
    ``None`` (a number-looking text becomes a number, anything else stays text), ``"text"``
    (always text) or ``"percent"`` (``95.00%`` stored as 0.95 with a percent format)."""

    text: str
    rs: int = 1
    cs: int = 1
    xl: str | None = None


@dataclass(frozen=True)
class Placed:
    """A cell at its place in the grid."""

    row: int
    col: int
    rs: int
    cs: int
    text: str
    xl: str | None = None


@dataclass
class Grid:
    """The cells of one table at their (row, column) places, checked to tile the grid."""

    cells: list[Placed]
    n_rows: int
    n_cols: int
    _at: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, rows: list[list]) -> "Grid":
        covered: set[tuple[int, int]] = set()
        cells: list[Placed] = []
        for r, row in enumerate(rows):
            col = 0
            for item in row:
                c = item if isinstance(item, C) else C(str(item))
                while (r, col) in covered:
                    col += 1
                cells.append(Placed(r, col, c.rs, c.cs, c.text, c.xl))
                for rr in range(r, r + c.rs):
                    for cc in range(col, col + c.cs):
                        if (rr, cc) in covered:
                            raise ValueError(f"cell {c.text!r} at row {r} overlaps ({rr}, {cc})")
                        covered.add((rr, cc))
                col += c.cs
        n_rows = len(rows)
        n_cols = max(c + 1 for _, c in covered)
        holes = [(r, c) for r in range(n_rows) for c in range(n_cols) if (r, c) not in covered]
        if holes:
            raise ValueError(f"the rows do not tile a {n_rows}×{n_cols} grid; first hole at {holes[0]}")
        if max(r for r, _ in covered) >= n_rows:
            raise ValueError("a cell is merged down past the last row")
        grid = cls(cells, n_rows, n_cols)
        for p in cells:
            for rr in range(p.row, p.row + p.rs):
                for cc in range(p.col, p.col + p.cs):
                    grid._at[rr, cc] = p
        return grid

    def cell_at(self, row: int, col: int) -> Placed:
        """The cell covering (row, col)."""
        return self._at[row, col]

    def row_cells(self, row: int) -> list[Placed]:
        """The cells that start in ``row``, left to right."""
        return [p for p in self.cells if p.row == row]

    def matrix(self, fill_merged: bool = False) -> list[list[str]]:
        """Every position's text: a merged cell's text at its top-left position only (as
        Excel copies it), or over its whole span with ``fill_merged``."""
        out = [[""] * self.n_cols for _ in range(self.n_rows)]
        for (r, c), p in self._at.items():
            if fill_merged or (r, c) == (p.row, p.col):
                out[r][c] = p.text
        return out


@dataclass
class Spec:
    """One fixture: its name, grid, lines around the grid and expected records."""

    name: str
    title: str
    preamble: list
    grid: Grid
    footer: list
    expected: list
    formats: tuple[str, ...]
    html_encoding: str = "utf-8"
    module: ModuleType | None = field(default=None, repr=False)

    def lines_before(self) -> list[str]:
        """Title and preamble as plain text lines (a pair joined by spaces)."""
        return [self.title] + [line_text(x) for x in self.preamble]


def line_text(line) -> str:
    """A preamble/footer line as one string: ``(left, right)`` joined by spaces."""
    return line if isinstance(line, str) else "    ".join(x for x in line if x)


def spec_names(directory: Path = TEMPLATES) -> list[str]:
    """Every fixture spec, by name (the module's file name), of ``directory`` (default: the
    template fixtures; ``REVIEW_FIXTURES`` holds the review's)."""
    return sorted(p.stem for p in Path(directory).glob("*.py") if not p.name.startswith("_"))


def load_spec(name: str, directory: Path = TEMPLATES) -> Spec:
    """Load ``tests/fixtures/templates/<name>.py`` (or ``<directory>/<name>.py``)."""
    from render import FORMATS

    path = Path(directory) / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"template_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Spec(name=name, title=module.TITLE, preamble=list(getattr(module, "PREAMBLE", [])),
                grid=Grid.of(module.ROWS), footer=list(getattr(module, "FOOTER", [])),
                expected=list(module.EXPECTED), formats=tuple(getattr(module, "FORMATS", FORMATS)),
                html_encoding=getattr(module, "HTML_ENCODING", "utf-8"), module=module)


# ---- expected records, written by hand ----------------------------------------------------

def num(x) -> Decimal | None:
    """A hand-written number as a Decimal (``"1,234.5"`` → 1234.5); None stays None."""
    if x is None or isinstance(x, Decimal):
        return x
    return Decimal(str(x).replace(",", ""))


class _Any:
    """A field the fixture does not fix (``*`` in an indicator row): any value is accepted."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()
INDICATOR_COLUMNS = ("level1", "level2", "name", "target_raw", "operator", "value", "unit", "qualitative")


def ind(row: str, **extra) -> dict:
    """One expected indicator: ``"一级|二级|三级|target_raw|operator|value|unit|qualitative"``
    (empty for None, ``*`` for not checked, trailing fields may be left off), plus keyword fields (``weight``,
    ``actual``, ``score``, ``deviation``, ``direction``, ``standard``, ``period``,
    ``level1_label`` …). Numbers become Decimals.

    Example: ``ind("产出指标|数量指标|培训人数|≥120人|>=|120|人")["value"]`` → ``Decimal("120")``
    """
    parts = row.split("|")
    if len(parts) > len(INDICATOR_COLUMNS):
        raise ValueError(f"too many fields in {row!r}")
    parts += [""] * (len(INDICATOR_COLUMNS) - len(parts))
    out = {k: ANY if v == "*" else v if v != "" else None for k, v in zip(INDICATOR_COLUMNS, parts)}
    if out["value"] is not ANY:
        out["value"] = num(out["value"])
    for k, v in extra.items():
        out[k] = num(v) if k in NUMERIC_FIELDS else v
    return out


NUMERIC_FIELDS = {"weight", "score", "level1_weight", "level2_weight", "actual_value"}


def project(**fields) -> dict:
    """An expected project: ``name``, ``unit``, ``year``, ``kind``, ``budget`` {field: yuan},
    ``indicators`` [ind(...)], ``citations`` [(title, doc_number[, article_num[, section]])]
    (a None title next to a document number is not checked), … Only the fields given are checked."""
    return {"record": "project", **fields}


def department(**fields) -> dict:
    """An expected department-level record (部门整体支出绩效目标表)."""
    return {"record": "department", **fields}


_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+(\.\d+)?$")


def is_number_text(text: str) -> bool:
    """True for ``85.60``, ``1,234,567.00``, ``12`` (what Excel would store as a number)."""
    return bool(_NUMBER.match(text))
