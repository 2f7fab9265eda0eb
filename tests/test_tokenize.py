"""Tokenizer: NFKC folding with offsets, document numbers, private jieba with a label dictionary."""
from __future__ import annotations

import jieba
import pytest

from ingest.search.passages import build_passages, labels
from ingest.legal.docnumbers import scan_doc_numbers
from ingest.search.tokenize import Tokenizer, is_content, merge_ranges, normalize, user_dict_words


@pytest.fixture(scope="module")
def base():
    return Tokenizer()


@pytest.fixture(scope="module")
def seed_tokenizer(seed_result):
    return Tokenizer.from_labels(labels(seed_result.projects))


def test_normalize_folds_width_and_case_and_keeps_offsets():
    text = "ＪＪＧ　９１２－２０１０（Ａ）"
    norm, origin = normalize(text)
    assert norm == "jjg 912-2010(a)"
    assert len(origin) == len(norm) + 1
    assert all(text[origin[i]] for i in range(len(norm)))
    assert origin[-1] == len(text)


@pytest.mark.parametrize("raw, canonical", [
    ("（发改环资[2017]1711号）", "发改环资〔2017〕1711号"),
    ("沪发改环资〔2015〕139号", "沪发改环资〔2015〕139号"),
    ("（国发［2016］23号），明确", "国发〔2016〕23号"),
    ("根据沪市监计量[2019]135号", "沪市监计量〔2019〕135号"),       # lead word 根据 is not the issuer
    ("质检办函(2016)44号", "质检办函〔2016〕44号"),
])
def test_doc_numbers_are_pulled_out_whole_in_canonical_form(raw, canonical, base):
    norm, _ = normalize(raw)        # the tokenizer scans the NFKC-folded text with the citations' scanner
    found = scan_doc_numbers(norm)
    assert [f.text for f in found] == [canonical]
    assert found[0].core == canonical[canonical.index("〔"):]
    terms = base.terms(raw)
    assert canonical in terms and found[0].core in terms


def test_doc_number_is_one_token_with_source_offsets(base):
    text = "通知》（发改环资[2017]1711号）“国家将"
    toks = base.tokens(text)
    whole = [t for t in toks if t.text == "发改环资〔2017〕1711号"]
    assert len(whole) == 1
    assert text[whole[0].start:whole[0].end] == "发改环资[2017]1711号"
    assert "1711" not in [t.text for t in toks]  # digits are not split off


def test_doc_numbers_wrapped_over_two_lines_of_the_seed_are_one_token(base):
    # two fixed-width wraps of the seed's 国能中心 project: the issuer and the year are cut by a line end
    for raw, number in [("原上海市质量技术监督局，沪发改\n环资[2015]139号“对本市", "沪发改环资〔2015〕139号"),
                        ("的通知（沪府发[201\n6]73号），将", "沪府发〔2016〕73号")]:
        toks = base.tokens(raw)
        assert number in [t.text for t in toks]
        hit = next(t for t in toks if t.text == number)
        assert raw[hit.start:hit.end].replace("\n", "") == number.replace("〔", "[").replace("〕", "]")


def test_order_numbers_are_tokens_too(base):
    # the same scanner as citations: a 令 number is one term; it has no issuer-less core
    assert "国务院令第588号" in base.terms("依据《计量法实施细则》（国务院令第588号）")
    assert "令第588号" not in base.terms("依据《计量法实施细则》（国务院令第588号）")


def test_query_and_document_spellings_of_a_doc_number_meet(base):
    assert set(base.terms("发改环资〔2017〕1711号")) <= set(base.terms("（发改环资[2017]1711号）"))


def test_punctuation_whitespace_and_stopwords_are_dropped(base):
    terms = base.terms("“用能单位应当加强能源计量管理，按照规定配备”；　\n")
    assert all(is_content(t) for t in terms)
    assert not {"“", "，", "；", " ", "\n", "按照"} & set(terms)
    assert {"单位", "加强", "能源", "计量", "管理", "配备"} <= set(terms)


def test_english_is_lower_cased_words(base):
    assert base.terms("Atomic CLOCK, the Timekeeping lab") == ["atomic", "clock", "timekeeping", "lab"]


def test_user_dict_words_split_labels_where_jieba_would():
    assert user_dict_words(["国能中心（市能耗在线监测系统）", "时频实验室运维费", "预算"]) == [
        "国能中心", "市能耗在线监测系统", "时频实验室运维费"]


def test_labels_become_whole_terms_and_keep_their_parts():
    tok = Tokenizer.from_labels(["时频实验室运维费", "国能中心（市能耗在线监测系统）"])
    terms = tok.terms("时频实验室运维费")
    assert "时频实验室运维费" in terms and "实验室" in terms  # whole label + built-in parts
    assert {"能耗", "在线", "监测"} <= set(tok.terms("国能中心（市能耗在线监测系统）"))


def test_user_words_get_modest_frequencies_and_skip_useless_labels(base):
    tok = Tokenizer.from_labels(["时频实验室运维费", "关于开展", "的通知", "实验室"])
    assert set(tok.user_words) == {"时频实验室运维费"}       # 关于开展/的通知/实验室 add nothing
    assert tok.user_words["时频实验室运维费"] == base._jieba.suggest_freq("时频实验室运维费")


