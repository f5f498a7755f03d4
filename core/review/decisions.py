"""Decision codes and the stable key each row's decision is stored under.

A decision is keyed by the record's content fingerprint plus its occurrence (0 for the first
copy of that content in the file, 1 for the second …), never by row number: inserting, deleting
or reordering other records leaves every decision on the record it was made for, and identical
copies can still be decided one by one.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from enum import IntEnum
from typing import SupportsIndex, overload

import numpy as np

from core.dataset import occurrences as occurrences  # lives with the Dataset; kept here too
from core.project.store import DecisionKey


class Decision(IntEnum):
    """What becomes of a row: the rule's proposal, or the final outcome (int8 arrays hold it)."""

    UNDECIDED = 0  # the rule cannot decide the row yet (e.g. it has no score)
    KEEP = 1
    DROP = 2


class Override(IntEnum):
    """A curator's manual decision for a row, which always wins over the rule."""

    AUTO = 0  # no override: the rule decides
    KEEP = 1
    DROP = 2


#: The short names the code uses; each has one meaning (0 is AUTO as an override and UNDECIDED
#: as a decision, two members of two enums, equal as the int8 both are stored as).
KEEP, DROP, UNDECIDED = Decision.KEEP, Decision.DROP, Decision.UNDECIDED
AUTO = Override.AUTO
NAMES: dict[int, str] = {
    Decision.KEEP: "keep",
    Decision.DROP: "drop",
    Decision.UNDECIDED: "undecided",
}
CODES = {
    "keep": Override.KEEP,
    "drop": Override.DROP,
    "auto": Override.AUTO,
    "automatic": Override.AUTO,
}


def fingerprint_bytes(fingerprints: np.ndarray) -> list[bytes]:
    """Each fingerprint as its full bytes (NumPy's ``S`` type drops trailing zero bytes)."""
    width = fingerprints.dtype.itemsize
    raw = fingerprints.tobytes()
    return [raw[i : i + width] for i in range(0, len(raw), width)]


class DecisionKeys(Sequence[DecisionKey]):
    """The store key of every row, made when asked for instead of held as a million tuples.

    A list of ``(bytes, int)`` pairs cost about 140 MB and a second on the GUI thread when a
    1M-row session opened; this keeps the fingerprints' bytes and the occurrence counts.
    """

    def __init__(self, fingerprints: np.ndarray, counts: np.ndarray | None = None):
        """Keys of ``fingerprints``; ``counts`` are their :func:`occurrences` if known.

        A ``Dataset`` computes those once, on the loading worker, so opening a session does not
        sort on the GUI thread.
        """
        self._width = fingerprints.dtype.itemsize
        self._raw = np.ascontiguousarray(fingerprints).tobytes()
        self._occurrences = occurrences(fingerprints) if counts is None else counts

    def __len__(self) -> int:
        return len(self._occurrences)

    @overload
    def __getitem__(self, row: SupportsIndex) -> DecisionKey: ...

    @overload
    def __getitem__(self, row: slice) -> list[DecisionKey]: ...

    def __getitem__(self, row: SupportsIndex | slice) -> DecisionKey | list[DecisionKey]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = operator.index(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} out of range")
        start = row * self._width
        return self._raw[start : start + self._width], int(self._occurrences[row])

    def rows_of(self, wanted: Iterable[DecisionKey]) -> dict[DecisionKey, int]:
        """The row of each of the ``wanted`` keys that the dataset has (absent ones left out).

        Reopening a project looks up its saved decisions this way: a NumPy pass narrows the
        rows to those whose fingerprint starts like a wanted one, and only those few are
        compared in Python (a dict over every row took seconds at 1M rows).
        """
        wanted_keys = set(wanted)
        if not wanted_keys:
            return {}
        n, width = len(self), self._width
        candidates: Iterable[int]
        if width % 8:
            candidates = range(n)
        else:
            firsts = np.frombuffer(self._raw, dtype=np.uint64)[:: width // 8]
            heads = np.array(
                [
                    np.frombuffer(fp[:8].ljust(8, b"\0"), dtype=np.uint64)[0]
                    for fp, _ in wanted_keys
                ],
                dtype=np.uint64,
            )
            candidates = np.flatnonzero(np.isin(firsts, heads)).tolist()
        found: dict[DecisionKey, int] = {}
        for row in candidates:
            key = self[row]
            if key in wanted_keys:
                found[key] = row
        return found

    def __iter__(self) -> Iterator[DecisionKey]:
        raw, width = self._raw, self._width
        return zip(
            (raw[i : i + width] for i in range(0, len(raw), width)),
            self._occurrences.tolist(),
            strict=True,
        )


def decision_keys(fingerprints: np.ndarray, counts: np.ndarray | None = None) -> DecisionKeys:
    """The store key of every row (``counts``: their occurrences, if already computed)."""
    return DecisionKeys(fingerprints, counts)
