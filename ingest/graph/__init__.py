"""The graph: records → RDF quads, and the store that holds them (``<data_dir>/graph``).

``build`` maps records to quads (one named graph per document), with ``nodes`` (the one quad
writer, literals, spans, provenance) and ``templates`` (what the other templates add);
``store`` is the embedded Oxigraph store and the shared ``GraphStore`` interface; ``remote`` a
SPARQL 1.1 endpoint; ``results`` SPARQL answers (pyoxigraph terms, pyoxigraph's serializers)
and their errors; ``guard`` refuses updates and federation. ``open_store()`` picks a backend.

Example: ``with open_store("var") as g: g.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows``
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.graph.store import EmbeddedStore, GraphStore


def open_store(data_dir: str | Path | None = None, *, endpoint: str | None = None,
               read_only: bool = False, **remote_options: Any) -> GraphStore:
    """The graph store of a data directory (``<data_dir>/graph/``), or a remote endpoint.

    ``remote_options`` go to ``RemoteStore`` (``update_endpoint``, ``graph_store_endpoint``,
    ``timeout``). With neither argument the store lives in memory.

    Example: ``open_store(endpoint="http://127.0.0.1:7878")``
    """
    if endpoint:
        from ingest.graph.remote import RemoteStore

        return RemoteStore(endpoint, **remote_options)
    path = Path(data_dir) / "graph" if data_dir is not None else None
    return EmbeddedStore(path, read_only=read_only)
