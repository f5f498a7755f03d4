"""Distinct values and codes of large inputs, computed so that the window keeps painting.

Workers share the GIL with the GUI thread, so one library call that holds it for long freezes
the window however little the work is. Two such calls were found at 1M rows
(``benchmarks/bench_session.py --watch``):

NumPy 2.3 made a plain ``np.unique`` (no index, inverse or counts asked for) use a hash table.
On high-cardinality keys, such as the near-duplicate step's candidate pair keys, it is
50–90x slower than sorting (10M random int64 keys: 10.6 s against 0.12 s here), and it holds the
GIL throughout: calls on a worker froze the window for up to 1.7 s at 1M rows. Sorting
releases the GIL, so the GUI thread keeps painting while a worker finds distinct values.
``benchmarks/bench_unique.py`` measures both.

``pd.factorize`` of texts hashes and inserts every text in one call that holds the GIL
(0.4 s and more at 1M fresh strings). A dict filled by a Python loop takes about as long, but
the interpreter lets the GUI thread in at every switch interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """What ``np.unique(values)`` returns: the sorted distinct values, NaN collapsed to one."""
    ordered = np.sort(np.asarray(values).ravel())
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    if ordered.dtype.kind == "f":  # NaN != NaN: every NaN (sorted last) would be kept
        nan = np.isnan(ordered)
        if nan[-1]:
            keep &= ~nan
            keep[int(np.argmax(nan))] = True
    return ordered[keep]


def factorize_texts(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Each text's code (int64, by first appearance) and the distinct texts in that order.

    The same answer as ``pd.factorize(texts, sort=False)`` for a sequence of strings.
    """
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(text, len(index)) for text in texts), dtype=np.int64, count=len(texts)
    )
    return codes, list(index)
