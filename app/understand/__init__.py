"""Query understanding, shared by ``jixiao ask`` and ``jixiao search``: what a Chinese question
names (projects, units, laws, indicators, categories, performance types, the 一级/二级 framework,
plan phases — read from the graph, linked exactly or fuzzily with a confidence), its numbers
(三百万, 300万元, 1.5亿, 95%, 百分之九十), comparatives and ranges (超过, 不低于, 以上, 在…到…之间),
ranks (最高, 第二, 前三), dates and years, negation (没有, 未, 不含) and grouping (按…, 各…).

The words live in ``vocabulary.toml``; the labels come from the graph (``lexicon.py``).
Nothing here writes to the data directory.

Example: ``understand("预算超过300万的项目", Lexicon.from_graph(run)).conditions``
"""
from app.understand.lexicon import Entry, Lexicon, vocabulary
from app.understand.understand import Condition, Mention, Understanding, understand

__all__ = ["Entry", "Lexicon", "vocabulary", "Condition", "Mention", "Understanding", "understand"]
