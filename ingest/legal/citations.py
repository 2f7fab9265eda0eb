"""Legal bases a project cites: extraction from section text, levels, and resolution.

A section's text (wraps joined) is read in two steps. First every marker is found
with regexes on the raw text: titles in 《》 (which may nest ``<…>``, ``〈…〉`` or
《》), quoted clauses “…”, 发文字号, standard numbers, budget rules such as
``2020年市级财政预算管理办法``, article references ``第二十七条``, list markers
(``1、`` ``2.`` ``（3）``) and sentence ends. Then each title (or free-standing
document number) collects what follows it within its *scope* — up to the next
title, list marker or sentence end: a document number in （…） or after a list of
issuers, a written issuer, article references, and the quoted clause after each.
Several articles of one law in a row each become their own ``Citation``.

A quote is attached only when it follows its law, document number or article
directly or after a cue (``规定`` ``明确提出`` ``中…提出`` …), so quoted names
(“国能中心”) are never citations; an article reference needs a cue too, so a list
item (“…项目”第一条。) is not taken for an article of the preceding law.

Example:
    >>> [(c.title, c.article_num, c.level, start, end)
    ...  for c, start, end in extract_citations("《中华人民共和国计量法》第四条规定“…”", "legal_basis")]
    [('中华人民共和国计量法', 4, '法律', 0, 20)]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.legal.docnumbers import (doc_authority, find_standards, is_standard_number, issuer_prefix, known_issuers,
                         normalize_issuer, scan_doc_numbers)
from ingest.legal.names import basis_names
from ingest.legal.numerals import NUMERAL_CHARS, cn_to_int
from ingest.records import Citation
from ingest.legal.resolve import (BUDGET_RULE, canonical_title, infer_level, is_law_title, resolution_key,
                      title_index, title_key, clean_title)  # noqa: F401 (re-exported)

__all__ = ["BASIS_SECTIONS", "canonical_title", "extract_citations", "infer_level", "is_law_title",
           "resolution_key", "title_index", "title_key"]

# Sections whose citations are the project's legal basis (eli:based_on): 立项依据, and 项目审批,
# where the national templates print the approving document.
BASIS_SECTIONS = ("legal_basis", "approval")

_NUM = f"[{NUMERAL_CHARS}]"
ARTICLE = re.compile(rf"第\s*(?P<n>{_NUM}{{1,8}})\s*条(?P<sub>(?:\s*第\s*{_NUM}{{1,4}}\s*[款项目])*)")
_ITEM = re.compile(r"(?<![\d.．A-Za-z])\d{1,2}\s*(?:、|[.．](?!\d))|[（(]\s*\d{1,2}\s*[)）]"
                   r"|(?<![\u4e00-\u9fff])[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_NEXT_ARTICLE = re.compile(rf"\s*第\s*{_NUM}{{1,8}}\s*条")
_ORG = r"原?[\u4e00-\u9fff]{0,16}?(?:人民政府|国务院|委员会|办公厅|办公室|总局|政府|局|委|部|厅|院|署)"
_PRE_ISSUER = re.compile(rf"(?P<org>{_ORG})(?P<verb>(?:联合)?(?:印发|发布|颁布|下发|制定|出台|转发)?的?"
                         r"(?:关于)?(?:印发|转发|发布)?的?)$")
_POST_ISSUER = re.compile(rf"\s*(?P<first>{_ORG})(?:\s*[、，,和及与]\s*{_ORG})*\s*[，,]?\s*")
_ORGISH = re.compile(r"^(?:原)?(?:国家|中国|中共|国务院|上海市|市|区|省)[\u4e00-\u9fff]{2,}$")
_WRAPPER = re.compile(r"\s*的(?:通知|函|决定|批复|意见|公告|通告)")
_GLUE = re.compile(r"^[\s（(]*$")
_LEADIN = re.compile(r"^[\s，,：:]*(?:[^“”《》。；;！？!?]{0,24}?(?:之?规定|明确(?:提出|指出|要求|规定)?|提出|"
                     r"指出|要求|强调|载明|写明|表述为|内容为|中))?[\s，,：:]*$")
_CONTINUE = re.compile(r"^\s*[；;，,、]?\s*(?:以及|及|和|并且|同时|又)?\s*$")
_ARTICLE_GAP = re.compile(r"^[\s；;，,、]*(?:以及|及|和|并在|并于|并|同时|在|其|又|该法|该条例|该办法|该规定)?\s*$")
_ARTICLE_CUE = re.compile(r"\s*(?:之?规定|中|明确|指出|提出|要求|强调|载明|[：:“])")


@dataclass
class _Draft:
    start: int
    end: int
    title: str | None = None
    doc: str | None = None
    written_issuer: str | None = None
    article: str | None = None
    article_num: int | None = None
    quotes: list[str] = field(default_factory=list)

    def add_quote(self, text: str, gap: str, end: int) -> None:
        if self.quotes:
            self.quotes.append("；" if re.search("[；;]", gap) else "，" if re.search("[，,]", gap)
                               else "、" if "、" in gap else "；")
        self.quotes.append(text.strip())
        self.end = max(self.end, end)


@dataclass(frozen=True)
class _Mark:
    kind: str          # title, quote, doc, std, article
    start: int
    end: int
    value: object = None


def _pairs(text: str, open_ch: str, close_ch: str, limit: int, skip: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Outermost ``open…close`` pairs (nesting allowed), ``[start, end)`` with the brackets.

    An opening mark that is never closed would swallow every pair after it, so the
    scan is repeated without the unclosed marks.
    """
    ignored: set[int] = set()
    for _ in range(5):
        out, stack = [], []
        for i, ch in enumerate(text):
            if ch not in (open_ch, close_ch) or i in ignored or any(s < i < e - 1 for s, e in skip):
                continue
            if ch == open_ch:
                if stack and i - stack[0] > limit:
                    ignored.update(stack)
                    stack.clear()
                stack.append(i)
            elif stack:
                s = stack.pop()
                if not stack and i - s <= limit:
                    out.append((s, i + 1))
        if not stack:
            break
        ignored.update(stack[:1])
    return out


