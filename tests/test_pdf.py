"""ingest/pdf.py: the seed rendered to a real PDF reads back line for line; bad PDFs fail clearly.

The contract the parser relies on: a PDF gives the same non-blank lines as its
extracted text, with the same page-break markers (a line that begins with a space).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from pdfrender import render_scanned_pdf, render_text_pdf, split_pages, truncate_file
from reportlab.lib.pdfencrypt import StandardEncryption

from ingest.errors import IngestError
from ingest.read.pdf import extract_pdf_text, join_pages

LATIN = "Budget 138,200\n\nPlan 2017.05-2017.06\n 60Co =100%"


def non_blank(text: str) -> list[str]:
    return [line.rstrip() for line in text.split("\n") if line.strip()]


def first_pages(text: str, n: int) -> str:
    """The first ``n`` seed pages, page-break markers kept."""
    return "\n".join((" " if i else "") + "\n".join(lines) for i, lines in enumerate(split_pages(text)[:n]))


@pytest.fixture(scope="module")
def seed_text(seed_path) -> str:
    return seed_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_pdf(seed_text, tmp_path_factory) -> Path:
    return render_text_pdf(seed_text, tmp_path_factory.mktemp("pdf") / "seed.pdf")


@pytest.fixture(scope="module")
def seed_pages(seed_pdf) -> tuple[str, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    return extract_pdf_text(seed_pdf, on_page=lambda i, n: calls.append((i, n))), calls


def test_seed_round_trips_line_for_line(seed_text, seed_pages):
    text, _ = seed_pages
    assert non_blank(text) == non_blank(seed_text)


def test_page_breaks_are_a_leading_space_as_in_the_seed(seed_text, seed_pages):
    text, _ = seed_pages
    breaks = [line for line in text.split("\n") if line.startswith(" ")]
    assert breaks == [line for line in seed_text.split("\n") if line.startswith(" ")]
    assert breaks[0] == " 2020年绩效目标" and breaks[-1] == " "  # the seed ends with an empty page
    assert not any(line.startswith("  ") for line in text.split("\n"))


@pytest.mark.parametrize("fragment", [
    "60Co γ参考源（更换新60C", "2017.05-201", "7.06应用开发 2017.06-2017.10系统上线 2",
    "项目类别： 其他一次性项目", "检定/校准", "（沪发改环资〔2015〕139号）", "JJG 912-2010《治疗水",
])
def test_characters_come_out_exactly(seed_pages, fragment):
    text, _ = seed_pages
    assert fragment in text


def test_on_page_reports_each_page(seed_pages):
    _, calls = seed_pages
    assert calls == [(i, 19) for i in range(1, 20)]


@pytest.mark.parametrize("layout", [
    {"space_glyphs": False},                     # words placed apart, no space glyph
    {"char_space": 1.0},                         # letter-spaced (justified) text
    {"char_space": 1.0, "space_glyphs": False},
    {"size": 7.5, "char_space": 0.7},
    {"overprint": 0.4},                          # fake bold: every glyph printed twice
], ids=str)
def test_layout_variants_round_trip(seed_text, tmp_path, layout):
    text = first_pages(seed_text, 3)
    pdf = render_text_pdf(text, tmp_path / "v.pdf", **layout)
    assert non_blank(extract_pdf_text(pdf)) == non_blank(text)


def test_join_pages():
    assert join_pages(["a\nb", "c", ""]) == "a\nb\n c\n "


def test_bytes_input_and_name(tmp_path):
    data = render_text_pdf(LATIN, tmp_path / "t.pdf", font="Helvetica").read_bytes()
    assert extract_pdf_text(data) == "Budget 138,200\nPlan 2017.05-2017.06\n 60Co =100%"
    with pytest.raises(IngestError) as err:
        extract_pdf_text(data[:100], name="upload.pdf")
    assert err.value.file == "upload.pdf"


def test_scanned_pdf(tmp_path):
    pdf = render_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError) as err:
        extract_pdf_text(pdf)
    assert err.value.message == "scanned PDF: no text layer on any page"
    assert err.value.hint == "run OCR (e.g. ocrmypdf) first"
    assert err.value.file == str(pdf) and err.value.line is None


def test_truncated_pdf(seed_pdf, tmp_path):
    half = truncate_file(seed_pdf, tmp_path / "half.pdf")
    with pytest.raises(IngestError) as err:
        extract_pdf_text(half)
    assert err.value.message == "not a readable PDF: unexpected end of file (the file is truncated)"
    assert err.value.file == str(half)


def test_text_file_renamed_pdf(seed_text, tmp_path):
    fake = tmp_path / "table.pdf"
    fake.write_text(seed_text, encoding="utf-8")
    with pytest.raises(IngestError) as err:
        extract_pdf_text(fake)
    assert err.value.message == "not a readable PDF: no %PDF header (the file holds text, not a PDF)"
    assert err.value.hint == "give the real .pdf, or a .txt file with a .txt name"


@pytest.mark.parametrize("content, message", [
    (b"", "not a readable PDF: the file is empty"),
    (bytes(range(256)) * 4, "not a readable PDF: no %PDF header (the file holds data, not a PDF)"),
])
def test_empty_or_binary_file(tmp_path, content, message):
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        extract_pdf_text(path)
    assert err.value.message == message


def test_missing_file(tmp_path):
    with pytest.raises(IngestError) as err:
        extract_pdf_text(tmp_path / "nope.pdf")
    assert err.value.message == "no such file"


def test_encrypted_pdf(tmp_path):
    pdf = render_text_pdf(LATIN, tmp_path / "locked.pdf", font="Helvetica", encrypt="secret")
    with pytest.raises(IngestError) as err:
        extract_pdf_text(pdf)
    assert err.value.message == "encrypted PDF: it needs a password to open"
    assert "qpdf --decrypt" in err.value.hint
    with pytest.raises(IngestError) as err:
        extract_pdf_text(pdf, password="wrong")
    assert err.value.message == "encrypted PDF: the password is wrong"
    assert extract_pdf_text(pdf, password="secret").startswith("Budget 138,200")


def test_copy_protected_pdf_is_read(tmp_path):
    """Only an owner password (copying 'forbidden'): opens like in any viewer."""
    pdf = render_text_pdf(LATIN, tmp_path / "protected.pdf", font="Helvetica",
                          encrypt=StandardEncryption("", "owner", canCopy=0, strength=128))
    assert extract_pdf_text(pdf).startswith("Budget 138,200")
