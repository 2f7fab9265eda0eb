"""Ingest: documents → records → graph and search index.

One subpackage per job: ``read`` (files → documents), ``parse`` (documents → records),
``legal`` (citations and their resolution), ``storage`` (``<data_dir>/records``), ``graph``
(``<data_dir>/graph``), ``search`` (``<data_dir>/search``) and ``support`` (indicator → basis
links). ``records``, ``errors`` and ``identifiers`` are shared by all; ``pipeline`` runs a batch.
Imports point one way: ingest → ontology, never into ``app``.
"""
