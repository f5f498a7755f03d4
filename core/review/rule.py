"""The automatic rule: which rows are kept before a curator overrides anything.

Visible and editable, and stored in the project so the command line and the app agree:

- a score criterion: keep everything, keep ``score >= min_score``, keep the ``keep_top`` best
  rows, or the best ``keep_fraction`` of all rows (ties go to the earlier row), over the column
  of the scorer ``scorer`` names ("" = the last-run scorer's column);
- more criteria over other scorers' columns (``conditions``), combined with ``combine`` (all or
  any), or instead a weighted rank average of chosen scorers (``rank_weights``) that the score
  criterion then reads (see :mod:`core.review.conditions`);
- drop rows that are duplicates and not the kept copy of their cluster;
- drop rows with any of the chosen heuristic flags;
- drop rows that overlap a reference file (an eval set, earlier data) at chosen levels.

A row without a score is undecided under a score criterion: the rule cannot judge it, and
guessing either way would hide it from the curator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, cast

import numpy as np

from core.overlap.config import LEVELS as OVERLAP_LEVELS
from core.review.conditions import (
    COMBINE,
    MODES,
    Condition,
    RuleError,
    RuleMode,
    check_weights,
    combine,
    percent,
    rank_average,
)
from core.review.decisions import DROP
from core.scoring.heuristics import FLAG_NAMES

__all__ = ["MODES", "MODE_LABELS", "Rule", "RuleError"]

MODE_LABELS = {
    "all": "Keep all",
    "threshold": "Score at least",
    "top_n": "Best N rows",
    "top_fraction": "Best fraction",
}


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
    scorer: str = ""
    conditions: tuple[Condition, ...] = field(default_factory=tuple)
    combine: str = "all"
    rank_weights: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self.primary  # noqa: B018 -- checks the score criterion's settings
        if self.combine not in COMBINE:
            raise RuleError(f"unknown combination {self.combine!r} (choose all or any)")
        if self.rank_weights and self.conditions:
            raise RuleError(
                "a rank average is one criterion: it cannot be combined with per-scorer conditions"
            )
        check_weights(self.rank_weights)
        unknown = set(self.drop_flags) - set(FLAG_NAMES)
        if unknown:
            raise RuleError(
                f"unknown flag(s) {', '.join(sorted(unknown))} "
                f"(choose from {', '.join(FLAG_NAMES)})"
            )
        unknown_levels = set(self.drop_overlap) - set(OVERLAP_LEVELS)
        if unknown_levels:
            raise RuleError(
                f"unknown overlap level(s) {', '.join(sorted(unknown_levels))} "
                f"(choose from {', '.join(OVERLAP_LEVELS)})"
            )

    @property
    def primary(self) -> Condition:
        """The score criterion (over ``scorer``'s column, or over the rank average)."""
        # A str stands in for the RuleMode: Condition refuses an unknown one (RuleError), then
        # converts it.
        return Condition(
            self.scorer,
            cast(RuleMode, self.mode),
            self.min_score,
            self.keep_top,
            self.keep_fraction,
        )

    @property
    def uses_scores(self) -> bool:
        """Whether the rule needs scores to decide."""
        return (
            self.mode != "all"
            or any(c.mode != "all" for c in self.conditions)
            or bool(self.rank_weights)
        )

    @property
    def several(self) -> bool:
        """Whether the rule reads more than one scorer."""
        return bool(self.conditions or self.rank_weights)

    def scorers(self) -> tuple[str, ...]:
        """The scorer keys the rule names ("" = the default column), in order, once each."""
        keys = [k for k, _ in self.rank_weights] if self.rank_weights else [self.scorer]
        keys += [c.scorer for c in self.conditions]
        return tuple(dict.fromkeys(keys))

    def to_dict(self) -> dict:
        """A JSON-ready form (the project store and manifests keep rules this way)."""
        data = asdict(self)
        data["drop_flags"] = list(self.drop_flags)
        data["drop_overlap"] = list(self.drop_overlap)
        data["conditions"] = [c.to_dict() for c in self.conditions]
        data["rank_weights"] = [[k, w] for k, w in self.rank_weights]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Rule:
        """The rule saved by :meth:`to_dict`; unknown keys (a newer app) are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for key in ("drop_flags", "drop_overlap"):
            if key in known:
                known[key] = tuple(known[key])
        if "conditions" in known:
            known["conditions"] = tuple(Condition.from_dict(c) for c in known["conditions"])
        if "rank_weights" in known:
            known["rank_weights"] = tuple((str(k), float(w)) for k, w in known["rank_weights"])
        return cls(**known)

    def with_changes(self, **changes: Any) -> Rule:
        """A copy with some settings changed."""
        return replace(self, **changes)

    def with_condition(self, scorer: str, condition: Condition | None) -> Rule:
        """A copy whose condition over ``scorer`` is ``condition`` (None removes it).

        The primary criterion is the one over ``scorer`` when it names it; otherwise the extra
        condition over it is replaced, added, or removed.
        """
        if scorer == self.scorer and not self.rank_weights:
            if condition is None:
                raise RuleError("the rule's main criterion cannot be removed")
            return replace(
                self,
                mode=condition.mode,
                min_score=condition.min_score,
                keep_top=condition.keep_top,
                keep_fraction=condition.keep_fraction,
            )
        others = [c for c in self.conditions if c.scorer != scorer]
        if condition is not None:
            new = replace(condition, scorer=scorer)
            at = next((i for i, c in enumerate(self.conditions) if c.scorer == scorer), len(others))
            others.insert(at, new)
        return replace(self, conditions=tuple(others))

    def condition_for(self, scorer: str) -> Condition | None:
        """The condition the rule puts on ``scorer``'s column, if any."""
        if scorer == self.scorer and not self.rank_weights:
            return self.primary
        return next((c for c in self.conditions if c.scorer == scorer), None)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """One line for the status bar and manifests (``names``: scorer key -> column name)."""
        names = names or {}

        def name(key: str) -> str:
            return names.get(key, key) or "score"

        if self.rank_weights:
            average = "rank average of " + ", ".join(
                f"{name(k)}×{w:g}" for k, w in self.rank_weights
            )
            criterion = "keep " + self.primary.describe(average)
        elif self.mode == "all" and not self.conditions:
            criterion = "keep all rows"
        elif not self.conditions and not self.scorer:
            criterion = {
                "threshold": f"keep score ≥ {self.min_score:g}",
                "top_n": f"keep the best {self.keep_top:,} rows",
                "top_fraction": f"keep the best {percent(self.keep_fraction)}",
            }[self.mode]
        else:
            parts = [
                c.describe(name(c.scorer))
                for c in (self.primary, *self.conditions)
                if c.mode != "all"
            ]
            joiner = " and " if self.combine == "all" else " or "
            criterion = "keep " + joiner.join(parts) if parts else "keep all rows"
        parts = [criterion]
        if self.drop_duplicates:
            parts.append("drop duplicates")
        if self.drop_flags:
            parts.append("drop " + ", ".join(self.drop_flags))
        if self.drop_overlap:
            parts.append("drop overlap (" + ", ".join(self.drop_overlap) + ")")
        return "; ".join(parts)

    def cutoff(self, scores: np.ndarray) -> float:
        """The score the main criterion keeps from (for plots and the borderline queue).

        ``scores``: what the main criterion reads (:meth:`criterion_scores`); NaN if none.
        """
        return self.primary.cutoff(scores)

    def criterion_scores(
        self, scores: np.ndarray, columns: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """What the main criterion reads: ``scores`` (its scorer's column) or the rank average."""
        if self.rank_weights:
            return rank_average(columns or {}, self.rank_weights, len(scores))
        return scores

    def decide(
        self,
        scores: np.ndarray,
        flag_mask: np.ndarray | None = None,
        duplicate: np.ndarray | None = None,
        overlap: np.ndarray | None = None,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """The rule's decision per row: KEEP, DROP or UNDECIDED (int8).

        ``scores``: the column of the scorer the main criterion names; ``columns``: every
        scorer's column by key, for extra conditions and rank averages (a scorer missing from
        it leaves the rows its condition judges undecided).
        """
        n = len(scores)
        result = self.primary.decide(self.criterion_scores(scores, columns))
        if self.conditions:
            missing = np.full(n, np.nan, dtype=np.float32)
            decisions = [result] + [
                c.decide((columns or {}).get(c.scorer, missing)) for c in self.conditions
            ]
            result = combine(decisions, self.combine)
        result[self.forced_drops(n, flag_mask, duplicate, overlap)] = DROP
        return result

    def forced_drops(
        self,
        rows: int,
        flag_mask: np.ndarray | None = None,
        duplicate: np.ndarray | None = None,
        overlap: np.ndarray | None = None,
    ) -> np.ndarray:
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

    def _top_count(self, rows: int) -> int:
        """How many rows a top-N or top-fraction rule keeps out of ``rows``."""
        return self.primary.top_count(rows)
