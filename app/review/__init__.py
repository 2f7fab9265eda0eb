"""The performance-target review (绩效目标审核): rules as data, findings with the cell they are about.

- ``rules.toml`` — every rule: id, title, severity, group, review-sheet section, official source,
  thresholds; ``frameworks.toml`` the indicator frameworks; ``words.toml`` the words checks match.
- ``ontology/review.ttl`` — the structural rules as SHACL shapes (``shacl.py`` runs them).
- ``checks.py``, ``budget.py``, ``grounding.py``, ``history.py`` — the Python checks.
- ``engine.review`` runs them all; ``rdf.py`` writes the findings to the named graph
  ``jxd:graph/review``; ``render.py`` / ``docx.py`` print the review sheet.

Writes nothing to the data directory itself; ``KnowledgeBase`` stores the review graph.

Example: ``from app.review.engine import review; review(projects, doc_texts).counts()``
"""
