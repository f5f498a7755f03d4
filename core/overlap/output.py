"""The per-record overlap table as a DataFrame, for ``overlap -o`` (CSV, JSONL or Parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.dataset import Dataset
from core.overlap.config import LEVELS
from core.overlap.result import OverlapResult


def rows_frame(dataset: Dataset, result: OverlapResult) -> pd.DataFrame:
    """One row per record in file order.

    ``overlap_level`` is the strongest level the record matched (``exact``, ``ngram``,
    ``near``, ``semantic``; empty when none); ``reference`` and ``reference_line`` name the
    best matching reference record at that level; ``similarity`` is 1 for exact, the share
    of the reference record's n-grams found for ngram, Jaccard for near and cosine for
    semantic; ``shared_ngrams`` and ``longest_span`` (words) describe the n-gram overlap
    whatever the strongest level was.
    """
    n = len(dataset)
    strongest = result.strongest()
    level = np.array(["", *LEVELS], dtype=object)[strongest + 1]
    reference = np.full(n, -1, dtype=np.int64)
    ref_row = np.full(n, -1, dtype=np.int64)
    similarity = np.full(n, np.nan, dtype=np.float32)
    for i, name in enumerate(LEVELS):
        matches = result.levels.get(name)
        if matches is None:
            continue
        at = strongest == i
        reference[at] = matches.reference[at]
        ref_row[at] = matches.ref_row[at]
        similarity[at] = matches.similarity[at]
    names = np.array([info.path for info in result.references] + [""], dtype=object)
    line = pd.array(
        [
            result.ref_location(int(r), int(k)) if r >= 0 else None
            for r, k in zip(reference.tolist(), ref_row.tolist(), strict=True)
        ],
        dtype="Int64",
    )
    ngram = result.levels.get("ngram")
    zeros = np.zeros(n, dtype=np.int32)
    return pd.DataFrame(
        {
            "row": range(n),
            dataset.location_kind: dataset.locations,
            "overlap_level": level,
            "reference": names[reference],
            "reference_line": line,
            "similarity": pd.array(np.round(similarity, 4), dtype="Float32"),
            "shared_ngrams": ngram.shared if ngram is not None else zeros,
            "longest_span": ngram.span if ngram is not None else zeros,
        }
    )
