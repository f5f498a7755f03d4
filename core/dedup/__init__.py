"""Duplicate detection: exact (normalised text), near (MinHash LSH) and semantic (embeddings).

Every detector turns one field of every row (prompt, response or the pair) into *edges*: pairs
of rows with a similarity. Edges of all kinds become clusters (connected components), and
:mod:`core.dedup.keep` picks the copy each cluster keeps. Long work is a generator
(:func:`core.dedup.run.find_duplicates`); nothing here imports Qt, and torch is imported only
by the semantic detector.
"""
