"""Evaluation of search (``search``: recall@5, MRR, nDCG@10) and trace (``trace``: top-k accuracy)
on the judged sets in ``tests/eval/``.
"""
