"""Exact overlap: rows equal to a reference record after the duplicates' normalisation.

The normalisation (Unicode form, case, spacing, punctuation runs) is the exact-duplicate
detector's own, so the two features agree on what "the same text" means.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import pandas as pd

from core.dataset import Dataset
from core.dedup.normalize import normalise
from core.dedup.progress import DedupProgress

_STAGE = "exact: normalising"
_CHUNK = 20_000


def _keys(
    dataset: Dataset, field: str, stage_done: int, total: int
) -> Generator[DedupProgress, None, list]:
    """Normalised text per row; for ``both``, the (prompt, response) pair.

    The two are keyed separately, so no separator can make "a b" + "c" equal "a" + "b c"
    (as exact duplicates do).
    """
    columns = {
        "prompt": [dataset.prompts],
        "response": [dataset.responses],
        "both": [dataset.prompts] if dataset.prompt_only else [dataset.prompts, dataset.responses],
    }[field]
    normalised = []
    for texts in columns:
        out: list[str] = []
        for start in range(0, len(texts), _CHUNK):
            yield DedupProgress(_STAGE, stage_done + start, total)
            out.extend(normalise(t) for t in texts[start : start + _CHUNK])
        normalised.append(out)
    if len(normalised) == 1:
        return normalised[0]
    return list(zip(*normalised, strict=True))


def exact_matches(
    dataset: Dataset, reference: Dataset, field: str
) -> Generator[DedupProgress, None, tuple[np.ndarray, np.ndarray]]:
    """Rows of ``dataset`` equal to a reference record, and that record's first row."""
    total = len(dataset) + len(reference)
    ref_keys = yield from _keys(reference, field, 0, total)
    # A prompt-only reference compared on "both" is keyed on its prompt alone: match it to
    # the rows' prompts, since it has no response to compare.
    own_field = "prompt" if field == "both" and reference.prompt_only else field
    keys = yield from _keys(dataset, own_field, len(reference), total)
    yield DedupProgress(_STAGE, total, total)
    lookup = pd.Index(pd.Series(ref_keys, dtype=object))
    # The first reference row with each key: drop later copies before looking up.
    lookup_first = lookup[~lookup.duplicated()]
    first_rows = np.flatnonzero(~lookup.duplicated())
    position = lookup_first.get_indexer(pd.Series(keys, dtype=object))
    rows = np.flatnonzero(position >= 0)
    empty = np.array([not (k if isinstance(k, str) else any(k)) for k in keys], dtype=bool)
    rows = rows[~empty[rows]]  # two empty texts are not an overlap
    return rows, first_rows[position[rows]]
