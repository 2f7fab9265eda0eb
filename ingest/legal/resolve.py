"""Titles, levels (效力层级) and resolution keys of cited laws and documents.

One law is one node across all projects and documents: ``resolution_key`` keys a
citation on its document number when it has one (``发改环资[2017]1711号`` and
``发改环资〔2017〕1711号`` are one key) and otherwise on its canonical title, where
《中华人民共和国计量法》 and 《计量法》 are one title. ``infer_level`` places a citation
in the hierarchy of norms from the title's form, the 机关代字 and the issuer.

Example:
    >>> resolution_key(Citation("计量法", None)) == resolution_key(Citation("中华人民共和国计量法", None))
    True
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping

from ingest.legal.docnumbers import (doc_authority, is_standard_number, read_table, normalize_doc_number,
                         normalize_standard)
from ingest.records import Citation

PRC = "中华人民共和国"
BUDGET_RULE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*年度?\s*(?:市级|区级|县级|省级|镇级|本级|中央|全市|本市|市|区)?\s*"
    r"(?:财政|机关|部门|单位|政府|项目|专项)?\s*预算\s*(?:绩效管理|管理|编制|执行|编报|调整)?\s*"
    r"(?:暂行|实施)?\s*(?:办法|规定|规则|细则|制度)")
# A title or issuer of a province, city, county or district (长沙市…, 某县…, 浦东新区…), not 城市… or 国家….
LOCAL = re.compile(r"^(?:原)?(?:上海|北京|天津|重庆)市|^本[市县区州]|^沪|^[\u4e00-\u9fff]{2,6}?(?:省|自治区|特别行政区)"
                   r"|^(?!国家|全国|中国|中华|中央|国务院)[\u4e00-\u9fff]{1,8}?(?<![城都超门集])"
                   r"(?:自治州|自治县|市|县|区|州|盟|旗)(?![场级民容域别间])")
_NOT_LAW = re.compile(r"(?:办|方|做|(?<!预)算|用|说|手|疗|技|写|立|执|司|守|违|合|非|依)法$|关于")
_NORMATIVE = re.compile(r"(?:通知|意见|方案|函|批复|规划|决定|公告|通告|纲要|计划|指南|备忘录|要点|指引|目录|"
                        r"制度|决议|报告|办法|规定|细则|规则)$")
_RULE = re.compile(r"(?:办法|规定|细则|规则)$")
_FULL_WIDTH_ALNUM = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_BRACKETS = str.maketrans({"(": "（", ")": "）", "<": "〈", ">": "〉", "＜": "〈", "＞": "〉",
                           "《": "〈", "》": "〉", "「": "“", "」": "”", "『": "“", "』": "”"})


@lru_cache(maxsize=None)
def _law_aliases() -> dict[str, str]:
    return {alias: title for _, (alias, title) in read_table("law_aliases.tsv", 2)}


def clean_title(title: str) -> str:
    """Title as printed, brackets and wrap spaces removed (spaces between Latin words kept)."""
    t = title.strip().removeprefix("《").removesuffix("》").strip()
    t = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", t)
    return re.sub(r"\s+", " ", t)


def is_law_title(title: str) -> bool:
    """True for the title of a national law (…法, 民法典), not for 办法/方法 or a local rule."""
    t = title.removeprefix(PRC)
    return bool(re.fullmatch(r"[\u4e00-\u9fff“”]{1,30}法典?", t)) and not _NOT_LAW.search(t) \
        and not LOCAL.search(t)


def canonical_title(title: str) -> str:
    """One spelling per title: brackets, quotes and full-width forms unified, aliases applied,
    and a national law named in full (``计量法`` → ``中华人民共和国计量法``).

    Example:
        >>> canonical_title("关于印发<财务制度>的通知")
        '关于印发〈财务制度〉的通知'
    """
    t = clean_title(title).translate(_FULL_WIDTH_ALNUM).translate(_BRACKETS)
    t = re.sub(r'"([^"]*)"', r"“\1”", t)
    t = _law_aliases().get(t, t)
    if is_law_title(t) and not t.startswith(PRC):
        t = PRC + t
    return t


def title_key(title: str) -> str:
    """Identity of a title: canonical, without a leading 中华人民共和国."""
    t = canonical_title(title)
    return t[len(PRC):] if t.startswith(PRC) and len(t) > len(PRC) else t


def infer_level(title: str | None = None, doc_number: str | None = None, issuer: str | None = None) -> str | None:
    """效力层级 from the title's form, the document number's prefix and the issuer.

    Example:
        >>> infer_level("上海市节约能源条例")
        '地方性法规'
    """
    if is_standard_number(doc_number):
        return "技术规范"
    t = canonical_title(title) if title else ""
    local = bool(LOCAL.search(t) or (issuer and LOCAL.search(issuer)))
    if t:
        if BUDGET_RULE.fullmatch(t):
            return "预算管理规定"
        if is_law_title(t):
            return "法律"
        if t.endswith("条例") and "关于" not in t:
            return "地方性法规" if local else "行政法规"
        if t.startswith(PRC) and _RULE.search(t):
            return "行政法规"
    if doc_number:
        authority = doc_authority(doc_number)
        return authority.level if authority else "规范性文件"
    if t and _RULE.search(t) and "关于" not in t:
        return "行政法规" if issuer == "国务院" else "规范性文件" if local else "部门规章"
    if t and _NORMATIVE.search(t):
        return "规范性文件"
    return None


def resolution_key(citation: Citation, known: Mapping[str, str] | None = None) -> str:
    """Key of the cited law or document, the same across projects and documents.

    The document number when there is one (``doc:发改环资〔2017〕1711号``, ``doc:JJG 912-2010``),
    else the title key (``title:计量法``). ``known`` (from ``title_index``) maps title keys to
    document keys seen elsewhere, so a title cited without its number joins the same node.
    Example:
        >>> resolution_key(Citation("中华人民共和国计量法", None))
        'title:计量法'
    """
    if citation.doc_number:
        d = citation.doc_number.strip()
        for normalize in (normalize_standard, normalize_doc_number):
            try:
                return "doc:" + normalize(d)
            except ValueError:
                pass
        return "doc:" + d
    if citation.title:
        t = title_key(citation.title)
        return (known or {}).get(t) or "title:" + t
    raise ValueError("a citation needs a title or a doc_number to be resolved")


def title_index(citations: Iterable[Citation]) -> dict[str, str]:
    """Title key → document key, from citations that give both (for ``resolution_key(c, known)``)."""
    index: dict[str, str] = {}
    for c in citations:
        if c.title and c.doc_number:
            index.setdefault(title_key(c.title), resolution_key(c))
    return index
