"""A finished overlap run: per level, each row's best match over all references."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.overlap.config import LEVELS, OverlapConfig
from core.overlap.matches import LevelMatches
from core.overlap.references import ReferenceInfo


@dataclass(frozen=True)
class RowMatch:
    """A row's strongest match: the level, the reference and record, and how well."""

    level: str
    reference: int
    ref_row: int
    similarity: float
    shared: int
    span: int


@dataclass(frozen=True)
class OverlapResult:
    """Everything a run found. ``levels`` holds only the levels that ran."""

    settings: OverlapConfig
    rows: int
    source_sha256: str
    references: list[ReferenceInfo]
    levels: dict[str, LevelMatches]
    seconds: float = 0.0
    ref_locations: list[np.ndarray] = field(default_factory=list)
    #: One-line notes for the curator about this run (skipped references, text the word-based
    #: levels cannot judge); said when the run ends, not saved with it.
    notes: tuple[str, ...] = ()

    def level_bits(self) -> np.ndarray:
        """Per row, a bit per level it matched (bit i: ``LEVELS[i]``), as uint8."""
        bits = np.zeros(self.rows, dtype=np.uint8)
        for i, level in enumerate(LEVELS):
            if level in self.levels:
                bits |= self.levels[level].matched.astype(np.uint8) << i
        return bits

    def strongest(self) -> np.ndarray:
        """Per row, the index in ``LEVELS`` of the strongest level it matched, -1 for none."""
        out = np.full(self.rows, -1, dtype=np.int8)
        for i in reversed(range(len(LEVELS))):
            matches = self.levels.get(LEVELS[i])
            if matches is not None:
                out[matches.matched] = i
        return out

    def match_of(self, row: int) -> RowMatch | None:
        """The strongest match of ``row``, or None."""
        for level in LEVELS:
            matches = self.levels.get(level)
            if matches is not None and matches.ref_row[row] >= 0:
                return RowMatch(
                    level,
                    int(matches.reference[row]),
                    int(matches.ref_row[row]),
                    float(matches.similarity[row]),
                    int(matches.shared[row]),
                    int(matches.span[row]),
                )
        return None

    def ref_location(self, reference: int, ref_row: int) -> int:
        """The line (record, row) of a reference record, as its file counts them."""
        if reference < len(self.ref_locations):
            return int(self.ref_locations[reference][ref_row])
        return ref_row + 1

    def counts(self) -> list[dict]:
        """Per reference: rows overlapping it at each level, and at any level."""
        out = []
        for index, info in enumerate(self.references):
            per_level = {
                level: int(matches.of_reference(index).sum())
                for level, matches in self.levels.items()
            }
            anywhere = np.zeros(self.rows, dtype=bool)
            for matches in self.levels.values():
                anywhere |= matches.of_reference(index)
            out.append({**info.to_dict(), "rows": per_level, "any": int(anywhere.sum())})
        return out

    def summary(self) -> dict:
        """The ``--json`` and manifest form: settings, references with counts, totals."""
        strongest = self.strongest()
        return {
            "records": self.rows,
            "overlapping": int((strongest >= 0).sum()),
            "by_level": {
                level: int((strongest == i).sum())
                for i, level in enumerate(LEVELS)
                if level in self.levels
            },
            "settings": self.settings.to_dict(),
            "references": self.counts(),
            "seconds": round(self.seconds, 3),
        }
