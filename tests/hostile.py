"""A hostile corpus, generated: the files a careless user or an attacker might hand to ``jixiao
ingest``, each with what jixiao must say about it.

Run it to look at the files: ``python tests/hostile.py /tmp/hostile`` (one line per case).
``tests/test_hostile.py`` ingests the whole folder with the seed and checks every expectation.

Each case is made from scratch here (the seed is only copied, changed where a case says), small
enough that the corpus is written in about a second: the bombs are bombs by their ratio, not by
their size on disk.

Example: ``cases = make_corpus(tmp_path / "hostile", seed_path)``; ``cases[0].expect``
"""
from __future__ import annotations

import io
import os
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    """One hostile input: its file, what must be said about it (a substring of one of its errors,
    or of its warnings), how many of its projects may be stored, and what its text must not hold."""

    name: str
    path: Path
    expect: str
    kind: str = "error"            # "error" or "warning": where ``expect`` is looked for
    projects: int = 0
    must_not_contain: str | None = None
    line: int | None = None        # the line the message must name, when it has one


def _seed_lines(seed: Path) -> list[str]:
    return seed.read_text("utf-8").split("\n")


def _gb18030_damaged(path: Path) -> Path:
    """GB18030 text (two bytes a character) whose byte 500, on line 26, starts no character."""
    line = "项目名称预算执行率".encode("gb18030") + b"\n"      # 9 characters: 19 bytes a line
    data = line * 25                                        # line 26 begins at byte 475
    data += "资金到位率年度指标完成值".encode("gb18030") + b"x"  # 12 characters and a letter: bytes 475-499
    data += b"\xff" + "完成".encode("gb18030") + b"\n"      # byte 500: 0xff begins no GB18030 character
    assert data[500] == 0xFF and data[:500].count(b"\n") == 25
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, bytes], compress: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compress) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _zip_bomb(path: Path, size: int = 200 * 1024 * 1024) -> Path:
    """An .xlsx whose sheet inflates 1000 times over: 200 MB of zeros in a few hundred KB."""
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES_XLSX)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return path


CONTENT_TYPES_XLSX = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                      'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')


def _docx_xxe(path: Path) -> Path:
    """A .docx whose text is an external entity naming /etc/passwd (XXE)."""
    doc = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>项目名称：&xxe;</w:t></w:r></w:p></w:body></w:document>')
    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>')
    return _zip(path, {"[Content_Types].xml": types.encode(), "_rels/.rels": rels.encode(),
                       "word/document.xml": doc.encode()})


def _xlsx_laughs(path: Path) -> Path:
    """An .xlsx whose shared strings are a billion laughs (entities of entities)."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    strings = (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
    return _zip(path, {"[Content_Types].xml": CONTENT_TYPES_XLSX.encode(), "xl/sharedStrings.xml": strings.encode()})


def _pdf_bomb(path: Path, size: int = 64 * 1024 * 1024) -> Path:
    """A one-page PDF whose content stream inflates to 64 MB (about 1000 times its size)."""
    stream = zlib.compress(b" " * size, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())
    return path


def make_corpus(folder: Path, seed: Path, *, listener_url: str = "http://127.0.0.1:9") -> list[Case]:
    """Write every hostile case into ``folder``; ``listener_url`` is where a page tries to send
    requests (a test listens there and checks nobody came)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = _seed_lines(seed)
    text = "\n".join(lines)
    cases: list[Case] = []

    def add(name: str, data: bytes | str | None, expect: str, **kw) -> Path:
        p = folder / name
        if isinstance(data, str):
            p.write_text(data, "utf-8")
        elif isinstance(data, bytes):
            p.write_bytes(data)
        cases.append(Case(name, p, expect, **kw))
        return p

    add("empty.txt", b"", "empty file")
    add("binary.txt", bytes(range(256)) * 64, "binary data, not text", line=1)
    _gb18030_damaged(folder / "gb18030-damaged.txt")
    cases.append(Case("gb18030-damaged.txt", folder / "gb18030-damaged.txt", "at byte 500", line=26))
    add("one-line.txt", "财政" * 2_500_000, "characters long", line=1)
    # 10,000 table headers and nothing else: one line of errors each, capped
    add("headers.txt", "\n".join(["财政项目支出绩效目标表", "（2020年度）", ""] * 10_000), "more errors like the ones above")
    # an absurd amount in an otherwise good copy (another unit, so the projects are its own)
    absurd = text.replace("上海市计量测试技术研究院", "上海市某某测试中心").replace(
        "同名项目上年预算执行数（元）： 126,916", "同名项目上年预算执行数（元）： " + "1" + "0" * 30, 1)
    add("absurd-amount.txt", absurd, "beyond any budget", kind="warning", projects=8, line=38)
    # the same project as the seed, one budget line different: an error naming the seed's file
    add("conflicting-copy.txt", text.replace("项目总预算（元）： 138,200", "项目总预算（元）： 138,201", 1),
        "already ingested from", projects=7)
    _zip_bomb(folder / "zip-bomb.xlsx")
    cases.append(Case("zip-bomb.xlsx", folder / "zip-bomb.xlsx", "zip bomb"))
    _docx_xxe(folder / "xxe.docx")
    cases.append(Case("xxe.docx", folder / "xxe.docx", "", must_not_contain="root:"))
    _xlsx_laughs(folder / "billion-laughs.xlsx")
    cases.append(Case("billion-laughs.xlsx", folder / "billion-laughs.xlsx", "", must_not_contain="lollollol"))
    _pdf_bomb(folder / "pdf-bomb.pdf")
    cases.append(Case("pdf-bomb.pdf", folder / "pdf-bomb.pdf", ""))
    add("deep.html", "<div>" * 100_000 + "项目名称：深" + "</div>" * 100_000, "")
    add("requests.html", f'<html><head><link rel="stylesheet" href="{listener_url}/css">'
        f'<script src="{listener_url}/js"></script></head><body><img src="{listener_url}/img">'
        f'<iframe src="{listener_url}/frame"></iframe><table><tr><td>项目名称</td>'
        f'<td><a href="{listener_url}/a">x</a></td></tr></table></body></html>', "")
    add("mojibake.txt", text.encode("utf-8").decode("latin-1"), "looks mis-encoded")
    add("renamed.doc", "not really a word file", "")
    add("picture.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "an image has no text to read")
    add("truncated.xlsx", _zip(folder / "tmp.zip", {"xl/workbook.xml": b"<workbook/>" * 1000}).read_bytes()[:300], "")
    (folder / "tmp.zip").unlink()
    # links out of the folder, a loop, and a named pipe: never followed, never read forever
    outside = folder.parent / "outside-secret.txt"
    outside.write_text("a secret beside the folder\n", "utf-8")
    os.symlink(outside, folder / "link-out.txt")
    cases.append(Case("link-out.txt", folder / "link-out.txt", "outside the folder being ingested: not followed",
                      must_not_contain="secret"))
    os.symlink(folder / "loop.txt", folder / "loop.txt")
    cases.append(Case("loop.txt", folder / "loop.txt", "a loop of symbolic links"))
    os.mkfifo(folder / "pipe.txt")
    cases.append(Case("pipe.txt", folder / "pipe.txt", "not a regular file"))
    return cases


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    seed = Path(__file__).resolve().parent.parent / "data" / "000_33c4abcdc6cea628.txt"
    for c in make_corpus(out, seed):
        size = c.path.lstat().st_size
        print(f"{c.name:24} {size:>10,} bytes  expect {c.kind}: {c.expect or '(any error, no traceback)'}")
