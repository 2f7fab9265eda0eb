"""From an :class:`~app.understand.Understanding` to template features and SPARQL fragments.

``features(u)`` names what the question holds (concepts, kinds of things named, conditions,
ranks, groupings). ``Slots`` turns the same understanding into the pieces a template's
SPARQL uses — ``$projects``, ``$filters``, ``$ind_filters``, ``$field_path`` … — and into the
labels its answer and reading use. Every value goes into the query as an escaped literal or a
checked IRI; nothing of the question is pasted into SPARQL as text.

Example: ``Slots(u, template).sparql()``
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from string import Template as StringTemplate

from app.understand import Mention, Understanding, vocabulary
from app.understand.lexicon import PREFIXES, norm

OP_LABEL = {">": "超过", ">=": "不低于", "<": "低于", "<=": "不超过", "=": "等于", "!=": "不等于"}
PROJECT_FILTER_KINDS = ("performance_type", "category", "unit")
CITATION_KINDS = ("law", "issuer", "legal_level")
CONTENT_KINDS = ("indicator", "level2", "level1", "phase")
DATE_BEFORE = ("之前", "以前", "前", "早于", "止")
DATE_AFTER = ("之后", "以后", "后", "晚于", "起", "开始")


def literal(value) -> str:
    """A SPARQL literal for a Python value (strings escaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    s = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


def iri(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value or ""):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def _fields() -> dict[str, dict]:
    return {f["key"]: f for f in vocabulary()["budget_field"]}


def _attributes() -> dict[str, dict]:
    return {a["key"]: a for a in vocabulary()["attribute"]}


def _dimensions() -> dict[str, dict]:
    return {d["key"]: d for d in vocabulary()["dimension"]}


def confident(m: Mention) -> bool:
    return m.confidence >= vocabulary()["aliases"]["min_confidence"]


def field_mentions(u: Understanding, negated: bool | None = False) -> list[Mention]:
    out, seen = [], set()
    for m in u.mentions_of("field", negated):
        key = m.reading("field").label
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def features(u: Understanding) -> set[str]:
    """The names templates match on (see the header of templates.toml)."""
    f: set[str] = set()
    for c in u.concepts():
        f.add({"indicator": "indicator_word", "project": "project_word"}.get(c, c))
    for m in u.mentions:
        for kind in m.kinds() - {"concept", "ignore", "dimension", "field", "attribute"}:
            f.add(("not_" if m.negated else "") + kind)
    fields = field_mentions(u)
    f.update("field_" + m.reading("field").label for m in fields)   # field_execution_rate …
    if fields:
        f.add("field")
    if len(fields) >= 2:
        f.add("field2")
    elif len(fields) == 1 and f & {"diff", "growth"} and fields[0].reading("field").label in vocabulary()["pairs"]:
        f.add("field2")   # 比去年多了多少: the other side of the pair is implied (vocabulary [pairs])
    if field_mentions(u, negated=True):
        f.add("not_field")
    attrs = [m for m in u.mentions_of("attribute") if not m.reading("field")]
    if attrs:
        f.add("attribute")
        dated = u.years or u.dates or u.conditions
        if u.mentions_of("project") and not dated and not (u.group and attrs[0].reading("attribute").label == u.group):
            f.add("attribute_asked")
    if any(m.reading("concept") and m.reading("concept").label == "article" for m in u.mentions) or \
            any(m.article is not None for m in u.mentions):
        f.add("article")
    for c in u.conditions:
        f.add("money_cond" if _is_money_condition(u, c) else "value_cond")
    if u.rank is not None:
        f.add("top" if u.rank.top else "rank")
    if u.group:
        f.update(("group", "group_" + u.group))
    if u.years:
        f.add("year")
    if u.dates:
        f.add("date")
    if "phase" in f and f & {"when", "value"}:
        f.add("phase_asked")
    has_ind = f & {"indicator_word", "indicator", "level1", "level2", "value_cond"}
    negated_ind = f & {"not_indicator", "not_level1", "not_level2"}
    if has_ind and not negated_ind and "has" not in f and "cite" not in f:
        f.add("indicator_only")
    if "count" in f and "project" in f and f & {"cite", "basis", "law_noun", "legal_level"}:
        f.add("law_count")
    if "project" in f and _projects_asked(u):
        f.add("projects_asked")
    return f


def _projects_asked(u: Understanding) -> bool:
    """The question asks for projects (a list word right before 项目: 哪些项目, 哪个项目 …). Then a
    project named in it is what the projects should relate to (哪些项目涉及国能中心), not the project
    whose laws are asked for (国能中心引用了哪些法规)."""
    ends = {m.end for m in u.mentions if (c := m.reading("concept")) is not None and c.label == "list"}
    return any(m.start in ends for m in u.mentions
               if (c := m.reading("concept")) is not None and c.label == "project")


def _is_money_condition(u: Understanding, c) -> bool:
    if c.unit == "元":
        return True
    before = [m for m in field_mentions(u) if m.end <= c.start]
    if c.unit == "%" and any(_fields()[m.reading("field").label]["kind"] == "rate" for m in before):
        return True
    if c.unit is None and before and not (u.has("target") or u.has("indicator")):
        return True
    return False


def family_mentions(u: Understanding, family: str) -> bool:
    """Whether the question holds something the filter ``family`` would apply."""
    if family == "project":
        attrs = [m for m in u.mentions_of("attribute") if m.reading("attribute").label == "gov_purchase"]
        return bool(any(u.mentions_of(k) for k in PROJECT_FILTER_KINDS) or u.years or u.dates or attrs
                    or any(_is_money_condition(u, c) for c in u.conditions))
    if family == "citation":
        return any(u.mentions_of(k) for k in CITATION_KINDS)
    if family == "content":
        return any(u.mentions_of(k) for k in CONTENT_KINDS)
    if family == "blank":
        return bool(field_mentions(u, negated=True)) or (u.has("filled") and bool(field_mentions(u)))
    if family == "indicator":
        return bool(any(u.mentions_of(k) for k in ("indicator", "level1", "level2", "value_unit"))
                    or any(not _is_money_condition(u, c) for c in u.conditions))
    return False


@dataclass
class Built:
    """Pieces of one template's query and answer."""

    values: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    readings: list[str] = field(default_factory=list)
    ind_readings: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)   # ids of mentions the query uses


