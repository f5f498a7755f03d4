"""Decision codes and the stable key each row's decision is stored under.

A decision is keyed by the record's content fingerprint plus its occurrence (0 for the first
copy of that content in the file, 1 for the second …), never by row number: inserting, deleting
or reordering other records leaves every decision on the record it was made for, and identical
copies can still be decided one by one.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from core.project.store import DecisionKey


class Decision(IntEnum):
    """What becomes of a row: the rule's proposal, or the final outcome (int8 arrays hold it)."""

    UNDECIDED = 0   # the rule cannot decide the row yet (e.g. it has no score)
    KEEP = 1
    DROP = 2


class Override(IntEnum):
    """A curator's manual decision for a row, which always wins over the rule."""

    AUTO = 0        # no override: the rule decides
    KEEP = 1
    DROP = 2


#: The short names the code uses; each has one meaning (0 is AUTO as an override and UNDECIDED
#: as a decision, two members of two enums, equal as the int8 both are stored as).
KEEP, DROP, UNDECIDED = Decision.KEEP, Decision.DROP, Decision.UNDECIDED
AUTO = Override.AUTO
NAMES: dict[int, str] = {Decision.KEEP: "keep", Decision.DROP: "drop",
                         Decision.UNDECIDED: "undecided"}
CODES = {"keep": Override.KEEP, "drop": Override.DROP, "auto": Override.AUTO,
         "automatic": Override.AUTO}


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
