"""Which rows the table shows: score range, decision, source, flags, duplicates and text search.

Every criterion but the text search is a NumPy mask over all rows. The search walks the texts
in chunks (:meth:`RowFilter.iter_mask` yields between them) so the app can run it on a worker
thread, show progress and drop a search the curator has already replaced.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from core.errors import ThresherError
from core.generators import run_to_end
from core.review.decisions import AUTO, DROP, KEEP, NAMES, UNDECIDED
from core.scoring.heuristics import FLAG_NAMES

SEARCH_FIELDS = ("both", "prompt", "response")
SOURCES = ("any", "rule", "curator")
DUPLICATES = ("any", "duplicates", "unique")
#: Rows overlapping a reference file, or not (see :mod:`core.overlap`).
OVERLAPS = ("any", "overlapping", "clean")
#: Flags a row can carry besides the heuristic warnings.
SCORE_FLAGS = ("truncated", "unscorable")
#: Rows searched between two yields (and pauses that let a GUI thread run).
SEARCH_CHUNK = 20_000


class FilterError(ThresherError, ValueError):
    """A filter setting is unusable (e.g. a regular expression that does not compile).

    A :class:`ThresherError`, so every front end shows its message as it is; still a
    ``ValueError`` for callers that validate input generically.
    """


@dataclass(frozen=True)
class FilterInputs:
    """The per-row facts a filter looks at, aligned by source row."""

    scores: np.ndarray
    final: np.ndarray
    manual: np.ndarray
    duplicate: np.ndarray
    flag_mask: np.ndarray
    truncated: np.ndarray
    unscorable: np.ndarray
    prompts: Sequence[str]
    responses: Sequence[str]
    overlap: np.ndarray | None = None  # a bit per overlap level matched
    #: The embedding map's points (rows, 2), its topics and settings key, once there is a map.
    map_xy: np.ndarray | None = None
    map_topics: np.ndarray | None = None
    map_key: str = ""
    #: Every score column by scorer key, for a score range on a named scorer.
    columns: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class RowFilter:
    """A conjunction of criteria; the default shows every row."""

    score_min: float | None = None
    score_max: float | None = None
    #: ``score_max`` itself is left out: a histogram bar's upper edge belongs to the next bar.
    score_max_open: bool = False
    #: The scorer (column key) the score range reads; "" = the rule's column ("the score").
    score_column: str = ""
    decisions: tuple[str, ...] = ()
    source: str = "any"
    duplicates: str = "any"
    flags: tuple[str, ...] = ()
    overlap: str = "any"
    search: str = ""
    regex: bool = False
    search_field: str = "both"
    case_sensitive: bool = False
    #: A lasso or box on the embedding map (its vertices) and/or some of its topics; both are
    #: read against the map whose settings key is ``map_key``, and match nothing without it.
    map_region: tuple[tuple[float, float], ...] = ()
    map_topics: tuple[int, ...] = ()
    map_key: str = ""
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = [d for d in self.decisions if d not in NAMES.values()]
        if unknown:
            raise FilterError(f"unknown decision {unknown[0]!r}")
        if self.source not in SOURCES:
            raise FilterError(f"unknown source {self.source!r}")
        if self.duplicates not in DUPLICATES:
            raise FilterError(f"unknown duplicate filter {self.duplicates!r}")
        if self.overlap not in OVERLAPS:
            raise FilterError(f"unknown overlap filter {self.overlap!r}")
        if self.search_field not in SEARCH_FIELDS:
            raise FilterError(f"unknown search field {self.search_field!r}")
        bad_flags = set(self.flags) - set(FLAG_NAMES) - set(SCORE_FLAGS)
        if bad_flags:
            raise FilterError(f"unknown flag {sorted(bad_flags)[0]!r}")
        if self.map_region and len(self.map_region) < 3:
            raise FilterError("a map region needs at least three corners")
        if self.search:
            text = self.search if self.regex else re.escape(self.search)
            try:
                pattern = re.compile(text, 0 if self.case_sensitive else re.IGNORECASE)
            except re.error as exc:
                raise FilterError(
                    f"the regular expression {self.search!r} is invalid: {exc}"
                ) from exc
            object.__setattr__(self, "_pattern", pattern)

    @property
    def active(self) -> bool:
        """Whether the filter hides anything at all."""
        return self != RowFilter()

    def to_dict(self) -> dict:
        """A JSON-ready form, saved in the project so a re-opened dataset shows the same rows."""
        data = asdict(self)
        data.pop("_pattern")
        data["decisions"] = list(self.decisions)
        data["flags"] = list(self.flags)
        data["map_region"] = [list(point) for point in self.map_region]
        data["map_topics"] = list(self.map_topics)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RowFilter:
        """The filter saved by :meth:`to_dict`; unknown keys are ignored."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "_pattern"}
        for key in ("decisions", "flags", "map_topics"):
            if key in known:
                known[key] = tuple(known[key])
        if "map_region" in known:
            known["map_region"] = tuple((float(x), float(y)) for x, y in known["map_region"])
        return cls(**known)

    def describe(self) -> str:
        """A short phrase for the status bar ("score 0.2–0.8, dropped, search 'foo'")."""
        parts = []
        if self.score_min is not None or self.score_max is not None:
            low = "" if self.score_min is None else f"{self.score_min:g}"
            high = "" if self.score_max is None else f"{self.score_max:g}"
            high = f"under {high}" if high and self.score_max_open else high
            parts.append(f"score {low}–{high}")
        if self.decisions:
            parts.append("/".join(self.decisions))
        if self.source != "any":
            parts.append(f"decided by {self.source}")
        if self.duplicates != "any":
            parts.append(self.duplicates)
        if self.flags:
            parts.append("flagged " + "/".join(self.flags))
        if self.overlap != "any":
            parts.append(
                "overlapping a reference" if self.overlap == "overlapping" else "no overlap"
            )
        if self.map_region:
            parts.append("map selection")
        if self.map_topics:
            count = len(self.map_topics)
            parts.append(f"{count} map topic{'s' if count != 1 else ''}")
        if self.search:
            parts.append(f"{'regex' if self.regex else 'search'} {self.search!r}")
        return ", ".join(parts) or "all rows"

    # -- evaluation ----------------------------------------------------------------------------

    def structural_mask(self, inputs: FilterInputs) -> np.ndarray:
        """Every criterion but the text search."""
        n = len(inputs.scores)
        mask = np.ones(n, dtype=bool)
        # Compared in float64, as the histogram bins them: float32 scores against a bound
        # would otherwise round the bound to float32 and move rows across a bar's edge.
        scores = inputs.scores
        if self.score_column and (self.score_min is not None or self.score_max is not None):
            # A scorer the project no longer has matches nothing rather than another column.
            scores = (inputs.columns or {}).get(
                self.score_column, np.full(n, np.nan, dtype=np.float32)
            )
        scores = scores.astype(np.float64, copy=False)
        with np.errstate(invalid="ignore"):
            if self.score_min is not None:
                mask &= scores >= self.score_min
            if self.score_max is not None and self.score_max_open:
                mask &= scores < self.score_max
            elif self.score_max is not None:
                mask &= scores <= self.score_max
        if self.decisions:
            codes = [
                {"keep": KEEP, "drop": DROP, "undecided": UNDECIDED}[d] for d in self.decisions
            ]
            mask &= np.isin(inputs.final, codes)
        if self.source == "curator":
            mask &= inputs.manual != AUTO
        elif self.source == "rule":
            mask &= inputs.manual == AUTO
        if self.duplicates == "duplicates":
            mask &= inputs.duplicate
        elif self.duplicates == "unique":
            mask &= ~inputs.duplicate
        if self.flags:
            flagged = np.zeros(n, dtype=bool)
            bits = sum(1 << FLAG_NAMES.index(f) for f in self.flags if f in FLAG_NAMES)
            if bits:
                flagged |= (inputs.flag_mask & bits) != 0
            if "truncated" in self.flags:
                flagged |= inputs.truncated
            if "unscorable" in self.flags:
                flagged |= inputs.unscorable
            mask &= flagged
        if self.overlap != "any":
            overlapping = (
                inputs.overlap != 0 if inputs.overlap is not None else np.zeros(n, dtype=bool)
            )
            mask &= overlapping if self.overlap == "overlapping" else ~overlapping
        if self.map_region or self.map_topics:
            mask &= self._map_mask(inputs, n)
        return mask

    def _map_mask(self, inputs: FilterInputs, n: int) -> np.ndarray:
        """Rows inside the map region and in the chosen topics (none without that map)."""
        if inputs.map_xy is None or inputs.map_key != self.map_key or len(inputs.map_xy) != n:
            return np.zeros(n, dtype=bool)
        mask = np.ones(n, dtype=bool)
        if self.map_region:
            mask &= inside_polygon(inputs.map_xy, np.array(self.map_region, dtype=np.float64))
        if self.map_topics and inputs.map_topics is not None:
            mask &= np.isin(inputs.map_topics, self.map_topics)
        return mask

    def iter_mask(
        self, inputs: FilterInputs, pause_s: float = 0.001
    ) -> Generator[float, None, np.ndarray]:
        """Yield progress fractions while searching; return the full mask."""
        mask = self.structural_mask(inputs)
        if self._pattern is None:
            return mask
        search = self._pattern.search
        candidates = np.flatnonzero(mask)
        fields = {
            "both": (inputs.prompts, inputs.responses),
            "prompt": (inputs.prompts,),
            "response": (inputs.responses,),
        }[self.search_field]
        for start in range(0, len(candidates), SEARCH_CHUNK):
            chunk = candidates[start : start + SEARCH_CHUNK].tolist()
            hits = [any(search(texts[row]) is not None for texts in fields) for row in chunk]
            mask[chunk] = hits
            yield min(1.0, (start + len(chunk)) / max(1, len(candidates)))
            time.sleep(pause_s)  # let a GUI thread have the interpreter
        return mask

    def mask(self, inputs: FilterInputs) -> np.ndarray:
        """The whole mask at once (command line, tests)."""
        return run_to_end(self.iter_mask(inputs, pause_s=0.0))


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Which ``points`` (n, 2) lie inside ``polygon`` (m, 2), by the even-odd crossing rule.

    Vectorised over points, one pass per edge, and only over the points inside the polygon's
    bounding box: a 64-corner lasso over a million points takes a fraction of a second.
    """
    result = np.zeros(len(points), dtype=bool)
    low, high = polygon.min(axis=0), polygon.max(axis=0)
    candidates = np.flatnonzero(
        (points[:, 0] >= low[0])
        & (points[:, 0] <= high[0])
        & (points[:, 1] >= low[1])
        & (points[:, 1] <= high[1])
    )
    if not len(candidates):
        return result
    x = points[candidates, 0].astype(np.float64)
    y = points[candidates, 1].astype(np.float64)
    inside = np.zeros(len(candidates), dtype=bool)
    for (x1, y1), (x2, y2) in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        at_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < at_x)
    result[candidates] = inside
    return result
