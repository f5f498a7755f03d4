"""Score criteria over one scorer's column, and how several of them combine.

A :class:`Condition` is what the rule asks of one scorer: keep everything, ``score >= X``,
the best N rows or the best fraction. Several conditions combine with *all* (a row is kept
when every condition keeps it) or *any* (when one does). A rank average is the other way to
use several scorers: each scorer's scores become ranks in 0–1 (so a judge's 1–5 and a reward
model's logits weigh alike), a weighted mean of them is the row's combined score, and one
criterion applies to that.

Decisions are three-valued: a row a condition cannot judge (no score from that scorer) is
undecided by it. Under *all* a drop by any condition wins, then an undecided; under *any* a
keep by any condition wins, then an undecided. So the rows *all* keeps are exactly the
intersection of the rows each condition keeps, and *any* keeps their union.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum

import numpy as np

from core.errors import ThresherError
from core.review.decisions import DROP, KEEP, UNDECIDED


def percent(fraction: float) -> str:
    """``fraction`` as the percentage the curator typed: 0.2 is "20%", 0.617 is "61.7%".

    A whole-number format showed a best-61.7 % rule as "best 62%" in the Undo label.
    """
    return f"{fraction * 100:.2f}".rstrip("0").rstrip(".") + "%"


class RuleMode(StrEnum):
    """How one condition keeps rows (a ``str``, so saved rules read back unchanged)."""

    ALL = "all"  # keep every row with a score
    THRESHOLD = "threshold"  # score at least ``min_score``
    TOP_N = "top_n"  # the ``keep_top`` best rows
    TOP_FRACTION = "top_fraction"  # the best ``keep_fraction`` of the rows


class Combine(StrEnum):
    """How several conditions combine."""

    ALL = "all"  # a row is kept when every condition keeps it
    ANY = "any"  # a row is kept when one condition keeps it


MODES = tuple(RuleMode)
COMBINE = tuple(Combine)


class RuleError(ThresherError, ValueError):
    """A rule setting is out of range (a :class:`ThresherError`, shown as its message)."""


@dataclass(frozen=True)
class Condition:
    """One score criterion over the column of scorer ``scorer`` ("" = the default column)."""

    scorer: str = ""
    mode: RuleMode = RuleMode.THRESHOLD
    min_score: float = 0.5
    keep_top: int = 1000
    keep_fraction: float = 0.5

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise RuleError(f"unknown rule mode {self.mode!r} (choose from {', '.join(MODES)})")
        object.__setattr__(self, "mode", RuleMode(self.mode))
        if self.keep_top < 0:
            raise RuleError("the number of rows to keep cannot be negative")
        if not 0.0 <= self.keep_fraction <= 1.0:
            raise RuleError(f"the fraction to keep must be within 0–1, not {self.keep_fraction}")
        if not np.isfinite(self.min_score):
            raise RuleError("the minimum score must be a finite number")

    def to_dict(self) -> dict:
        """A JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Condition:
        """The condition saved by :meth:`to_dict`; unknown keys are ignored."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def describe(self, name: str = "score") -> str:
        """The condition in words: ``reward ≥ 0.5``, ``the best 1,000 by judge``."""
        return {
            "all": "keep all rows",
            "threshold": f"{name} ≥ {self.min_score:g}",
            "top_n": f"the best {self.keep_top:,} by {name}",
            "top_fraction": f"the best {percent(self.keep_fraction)} by {name}",
        }[self.mode]

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """KEEP, DROP or UNDECIDED (no score) per row, int8."""
        n = len(scores)
        if self.mode == "all":
            return np.full(n, KEEP, dtype=np.int8)
        if self.mode == "threshold":
            result = np.where(scores >= self.min_score, KEEP, DROP).astype(np.int8)
            result[np.isnan(scores)] = UNDECIDED
            return result
        result = np.where(np.isnan(scores), UNDECIDED, DROP).astype(np.int8)
        result[self.top_rows(scores)] = KEEP
        return result

    def cutoff(self, scores: np.ndarray) -> float:
        """The score this condition keeps from (for plots and queues); NaN if none."""
        if self.mode == "threshold":
            return float(self.min_score)
        if self.mode == "all":
            return float("nan")
        scored = scores[~np.isnan(scores)]
        count = min(self.top_count(len(scores)), len(scored))
        if not count:
            return float("nan")
        # The count-th largest score: a partition, not a sort (plots ask on every redraw).
        return float(np.partition(scored, len(scored) - count)[len(scored) - count])

    def tie_note(self, scores: np.ndarray) -> str:
        """How a best-N or best-fraction cutoff splits rows sharing its score; "" if it does not.

        :meth:`top_rows` keeps the earlier rows of a tie, so the count kept is exactly N; a
        threshold at the cutoff score would keep every tied row. Plots and the summary both say
        it in these words, so a curator never reads two different counts for one rule.
        """
        if self.mode not in ("top_n", "top_fraction"):
            return ""
        cutoff = self.cutoff(scores)
        if not np.isfinite(cutoff):
            return ""
        typed = np.asarray(cutoff, dtype=scores.dtype)
        ties = int((scores == typed).sum())
        scored = int((~np.isnan(scores)).sum())
        taken = min(self.top_count(len(scores)), scored) - int((scores > typed).sum())
        if taken >= ties:
            return ""
        kept = (
            "the 1 earliest in the file is"
            if taken == 1
            else (f"the {taken:,} earliest in the file are")
        )
        return f"{ties:,} rows score exactly {cutoff:.3f}; {kept} kept"

    def top_rows(self, scores: np.ndarray) -> np.ndarray:
        """The rows a best-N or best-fraction condition keeps (ties go to the earlier row)."""
        scored = np.flatnonzero(~np.isnan(scores))
        count = min(self.top_count(len(scores)), len(scored))
        ranked = scored[np.argsort(-scores[scored], kind="stable")]
        return ranked[:count]

    def top_count(self, rows: int) -> int:
        """How many rows a top-N or top-fraction condition keeps out of ``rows``."""
        return self.keep_top if self.mode == "top_n" else round(self.keep_fraction * rows)


def combine(decisions: list[np.ndarray], how: str) -> np.ndarray:
    """Several conditions' decisions as one (see the module docstring)."""
    if how not in COMBINE:
        raise RuleError(f"unknown combination {how!r} (choose all or any)")
    stacked = np.vstack(decisions)
    if how == "all":
        result = np.full(stacked.shape[1], KEEP, dtype=np.int8)
        result[(stacked == UNDECIDED).any(axis=0)] = UNDECIDED
        result[(stacked == DROP).any(axis=0)] = DROP
    else:
        result = np.full(stacked.shape[1], DROP, dtype=np.int8)
        result[(stacked == UNDECIDED).any(axis=0)] = UNDECIDED
        result[(stacked == KEEP).any(axis=0)] = KEEP
    return result