class Slots:
    """Fill one template from one understanding."""

    def __init__(self, u: Understanding, template):
        self.u, self.t = u, template
        self.b = Built()
        self._n = 0

    def var(self, stem: str) -> str:
        self._n += 1
        return f"{stem}{self._n}"

    # ---------------------------------------------------------------- pieces
    def build(self) -> Built:
        u, t, b = self.u, self.t, self.b
        v = vocabulary()
        projects = [m for m in u.mentions_of("project", negated=False)]
        b.values["projects"] = ("VALUES ?p { " + " ".join(iri(m.reading("project").iri) for m in projects) + " }"
                                if projects else "")
        b.labels["project"] = "、".join(m.reading("project").label for m in projects)
        b.labels["projects_text"] = b.labels["project"]
        b.used.update(id(m) for m in projects)
        fields = field_mentions(u)
        cond_fields = {id(self._condition_field(c)) for c in u.conditions if _is_money_condition(u, c)}
        slot_fields = [m for m in fields if id(m) not in cond_fields or len(fields) == 1 and "filters" not in t.need]
        default = next(f for f in v["budget_field"] if f.get("default"))
        f1 = _fields()[slot_fields[0].reading("field").label] if slot_fields else default
        if "field2" in t.need:
            f1, f2 = self._field_pair(fields)
            b.values["field2_path"], b.labels["field2"] = f2["path"], f2["label"]
        b.values["field_path"], b.labels["field"] = f1["path"], f1["label"]
        b.labels["dept_field"] = f1.get("dept_label", f1["label"])
        b.labels["field_kind"] = f1.get("kind", "money")
        if slot_fields:
            b.used.add(id(slot_fields[0]))
        if "field2" in t.need:
            b.used.update(id(m) for m in fields)
        self._aggregate()
        self._rank()
        self._group()
        self._compare()
        self._attribute()
        self._phase()
        self._law()
        self._department()
        self._source()
        b.values["filters"] = self._filters()
        b.values["ind_filters"] = self._ind_filters()
        # rows that are not indicators (a budget line's 执行率 score) stay out when the question narrows the indicators
        b.values["unfiltered_only"] = "FILTER (false)" if b.values["ind_filters"] else ""
        named = [f"与“{b.labels['project']}”有关"] if b.labels["project"] and t.type == "list_projects" else []
        filt = "、".join(named + b.readings)     # 哪些项目涉及国能中心: the named project narrows the list
        b.labels["filters_text"] = filt or "全部"
        b.labels["scope"] = f"{filt}的" if filt else "全部"
        b.labels["within"] = f"在{filt}的项目中，" if filt else ""
        b.labels["filters"] = f"按{filt} " if filt else ""
        ind = "、".join(b.ind_readings)
        b.labels["ind_text"] = ind
        b.labels["ind_reading"] = ("按" + "、".join(([f"项目={b.labels['project']}"] if b.labels["project"] else [])
                                                  + b.ind_readings) + " ") if (ind or b.labels["project"]) else ""
        # a field named twice (经费总预算, 预算…总预算) is one field: the query that uses one mention uses both
        used_keys = {m.reading("field").label for m in u.mentions_of("field") if id(m) in b.used}
        b.used.update(id(m) for m in u.mentions_of("field") if m.reading("field").label in used_keys)
        return b

    def sparql(self) -> str:
        body = StringTemplate(self.t.sparql).substitute(self.b.values)
        body = "\n".join(line for line in body.splitlines() if line.strip())
        return PREFIXES + "\n" + body

    def _condition_field(self, c) -> Mention | None:
        before = [m for m in field_mentions(self.u) if m.end <= c.start]
        return before[-1] if before else (field_mentions(self.u) or [None])[0]

    def _field_pair(self, fields: list[Mention]) -> tuple[dict, dict]:
        fs = _fields()
        keys = [m.reading("field").label for m in fields]
        if len(keys) >= 2:
            # a bare 预算/经费 set against a named field means that field's pair (预算比上年预算额: 当年预算)
            pairs = vocabulary()["pairs"]
            bare = [m.reading("concept") is not None and m.reading("concept").label == "money" for m in fields[:2]]
            if bare[0] and not bare[1] and keys[1] in pairs:
                return fs[pairs[keys[1]]], fs[keys[1]]
            if bare[1] and not bare[0] and keys[0] in pairs:
                return fs[keys[0]], fs[pairs[keys[0]]]
            return fs[keys[0]], fs[keys[1]]
        one = keys[0] if keys else "current_year"
        other = fs[vocabulary()["pairs"][one]]
        markers = [norm(w) for w in vocabulary()["reread"]["reference_markers"]]
        if fields and any(self.u.text[:fields[0].start].endswith(w) for w in markers):
            return other, fs[one]   # 比去年多了多少: the field named after 比 is what the other is compared with
        return fs[one], other

    def _aggregate(self) -> None:
        u, b = self.u, self.b
        aggs = {"sum": ("SUM", "之和"), "avg": ("AVG", "平均值"), "max": ("MAX", "最大值"), "min": ("MIN", "最小值"),
                "count": ("COUNT", "个数")}
        name = next((a for a in ("avg", "max", "min", "sum") if u.has(a)), "sum")
        b.values["agg"], b.labels["agg_label"] = aggs[name]

    def _rank(self) -> None:
        u, b = self.u, self.b
        r = u.rank
        desc = not u.has("min")
        if r is not None and r.descending is not None:
            desc = r.descending
        if r is None:
            limit, offset, label = 1, 0, "最高" if desc else "最低"
        elif r.top:
            limit, offset, label = r.n, 0, f"{'前' if desc else '后'}{r.n}"
        else:
            limit, offset, label = 1, r.n - 1, f"{'倒数' if not desc else ''}第{r.n}{'高' if desc else '低'}"
        b.values.update(order="DESC" if desc else "ASC", limit=str(limit), offset=str(offset))
        b.labels.update(rank_label=label, order_label="从高到低" if desc else "从低到高")

    def _group(self) -> None:
        dims = _dimensions()
        # no 按…/各… said: a template that groups by level groups by the level the question names
        key = self.u.group or next((k for k in ("level2", "level1") if self.u.mentions_of(k)
                                    and f"group_{k}" in self.t.explains), "performance_type")
        self.b.values["group_pattern"] = dims[key]["path"]
        self.b.labels["group_label"] = dims[key]["label"]

    def _compare(self) -> None:
        u, b = self.u, self.b
        op, label = ">", "高于"
        if u.has("compare_less"):
            op, label = "<", "低于"
        elif u.has("compare_equal"):
            op, label = "=", "等于"
        if u.negated() and op == "=":
            op, label = "!=", "不等于"
        b.values["cmp"], b.labels["cmp_label"] = op, label

    def _attribute(self) -> None:
        attrs = [m for m in self.u.mentions_of("attribute") if not m.reading("field")]
        a = _attributes()[attrs[0].reading("attribute").label] if attrs else _attributes()["performance_type"]
        self.b.values["attr_path"], self.b.labels["attribute"] = a["path"], a["label"]
        self.b.labels["attr_kind"] = a.get("kind", "text")
        if attrs and "attribute" in self.t.explains:
            self.b.used.add(id(attrs[0]))

    def _phase(self) -> None:
        phases = self.u.mentions_of("phase", negated=False)
        labels = list(dict.fromkeys(r.label for m in phases for r in m.readings if r.kind == "phase"))
        self.b.values["phases"] = ", ".join(literal(x) for x in labels) or '""'
        self.b.labels["phase_text"] = "、".join(labels)
        self.b.labels["phase"] = labels[0] if labels else ""
        if "phase" in self.t.explains:
            self.b.used.update(id(m) for m in phases)

    def _law(self) -> None:
        u, b = self.u, self.b
        laws = u.mentions_of("law", negated=False)
        b.values["law"] = iri(laws[0].reading("law").iri) if laws else "<urn:none>"
        b.labels["law"] = laws[0].reading("law").label if laws else ""
        section = u.has("basis") and self.t.id in ("project_laws", "law_count")
        b.values["section_filter"] = 'FILTER (?section = "legal_basis")' if section else ""
        b.labels["section_text"] = "的立项依据" if section else ""
        pieces, level_text = [], "法律法规和文件"
        for m in u.mentions_of("legal_level", negated=False):
            pieces.append(f"?l jx:level {literal(m.reading('legal_level').label)} .")
            level_text = m.reading("legal_level").label
            if self.t.id in ("project_laws", "law_count"):
                b.used.add(id(m))
        b.values["law_filter"] = " ".join(pieces)
        b.labels["level_text"] = level_text
        if "law" in self.t.explains:
            b.used.update(id(m) for m in laws[:1])

    def _department(self) -> None:
        """``$departments``: the departments (整体支出 tables) named, by IRI."""
        ds = self.u.mentions_of("department", negated=False)
        self.b.values["departments"] = ("VALUES ?d { " + " ".join(iri(m.reading("department").iri) for m in ds) + " }"
                                        if ds else "")
        self.b.labels["department"] = "、".join(m.reading("department").label for m in ds)
        if "department" in self.t.explains:
            self.b.used.update(id(m) for m in ds)

    def _source(self) -> None:
        """``$source_filter``: the sources of funds named (财政拨款 → fundSourceKey fiscal)."""
        keys = list(dict.fromkeys(m.reading("fund_source").extra for m in self.u.mentions_of("fund_source", negated=False)))
        self.b.values["source_filter"] = (f"FILTER (?source IN ({', '.join(literal(k) for k in keys)}))" if keys else "")
        names = [m.reading("fund_source").label for m in self.u.mentions_of("fund_source", negated=False)]
        self.b.labels["source_text"] = "、".join(dict.fromkeys(names))
        if "fund_source" in self.t.explains:
            self.b.used.update(id(m) for m in self.u.mentions_of("fund_source", negated=False))

    # ---------------------------------------------------------------- filters
    def _wrap(self, m: Mention | None, pattern: str, reading: str) -> str:
        if m is not None and m.negated:
            self.b.readings.append("非" + reading if not reading.startswith("引用") and not reading.startswith("设有")
                                   else "未" + reading)
            return f"FILTER NOT EXISTS {{ {pattern} }}"
        self.b.readings.append(reading)
        return pattern

    def _filters(self) -> str:
        u, t, b = self.u, self.t, self.b
        out: list[str] = []
        fams = set(t.filters)
        if "project" in fams:
            labels = {"performance_type": ("?p jx:performanceType", "绩效类型"), "category": ("?p jx:category", "项目类别"),
                      "unit": ("?p jx:unit/skos:prefLabel", "申报单位")}
            for kind, (path, name) in labels.items():
                for m in u.mentions_of(kind):
                    e = m.reading(kind)
                    out.append(self._wrap(m, f"{path} {literal(e.label)} .", f"{name}={e.label}"))
                    b.used.add(id(m))
            for m in u.mentions_of("attribute"):
                if m.reading("attribute").label == "gov_purchase" and "attribute_asked" not in features(u):
                    value = not m.negated
                    b.readings.append(f"政府购买服务={'是' if value else '否'}")
                    out.append(f"?p jx:govPurchase {literal(value)} .")
                    b.used.add(id(m))
            out.extend(self._date_filters())
            for c in u.conditions:
                if _is_money_condition(u, c):
                    out.append(self._money_filter(c))
        if "citation" in fams:
            for m in u.mentions:
                if not (m.kinds() & set(CITATION_KINDS)) or id(m) in b.used:
                    continue
                out.append(self._citation_filter(m))
                b.used.add(id(m))
        if "content" in fams:
            for kind, (path, name) in {"indicator": ("jx:name", "指标"), "level2": ("jx:level2/skos:prefLabel", "二级指标"),
                                       "level1": ("jx:level1/skos:prefLabel", "一级指标"),
                                       "phase": (None, "实施阶段")}.items():
                for m in u.mentions_of(kind):
                    if id(m) in b.used or (kind == "indicator" and m.reading("level2")):
                        continue
                    label = m.reading(kind).label
                    if kind == "phase":
                        pattern = f"?p jx:hasPlanPhase/jx:phaseName {literal(label)} ."
                    else:
                        x = self.var("?hi")
                        pattern = f"?p jx:hasIndicator {x} . {x} {path} {literal(label)} ."
                    out.append(self._wrap(m, pattern, f"设有{name}“{label}”"))
                    b.used.add(id(m))
        if "blank" in fams:
            for m in field_mentions(u, negated=True):
                f = _fields()[m.reading("field").label]
                b.readings.append(f"{f['label']}未填写")
                out.append(f"FILTER NOT EXISTS {{ ?p {f['path']} {self.var('?blank')} }}")
                b.used.add(id(m))
            if u.has("filled"):
                for m in field_mentions(u):
                    f = _fields()[m.reading("field").label]
                    b.readings.append(f"{f['label']}已填写")
                    out.append(f"?p {f['path']} {self.var('?filled')} .")
                    b.used.add(id(m))
        return "\n  ".join(out)

    def _date_filters(self) -> list[str]:
        u, b = self.u, self.b
        out = []
        attrs = [m for m in u.mentions_of("attribute") if _attributes()[m.reading("attribute").label].get("kind") == "date"]
        which = _attributes()[attrs[0].reading("attribute").label] if attrs else None
        for m in attrs:
            b.used.add(id(m))
        for d, s, e, precision in u.dates:
            a = which or _attributes()["start_date"]
            after = u.text[e:e + 3]
            op = "<" if after.startswith(DATE_BEFORE) else ">" if after.startswith(DATE_AFTER[:-1]) else "="
            if precision == "month" and op == "=":
                x = self.var("?d")
                out.append(f"?p {a['path']} {x} . FILTER (YEAR({x}) = {d.year} && MONTH({x}) = {d.month})")
                b.readings.append(f"{a['label']}在{d.year}年{d.month}月")
                continue
            x = self.var("?d")
            out.append(f'?p {a["path"]} {x} . FILTER ({x} {op} "{d.isoformat()}"^^xsd:date)')
            b.readings.append(f"{a['label']}{ {'<': '早于', '>': '晚于', '=': '为'}[op] }{d.isoformat()}")
        for y, s, e in u.years:
            if which is not None:
                x = self.var("?d")
                out.append(f"?p {which['path']} {x} . FILTER (YEAR({x}) = {y})")
                b.readings.append(f"{which['label']}在{y}年")
            else:
                out.append(f"?p jx:year {y} .")
                b.readings.append(f"年度={y}")
        return out

    def _money_filter(self, c) -> str:
        u, b = self.u, self.b
        m = self._condition_field(c)
        f = _fields()[m.reading("field").label] if m else next(x for x in vocabulary()["budget_field"] if x.get("default"))
        if m is not None:
            b.used.add(id(m))
        scale = Decimal(100) if f.get("kind") == "rate" and c.unit == "%" else Decimal(1)
        x = self.var("?f")
        lo = c.value / scale
        shown = (lambda v: f"{v}%") if f.get("kind") == "rate" else money_short
        if c.op == "between":
            hi = c.value2 / scale
            b.readings.append(f"{f['label']}在{shown(c.value)}到{shown(c.value2)}之间")
            return f"?p {f['path']} {x} . FILTER ({x} >= {literal(lo)} && {x} <= {literal(hi)})"
        b.readings.append(f"{f['label']}{OP_LABEL[c.op]}{shown(c.value)}")
        return f"?p {f['path']} {x} . FILTER ({x} {c.op} {literal(lo)})"

    def _citation_filter(self, m: Mention) -> str:
        c, r, l = self.var("?c"), self.var("?r"), self.var("?l")
        if m.reading("law"):
            e = m.reading("law")
            if m.article is not None:
                pattern = (f"{c} jx:citingProject ?p ; jx:cites {r} . {r} eli:is_part_of {iri(e.iri)} ; "
                           f"jx:articleNumber {m.article} .")
                return self._wrap(m, pattern, f"引用《{e.label}》第{m.article}条")
            return self._wrap(m, f"{c} jx:citingProject ?p ; jx:cites {r} . {r} eli:is_part_of? {iri(e.iri)} .",
                              f"引用《{e.label}》")
        if m.reading("issuer"):
            e = m.reading("issuer")
            return self._wrap(m, f"{c} jx:citingProject ?p ; jx:cites {r} . {r} eli:is_part_of? {l} . "
                                 f"{l} eli:passed_by/skos:prefLabel {literal(e.label)} .", f"引用{e.label}的文件")
        e = m.reading("legal_level")
        return self._wrap(m, f"{c} jx:citingProject ?p ; jx:cites {r} . {r} eli:is_part_of? {l} . "
                             f"{l} jx:level {literal(e.label)} .", f"引用{e.label}")

    def _ind_filters(self) -> str:
        u, b = self.u, self.b
        if "indicator" not in self.t.filters:
            return ""
        out = []
        names = [m for m in u.mentions_of("indicator") if not m.reading("level2") or self.t.id == "indicator_target"]
        for m in names:
            label = m.reading("indicator").label
            out.append(f"?i jx:name {literal(label)} .")
            b.ind_readings.append(f"指标={label}")
            b.used.add(id(m))
        b.labels["indicator"] = "、".join(m.reading("indicator").label for m in names)
        for kind, (path, name) in {"level1": ("jx:level1/skos:prefLabel", "一级指标"),
                                   "level2": ("jx:level2/skos:prefLabel", "二级指标")}.items():
            for m in u.mentions_of(kind):
                if id(m) in b.used:
                    continue
                label = m.reading(kind).label
                out.append(f"?i {path} {literal(label)} .")
                b.ind_readings.append(f"{name}={label}")
                b.used.add(id(m))
        for c in u.conditions:
            if _is_money_condition(u, c):
                continue
            x = self.var("?v")
            if c.op == "between":
                out.append(f"?i jx:value {x} . FILTER ({x} >= {literal(c.value)} && {x} <= {literal(c.value2)})")
                b.ind_readings.append(f"目标数值在{c.value}到{c.value2}之间")
            else:
                out.append(f"?i jx:value {x} . FILTER ({x} {c.op} {literal(c.value)})")
                b.ind_readings.append(f"目标数值{OP_LABEL[c.op]}{c.value}")
            if c.unit:
                out.append(f"?i jx:valueUnit {literal(c.unit)} .")
                b.ind_readings[-1] += c.unit
        for m in u.mentions_of("value_unit"):
            if id(m) in b.used or any(c.unit == m.reading("value_unit").label for c in u.conditions):
                continue
            out.append(f"?i jx:valueUnit {literal(m.reading('value_unit').label)} .")
            b.ind_readings.append(f"单位={m.reading('value_unit').label}")
            b.used.add(id(m))
        return "\n  ".join(out)


def money_short(v: Decimal) -> str:
    """``3000000`` → ``300万元``; below 10,000 in 元."""
    if v >= 10000:
        w = v / 10000
        return f"{format(w.normalize(), 'f')}万元"
    return f"{format(v.normalize(), 'f')}元"
