"""Question templates (``templates.toml``): what each needs, the SPARQL it runs, how it answers.

A template is data. Adding a question type is adding a ``[[template]]`` entry: the parser
(``app/understand``) and the slot filler (``app/ask/slots.py``) do not change as long as it
uses the features and placeholders they already know. :func:`load_templates` checks every
entry and names the bad one.

Example: ``[t.id for t in load_templates()][:2] == ["project_list", "project_count"]``
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.errors import JixiaoError

TEMPLATES = Path(__file__).with_name("templates.toml")
FILTER_FAMILIES = {"project", "citation", "content", "blank", "indicator"}
REQUIRED = ("id", "type", "sparql", "answer", "item", "empty", "figure", "reading")


class TemplateError(JixiaoError):
    """A template in templates.toml is malformed."""


@dataclass(frozen=True)
class Template:
    """One question type: features it needs (``need``, one of each ``any`` group), features that
    rule it out (``forbid``), optional features it explains (``uses``), the filter families its
    ``$filters`` accepts, its SPARQL, its answer and reading sentences."""

    id: str
    type: str
    sparql: str
    answer: str
    item: str
    empty: str
    figure: str
    reading: str
    need: tuple[str, ...] = ()
    any: tuple[tuple[str, ...], ...] = ()
    forbid: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    handover: str | None = None
    explains: frozenset[str] = field(default=frozenset(), compare=False)


def parse_templates(data: dict, source: str = "templates.toml") -> list[Template]:
    out = []
    for n, t in enumerate(data.get("template", []), 1):
        missing = [k for k in REQUIRED if not t.get(k)]
        if missing:
            raise TemplateError(f"{source}: template #{n} ({t.get('id', '?')}) lacks {', '.join(missing)}",
                                hint="every template needs " + ", ".join(REQUIRED))
        bad = set(t.get("filters", [])) - FILTER_FAMILIES
        if bad:
            raise TemplateError(f"{source}: template {t['id']}: unknown filter families {sorted(bad)}",
                                hint=f"known: {sorted(FILTER_FAMILIES)}")
        need, any_, uses = tuple(t.get("need", [])), tuple(tuple(g) for g in t.get("any", [])), tuple(t.get("uses", []))
        out.append(Template(t["id"], t["type"], t["sparql"], t["answer"], t["item"], t["empty"], t["figure"],
                            t["reading"], need, any_, tuple(t.get("forbid", [])), uses, tuple(t.get("filters", [])),
                            t.get("handover"), frozenset(need) | {f for g in any_ for f in g} | set(uses)))
    ids = [t.id for t in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise TemplateError(f"{source}: template ids used twice: {sorted(dup)}")
    return out


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    """Every template of ``templates.toml``, in file order (ties go to the earlier one)."""
    return tuple(parse_templates(tomllib.loads(TEMPLATES.read_text("utf-8")), str(TEMPLATES)))
