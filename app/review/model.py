"""The review's data: rules (read from ``rules.toml``), findings, and a review of many projects.

A :class:`Rule` is one row of ``rules.toml`` (id, title, severity, group, the review-sheet section,
how it is checked, its message, official sources and thresholds). A :class:`Finding` is one rule
firing on one project or indicator, with the cell it is about (its span and text). A
:class:`Review` holds every project's findings and renders nothing itself (``app/review/render.py``).

Example: ``RULES.rule("missing_cost_indicator").severity`` → ``'warning'``
"""
from __future__ import annotations

import os
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from ingest.errors import JixiaoError
from ingest.records import Span

SEVERITIES = ("error", "warning", "info")                       # most serious first
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
# The parts of the official review sheet (绩效目标审核表), in its order.
SECTIONS = ("总体目标", "产出指标", "效益指标", "满意度指标", "需补充完善事项")
GROUPS = {"framework": "指标框架", "targets": "目标值", "budget": "预算匹配", "grounding": "立项依据",
          "history": "历史与同类比较"}
CHECKS = ("python", "shacl")
RULES_ENV = "JIXIAO_REVIEW_RULES"


class RuleBookError(JixiaoError):
    """A rules file that cannot be used: bad TOML, an unknown severity, section or source.

    Example: ``RuleBookError("rule x: severity 'fatal' is not one of error, warning, info", file="rules.toml")``
    """


@dataclass(frozen=True)
class Source:
    """An official document a rule comes from, as far as we found it (``number`` may be empty)."""

    key: str
    title: str
    number: str = ""
    url: str = ""
    note: str = ""

    @property
    def citation(self) -> str:
        """``《title》（number）`` or ``《title》``. Example: ``《项目支出绩效评价管理办法》（财预〔2020〕10号）``"""
        return f"《{self.title}》" + (f"（{self.number}）" if self.number else "")


@dataclass(frozen=True)
class Rule:
    """One review rule: see the header of ``rules.toml`` for what each field means."""

    id: str
    title: str
    severity: str
    group: str
    section: str
    check: str
    message: str = ""
    shape: str = ""
    sources: tuple[Source, ...] = ()
    clause: str = ""
    thresholds: Mapping[str, Any] = field(default_factory=dict)

    def threshold(self, name: str) -> Any:
        try:
            return self.thresholds[name]
        except KeyError:
            raise RuleBookError(f"rule {self.id} has no threshold {name!r}",
                                hint=f"add it under [rules.{self.id}] thresholds in the rules file") from None

    def say(self, **values: Any) -> str:
        """The rule's message with ``values`` filled in."""
        try:
            return self.message.format(**values)
        except (KeyError, IndexError) as e:
            raise RuleBookError(f"rule {self.id}: its message needs {e} ({self.message!r})",
                                hint="fix the {placeholders} of the message in the rules file") from None


