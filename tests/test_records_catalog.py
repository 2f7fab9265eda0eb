"""The records store reads what a lookup needs: the catalog (names only, ``<doc_id>.idx.json``) to find
a project or an indicator, one document's records to show it, and parsed records kept in memory per
document version (``ingest/storage/recordstore.py``, ``ingest/storage/catalog.py``).

Expected values are read off the documents: the seed holds eight 2020 projects of 上海市计量测试技术研究院
(大型仪器项目经费 is the second, with 15 indicator rows, 设备检验合格率（%） the tenth); ``tests/fixtures/other_layout.txt`` one 2021 project,
食品安全抽检监测经费 of 上海市质量监督检验技术研究院, whose four 产出 rows start with 抽检批次 (≥ 12000批次, stored as ≥12000批次).
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.parse.document import parse_document
from ingest.read import read_path
from ingest.records import BUDGET_FIELDS
from ingest.storage.catalog import SUFFIX, IndicatorEntry
from ingest.storage.recordstore import RecordStore

ROOT = Path(__file__).resolve().parent.parent
OTHER = ROOT / "tests" / "fixtures" / "other_layout.txt"


class CountingStore(RecordStore):
    """The real store, counting the documents whose full records it reads."""

    def __init__(self, data_dir, **kw):
        super().__init__(data_dir, **kw)
        self.read_docs: list[str] = []

    def payload(self, doc_id):
        self.read_docs.append(doc_id)
        return super().payload(doc_id)


@pytest.fixture()
def store(tmp_path, seed_path):
    s = RecordStore(tmp_path)
    for path in (seed_path, OTHER):
        doc = read_path(path)
        s.put(doc, parse_document(doc))
    return s


def _doc_of(store, name):
    return next(d for d, v in store.documents().items() if Path(v["file"]).name == name)


def test_the_catalog_names_every_project_and_indicator(store, seed_path):
    entries = store.catalog()
    assert len(entries) == 9
    seed = [e for e in entries if e.doc == _doc_of(store, seed_path.name)]
    assert len(seed) == 8 and {e.unit for e in seed} == {"上海市计量测试技术研究院"} and {e.year for e in seed} == {2020}
    big = next(e for e in seed if e.name == "大型仪器项目经费")
    assert len(big.indicators) == 15 and big.indicators[9].name == "设备检验合格率（%）"
    other = next(e for e in entries if e.doc == _doc_of(store, OTHER.name))
    assert (other.name, other.unit, other.year) == ("食品安全抽检监测经费", "上海市质量监督检验技术研究院", 2021)
    assert (other.indicators[0].name, other.indicators[0].target_raw) == ("抽检批次", "≥12000批次")
    # the same entries as the records say, in the same order
    assert [(e.id, e.name, [i.name for i in e.indicators]) for e in entries] == \
           [(p.id, p.name, [i.name for i in p.indicators]) for p in store.projects()]


def test_one_project_is_read_from_its_document_alone(store):
    counting = CountingStore(store.dir.parent)
    pid = next(e.id for e in counting.catalog() if e.name == "食品安全抽检监测经费")
    assert counting.read_docs == []                    # the catalog read no records
    p = counting.project(pid)
    assert p.name == "食品安全抽检监测经费" and p.budget.total is not None
    assert counting.read_docs == [_doc_of(store, OTHER.name)]
    assert counting.project(pid) is p                  # the same version again: from memory
    assert counting.read_docs == [_doc_of(store, OTHER.name)]
    assert counting.project("no-such-project") is None


def test_a_store_without_catalog_files_still_finds_everything(store):
    expected = [(e.id, e.name, e.indicators) for e in store.catalog()]
    for f in store.dir.glob(f"*{SUFFIX}"):
        f.unlink()                                     # a store written before the catalog existed
    fresh = RecordStore(store.dir.parent)
    assert [(e.id, e.name, e.indicators) for e in fresh.catalog()] == expected


def test_another_process_writing_is_seen_and_only_the_changed_document_is_read(store, tmp_path, seed_path):
    reader = CountingStore(store.dir.parent)
    assert len(reader.projects()) == 9
    assert sorted(reader.read_docs) == sorted(store.documents())
    reader.read_docs.clear()
    assert len(reader.projects()) == 9 and reader.read_docs == []       # nothing changed: nothing read

    # the other file is changed on disk and ingested again by another store object (another process)
    changed = tmp_path / "other_layout.txt"
    changed.write_text(OTHER.read_text("utf-8").replace("食品安全抽检", "食品安全复检"), "utf-8")
    doc = read_path(changed)
    writer = RecordStore(store.dir.parent)
    writer.put(doc, parse_document(doc))
    assert {"食品安全复检监测经费", "食品安全抽检监测经费"} <= {e.name for e in reader.catalog()}
    names = [p.name for p in reader.projects()]
    assert len(names) == 10 and "食品安全复检监测经费" in names
    assert reader.read_docs == [doc.doc_id]            # the seed was not read again

    writer.remove(doc.doc_id)
    assert not (store.dir / f"{doc.doc_id}{SUFFIX}").exists()
    assert "食品安全复检监测经费" not in [e.name for e in reader.catalog()]
    assert len(reader.projects()) == 9


def test_a_bounded_cache_gives_the_same_records(store):
    small = CountingStore(store.dir.parent, cache_projects=1)   # the seed (8 projects) never fits
    first = [p.name for p in small.projects()]
    again = [p.name for p in small.projects()]
    assert first == again == [p.name for p in store.projects()]
    assert small.read_docs.count(_doc_of(store, "000_33c4abcdc6cea628.txt")) == 2


def test_kb_trace_reads_one_document(tmp_path, seed_path, vector_cache):
    """``kb.trace`` finds the indicator in the catalog and reads only its document's records."""
    from app.core import KnowledgeBase
    from app.trace import TraceResult
    kb = KnowledgeBase.open(tmp_path / "kb")
    try:
        kb.ingest([seed_path, OTHER], index=False)
        counting = CountingStore(kb.data_dir)
        kb.records = counting
        result = kb.trace("不合格食品核查处置率")
        assert isinstance(result, TraceResult) and result.project.name == "食品安全抽检监测经费"
        assert counting.read_docs == [_doc_of(counting, OTHER.name)]
        # 《中华人民共和国食品安全法》第八十七条 and 国家市场监督管理总局令第15号 are what it cites
        assert {b.title for b in result.bases} >= {"中华人民共和国食品安全法"}
        from app.gaps import gaps
        assert kb.gaps() == kb.gaps() == gaps(kb.projects())   # remembered per project, the same findings
    finally:
        kb.close()


