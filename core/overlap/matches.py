"""Per-row matches at one level: the best reference record each row matched, and how well."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LevelMatches:
    """For every row of the open dataset: its best match at one level (``ref_row`` -1: none).

    ``reference`` indexes the run's references; ``ref_row`` is the row in that reference;
    ``similarity`` is 1 for exact matches, the share of the reference record's n-grams found
    in the row for n-grams, Jaccard for near and cosine for semantic matches; ``shared`` is
    the number of distinct shared n-grams and ``span`` the longest shared run of words
    (n-gram level only, 0 elsewhere).
    """

    reference: np.ndarray  # int16
    ref_row: np.ndarray  # int64
    similarity: np.ndarray  # float32
    shared: np.ndarray  # int32
    span: np.ndarray  # int32

    @classmethod
    def none(cls, rows: int) -> LevelMatches:
        """No row matched."""
        return cls(
            np.full(rows, -1, np.int16),
            np.full(rows, -1, np.int64),
            np.zeros(rows, np.float32),
            np.zeros(rows, np.int32),
            np.zeros(rows, np.int32),
        )

    @classmethod
    def found(
        cls,
        rows: int,
        reference: int,
        which: np.ndarray,
        ref_row: np.ndarray,
        similarity: np.ndarray | float,
        shared: np.ndarray | None = None,
        span: np.ndarray | None = None,
    ) -> LevelMatches:
        """Matches for rows ``which`` against one reference."""
        out = cls.none(rows)
        out.reference[which] = reference
        out.ref_row[which] = ref_row
        out.similarity[which] = similarity
        if shared is not None:
            out.shared[which] = shared
        if span is not None:
            out.span[which] = span
        return out

    def __len__(self) -> int:
        return len(self.ref_row)

    @property
    def matched(self) -> np.ndarray:
        """Which rows matched at this level."""
        return self.ref_row >= 0

    def better(self, other: LevelMatches) -> LevelMatches:
        """Row by row, whichever of the two matches is stronger (similarity, then n-grams)."""
        take = other.matched & (
            ~self.matched
            | (other.similarity > self.similarity)
            | ((other.similarity == self.similarity) & (other.shared > self.shared))
        )
        return LevelMatches(
            *(
                np.where(take, b, a)
                for a, b in (
                    (self.reference, other.reference),
                    (self.ref_row, other.ref_row),
                    (self.similarity, other.similarity),
                    (self.shared, other.shared),
                    (self.span, other.span),
                )
            )
        )

    def of_reference(self, reference: int) -> np.ndarray:
        """Which rows matched ``reference`` at this level."""
        return self.reference == reference

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays by name, for saving."""
        return {
            f"{prefix}_{name}": getattr(self, name)
            for name in ("reference", "ref_row", "similarity", "shared", "span")
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> LevelMatches:
        """What :meth:`arrays` saved."""
        return cls(
            *(
                arrays[f"{prefix}_{name}"]
                for name in ("reference", "ref_row", "similarity", "shared", "span")
            )
        )