class _Reader:
    def __init__(self, text: str):
        self.text = text
        titles = _pairs(text, "《", "》", 160, [])
        quotes = _pairs(text, "“", "”", 800, titles)
        titles = [t for t in titles if not any(q[0] < t[0] and t[1] <= q[1] for q in quotes)]
        self.masked = titles + quotes
        marks = [_Mark("title", s, e, clean_title(text[s + 1:e - 1])) for s, e in titles if text[s + 1:e - 1].strip()]
        marks += [_Mark("quote", s, e, text[s + 1:e - 1]) for s, e in quotes]
        marks += [_Mark("doc", d.start, d.end, d.text) for d in scan_doc_numbers(text) if self.free(d.start)]
        marks += [_Mark("std", s, e, v) for v, s, e in find_standards(text) if self.free(s)]
        for m in ARTICLE.finditer(text):
            try:
                n = cn_to_int(m.group("n"))
            except ValueError:
                continue
            if self.free(m.start()) and n > 0:
                marks.append(_Mark("article", m.start(), m.end(), ("第" + m.group("n") + "条" +
                                                                  re.sub(r"\s+", "", m.group("sub")), n)))
        self.rules = [(m.start(), m.end()) for m in BUDGET_RULE.finditer(text) if self.free(m.start())]
        items = [(m.start(), m.end()) for m in _ITEM.finditer(text) if self.free(m.start())]
        # names printed without 《》 (信息化项目管理办法、…) are titles too, with the same scope rules
        found = [(m.start, m.end) for m in marks if m.kind in ("doc", "std", "article")]
        in_name = [(m.start, m.end) for m in marks if m.kind == "quote" and _is_name(m, text)]  # “十四五”规划
        opaque = [r for r in self.masked if r not in in_name] + found + self.rules
        bare = basis_names(text, opaque=opaque, breaks=items, numbers=[m.start for m in marks if m.kind == "doc"])
        marks += [_Mark("title", s, e, name) for s, e, name in bare]
        self.masked = self.masked + [(s, e) for s, e, _ in bare]
        self.marks = sorted(marks, key=lambda m: (m.start, m.end))
        stops = [s for s, _ in items]
        stops += [s for s, _ in self.rules] + [m.start for m in self.marks if m.kind == "title"]
        # a sentence end closes a scope, unless the next sentence starts with an article (。第二条规定…)
        stops += [m.start() for m in _SENTENCE_END.finditer(text)
                  if self.free(m.start()) and not _NEXT_ARTICLE.match(text, m.end())]
        self.stops = sorted(stops)
        self.used: set[int] = set()

    def free(self, pos: int) -> bool:
        return not any(s <= pos < e for s, e in self.masked)

    def scope_end(self, pos: int) -> int:
        return next((s for s in self.stops if s >= pos), len(self.text))

    def read(self) -> list[_Draft]:
        groups: list[tuple[_Mark, list[_Draft]]] = []
        for mark in self.marks:
            if mark.kind == "title":
                groups.append((mark, self.group(mark)))
        for mark in self.marks:
            if mark.kind in ("doc", "std") and mark.start not in self.used:
                groups.append((mark, self.group(mark)))
        self.share_issuers([g for g in groups if g[0].kind == "title"])
        out = [_Draft(s, e, title=self.text[s:e]) for s, e in self.rules]
        for _, drafts in groups:
            head, articles = drafts[0], drafts[1:]
            if articles and not head.quotes:
                articles[0].start = head.start
                out += articles
            else:
                out += drafts
        return sorted(out, key=lambda d: d.start)

    def group(self, anchor: _Mark) -> list[_Draft]:
        text = self.text
        head = _Draft(anchor.start, anchor.end)
        cursor = anchor.end
        if anchor.kind == "title":
            head.title = anchor.value
            inner = find_standards(anchor.value)
            if inner and inner[0][1] == 0 and anchor.value[inner[0][2]:].strip():
                # 《GB/T 2589-2020 综合能耗计算通则》
                head.doc, head.title = inner[0][0], anchor.value[inner[0][2]:].strip()
            head.written_issuer = self.pre_issuer(anchor.start)
            std = next((m for m in self.marks if m.kind == "std" and m.end <= anchor.start
                        and _GLUE.match(text[m.end:anchor.start])), None)
            if std is not None and std.start not in self.used and head.doc is None:
                head.doc, head.start = std.value, std.start
                self.used.add(std.start)
            wrapper = _WRAPPER.match(text, cursor)
            cursor = head.end = wrapper.end() if wrapper else cursor
        else:
            head.doc = anchor.value
            self.used.add(anchor.start)
        drafts, current, stop = [head], head, self.scope_end(anchor.end)
        for m in self.marks:
            if m.start < cursor or m.start >= stop:
                continue
            if len(drafts) == 1 and not head.quotes and head.written_issuer is None:
                issuer = _POST_ISSUER.match(text, cursor)
                if issuer and issuer.end() <= m.start and _GLUE.match(text[issuer.end():m.start]) \
                        and _orgish(issuer.group("first")):
                    head.written_issuer = issuer.group("first")
                    cursor = head.end = issuer.end()
            gap = text[cursor:m.start]
            if m.kind in ("doc", "std"):
                if head.doc is None and len(drafts) == 1 and not head.quotes and _GLUE.match(gap) \
                        and m.start not in self.used:
                    head.doc = m.value
                    self.used.add(m.start)
                    close = re.match(r"\s*[)）]", text[m.end:])
                    cursor = head.end = m.end + (close.end() if close else 0)
            elif m.kind == "article":
                if _ARTICLE_GAP.match(gap) or _ARTICLE_CUE.match(text, m.end):
                    current = _Draft(m.start, m.end, head.title, head.doc, head.written_issuer, *m.value)
                    drafts.append(current)
                    cursor = m.end
            elif m.kind == "quote":
                if (_CONTINUE if current.quotes else _LEADIN).match(gap) and not _is_name(m, text):
                    current.add_quote(m.value, gap, m.end)
                    cursor = m.end
        return drafts

    def pre_issuer(self, pos: int) -> str | None:
        m = _PRE_ISSUER.search(self.text[max(0, pos - 40):pos].rstrip())
        if not m:
            return None
        name = normalize_issuer(m.group("org"))
        return name if m.group("verb") or name in known_issuers() or name == "国务院" else None

    def share_issuers(self, groups: list[tuple[_Mark, list[_Draft]]]) -> None:
        """《A》、《B》国家质检总局“…”: the issuer written after a list of titles is each title's."""
        for (a, da), (b, db) in reversed(list(zip(groups, groups[1:]))):
            if re.fullmatch(r"\s*[、和及与]\s*", self.text[a.end:b.start]) and da[0].written_issuer is None \
                    and da[0].doc is None:
                for d in da:
                    d.written_issuer = db[0].written_issuer


