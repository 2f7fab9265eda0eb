"""ingest/storage/atomic.py: a file or a directory is replaced whole, or not at all."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ingest.storage.atomic import replace_directory, write, write_json, write_npy, write_text


def test_json_replaces_the_file_and_leaves_no_temporary_files(tmp_path):
    write_json(tmp_path / "a.json", {"x": "能耗"})
    write_json(tmp_path / "a.json", {"x": "时频"})
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    raw = (tmp_path / "a.json").read_bytes()
    assert json.loads(raw) == {"x": "时频"} and not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert raw.decode("utf-8") == '{\n "x": "时频"\n}\n'      # readable Chinese, one final newline


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "records" / "manifest.json"
    write_text(target, "old")                                   # creates the missing folder too

    def half(f):
        f.write(b"new, but cut short")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write(target, half)
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_npy_without_pickle(tmp_path):
    write_npy(tmp_path / "v.npy", np.eye(2, dtype=np.float32))
    assert np.load(tmp_path / "v.npy", allow_pickle=False).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_directory_is_swapped_whole(tmp_path):
    index = tmp_path / "bm25"
    replace_directory(index, lambda d: (d / "a.txt").write_text("1"))
    replace_directory(index, lambda d: (d / "b.txt").write_text("2"))
    assert sorted(p.name for p in index.iterdir()) == ["b.txt"]          # nothing of the old one is left
    def fail(d):
        (d / "c.txt").write_text("3")
        raise RuntimeError("bm25s failed")

    with pytest.raises(RuntimeError):
        replace_directory(index, fail)
    assert sorted(p.name for p in index.iterdir()) == ["b.txt"]          # a failed fill changes nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25"]        # and leaves no temporary folder
