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
(0.4 s and more at 1M fresh strings). A dict filled by a Python loop lets the GUI thread in
between texts, but not while the dict grows: resizing a dict of a million texts re-inserts them
all in one C call, and the last resizes held the GIL for 85 ms each at 1M rows (2M texts).
``factorize_texts`` therefore hashes the texts in small pieces, groups equal hashes by sorting
(which releases the GIL), and checks each text against its group's first text in a Python loop;
two different texts with one 64-bit hash (never seen) send it back to the dict.

A loop of short steps must not let go of the GIL in each step. CPython's waiting thread asks
the running one to hand the GIL over only after a whole switch interval in which nobody took
it; a loop that releases and retakes it every step (NumPy copies over 500 items release it)
restarts that wait each time, and the waiter (the GUI thread) gets in only when it happens to
win the race: a 2 ms ticker thread was 337-471 ms late beside such a loop of 0.1 ms steps
(hashing 2M texts), 1-2 ms beside the same loop without the releases
(``benchmarks/bench_factorize.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


#: Texts hashed per library call. Hashing holds the GIL, and a GUI thread that needs it waits
#: for the piece in hand: 4,096 fresh texts (a few MB) took a few ms each, 512 well under one.
HASH_PIECE = 512
#: Rows turned into Python ints per call (``tolist`` of a million holds the GIL ~40 ms).
LIST_PIECE = 65536


def factorize_texts(
    texts: Sequence[str], hash_text: Callable[[str], int] = hash
) -> tuple[np.ndarray, list[str]]:
    """Each text's code (int64, by first appearance) and the distinct texts in that order.

    The same answer as ``pd.factorize(texts, sort=False)`` for a sequence of strings.
    ``hash_text`` is Python's ``hash`` (cached on each string, so a second call is cheaper);
    tests pass a colliding one.
    """
    codes, first = factorize_rows(texts, hash_text)
    uniques: list[str] = []
    for at in range(0, len(first), LIST_PIECE):
        uniques.extend([texts[row] for row in first[at : at + LIST_PIECE].tolist()])
    return codes, uniques


def factorize_rows(
    texts: Sequence[str] | np.ndarray, hash_text: Callable[[str], int] = hash
) -> tuple[np.ndarray, np.ndarray]:
    """Each text's code (int64, by first appearance) and each code's first row, ascending.

    For a caller that keeps the distinct texts for long: ``texts[first]`` of a NumPy object
    array is an array the garbage collector never walks, where a list of a million texts is
    walked item by item by every full collection (~30 ms per million, the GIL held).
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # Each piece is its own array, joined once at the end. Written into one array instead, each
    # piece's copy (over 500 items) let go of the GIL for a moment and took it straight back,
    # and a thread waiting for the GIL only asks for it when nobody took it for a whole switch
    # interval: the GUI thread starved for up to 470 ms (benchmarks/bench_factorize.py).
    pieces = []
    for start in range(0, n, HASH_PIECE):
        piece = texts[start : start + HASH_PIECE]
        pieces.append(np.fromiter(map(hash_text, piece), dtype=np.int64, count=len(piece)))
    hashes = np.concatenate(pieces)
    order = np.argsort(hashes, kind="stable")  # stable: a group's first row is its first
    ordered = hashes[order]
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    group = np.cumsum(starts) - 1  # of each sorted position
    first = order[starts]  # each group's first row
    later = np.flatnonzero(~starts)
    for at in range(0, len(later), LIST_PIECE):
        some = later[at : at + LIST_PIECE]
        rows, heads = order[some].tolist(), first[group[some]].tolist()
        for row, head in zip(rows, heads, strict=True):
            if texts[row] != texts[head]:  # one hash, two texts: count them exactly instead
                codes = _codes_with_dict(texts)
                return codes, np.unique(codes, return_index=True)[1]
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    codes = np.empty(n, dtype=np.int64)
    codes[order] = rank[group]
    first.sort()
    return codes, first


def _codes_with_dict(texts: Sequence[str] | np.ndarray) -> np.ndarray:
    index: dict[str, int] = {}
    return np.fromiter(
        (index.setdefault(text, len(index)) for text in texts), dtype=np.int64, count=len(texts)
    )