def _is_name(quote: _Mark, text: str) -> bool:
    """“十三五”时期: a short quote that runs on into the sentence is a name, not a clause."""
    return len(str(quote.value)) < 8 and bool(re.match(r"[\u4e00-\u9fff]", text[quote.end:quote.end + 1]))


def _orgish(name: str) -> bool:
    full = normalize_issuer(name)
    return full in known_issuers() or full == "国务院" or bool(_ORGISH.match(name))


def _title_issuer(title: str) -> str | None:
    m = re.match(r"^(.{2,40}?)关于", title)
    return issuer_prefix(m.group(1)) if m else None


def _finish(d: _Draft, section: str) -> Citation:
    issuer = None
    if d.doc and not is_standard_number(d.doc):
        authority = doc_authority(d.doc)
        issuer = authority.issuer if authority else None
    issuer = issuer or normalize_issuer(d.written_issuer) or (_title_issuer(d.title) if d.title else None)
    title = re.sub(r"\s+", "", d.title) if d.title and BUDGET_RULE.fullmatch(d.title) else d.title
    return Citation(title=title, doc_number=d.doc, article=d.article, article_num=d.article_num,
                    quote="".join(d.quotes) or None, section=section,
                    level=infer_level(title, d.doc, issuer), issuer=issuer)


