"""Sort keys and orders for the table's text columns, computed once per column off the GUI thread.

A text column sorts case-insensitively on the first characters of each text: enough to order a
table, and a fixed-width NumPy array sorts in C instead of comparing Python strings. At 1M rows
building the keys is a Python pass over every text (about half a second) and each ``argsort``
of the fixed-width keys another; the GUI runs this on a worker and swaps in the orders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Characters of each text that the sort compares.
KEY_CHARS = 24


#: Texts converted to the fixed-width array per call: converting a million Python strings at
#: once is one C call that holds the GIL (135 ms of frozen window); a piece is a few ms.
KEY_PIECE = 50_000


def text_sort_keys(texts: Sequence[str]) -> np.ndarray:
    """Case-folded first :data:`KEY_CHARS` characters of each text, as a fixed-width array."""
    keys = np.empty(len(texts), dtype=f"U{KEY_CHARS}")
    for start in range(0, len(texts), KEY_PIECE):
        piece = texts[start : start + KEY_PIECE]
        keys[start : start + len(piece)] = [t[:KEY_CHARS].casefold() for t in piece]
    return keys


def stable_orders(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending and descending orders of ``keys``; ties stay in file order both ways.

    Descending reverses a stable ascending sort of the reversed keys, so equal keys keep their
    file order instead of coming out reversed.
    """
    ascending = np.argsort(keys, kind="stable")
    descending = (len(keys) - 1 - np.argsort(keys[::-1], kind="stable"))[::-1]
    return ascending, np.ascontiguousarray(descending)


def text_orders(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The keys of ``texts`` and their ascending and descending orders."""
    keys = text_sort_keys(texts)
    return (keys, *stable_orders(keys))