def percentile_ranks(scores: np.ndarray) -> np.ndarray:
    """Each scored row's rank in 0 (worst) … 1 (best), ties averaged; NaN stays NaN."""
    from scipy.stats import rankdata  # scipy.stats takes ~0.3 s to import: only when ranking

    ranks = np.full(len(scores), np.nan, dtype=np.float64)
    scored = ~np.isnan(scores)
    count = int(scored.sum())
    if count == 1:
        ranks[scored] = 0.5
    elif count > 1:
        ranks[scored] = (rankdata(scores[scored], method="average") - 1) / (count - 1)
    return ranks


def rank_average(
    columns: Mapping[str, np.ndarray], weights: tuple[tuple[str, float], ...], rows: int
) -> np.ndarray:
    """The weighted mean of the chosen scorers' percentile ranks; NaN where one is missing.

    A missing scorer (removed, or never run) makes every row NaN: the rule cannot judge
    rows by a scorer it does not have, and averaging the others would quietly change the rule.
    """
    total = sum(w for _, w in weights)
    result = np.zeros(rows, dtype=np.float64)
    for key, weight in weights:
        column = columns.get(key)
        if column is None:
            return np.full(rows, np.nan, dtype=np.float32)
        result += weight * percentile_ranks(np.asarray(column, dtype=np.float64))
    return (result / total).astype(np.float32)


def check_weights(weights: tuple[tuple[str, float], ...]) -> None:
    """Refuse weights a rank average cannot use."""
    keys = [k for k, _ in weights]
    if len(set(keys)) != len(keys):
        raise RuleError("a scorer is named twice in the rank average")
    for key, weight in weights:
        if not np.isfinite(weight) or weight <= 0:
            raise RuleError(
                f"the weight of {key or 'the score'} must be a positive number, not {weight}"
            )