def test_label_dictionary_only_adds_terms_on_the_seed(seed_result, base, seed_tokenizer):
    """Every built-in term survives (bar a boundary shift or two); labels are additive."""
    lost = total = 0
    for p in build_passages(seed_result.projects):
        b = set(base.terms(p.text))
        lost += len(b - set(seed_tokenizer.terms(p.text)))
        total += len(b)
    assert lost <= total * 0.002


def test_private_jieba_instance_leaves_global_dictionary_alone():
    Tokenizer.from_labels(["时频实验室运维费"])
    jieba.initialize()
    assert not jieba.dt.FREQ.get("时频实验室运维费")


def test_user_dict_file_is_utf8_without_bom_and_lf(tmp_path):
    tok = Tokenizer.from_labels(["时频实验室运维费", "国能中心（市能耗在线监测系统）"])
    path = tok.save(tmp_path)
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data and data.endswith(b"\n")
    again = Tokenizer.load(tmp_path)
    assert again.user_words == tok.user_words
    assert again.terms("国能中心运行经费") == tok.terms("国能中心运行经费")


def test_token_offsets_point_into_the_original_text(seed_tokenizer):
    text = "根据《中华人民共和国节约能源法》第二十七条规定，ＩＡＥＡ国际剂量比对"
    for t in seed_tokenizer.tokens(text):
        norm, _ = normalize(text[t.start:t.end])
        assert t.text in norm


def test_merge_ranges():
    assert merge_ranges([(3, 5), (0, 2), (1, 4), (7, 8)]) == [(0, 5), (7, 8)]


def _whole_dictionary_jieba(user_words):
    """jieba as it comes: the whole dictionary in memory, user words added by ``add_word`` (total pinned)."""
    jb = jieba.Tokenizer()
    jb.initialize()
    total = jb.total
    for word, freq in user_words.items():
        jb.add_word(word, freq)
    jb.total = total
    return jb


def test_a_tokenizer_reading_the_dictionary_from_disk_cuts_as_one_holding_all_of_it(seed_result, monkeypatch):
    """A reader's jieba looks words up in the dictionary's table on disk; it must cut every seed
    passage exactly as jieba with its whole dictionary does, before and after user words come and go,
    and the plain dict it settles into must be that jieba's dictionary, entry for entry."""
    import ingest.search.tokenize as tokenize
    from ingest.search.jiebafreq import LazyFreq
    monkeypatch.setattr(tokenize, "MATERIALIZE_AFTER", 10**9)     # stay on the table for the comparison
    texts = [p.text for p in build_passages(seed_result.projects)]
    words = tokenize.label_words(labels(seed_result.projects))
    lazy = Tokenizer(words)
    whole = Tokenizer(words)
    whole._jb = _whole_dictionary_jieba(words)
    assert isinstance(lazy._jieba.FREQ, LazyFreq)
    assert [lazy.tokens(t) for t in texts] == [whole.tokens(t) for t in texts]
    gone = sorted(words)[:5]
    extra = {"计量测试技术研究院": 3, "能耗在线": 2}
    for tok in (lazy, whole):
        tok.remove_words(gone)
        tok.add_words(extra)
    assert [lazy.tokens(t) for t in texts] == [whole.tokens(t) for t in texts]
    # every prefix of every user word, and every short piece of the seed, is in (or not) as in jieba's dict
    pieces = {w[:i] for w in [*words, *extra] for i in range(1, len(w) + 1)}
    pieces |= {t[i:i + n] for t in texts[:40] for i in range(len(t)) for n in (1, 2, 3, 4)}
    lazy_freq, whole_freq = lazy._jieba.FREQ, whole._jieba.FREQ
    assert {x: (x in lazy_freq, lazy_freq.get(x)) for x in pieces} == {x: (x in whole_freq, whole_freq.get(x)) for x in pieces}
    assert lazy._jieba.FREQ.materialize() == whole._jieba.FREQ
    monkeypatch.setattr(tokenize, "MATERIALIZE_AFTER", 0)         # a build settles into a dict at once
    lazy.tokens(texts[0])
    assert type(lazy._jieba.FREQ) is dict and lazy._jieba.FREQ == whole._jieba.FREQ


def test_a_process_that_cuts_one_query_does_not_load_the_whole_dictionary():
    import json
    import subprocess
    import sys
    query, words = "哪些项目涉及能耗在线监测系统", {"能耗在线监测系统": 5}
    code = ("import json, sys; from ingest.search.tokenize import Tokenizer; import ingest.search.jiebafreq as jf; "
            f"print(json.dumps([Tokenizer({words!r}).query_terms({query!r}), jf._FULL is None]))")
    terms, unloaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                check=True).stdout)
    whole = Tokenizer(words)
    whole._jb = _whole_dictionary_jieba(words)
    assert unloaded
    assert terms == whole.query_terms(query)
    assert "能耗在线监测系统" in terms and "能耗" in terms      # the user word, and a part of it
