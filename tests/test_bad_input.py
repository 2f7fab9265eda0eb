"""Bad input gets a clear error naming the file (and line); the rest of the batch is kept."""
from pathlib import Path

import pytest

from app.core import KnowledgeBase
from pdfrender import render_scanned_pdf


def _lines(seed: Path) -> list[str]:
    return seed.read_text("utf-8").split("\n")


def _make(kind: str, tmp: Path, seed: Path) -> Path:
    lines = _lines(seed)
    if kind == "empty":
        p = tmp / "empty.txt"; p.write_bytes(b"")
    elif kind == "binary":
        p = tmp / "garbage.txt"; p.write_bytes(bytes(range(256)) * 40)
    elif kind == "truncated":
        p = tmp / "truncated.txt"; p.write_text("\n".join(lines[:420]), "utf-8")      # cut inside 国能中心
    elif kind == "scanned":
        p = render_scanned_pdf(tmp / "scanned.pdf")
    elif kind == "mojibake":
        p = tmp / "mojibake.txt"
        p.write_text(seed.read_text("utf-8").encode("utf-8").decode("latin-1"), "utf-8")
    elif kind == "bad-bytes":
        p = tmp / "bad-bytes.txt"; p.write_bytes("\n".join(lines[:10]).encode("utf-8") + b"\n\x80\x80\x80abc\n")
    elif kind == "no-table":
        p = tmp / "no-indicators.txt"                                              # 对口援助 without its table
        p.write_text("\n".join(lines[191:218] + lines[260:511]), "utf-8")
    elif kind == "long-line":
        p = tmp / "one-line.txt"; p.write_text("财政" * 2_500_000, "utf-8")          # a single 5 MB line
    return p


CASES = {
    # kind: (substring of the message, line or None, good projects from the bad file itself)
    "empty": ("empty file", None, 0),
    "binary": ("binary data, not text", 1, 0),
    "truncated": ("truncated document: it ends at line 420 inside project '国能中心（市能耗在线监测系统）'", 420, 3),
    "scanned": ("scanned PDF: no text layer", None, 0),
    "mojibake": ("looks mis-encoded", 2, 0),
    "bad-bytes": ("neither UTF-8 nor GB18030", 11, 0),
    "no-table": ("project '对口援助': no indicator table", 1, 1),
    "long-line": ("line 1 is 5,000,000 characters long", 1, 0),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_file_in_a_batch(tmp_path, seed_path, kind):
    bad = _make(kind, tmp_path, seed_path)
    kb = KnowledgeBase.open(tmp_path / "kb")
    report = kb.ingest([seed_path, bad])
    message, line, good = CASES[kind]
    errors = [e for e in report.errors if e.file == str(bad)]
    assert len(errors) == 1, report.errors
    assert message in errors[0].message
    assert errors[0].line == line
    assert str(bad) in str(errors[0])                 # the printed message names the file
    assert report.failed
    bad_report = next(f for f in report.files if f.path == str(bad))
    assert bad_report.projects == good
    if good:                                          # the good tables of the bad file itself are stored
        assert len(kb.records.projects(bad_report.doc_id)) == good
    assert len(kb.projects()) == 8                    # the seed is stored whole (projects are one per id)


def test_undecodable_bytes_get_a_command_to_convert_them(tmp_path, seed_path):
    from ingest.errors import IngestError
    from ingest.read import read_path

    bad = _make("bad-bytes", tmp_path, seed_path)
    with pytest.raises(IngestError) as err:
        read_path(bad)
    hint = err.value.hint
    assert "iconv -f " in hint and "-t UTF-8 bad-bytes.txt > bad-bytes.utf8.txt" in hint
    assert "<" not in hint and "ENCODING" not in hint        # a command to run, not a placeholder to fill in
    cp1252 = tmp_path / "budget.txt"
    cp1252.write_bytes(("Budget execution rate — café, naïve résumé: 95 €\n" * 20).encode("cp1252"))
    with pytest.raises(IngestError) as err:
        read_path(cp1252)
    import codecs
    import re
    guessed = re.search(r"iconv -f (\S+) -t UTF-8", err.value.hint).group(1)  # charset-normalizer's guess
    assert codecs.lookup(guessed.lower()).name != "utf-8"                     # names a real, other encoding


def test_failed_reingest_keeps_what_was_stored(tmp_path, seed_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    assert not kb.ingest([seed_path]).failed
    broken = tmp_path / "copy.txt"
    broken.write_bytes(b"\x00\x01\x02")
    assert kb.ingest([broken]).failed
    assert len(KnowledgeBase.open(tmp_path / "kb").projects()) == 8


def test_reingest_is_idempotent(tmp_path, seed_path):
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([seed_path])
    first = kb.projects()
    files = sorted(p.name for p in (tmp_path / "kb" / "records").iterdir())
    kb.ingest([seed_path, seed_path])
    assert kb.projects() == first and len(first) == 8
    assert sorted(p.name for p in (tmp_path / "kb" / "records").iterdir()) == files


def test_changed_file_replaces_its_old_document(tmp_path, seed_path):
    path = tmp_path / "doc.txt"
    lines = _lines(seed_path)
    path.write_text("\n".join(lines[:191]), "utf-8")              # the first two projects
    kb = KnowledgeBase.open(tmp_path / "kb")
    kb.ingest([path])
    assert len(kb.projects()) == 2
    path.write_text("\n".join(lines), "utf-8")                    # now all eight
    kb.ingest([path])
    assert len(kb.projects()) == 8 and len(kb.records.documents()) == 1
