"""Many texts in NumPy object arrays, built in pieces: out of the collector's way and the GIL's.

A worker that keeps a million texts for long (the learned scorer embeds them for minutes in the
background of a review) should not keep them in a list: every full garbage collection walks a
list item by item while holding the GIL (~50 ms per million texts here), and any thread's
allocations can set one off. The collector never walks a NumPy object array.

Building or indexing one such array in a single call holds the GIL throughout (filling 2M
slots from sequences of texts: ~90 ms), so both are done :data:`PIECE` items per call; an
object array's copies never let go of the GIL, so the pieces do not starve a waiting thread
(see ``core/unique.py``).
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
        if isinstance(texts, np.ndarray):
            out[start : start + len(some)] = texts[some]
        else:
            out[start : start + len(some)] = [texts[row] for row in some.tolist()]
    return out


def release(array: np.ndarray) -> None:
    """Let go of an object array's items :data:`PIECE` at a time (they become ``None``).

    Freeing a million fresh objects happens in one call when the array goes (a million
    paragraph tuples: ~140 ms holding the GIL); emptied in pieces first, the array goes at once.
    """
    for start in range(0, len(array), PIECE):
        array[start : start + PIECE] = None
