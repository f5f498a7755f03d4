"""The undo history's steps: a change of decisions, of the rule, or of a cluster's kept copy.

Every change a curator makes to what is exported is one of these, and all of them share one
linear history in :class:`core.review.session.ReviewSession`, so Undo always takes back the
last thing the curator did, whatever it was. Each step holds both sides, so undo and redo
commit a state, never a difference; that is what makes replaying them after a failure safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.review.rule import Rule

_NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Change:
    """Rows and their manual decisions and reasons before and after."""

    label: str
    rows: np.ndarray
    before: np.ndarray
    before_reasons: tuple[str, ...]
    after: np.ndarray
    after_reasons: tuple[str, ...]


@dataclass(frozen=True)
class RuleChange:
    """The automatic rule before and after.

    ``merge_key`` names a gesture (one drag of a cutoff line): later changes with the same key
    extend this step instead of adding one, so a whole drag is undone at once.
    """

    label: str
    before: Rule
    after: Rule
    merge_key: str | None = None
    rows: np.ndarray = field(default_factory=lambda: _NO_ROWS)


@dataclass(frozen=True)
class KeptCopyChange:
    """The copies a curator chose to keep in one duplicate cluster, before and after.

    Empty means the automatic choice (the best-scored copy).
    """

    label: str
    members: np.ndarray
    before: tuple[int, ...]
    after: tuple[int, ...]
    rows: np.ndarray = field(default_factory=lambda: _NO_ROWS)


Step = Change | RuleChange | KeptCopyChange
