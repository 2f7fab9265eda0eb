"""Legal bases: citations in text → resolved laws, regulations, document numbers and articles.

``citations`` extracts them, ``docnumbers`` scans 发文字号 and technical standards (the one
scanner the search tokenizer uses too), ``numerals`` reads Chinese numerals, ``resolve``
gives each law one key, title and level. The reference tables (issuers, aliases) are package
data in ``tables/``. Writes nothing.

Example: ``extract_citations("依据《中华人民共和国计量法》第二十七条", "legal_basis")[0][0].article == "第二十七条"``
"""
