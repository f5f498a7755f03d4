"""Overlap with other files: which records of the open dataset also appear in a reference file.

Two questions, one operation: "does my training set contain my evaluation set?" (benchmark
contamination) and "which of these records do I already have?" (data you already trained on).
Each reference is compared at four levels, strongest first: exact (the duplicate detector's
normalisation), word 13-grams (the GPT-3 / lm-eval-harness decontamination test), near
(MinHash/Jaccard, the duplicate machinery) and semantic (cosine of the dedup embedder).
Long work is a generator (:func:`core.overlap.run.find_overlap`); nothing here imports Qt.
"""