@dataclass(frozen=True)
class RuleBook:
    """Every rule and source of a rules file, by id. Example: ``RULES.ids()[:2]``"""

    rules: Mapping[str, Rule]
    sources: Mapping[str, Source]
    version: str = ""
    path: str = ""

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def ids(self) -> list[str]:
        return list(self.rules)

    def fingerprint(self) -> str:
        """What identifies this rule set in a review run: its version and every rule's settings."""
        return self.version + "|" + "|".join(f"{r.id}:{r.severity}:{sorted(r.thresholds.items())}"
                                             for r in self.rules.values())

    @classmethod
    def from_toml(cls, text: str, path: str = "rules.toml") -> "RuleBook":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise RuleBookError(f"cannot read the review rules: {e}", file=path,
                                hint="fix the TOML syntax (app/review/rules.toml shows the format)") from None
        sources = {k: Source(k, v.get("title", k), v.get("number", ""), v.get("url", ""), v.get("note", ""))
                   for k, v in data.get("sources", {}).items()}
        rules = {}
        for rid, r in data.get("rules", {}).items():
            problems = []
            if r.get("severity") not in SEVERITIES:
                problems.append(f"severity {r.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
            if r.get("section") not in SECTIONS:
                problems.append(f"section {r.get('section')!r} is not one of {', '.join(SECTIONS)}")
            if r.get("group") not in GROUPS:
                problems.append(f"group {r.get('group')!r} is not one of {', '.join(GROUPS)}")
            if r.get("check") not in CHECKS:
                problems.append(f"check {r.get('check')!r} is not python or shacl")
            if r.get("check") == "shacl" and not r.get("shape"):
                problems.append("a shacl rule names its shape")
            unknown = [s for s in r.get("sources", []) if s not in sources]
            if unknown:
                problems.append(f"unknown sources {unknown}")
            if problems:
                raise RuleBookError(f"rule {rid}: " + "; ".join(problems), file=path,
                                    hint="see the header of app/review/rules.toml for the allowed values")
            rules[rid] = Rule(rid, r.get("title", rid), r["severity"], r["group"], r["section"], r["check"],
                              r.get("message", ""), r.get("shape", ""), tuple(sources[s] for s in r.get("sources", [])),
                              r.get("clause", ""), dict(r.get("thresholds", {})))
        return cls(rules, sources, str(data.get("version", "")), path)


def load_rules(path: str | os.PathLike | None = None) -> RuleBook:
    """The rules of ``path``, or of ``JIXIAO_REVIEW_RULES``, or the shipped ``app/review/rules.toml``."""
    path = path or os.environ.get(RULES_ENV)
    if path:
        try:
            return RuleBook.from_toml(Path(path).read_text("utf-8"), str(path))
        except OSError as e:
            raise RuleBookError(f"cannot read the review rules {path}: {e.strerror or e}", file=str(path),
                                hint=f"point {RULES_ENV} at a rules file, or unset it for the shipped rules") from None
    return _shipped()


@lru_cache(maxsize=1)
def _shipped() -> RuleBook:
    return RuleBook.from_toml(resources.files("app.review").joinpath("rules.toml").read_text("utf-8"),
                              "app/review/rules.toml")


@dataclass(frozen=True)
class Finding:
    """One rule firing on one project (``indicator`` None) or one of its indicators.

    ``subject`` is the IRI of what it is about (the indicator, else the project); ``span``
    and ``text`` are the cell it points at (an indicator row, a section, a budget field) and
    that cell's text; ``section`` the part of the review sheet it is listed under; ``detail``
    tells apart several findings of one rule on one subject (the missing 一级, the period …).
    """

    rule: str
    severity: str
    project_id: str
    project: str
    message: str
    section: str
    subject: str
    indicator: str | None = None
    indicator_iri: str | None = None
    span: Span | None = field(default=None, compare=False)
    text: str | None = field(default=None, compare=False)
    detail: str = ""
    record: str = ""        # IRI of the project (or the department of a 整体支出 table) it is about

    def to_json(self) -> dict[str, Any]:
        span = None if self.span is None else {"doc": self.span.doc, "file": self.span.file,
                                               "start": self.span.start, "end": self.span.end}
        return {"rule": self.rule, "severity": self.severity, "project_id": self.project_id,
                "project": self.project, "indicator": self.indicator, "indicator_iri": self.indicator_iri,
                "subject": self.subject, "record": self.record, "section": self.section, "message": self.message,
                "span": span, "text": self.text}


@dataclass(frozen=True)
class ProjectReview:
    """The review of one project: what it is, the framework read from it, its bases, its findings."""

    project_id: str
    project: str
    unit: str | None
    year: int | None
    kind: str
    framework: str | None              # framework id, None when none could be detected
    framework_label: str
    bases: tuple[dict, ...]            # each concrete basis: title, number, level, jurisdiction, section
    findings: tuple[Finding, ...]
    source: Span | None = field(default=None, compare=False)

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def by_section(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {s: [] for s in SECTIONS}
        for f in self.findings:
            out[f.section].append(f)
        return out


@dataclass(frozen=True)
class Review:
    """Every reviewed project, in document order, and the rules it was reviewed with."""

    projects: tuple[ProjectReview, ...]
    rules: RuleBook
    run: str = ""           # IRI of the review run (prov:Activity)
    failures: tuple[str, ...] = ()   # checks that could not run on a table (rule @ project: error)

    @property
    def findings(self) -> list[Finding]:
        return [f for p in self.projects for f in p.findings]

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def by_rule(self) -> Counter:
        """rule id → number of findings, most frequent first."""
        return Counter(f.rule for f in self.findings)

    def fired(self) -> set[tuple[str, int | None, str]]:
        """(project name, year, rule id) of every finding: what the evaluation compares."""
        year = {p.project_id: p.year for p in self.projects}
        return {(f.project, year.get(f.project_id), f.rule) for f in self.findings}

    def only(self, names: Iterable[str]) -> "Review":
        wanted = set(names)
        return Review(tuple(p for p in self.projects if p.project in wanted or p.project_id in wanted),
                      self.rules, self.run, self.failures)

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run, "rules_version": self.rules.version, "counts": self.counts(),
                "failures": list(self.failures),
                "projects": [{"project_id": p.project_id, "project": p.project, "unit": p.unit, "year": p.year,
                              "kind": p.kind, "framework": p.framework, "framework_label": p.framework_label,
                              "counts": p.counts(), "bases": list(p.bases),
                              "findings": [f.to_json() for f in p.findings]} for p in self.projects]}
