"""Search: passages, tokens, BM25, dense vectors and their fusion (``<data_dir>/search``).

``passages`` cuts records into passages with exact spans, ``tokenize`` is jieba with the graph's
labels, ``lexical`` BM25 over stored tokens, ``encoders`` the dense encoders, ``vectorcache`` the vectors
shared across data directories (``~/.cache/jixiao``), ``vectors`` the FAISS index and manifest,
``fusion`` rank fusion and grouping, and ``index`` the ``SearchIndex`` that ties them together.

Example: ``SearchIndex.load("var/search", encoder).search("能耗在线监测")[0].project_name``
"""
