"""The same table read from UTF-8, BOM, GB18030, CRLF, a re-wrapped copy and a real PDF gives equal records."""
import pytest

from ingest.parse.document import parse_document
from ingest.read.document import normalize_text, read_bytes
from ingest.read import read_path

from pdfrender import render_text_pdf


def rewrap(text: str, width: int) -> str:
    """Re-wrap every long line at ``width`` characters, as a narrower extractor would.

    A piece that would begin with a space gives the space to the line before,
    because a line that begins with a space marks a page break.
    """
    out = []
    for line in text.split("\n"):
        pieces = [line[i:i + width] for i in range(0, len(line), width)] or [""]
        for i in range(1, len(pieces)):
            stripped = pieces[i].lstrip(" ")
            pieces[i - 1] += pieces[i][:len(pieces[i]) - len(stripped)]
            pieces[i] = stripped
        out.extend(p for p in pieces if p or len(pieces) == 1)
    return "\n".join(out)


@pytest.fixture(scope="module")
def seed_text(seed_path) -> str:
    return seed_path.read_text("utf-8")


@pytest.mark.parametrize("variant", ["utf8-bom", "gb18030", "gbk-crlf", "cr-only", "rewrap-25", "rewrap-31"])
def test_variants_give_equal_records(tmp_path, seed_text, seed_result, variant):
    if variant == "utf8-bom":
        data = b"\xef\xbb\xbf" + seed_text.encode("utf-8")
    elif variant == "gb18030":
        data = seed_text.encode("gb18030")
    elif variant == "gbk-crlf":
        data = seed_text.replace("\n", "\r\n").encode("gbk")
    elif variant == "cr-only":
        data = seed_text.replace("\n", "\r").encode("utf-8")
    else:
        data = rewrap(seed_text, int(variant.split("-")[1])).encode("utf-8")
    path = tmp_path / f"seed-{variant}.txt"
    path.write_bytes(data)
    result = parse_document(read_path(path))
    assert result.projects == seed_result.projects     # spans are left out of equality
    assert len(result.projects) == 8 and result.errors == []


def test_encodings_give_the_same_document(seed_text, seed_doc):
    for data, enc in [(seed_text.encode("gb18030"), "gb18030"), (b"\xef\xbb\xbf" + seed_text.encode(), "utf-8-sig"),
                      (seed_text.replace("\n", "\r\n").encode(), "utf-8")]:
        doc = read_bytes(data, "x.txt")
        assert doc.encoding == enc
        assert doc.text == seed_doc.text and doc.doc_id == seed_doc.doc_id


def test_rendered_pdf_gives_equal_records(tmp_path, seed_text, seed_result):
    pdf = render_text_pdf(seed_text, tmp_path / "seed.pdf")
    pages = []
    doc = read_path(pdf, on_page=lambda i, n: pages.append((i, n)))
    assert doc.kind == "pdf" and pages[-1][0] == pages[-1][1] > 10
    result = parse_document(doc)
    assert result.projects == seed_result.projects
    # spans still point at the right characters of the PDF's own text
    p = next(p for p in result.projects if p.name == "大型仪器项目经费")
    assert doc.text[p.spans["name"].start:p.spans["name"].end] == "大型仪器项目经费"


def test_normalize_text():
    assert normalize_text("\ufeffa\r\nb\rc\fd") == "a\nb\nc\n d"
    assert normalize_text("a\u200bb") == "ab"