def extract_citations(text: str, section: str) -> list[tuple[Citation, int, int]]:
    """Citations in one section's text, each with its ``[start, end)`` in ``text``.

    Citations come in text order with ``span=None``. Within the section a law or
    document is cited once per article: repeats are dropped, and so is a bare mention
    (no article, no quote) of a law whose articles are cited.
    Example (the bare second mention of the law whose article is cited is dropped):
        >>> text = ("根据《中华人民共和国计量法》第九条规定“县级以上人民政府计量行政部门对社会公用计量标准器具”，"
        ...         "以及《中华人民共和国计量法》的要求。")
        >>> [(c.article, c.quote[:6], start, end) for c, start, end in extract_citations(text, "legal_basis")]
        [('第九条', '县级以上人民', 2, 46)]
    """
    found = [(_finish(d, section), d.start, d.end) for d in _Reader(text).read()]
    known = title_index(c for c, _, _ in found)
    keys = [resolution_key(c, known) for c, _, _ in found]
    with_articles = {k for k, (c, _, _) in zip(keys, found) if c.article}
    out, seen = [], set()
    for key, (c, s, e) in zip(keys, found):
        ident = (key, c.article_num, c.article)
        if ident in seen or (not c.article and not c.quote and key in with_articles):
            continue
        seen.add(ident)
        out.append((c, s, e))
    return out
