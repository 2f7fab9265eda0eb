"""Parsing: a ``Document`` → records (``Project`` …), pure functions with no I/O.

``layout`` undoes fixed-width wrapping with an offset map, ``labels`` finds printed labels,
``sections`` repairs displaced labels, ``indicators`` reads indicator rows and targets,
``document`` turns one document into its projects. Writes nothing.

Example: ``parse_document(read_path("data/000_33c4abcdc6cea628.txt")).projects[0].name``
"""
