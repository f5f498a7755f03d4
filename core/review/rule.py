"""The automatic rule: which rows are kept before a curator overrides anything.

Visible and editable, and stored in the project so the command line and the app agree:

- a score criterion: keep everything, keep ``score >= min_score``, keep the ``keep_top`` best
  rows, or the best ``keep_fraction`` of all rows (ties go to the earlier row);
- drop rows that are duplicates and not the kept copy of their cluster;
- drop rows with any of the chosen heuristic flags;
- drop rows that overlap a reference file (an eval set, earlier data) at chosen levels.

A row without a score is undecided under a score criterion: the rule cannot judge it, and
guessing either way would hide it from the curator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from core.errors import ThresherError
from core.overlap.config import LEVELS as OVERLAP_LEVELS
from core.review.decisions import DROP, KEEP, UNDECIDED
from core.scoring.heuristics import FLAG_NAMES

MODES = ("all", "threshold", "top_n", "top_fraction")
MODE_LABELS = {"all": "Keep all", "threshold": "Score at least", "top_n": "Best N rows",
               "top_fraction": "Best fraction"}


class RuleError(ThresherError, ValueError):
    """A rule setting is out of range (a :class:`ThresherError`, shown as its message)."""


@dataclass(frozen=True)
class Rule:
    """The automatic keep/drop rule."""

    mode: str = "threshold"
    min_score: float = 0.5
    keep_top: int = 1000
    keep_fraction: float = 0.5
    drop_duplicates: bool = True
    drop_flags: tuple[str, ...] = field(default_factory=tuple)
    drop_overlap: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise RuleError(f"unknown rule mode {self.mode!r} (choose from {', '.join(MODES)})")
        if self.keep_top < 0:
            raise RuleError("the number of rows to keep cannot be negative")
        if not 0.0 <= self.keep_fraction <= 1.0:
            raise RuleError(f"the fraction to keep must be within 0–1, not {self.keep_fraction}")
        unknown = set(self.drop_flags) - set(FLAG_NAMES)
        if unknown:
            raise RuleError(f"unknown flag(s) {', '.join(sorted(unknown))} "
                            f"(choose from {', '.join(FLAG_NAMES)})")
        unknown_levels = set(self.drop_overlap) - set(OVERLAP_LEVELS)
        if unknown_levels:
            raise RuleError(f"unknown overlap level(s) {', '.join(sorted(unknown_levels))} "
                            f"(choose from {', '.join(OVERLAP_LEVELS)})")
        if not np.isfinite(self.min_score):
            raise RuleError("the minimum score must be a finite number")

    @property
    def uses_scores(self) -> bool:
        """Whether the rule needs scores to decide."""
        return self.mode != "all"

    def to_dict(self) -> dict:
        """A JSON-ready form (the project store and manifests keep rules this way)."""
        data = asdict(self)
        data["drop_flags"] = list(self.drop_flags)
        data["drop_overlap"] = list(self.drop_overlap)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Rule:
        """The rule saved by :meth:`to_dict`; unknown keys (a newer app) are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for key in ("drop_flags", "drop_overlap"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)

    def with_changes(self, **changes: object) -> Rule:
        """A copy with some settings changed."""
        return replace(self, **changes)

    def describe(self) -> str:
        """One line for the status bar and manifests."""
        criterion = {"all": "keep all rows",
                     "threshold": f"keep score ≥ {self.min_score:g}",
                     "top_n": f"keep the best {self.keep_top:,} rows",
                     "top_fraction": f"keep the best {self.keep_fraction:.0%}"}[self.mode]
        parts = [criterion]
        if self.drop_duplicates:
            parts.append("drop duplicates")
        if self.drop_flags:
            parts.append("drop " + ", ".join(self.drop_flags))
        if self.drop_overlap:
            parts.append("drop overlap (" + ", ".join(self.drop_overlap) + ")")
        return "; ".join(parts)

    def cutoff(self, scores: np.ndarray) -> float:
        """The score the rule keeps from (for plots and the borderline queue); NaN if none."""
        if self.mode == "threshold":
            return float(self.min_score)
        if self.mode == "all":
            return float("nan")
        scored = scores[~np.isnan(scores)]
        count = min(self._top_count(len(scores)), len(scored))
        if not count:
            return float("nan")
        # The count-th largest score: a partition, not a sort (plots ask on every redraw).
        return float(np.partition(scored, len(scored) - count)[len(scored) - count])

    def decide(self, scores: np.ndarray, flag_mask: np.ndarray | None = None,
               duplicate: np.ndarray | None = None,
               overlap: np.ndarray | None = None) -> np.ndarray:
        """The rule's decision per row: KEEP, DROP or UNDECIDED (int8)."""
        n = len(scores)
        if self.mode == "all":
            result = np.full(n, KEEP, dtype=np.int8)
        elif self.mode == "threshold":
            result = np.where(scores >= self.min_score, KEEP, DROP).astype(np.int8)
            result[np.isnan(scores)] = UNDECIDED
        else:
            result = np.where(np.isnan(scores), UNDECIDED, DROP).astype(np.int8)
            result[self._top_rows(scores)] = KEEP
        result[self.forced_drops(n, flag_mask, duplicate, overlap)] = DROP
        return result

    def forced_drops(self, rows: int, flag_mask: np.ndarray | None = None,
                     duplicate: np.ndarray | None = None,
                     overlap: np.ndarray | None = None) -> np.ndarray:
        """Rows the rule drops whatever their score: duplicates, chosen flags, overlaps.

        ``overlap`` holds a bit per overlap level a row matched (bit i: ``LEVELS[i]`` of
        :mod:`core.overlap.config`).
        """
        forced = np.zeros(rows, dtype=bool)
        if self.drop_duplicates and duplicate is not None:
            forced |= duplicate
        if self.drop_flags and flag_mask is not None:
            bits = sum(1 << FLAG_NAMES.index(name) for name in self.drop_flags)
            forced |= (flag_mask & bits) != 0
        if self.drop_overlap and overlap is not None:
            bits = sum(1 << OVERLAP_LEVELS.index(level) for level in self.drop_overlap)
            forced |= (overlap & bits) != 0
        return forced

    def _top_rows(self, scores: np.ndarray) -> np.ndarray:
        scored = np.flatnonzero(~np.isnan(scores))
        count = min(self._top_count(len(scores)), len(scored))
        # Descending by score, ties in file order: a stable sort of the negated scores.
        ranked = scored[np.argsort(-scores[scored], kind="stable")]
        return ranked[:count]

    def _top_count(self, rows: int) -> int:
        """How many rows a top-N or top-fraction rule keeps out of ``rows``."""
        return self.keep_top if self.mode == "top_n" else round(self.keep_fraction * rows)
