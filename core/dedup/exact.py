"""Exact duplicates: rows whose text is identical after :func:`core.dedup.normalize.normalise`."""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import pandas as pd

from core.dataset import Dataset
from core.dedup.normalize import normalise
from core.dedup.progress import DedupProgress
from core.unique import factorize_texts

_STAGE = "exact duplicates: normalising"
_CHUNK = 20_000


def exact_keys(dataset: Dataset, field: str) -> Generator[DedupProgress, None, np.ndarray]:
    """A group code per row: equal codes mean equal normalised text in ``field``.

    For ``pair`` the prompt and the response are keyed separately and then combined, so no
    choice of separator can make "a b" + "c" equal "a" + "b c".
    """
    columns = {
        "prompt": [dataset.prompts],
        "response": [dataset.responses],
        "pair": [dataset.prompts, dataset.responses],
    }[field]
    total = len(dataset) * len(columns)
    codes: list[np.ndarray] = []
    for index, texts in enumerate(columns):
        normalised: list[str] = []
        for start in range(0, len(texts), _CHUNK):
            yield DedupProgress(_STAGE, index * len(dataset) + start, total)
            normalised.extend(normalise(t) for t in texts[start : start + _CHUNK])
        codes.append(factorize_texts(normalised)[0])
    yield DedupProgress(_STAGE, total, total)
    if len(codes) == 1:
        return codes[0].astype(np.int64)
    combined = codes[0].astype(np.int64) * (int(codes[1].max(initial=0)) + 1) + codes[1]
    return pd.factorize(combined, sort=False)[0].astype(np.int64)
