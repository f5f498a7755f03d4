"""Where the curator lands when a record they were reading is gone from a reloaded file.

A reload finds the curator's record again by its fingerprint (the session's saved position).
When that record was edited or deleted there is no exact answer; the record now at the nearest
line is the closest thing to "where I was", and far better than line 1.
"""

from __future__ import annotations

import numpy as np


def nearest_row(locations: np.ndarray, location: int) -> int | None:
    """The row whose location (line, record or row number) is nearest ``location``.

    ``locations`` ascend, as every loader numbers them; on a tie the later row wins (the
    record that moved up into a deleted line's place). None for an empty dataset.
    """
    count = len(locations)
    if count == 0:
        return None
    after = int(np.searchsorted(locations, location, side="left"))
    if after >= count:
        return count - 1
    if after == 0:
        return 0
    before = after - 1
    return before if location - int(locations[before]) < int(locations[after]) - location else after
