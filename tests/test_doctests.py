"""The ``Example:`` lines of the pure modules are doctests, so they cannot rot.

Each module listed here must hold at least one example, and every example must give
the result its docstring shows. (Modules that need a model, a store or a file keep
their examples as prose.)
"""
from __future__ import annotations

import doctest
import importlib

import pytest

PURE_MODULES = [
    "ingest.errors",
    "ingest.identifiers",
    "ingest.legal.citations",
    "ingest.legal.docnumbers",
    "ingest.legal.names",
    "ingest.legal.numerals",
    "ingest.legal.resolve",
    "ingest.parse.indicators",
    "ingest.parse.labels",
    "ingest.parse.layout",
    "ingest.parse.plan",
    "ingest.parse.sections",
    "ingest.parse.values",
    "ingest.parse.vocabulary",
    "ingest.read.grid",
    "ingest.read.numfmt",
    "ingest.search.fusion",
    "ingest.search.tokenize",
    "ingest.graph.nodes",
    "app.review.words",
    "app.review.frameworks",
]


@pytest.mark.parametrize("name", PURE_MODULES)
def test_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no doctest example"
    assert result.failed == 0
