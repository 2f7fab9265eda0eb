"""The performance-target review (绩效目标审核): rules as data, findings with the cell they are about.

- ``rules.toml`` — every rule: id, title, severity, group, review-sheet section, official source,
  thresholds; ``frameworks.toml`` the indicator frameworks; ``words.toml`` the words checks match.
- ``ontology/review.ttl`` — the structural rules as SHACL shapes (``shacl.py`` runs them).
- ``checks.py``, ``budget.py``, ``grounding.py``, ``history.py`` — the Python checks.
- ``engine.review`` runs them all; ``summary.py`` is the corpus as history and peers read it;
  ``rdf.py`` writes the findings as RDF; ``stored.py`` keeps a knowledge base's review per document
  (``jxd:graph/review/{doc_id}``, the rules in ``jxd:graph/review``), brought up to date per batch;
  ``render.py`` / ``docx.py`` print the review sheet.

``KnowledgeBase`` stores the review graphs (``stored.py``, with its summary in ``<data_dir>/review/``).

Example: ``from app.review.engine import review; review(projects, doc_texts).counts()``
"""
