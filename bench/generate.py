"""A corpus generator for benchmarks: N realistic, really different performance-target tables.

Every document is one budget unit's tables of one year. Its projects recombine real vocabulary:
indicator rows, section sentences and legal citations (titles, articles, quoted clauses) mined
from the seed document and from the template fixtures' hand-written tables
(``tests/fixtures/templates``), with the word lists of ``bench/vocabulary.toml`` (regions,
departments and their institutions, project topics, measures, laws, document-number prefixes).
Targets, budgets, dates and names are drawn per project, so no two documents are suffixed
copies of one another, and the encoder meets new text the way it would in real use.

A document is written as

- ``text``: the Shanghai 财政项目支出绩效目标表 as text extracted from its PDF (the seed's
  layout), wrapped at a width drawn per document, with page breaks (a line that begins with a
  space) inside long sections and before each table;
- ``xlsx``, ``docx``, ``html``, ``pipe``: a 部门预算项目支出绩效目标表 (one flat table of the
  unit's projects, as in ``tests/fixtures/templates/flat_unit.py``) through the fixture
  renderers in ``tests/render/``.

Deterministic: document ``i`` depends only on ``(seed, i)``, so a corpus can be made again, or
extended, file for file. Streaming: each document is written as soon as it is drawn, and
``manifest.jsonl`` gets one line per document (file, format, unit, year, project names); no
corpus-wide list is kept.

Usage: ``.venv/bin/python bench/generate.py OUT_DIR --docs 125 --seed 1 [--formats text=6,xlsx=1,...]``

Example: ``generate("/tmp/corpus", docs=20, seed=1)`` → ``Manifest(docs=20, projects=…)``
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_33c4abcdc6cea628.txt"
VOCABULARY = Path(__file__).resolve().parent / "vocabulary.toml"
TESTS = ROOT / "tests"
GRID_FORMATS = ("xlsx", "docx", "html", "pipe")
DEFAULT_FORMATS = {"text": 6, "xlsx": 1, "docx": 1, "html": 1, "pipe": 1}
CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..999 in Chinese numerals, as article numbers are printed.

    Example: ``cn_number(27)`` → ``"二十七"``
    """
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else ("零" + CN_DIGITS[rest] if rest < 10 else
                                (CN_DIGITS[rest // 10] + "十" + (CN_DIGITS[rest % 10] if rest % 10 else "")))
    return CN_DIGITS[n // 100] + "百" + tail


def yuan(amount: int) -> str:
    """``1234567`` → ``"1,234,567"``."""
    return f"{amount:,}"


# --------------------------------------------------------------------------- vocabulary

@dataclass
class Vocabulary:
    """What documents are recombined from: the word lists plus rows and sentences mined from the
    seed and the fixtures."""

    words: dict
    seed_rows: dict[tuple[str, str], list[tuple[str, str]]]     # (level1, level2) → [(name, target)]
    seed_sentences: dict[str, list[str]]                       # section key → sentences
    seed_citations: list[tuple[str, int, str]]                 # (title, article number, quote)
    fixture_rows: dict[str, list[tuple[str, str]]]             # level2 (数量, 质量 …) → [(name, target)]


def _sentences(text: str) -> list[str]:
    out = []
    for s in re.split(r"(?<=[。；！])", text):
        s = s.strip()
        balanced = all(s.count(a) == s.count(b) for a, b in ("“”", "《》", "（）", "()"))
        if 12 <= len(s) <= 160 and balanced and not re.search(r"\d、|^[（(]?\d", s):
            out.append(s.rstrip("。；！"))
    return out


@lru_cache(maxsize=1)
def load_vocabulary(seed: Path = SEED, vocabulary: Path = VOCABULARY) -> Vocabulary:
    """Mine the seed (through the real parser) and the fixtures, and read the word lists."""
    sys.path.insert(0, str(ROOT))
    from ingest.parse.document import parse_document
    from ingest.parse.indicators import is_level1, is_level2
    from ingest.read import read_path

    words = tomllib.loads(vocabulary.read_text("utf-8"))
    result = parse_document(read_path(seed))
    rows: dict[tuple[str, str], list[tuple[str, str]]] = {}
    sentences: dict[str, list[str]] = {}
    citations: list[tuple[str, int, str]] = []
    for p in result.projects:
        for i in p.indicators:
            if i.level1 and i.level2 and " " not in i.name + i.target_raw and not i.flags:
                rows.setdefault((i.level1, i.level2), [])
                if (i.name, i.target_raw) not in rows[i.level1, i.level2]:
                    rows[i.level1, i.level2].append((i.name, i.target_raw))
        for s in p.sections:
            if s.key not in ("legal_basis",):
                sentences.setdefault(s.key, []).extend(_sentences(s.text))
        for c in p.citations:
            if c.title and c.article_num and c.quote and 6 <= len(c.quote) <= 120:
                citations.append((c.title, c.article_num, c.quote))
    fixture_rows: dict[str, list[tuple[str, str]]] = {}
    sys.path.insert(0, str(TESTS))
    from render.spec import load_spec, spec_names
    for name in spec_names():
        for rec in load_spec(name).expected:
            for ind in rec.get("indicators", []) or []:
                l2, nm, target = ind.get("level2"), ind.get("name"), ind.get("target_raw")
                if not (isinstance(l2, str) and isinstance(nm, str) and isinstance(target, str)):
                    continue
                key = re.sub(r"指标$", "", l2).replace("服务对象", "") or l2
                if " " in nm + target or is_level1(nm) or is_level2(nm):
                    continue
                fixture_rows.setdefault(key, []).append((nm, target))
    return Vocabulary(words, rows, sentences, citations, fixture_rows)


# --------------------------------------------------------------------------- drawing a document

@dataclass
class Indicator:
    level1: str          # as the Shanghai template prints it (产出目标); the flat grid prints 产出指标
    level2: str
    name: str
    target: str


@dataclass
class GenProject:
    name: str
    category: str
    performance_type: str
    start: str
    end: str
    total: int
    current: int
    prev_budget: int | None
    prev_executed: int | None
    sections: dict[str, str]
    indicators: list[Indicator]
    goal: str


@dataclass
class GenDocument:
    index: int
    fmt: str
    unit: str
    department: str
    region: str
    year: int
    projects: list[GenProject] = field(default_factory=list)


SECTION_ORDER = [("overview", "项目概况"), ("legal_basis", "立项依据"), ("necessity", "项目设立的必要性"),
                 ("safeguards", "保证项目实施的制度、措施"), ("plan", "项目实施计划"), ("goals", "总目标及阶段性目标")]
LEVEL2_OF = {"产出目标": ["数量", "质量", "时效", "成本"], "效果目标": ["经济效益", "社会效益", "环境效益", "满意度"]}


class Drawer:
    """Draws one document from its own random stream."""

    def __init__(self, vocab: Vocabulary, rng: random.Random):
        self.v, self.r = vocab, rng
        self.w = vocab.words

    def pick(self, seq):
        return self.r.choice(list(seq))

    def fill(self, template: str, ctx: dict) -> str:
        return template.format_map(_Defaults(ctx))

    # -- legal basis --------------------------------------------------------------------
    def doc_number(self, prefix: str, year: int) -> str:
        return f"{prefix}〔{self.r.randint(year - 6, year - 1)}〕{self.r.randint(1, 320)}号"

    def legal_basis(self, ctx: dict) -> str:
        r, w, year = self.r, self.w["laws"], ctx["year"]
        parts: list[str] = []
        if r.random() < 0.5:
            parts.append(self.fill(self.pick(w["budget_rules"]), ctx))
        if r.random() < 0.12 and parts:         # a budget rule only: no concrete basis (gaps finds these)
            return self._numbered(parts)
        for _ in range(r.randint(1, 4)):
            roll = r.random()
            if roll < 0.3 and self.v.seed_citations:
                title, art, quote = self.pick(self.v.seed_citations)
                parts.append(f"《{title}》第{cn_number(art)}条规定“{quote}”")
            elif roll < 0.55:
                title = self.pick(w["titles"])
                quote = self.fill(self.pick(w["quotes"]), ctx)
                parts.append(f"《{title}》第{cn_number(r.randint(2, 90))}条规定“{quote}”")
            elif roll < 0.7:
                parts.append(f"《{ctx['region']}{self.pick(w['local'])}》")
            elif roll < 0.85:
                title, prefix = self.pick(w["documents"])
                abbr = w["region_abbr"].get(ctx["region"], "")
                parts.append(f"《{ctx['region']}{self.fill(title, ctx)}》（{self.doc_number(self.fill(prefix, {'abbr': abbr}), year)}）")
            else:
                title, prefix = self.pick(w["national_documents"])
                parts.append(f"《{self.fill(title, ctx)}》（{self.doc_number(prefix, year)}）")
        return self._numbered(list(dict.fromkeys(parts)))

    def _numbered(self, parts: list[str]) -> str:
        if len(parts) == 1:
            return parts[0]
        return "".join(f"{i}、{p}" + ("；" if i < len(parts) else "") for i, p in enumerate(parts, 1))

    # -- sections ---------------------------------------------------------------------
    def section(self, key: str, ctx: dict, short: bool) -> str:
        r = self.r
        if short and key != "legal_basis" and r.random() < 0.5:
            return self.pick([ctx["topic"], "按预算执行", "业务需要", ctx["name"]])
        own = [self.fill(s, ctx) for s in r.sample(self.w["sentences"][key], k=min(len(self.w["sentences"][key]),
                                                                                   r.randint(1, 3)))]
        mined = self.v.seed_sentences.get(key, [])
        if mined and r.random() < 0.6:
            own.insert(r.randint(0, len(own)), self.pick(mined))
        return "。".join(own) + "。"

    # -- indicators -------------------------------------------------------------------
    def target_count(self) -> str:
        r = self.r
        op = self.pick(["=", ">=", ">", "≥", ""])
        return f"{op}{r.choice([1, 2, 3, 5, 6, 8, 10, 12, 15, 20, 24, 30, 50, 60, 80, 100, 120, 200, 300, 500, 800, 1000, 5000])}" \
               f"{self.pick(self.w['indicators']['count_units'])}"

    def target_rate(self) -> str:
        r = self.r
        return f"{self.pick(['>=', '=', '≥', '>'])}{r.choice([80, 85, 90, 92, 95, 96, 98, 99, 100])}%"

    def indicators(self, ctx: dict) -> list[Indicator]:
        r, wi, v = self.r, self.w["indicators"], self.v
        out: list[Indicator] = []
        # 投入与管理 (and 影响力目标): the seed's rows, a different subset and order per project
        for (l1, l2), rows in sorted(v.seed_rows.items()):
            if l1 in ("投入与管理", "影响力目标") and r.random() < (0.9 if l1 == "投入与管理" else 0.5):
                for name, target in r.sample(rows, k=r.randint(1, min(len(rows), 4))):
                    out.append(Indicator(l1, l2, name, target))
        objects = ctx["objects"]
        for l1, level2s in LEVEL2_OF.items():
            for l2 in level2s:
                if r.random() < 0.25 and l2 not in ("数量", "满意度"):
                    continue
                for _ in range(r.randint(1, 3 if l2 in ("数量", "质量") else 2)):
                    obj = self.pick(objects)
                    if l2 == "数量":
                        name, target = obj + self.pick(wi["count_measures"]), self.target_count()
                    elif l2 == "质量":
                        name, target = (obj + self.pick(wi["rate_measures"]), self.target_rate()) if r.random() < 0.7 \
                            else (obj + self.pick(wi["quality_words"]), self.pick(wi["qualitative"]))
                    elif l2 == "时效":
                        name, target = self.pick([f"{obj}完成及时率", "计划完成及时率", f"{ctx['topic']}按期完成率"]), \
                            self.pick(["=100%", ">=95%", "及时", f"{ctx['year']}年12月底前"])
                    elif l2 == "成本":
                        name, target = self.pick([f"单个{obj}成本", "成本控制率", f"{obj}平均费用"]), \
                            self.pick([f"<={r.randint(2, 80)}万元", "≤100%", "控制在预算内"])
                    elif l2 == "满意度":
                        name, target = self.pick(wi["satisfaction"]), f"{self.pick(['>=', '≥'])}{r.choice([80, 85, 90, 95])}%"
                    else:
                        fixture = v.fixture_rows.get(l2.replace("环境", "生态"), []) or v.fixture_rows.get(l2, [])
                        if fixture and r.random() < 0.4:
                            name, target = self.pick(fixture)
                        else:
                            name = f"{ctx['topic']}{self.pick(wi['rate_measures'])}"
                            target = self.pick([self.target_rate(), self.pick(wi["qualitative"])])
                    if not any(i.name == name for i in out):
                        out.append(Indicator(l1, l2, name, target))
        order = {"投入与管理": 0, "产出目标": 1, "效果目标": 2, "影响力目标": 3}
        return sorted(out, key=lambda i: order.get(i.level1, 9))   # stable: levels 2 keep their order

    # -- a project and a document ------------------------------------------------------
    def project(self, doc: GenDocument, taken: set[str], dept: dict) -> GenProject:
        r, w = self.r, self.w
        while True:
            topic = self.pick(dept["topics"])
            name = topic + self.pick(w["names"]["suffixes"])
            if r.random() < 0.3:
                name = self.pick([doc.region[:-1], doc.unit[-6:], self.pick(dept["objects"])]) + name
            if name not in taken:
                taken.add(name)
                break
        total = r.choice([1, 2, 5]) * 10 ** r.randint(4, 7) + r.randint(0, 999) * 100
        current = total if r.random() < 0.7 else total - r.randint(0, total // 3)
        prev = r.randint(total // 2, total * 2) if r.random() < 0.6 else None
        executed = None if prev is None else (prev if r.random() < 0.6 else r.randint(prev * 8 // 10, prev))
        ctx = {"topic": topic, "object": self.pick(dept["objects"]), "unit": doc.unit, "year": doc.year,
               "region": doc.region, "name": name, "n": r.randint(2, 400), "cu": self.pick(w["indicators"]["count_units"]),
               "measure": self.pick(w["indicators"]["rate_measures"]), "target": self.target_rate().lstrip("=>≥"),
               "sat": r.choice([85, 90, 95]), "objects": dept["objects"]}
        short = r.random() < 0.35
        sections = {key: (self.legal_basis(ctx) if key == "legal_basis" else self.section(key, ctx, short))
                    for key, _ in SECTION_ORDER}
        start_month = r.choice([1, 1, 1, 3, 6])
        return GenProject(name=name, category=self.pick(w["names"]["categories"]),
                          performance_type=self.pick(w["names"]["performance_types"]),
                          start=f"{doc.year}-{start_month:02d}-01", end=f"{doc.year}-12-31", total=total,
                          current=current, prev_budget=prev, prev_executed=executed, sections=sections,
                          indicators=self.indicators(ctx), goal=sections["goals"])


class _Defaults(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def draw_document(vocab: Vocabulary, seed: int, index: int, fmt: str, projects: tuple[int, int],
                  attempt: int = 0) -> GenDocument:
    """Document ``index`` of the corpus made from ``seed`` (its own random stream; ``attempt`` > 0
    draws it again from another stream)."""
    r = random.Random(f"{seed}:{index}" + (f":{attempt}" if attempt else ""))
    d = Drawer(vocab, r)
    w = vocab.words
    dept_name = d.pick(sorted(w["departments"]))
    dept = w["departments"][dept_name]
    region = d.pick(w["regions"])
    # a unit name unique enough that (unit, year) rarely repeats; repeats are still distinct projects by name
    place = region + (d.pick(w["cities"]) + d.pick(w["levels"]) if r.random() < 0.8 else "")
    unit = place + d.pick(dept["institutions"]) + (d.pick(["", "", "第一分所", "第二分所", "东区分中心", "西区分中心"]))
    doc = GenDocument(index=index, fmt=fmt, unit=unit, department=place + dept_name, region=region,
                      year=r.randint(2018, 2025))
    taken: set[str] = set()
    for _ in range(r.randint(*projects)):
        doc.projects.append(d.project(doc, taken, dept))
    return doc


def draw_unique(vocab: Vocabulary, seed: int, index: int, fmt: str, projects: tuple[int, int],
                seen: set[tuple]) -> GenDocument:
    """:func:`draw_document`, drawn again while one of its projects has the identity (unit, year, name)
    of a project in ``seen`` (which it then joins). The ingest refuses a second document that holds a
    stored project's identity, so a corpus with repeats (27 at 100,000 projects) measured refused
    files, not ingest. Without a repeat the document is the one ``draw_document`` gives.

    Example: ``draw_unique(vocab, 1, 0, "text", (6, 10), set()).unit`` == ``draw_document(…).unit``
    """
    for attempt in range(1000):
        doc = draw_document(vocab, seed, index, fmt, projects, attempt)
        ids = {(doc.unit, doc.year, p.name) for p in doc.projects}
        if not ids & seen:
            seen |= ids
            return doc
    raise RuntimeError(f"document {index}: no draw without a repeated project in 1,000 tries")


# --------------------------------------------------------------------------- the Shanghai text layout

def _width(ch: str) -> int:
    return 2 if ord(ch) > 0x2E7F else 1


def wrap(text: str, columns: int) -> list[str]:
    """Cut ``text`` into lines of at most ``columns`` display columns, in the middle of words and
    numbers, as PDF text extraction gives them. Example: ``wrap("一二三四", 4)`` → ``["一二", "三四"]``"""
    lines, cur, used = [], [], 0
    for ch in text:
        w = _width(ch)
        if used + w > columns and cur:
            lines.append("".join(cur))
            cur, used = [], 0
        cur.append(ch)
        used += w
    if cur:
        lines.append("".join(cur))
    return lines


def shanghai_text(doc: GenDocument, rng: random.Random) -> str:
    """The document's tables in the seed's layout (text extracted from the Shanghai PDF)."""
    columns = rng.choice([64, 72, 76, 80, 84, 84, 88, 96])
    page = rng.randint(38, 58)
    out: list[str] = []

    def para(label: str, text: str) -> None:
        if _textwidth(label + text) + 2 <= columns and rng.random() < 0.8:
            out.extend([f"{label}： {text}", ""])
            return
        out.extend([f"{label}：", ""])
        for n, line in enumerate(wrap(text, columns)):
            # a page break inside a long section: the new page's first line begins with a space
            out.append((" " + line) if n and n % page == 0 else line)
        out.append("")

    for k, p in enumerate(doc.projects):
        out.append((" " if k else "") + "财政项目支出绩效目标表")
        out += [f"（{doc.year}年度）", "", f"申报单位名称：{doc.unit}", ""]
        if _textwidth(p.name) > columns // 2 and rng.random() < 0.5:
            cut = len(p.name) // 2
            out += ["项目名称：", p.name[:cut], "", p.name[cut:], f"项目类别： {p.category}", ""]
        else:
            out += [f"项目名称： {p.name} 项目类别： {p.category}", ""]
        out += [f"计划开始日期： {p.start} 计划完成日期： {p.end}", "",
                f"是否含有政府购买服务： {rng.choice(['否', '否', '是'])} 绩效类型： {p.performance_type}", ""]
        for key, label in SECTION_ORDER:
            para(label, p.sections[key])
        out += ["本项目上年度市级财政资金使用情况",
                f"项目总预算（元）： {yuan(p.total)} 项目当年预算（元）： {yuan(p.current)}", "",
                " ".join(x for x in ("同名项目上年预算额（元）：", yuan(p.prev_budget) if p.prev_budget is not None else "",
                                     "同名项目上年预算执行数（元）：",
                                     yuan(p.prev_executed) if p.prev_executed is not None else "") if x),
                f" {doc.year}年绩效目标", "一级目标 二级目标 三级目标 指标目标值", ""]
        l1 = l2 = None
        for ind in p.indicators:
            if ind.level1 != l1:
                l1, l2 = ind.level1, None
                out += [l1, ""]
            if ind.level2 != l2:
                l2 = ind.level2
                if rng.random() < 0.5:
                    out += [f"{l2} {ind.name} {ind.target}", ""]
                    continue
                out.append(l2)
            out += [f"{ind.name} {ind.target}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _textwidth(s: str) -> int:
    return sum(_width(c) for c in s)


# --------------------------------------------------------------------------- the flat grid (other formats)

GRID_LEVEL1 = {"投入与管理": "投入管理指标", "产出目标": "产出指标", "效果目标": "效益指标", "影响力目标": "可持续影响指标"}


def flat_spec(doc: GenDocument):
    """The document as a 部门预算项目支出绩效目标表 fixture spec (``tests/render/spec.py``)."""
    sys.path.insert(0, str(TESTS))
    from render.spec import Grid, Spec

    code = 100 + doc.index % 900
    unit_cell = f"{code}001-{doc.unit}"
    rows = [["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标", "指标值"],
            [f"{code}-{doc.department}", "", f"{sum(p.current for p in doc.projects):,}.00", "", "", "", "", ""]]
    for p in doc.projects:
        for n, i in enumerate(grid_indicators(p)):
            level2 = i.level2 if i.level2.endswith("指标") else (
                "服务对象满意度指标" if i.level2 == "满意度" else i.level2 + "指标")
            head = [unit_cell, p.name, f"{p.current:,}.00", p.goal] if n == 0 else ["", "", "", ""]
            rows.append(head + [GRID_LEVEL1.get(i.level1, i.level1), level2, i.name, i.target])
    return Spec(name=f"doc{doc.index:06d}", title=f"{doc.year}年部门预算项目支出绩效目标表",
                preamble=[(f"部门：{doc.department}", "单位：元")], grid=Grid.of(rows), footer=[],
                expected=[], formats=(doc.fmt,))


def grid_indicators(p: GenProject) -> list[Indicator]:
    """The rows a flat grid prints: its output and effect indicators (flat tables leave out 投入与管理)."""
    return [i for i in p.indicators if i.level1 in ("产出目标", "效果目标")] or p.indicators


def printed_indicators(doc: GenDocument) -> int:
    return sum(len(p.indicators if doc.fmt == "text" else grid_indicators(p)) for p in doc.projects)


# --------------------------------------------------------------------------- the corpus

@dataclass
class Manifest:
    docs: int = 0
    projects: int = 0
    by_format: dict[str, int] = field(default_factory=dict)


def parse_formats(text: str | None) -> dict[str, int]:
    """``"text=6,xlsx=1"`` → ``{"text": 6, "xlsx": 1}`` (weights). Example: ``parse_formats("text")`` → ``{"text": 1}``"""
    if not text:
        return dict(DEFAULT_FORMATS)
    out = {}
    for item in text.split(","):
        name, _, weight = item.strip().partition("=")
        if name not in ("text",) + GRID_FORMATS:
            raise SystemExit(f"unknown format {name!r}: choose from text, {', '.join(GRID_FORMATS)}")
        out[name] = int(weight or 1)
    return out


def document_format(seed: int, index: int, formats: dict[str, int]) -> str:
    r = random.Random(f"{seed}:{index}:format")
    return r.choices(list(formats), weights=list(formats.values()))[0]


def write_document(doc: GenDocument, out_dir: Path, seed: int) -> Path:
    stem = f"{doc.index:06d}_{doc.year}"
    if doc.fmt == "text":
        path = out_dir / f"{stem}.txt"
        path.write_text(shanghai_text(doc, random.Random(f"{seed}:{doc.index}:layout")), "utf-8")
        return path
    sys.path.insert(0, str(TESTS))
    from render import render
    return render(flat_spec(doc), doc.fmt, out_dir, stem)


def generate(out_dir: str | Path, docs: int, seed: int = 1, formats: dict[str, int] | None = None,
             projects: tuple[int, int] = (6, 10), start: int = 0, progress=None) -> Manifest:
    """Write documents ``start … start+docs-1`` into ``out_dir`` with ``manifest.jsonl`` beside them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    formats = formats or dict(DEFAULT_FORMATS)
    vocab = load_vocabulary()
    manifest = Manifest()
    seen: set[tuple] = set()   # identities drawn by this call (an extension with --start may repeat earlier ones)
    with open(out_dir / "manifest.jsonl", "a" if start else "w", encoding="utf-8") as m:
        for index in range(start, start + docs):
            doc = draw_unique(vocab, seed, index, document_format(seed, index, formats), projects, seen)
            path = write_document(doc, out_dir, seed)
            m.write(json.dumps({"file": path.name, "format": doc.fmt, "unit": doc.unit, "year": doc.year,
                                "projects": [p.name for p in doc.projects],
                                "indicators": printed_indicators(doc)},
                               ensure_ascii=False) + "\n")
            manifest.docs += 1
            manifest.projects += len(doc.projects)
            manifest.by_format[doc.fmt] = manifest.by_format.get(doc.fmt, 0) + 1
            if progress:
                progress(index - start + 1, docs)
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--docs", type=int, default=125, help="documents to write (each holds 6–10 projects)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="index of the first document (to extend a corpus)")
    ap.add_argument("--formats", default=None, help="weights, e.g. text=6,xlsx=1,docx=1,html=1,pipe=1 (the default)")
    ap.add_argument("--projects", default="6-10", help="projects per document, MIN-MAX")
    args = ap.parse_args(argv)
    lo, _, hi = args.projects.partition("-")
    m = generate(args.out_dir, args.docs, args.seed, parse_formats(args.formats), (int(lo), int(hi or lo)), args.start)
    print(f"{m.docs} documents, {m.projects} projects in {args.out_dir} ({m.by_format})")


if __name__ == "__main__":
    main()
