"""Decision codes and the stable key each row's decision is stored under.

A decision is keyed by the record's content fingerprint plus its occurrence (0 for the first
copy of that content in the file, 1 for the second …), never by row number: inserting, deleting
or reordering other records leaves every decision on the record it was made for, and identical
copies can still be decided one by one.
"""

from __future__ import annotations

import numpy as np

from core.project.store import DecisionKey

#: A manual decision of "automatic" (no override), and a rule that cannot decide a row.
AUTO = UNDECIDED = 0
KEEP = 1
DROP = 2
NAMES = {KEEP: "keep", DROP: "drop", UNDECIDED: "undecided"}
CODES = {"keep": KEEP, "drop": DROP, "auto": AUTO, "automatic": AUTO}


def occurrences(fingerprints: np.ndarray) -> np.ndarray:
    """For each row, how many earlier rows have the same fingerprint."""
    n = len(fingerprints)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, inverse = np.unique(fingerprints, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    grouped = inverse[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    first_of_group = np.repeat(starts, np.diff(np.r_[starts, n]))
    result = np.empty(n, dtype=np.int64)
    result[order] = np.arange(n) - first_of_group
    return result


def fingerprint_bytes(fingerprints: np.ndarray) -> list[bytes]:
    """Each fingerprint as its full bytes (NumPy's ``S`` type drops trailing zero bytes)."""
    width = fingerprints.dtype.itemsize
    raw = fingerprints.tobytes()
    return [raw[i:i + width] for i in range(0, len(raw), width)]


def decision_keys(fingerprints: np.ndarray) -> list[DecisionKey]:
    """The store key of every row."""
    return list(zip(fingerprint_bytes(fingerprints), occurrences(fingerprints).tolist(),
                    strict=True))
