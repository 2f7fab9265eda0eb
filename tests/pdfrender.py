"""Test helper: render seed-like text to real PDFs (text, scanned, broken).

The seed is text extracted from a PDF: one line per text line, blank lines, and a
page break marked by a line that begins with a space. ``render_text_pdf`` turns such
text back into a PDF: one page per seed page, each line at its own baseline, blank
lines as vertical gaps. The default font is reportlab's built-in CID font
``STSong-Light`` (Adobe-GB1), which needs no font file and which pdfminer maps back
to Unicode exactly, full-width punctuation included.

Example: ``render_text_pdf(Path("data/000_33c4abcdc6cea628.txt").read_text(), tmp_path / "t.pdf")``
"""
from __future__ import annotations

import os
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

CJK_FONT = "STSong-Light"
SAMPLE_TEXT = """财政项目支出绩效目标表
（2020年度）

申报单位名称：上海市计量测试技术研究院

项目名称： 大型仪器项目经费 项目类别： 其他一次性项目

计划开始日期： 2020-01-01 计划完成日期： 2020-12-31
 项目总预算（元）： 138,200 项目当年预算（元）： 138,200"""


def register_font(font: str) -> str:
    """Register ``font`` with reportlab and return its name.

    ``font`` is a reportlab CID font name (``STSong-Light``), the path of a .ttf/.ttc/.otf
    file, or the name of a font that is already registered.
    """
    if font in pdfmetrics.getRegisteredFontNames():
        return font
    if font.lower().endswith((".ttf", ".ttc", ".otf")):
        name = Path(font).stem
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, font))
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    return font


def split_pages(text: str) -> list[list[str]]:
    """Split seed text into pages of lines; a line that begins with a space starts a page.

    The page-break space itself is dropped. Example: ``split_pages("a\\n b") == [["a"], ["b"]]``
    """
    pages: list[list[str]] = [[]]
    for i, line in enumerate(text.split("\n")):
        if i and line.startswith(" "):
            pages.append([line[1:]])
        else:
            pages[-1].append(line)
    return pages


def render_text_pdf(text: str, path: str | os.PathLike, *, font: str = CJK_FONT, size: float = 10.0,
                    leading: float | None = None, margin: float = 36.0, char_space: float = 0.0,
                    space_glyphs: bool = True, overprint: float = 0.0, encrypt=None) -> Path:
    """Render seed-like ``text`` to a PDF at ``path``, one PDF page per seed page.

    Each line is drawn at its own baseline, ``leading`` points (default 1.4 × size)
    below the previous one; blank lines stay as gaps. A page grows beyond A4 when its
    lines need it. ``char_space`` adds letter spacing (as justified text has);
    ``space_glyphs=False`` draws each word on its own and leaves the gap empty, as
    generators that position words do. ``overprint`` draws every word a second time
    that many points to the right (fake bold). ``encrypt`` is passed to reportlab (a
    user password, or a ``reportlab.lib.pdfencrypt.StandardEncryption``); reportlab
    leaves the CID font's CIDSystemInfo strings unencrypted, so pdfminer cannot map an
    encrypted STSong-Light PDF to Unicode: use ``font="Helvetica"`` for those.
    Returns the path.
    """
    path = Path(path)
    name = register_font(font)
    leading = leading or size * 1.4
    space = pdfmetrics.stringWidth(" ", name, size) + char_space

    def width(s: str) -> float:
        return pdfmetrics.stringWidth(s, name, size) + char_space * len(s)

    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True, encrypt=encrypt)
    for lines in split_pages(text):
        page_w = max(A4[0], 2 * margin + max((width(line) for line in lines), default=0))
        page_h = max(A4[1], 2 * margin + len(lines) * leading)
        pdf.setPageSize((page_w, page_h))
        for k, line in enumerate(lines):
            if not line.strip():
                continue
            y = page_h - margin - size - k * leading
            words = [line] if space_glyphs else line.split(" ")
            x = margin
            for word in words:
                for dx in ([0.0, overprint] if overprint else [0.0]):
                    if word:
                        obj = pdf.beginText(x + dx, y)
                        obj.setFont(name, size)
                        obj.setCharSpace(char_space)
                        obj.textOut(word)
                        pdf.drawText(obj)
                x += width(word) + space
        pdf.showPage()
    pdf.save()
    return path


def render_scanned_pdf(path: str | os.PathLike, text: str = SAMPLE_TEXT, *, dpi: int = 72) -> Path:
    """Make a PDF that holds only page images (no text layer), like a scan.

    The text is rendered to a PDF, each page rasterized with pypdfium2 (a pdfplumber
    dependency) and the images are placed on the pages of a new PDF.
    """
    import pypdfium2

    path = Path(path)
    source = pypdfium2.PdfDocument(render_text_pdf(text, path).read_bytes())
    try:
        images = [page.render(scale=dpi / 72).to_pil() for page in source]
        sizes = [page.get_size() for page in source]
    finally:
        source.close()
    pdf = canvas.Canvas(str(path), invariant=True)
    for image, (w, h) in zip(images, sizes):
        pdf.setPageSize((w, h))
        pdf.drawImage(ImageReader(image), 0, 0, width=w, height=h)
        pdf.showPage()
    pdf.save()
    return path


def truncate_file(source: str | os.PathLike, path: str | os.PathLike, fraction: float = 0.5) -> Path:
    """Write the first ``fraction`` of the bytes of ``source`` to ``path`` (a broken download)."""
    data = Path(source).read_bytes()
    path = Path(path)
    path.write_bytes(data[: int(len(data) * fraction)])
    return path
