"""Storage: the records store, the source of truth (``<data_dir>/records``).

``recordstore`` writes and reads one JSON file of records and one normalized text per document,
plus the manifest of ingested documents; ``codec`` maps records to JSON and back; ``atomic``
is the one atomic file write, used by this store and by the search index.

Example: ``RecordStore("var").projects()[0].name``
"""