def test_catalog_file_is_small_json(store):
    doc = _doc_of(store, OTHER.name)
    data = json.loads((store.dir / f"{doc}{SUFFIX}").read_text("utf-8"))
    assert data["format"] == 2 and [p["name"] for p in data["projects"]] == ["食品安全抽检监测经费"]
    assert data["projects"][0]["indicators"][0] == ["抽检批次", "≥12000批次"]
    # 项目总预算 256.5 万元, 当年 256.5, 上年预算额 240, 上年执行数 231.2, in yuan
    assert data["projects"][0]["budget"] == [2565000, 2565000, 2400000, 2312000]


def test_the_catalog_lists_a_project_without_its_records(store):
    """What a table of projects shows comes from the catalog: the other fixture prints 经常性项目, 其他类,
    256.5 / 256.5 / 240 / 231.2 万元, and cites 《中华人民共和国食品安全法》 and 国家市场监督管理总局令第15号."""
    counting = CountingStore(store.dir.parent)
    other = next(e for e in counting.catalog() if e.name == "食品安全抽检监测经费")
    assert counting.read_docs == []
    assert (other.category, other.performance_type) == ("经常性项目", "其他类")
    b = other.budget
    assert (b.total, b.current_year, b.prev_year_budget, b.prev_year_executed) == \
           (Decimal("2565000"), Decimal("2565000"), Decimal("2400000"), Decimal("2312000"))
    assert other.citation_count == 2
    # every seed project is 2020 of the one institute, and the entries agree with the records
    for e, p in zip(counting.catalog(), store.projects()):
        assert (e.category, e.performance_type, e.citation_count) == (p.category, p.performance_type, len(p.citations))
        assert [getattr(e.budget, k) for k in BUDGET_FIELDS] == [getattr(p.budget, k) for k in BUDGET_FIELDS]


def test_a_catalog_of_the_first_format_is_derived_from_the_records(store):
    """A store written by the version before budgets were catalogued: its entries still list budgets."""
    doc = _doc_of(store, OTHER.name)
    path = store.dir / f"{doc}{SUFFIX}"
    data = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({"format": 1, "projects": [
        {k: d[k] for k in ("id", "name", "unit", "year", "indicators")} for d in data["projects"]]}), "utf-8")
    counting = CountingStore(store.dir.parent)
    other = next(e for e in counting.catalog() if e.name == "食品安全抽检监测经费")
    assert counting.read_docs == [doc]                 # that one document's records were read
    assert other.budget.prev_year_executed == Decimal("2312000") and other.citation_count == 2


