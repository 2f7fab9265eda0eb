"""Parsing: a ``Document`` → records (``Project`` …), pure functions with no I/O.

Two parsers share the pure pieces. The fixed-width (Shanghai) parser: ``layout`` undoes
fixed-width wrapping with an offset map, ``labels`` finds printed labels, ``sections`` repairs
displaced labels, ``indicators`` reads indicator rows and targets, ``plan`` the phases of an
implementation plan, and ``document`` turns one document into its projects. The grid
interpreter (every other template): ``grid`` reads the tables a reader found, with
``gridflow`` (re-flowing a text copy that lost its rows), ``grid_form`` (label cells, budget
blocks), ``grid_indicators`` (the indicator block) and ``grid_record`` (the record being
built); its label wording is data (``vocabulary`` over ``vocabulary.toml``). ``values`` reads
amounts, dates and yes/no for both. Writes nothing.

Example: ``parse_document(read_path("data/000_33c4abcdc6cea628.txt")).projects[0].name``
"""
