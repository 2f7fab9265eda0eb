"""Support: which legal basis supports which indicator, scored at ingest.

``score`` ranks every basis a project cites for each of its indicators (e5 similarity plus
character-bigram overlap); ``rdf`` writes the links as ``jx:SupportLink`` nodes into the
document's ``…/inferred`` named graph, apart from what the document states.

Example: ``support_links(projects, encoder, text, top_k=3)``
"""