def test_a_pass_over_every_document_does_not_evict_what_it_will_need_next(store):
    """A corpus larger than the cache: what fits stays (an LRU would evict each document before the next pass)."""
    fits = CountingStore(store.dir.parent, cache_projects=8)    # the seed's 8 fit, the other's 1 then does not
    seed, other = _doc_of(store, "000_33c4abcdc6cea628.txt"), _doc_of(store, OTHER.name)
    for _ in range(3):
        assert len(fits.projects()) == 9
    assert fits.read_docs.count(seed) == 1 and fits.read_docs.count(other) == 3
    fits.project(next(e.id for e in fits.catalog() if e.doc == other))   # one document asked for: cached
    assert fits.read_docs.count(other) == 4


class FileCountingStore(RecordStore):
    """The real store, counting the documents whose own catalog file it reads."""

    def __init__(self, data_dir, **kw):
        super().__init__(data_dir, **kw)
        self.catalog_files: list[str] = []

    def _read(self, doc_id, suffix):
        if suffix == SUFFIX:
            self.catalog_files.append(doc_id)
        return super()._read(doc_id, suffix)


def _listing(entries):
    return [(e.id, e.name, e.unit, e.year, e.doc, e.file, e.indicators, e.category, e.performance_type,
             e.budget, e.citation_count) for e in entries]


def test_a_fresh_process_reads_the_catalog_pack_instead_of_every_file(store):
    """``records/catalog.pack`` (``ingest/storage/catalogpack.py``): one file for every document's entries."""
    pack = store.dir / "catalog.pack"
    expected = _listing(store.catalog())
    assert not pack.exists()                           # 2 documents: fewer than the default 64 are worth a pack
    first = FileCountingStore(store.dir.parent, pack_min=1)
    assert _listing(first.catalog()) == expected and sorted(first.catalog_files) == sorted(store.documents())
    assert pack.exists()                               # written by the read that found the files
    fresh = FileCountingStore(store.dir.parent, pack_min=1)
    entries = fresh.catalog()
    assert fresh.catalog_files == []                   # every entry came from the pack
    assert _listing(entries) == expected
    other = next(e for e in entries if e.name == "食品安全抽检监测经费")
    assert other.indicators[0] == IndicatorEntry("抽检批次", "≥12000批次")
    assert other.budget.prev_year_executed == Decimal("2312000") and other.citation_count == 2
    big = next(e for e in entries if e.name == "大型仪器项目经费")
    assert len(big.indicators) == 15 and big.indicators[9].name == "设备检验合格率（%）"


def test_the_pack_is_only_a_cache_a_document_stored_since_is_read_from_its_file(store, tmp_path):
    FileCountingStore(store.dir.parent, pack_min=1).catalog()            # writes the pack
    other = _doc_of(store, OTHER.name)
    changed = tmp_path / "other_layout.txt"
    changed.write_text(OTHER.read_text("utf-8").replace("食品安全抽检", "食品安全复检"), "utf-8")
    doc = read_path(changed)
    writer = RecordStore(store.dir.parent)
    writer.put(doc, parse_document(doc))               # another process stores a new document
    writer.remove(other)                               # and removes one the pack holds
    fresh = FileCountingStore(store.dir.parent, pack_min=1)
    names = [e.name for e in fresh.catalog()]
    assert "食品安全复检监测经费" in names and "食品安全抽检监测经费" not in names and len(names) == 9
    assert fresh.catalog_files == [doc.doc_id]         # the seed's entries still came from the pack
    assert _listing(fresh.catalog()) == _listing(RecordStore(store.dir.parent).catalog())


@pytest.mark.parametrize("damage", [b"", b"not a pack", "cut"])
def test_a_damaged_pack_is_ignored(store, damage):
    FileCountingStore(store.dir.parent, pack_min=1).catalog()
    pack = store.dir / "catalog.pack"
    pack.write_bytes(pack.read_bytes()[: len(pack.read_bytes()) // 2] if damage == "cut" else damage)
    fresh = FileCountingStore(store.dir.parent, pack_min=1)
    assert _listing(fresh.catalog()) == _listing(store.catalog())
    assert sorted(fresh.catalog_files) == sorted(store.documents())     # read from the files


def test_an_ingest_of_a_large_corpus_leaves_the_catalog_packed(tmp_path, seed_path, monkeypatch):
    """The thresholds are lowered so the seed and the other fixture count as a large corpus."""
    import app.core
    from app.core import KnowledgeBase
    monkeypatch.setattr(app.core, "LARGE_CORPUS_DOCUMENTS", 1)
    kb = KnowledgeBase.open(tmp_path / "kb")
    try:
        kb.records.pack_min = 1
        assert not kb.ingest([seed_path, OTHER], index=False).failed
        fresh = FileCountingStore(tmp_path / "kb", pack_min=1)
        assert len(fresh.catalog()) == 9 and fresh.catalog_files == []
    finally:
        kb.close()
