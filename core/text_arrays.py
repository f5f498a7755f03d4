"""Many texts in NumPy object arrays, built in pieces: out of the collector's way and the GIL's.

A worker that keeps a million texts for long (the learned scorer embeds them for minutes in the
background of a review) should not keep them in a list: every full garbage collection walks a
list item by item while holding the GIL (~30 ms per million texts here), and any thread's
allocations can set one off. The collector never walks a NumPy object array.

Building, indexing or emptying one such array in a single call holds the GIL throughout
(filling 2M slots from the texts: up to 95 ms; freeing a million fresh tuples: ~60 ms), so
each is done :data:`PIECE` items per call: a 2 ms ticker thread beside them then waits at most
~20 ms (``benchmarks/bench_factorize.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Items per NumPy call: a few ms each.
PIECE = 1 << 16


def texts_array(*parts: Sequence[str]) -> np.ndarray:
    """The texts of ``parts``, one after another, in one object array."""
    out = np.empty(sum(map(len, parts)), dtype=object)
    at = 0
    for part in parts:
        for start in range(0, len(part), PIECE):
            piece = part[start : start + PIECE]
            out[at : at + len(piece)] = piece
            at += len(piece)
    return out


def take_texts(texts: Sequence[str] | np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``texts[rows]`` as an object array, in pieces (``texts``: an object array or a sequence)."""
    out = np.empty(len(rows), dtype=object)
    for start in range(0, len(rows), PIECE):
        some = rows[start : start + PIECE]
        out[start : start + len(some)] = (
            texts[some] if isinstance(texts, np.ndarray) else [texts[i] for i in some.tolist()]
        )
    return out


def release(array: np.ndarray) -> None:
    """Let go of an object array's items :data:`PIECE` at a time (they become ``None``).

    Otherwise they are freed in one call when the array goes (a million paragraph tuples:
    ~60 ms holding the GIL; in pieces a 2 ms ticker thread waits at most 5-7 ms).
    """
    for start in range(0, len(array), PIECE):
        array[start : start + PIECE] = None
