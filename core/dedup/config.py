"""What a duplicate run looks for: which detectors, on which text, at which thresholds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from core.dedup.edges import EXACT, KINDS, NEAR, SEMANTIC
from core.dedup.embedder_choice import VERIFIED, default_threshold
from core.dedup.normalize import FIELDS
from core.errors import ThresherError

DEFAULT_NEAR = 0.8
#: The default embedder's threshold (each embedder has its own: see embedder_choice).
DEFAULT_SEMANTIC = default_threshold(VERIFIED)
#: Detectors report edges this far below their threshold, so calibration can show what a
#: lower threshold would do without running again.
CALIBRATION_MARGIN: dict[int, float] = {NEAR: 0.15, SEMANTIC: 0.08}
MIN_FLOOR: dict[int, float] = {NEAR: 0.5, SEMANTIC: 0.6}
#: The seed's duplication sweet spot, offered as the budget to try.
SWEET_SPOT_BUDGET = 0.25


class DedupSettingsError(ThresherError):
    """The duplicate settings are inconsistent (no detector, a threshold out of range...)."""


@dataclass(frozen=True)
class DedupConfig:
    """Detectors and thresholds; ``None`` turns near or semantic matching off."""

    exact: bool = True
    near: float | None = DEFAULT_NEAR
    semantic: float | None = None
    exact_on: str = "pair"
    near_on: str = "pair"
    semantic_on: str = "prompt"
    embedder: str = VERIFIED
    device: str = "auto"
    shingle_words: int = 5
    budget: float = 0.0
    #: Compare near and semantic text without shared boilerplate (core.dedup.boilerplate).
    strip_boilerplate: bool = False

    def __post_init__(self) -> None:
        if not (self.exact or self.near is not None or self.semantic is not None):
            raise DedupSettingsError(
                "choose at least one kind of duplicate: exact, near or semantic"
            )
        for name, value in (("near", self.near), ("semantic", self.semantic)):
            if value is not None and not 0.0 < value <= 1.0:
                raise DedupSettingsError(f"the {name} threshold must be in (0, 1], not {value}")
        for name in ("exact_on", "near_on", "semantic_on"):
            if getattr(self, name) not in FIELDS:
                raise DedupSettingsError(
                    f"{name.replace('_', ' ')} must be one of "
                    f"{', '.join(FIELDS)}, not {getattr(self, name)!r}"
                )
        if not 0.0 <= self.budget <= 1.0:
            raise DedupSettingsError(
                f"the duplication budget must be between 0 and 1 (a "
                f"fraction of the unique rows), not {self.budget}"
            )
        if not 1 <= self.shingle_words <= 20:
            raise DedupSettingsError("shingles must be 1 to 20 words long")

    def kinds(self) -> list[int]:
        """The detectors that run, strongest first."""
        on = [
            (EXACT, self.exact),
            (NEAR, self.near is not None),
            (SEMANTIC, self.semantic is not None),
        ]
        return [kind for kind, enabled in on if enabled]

    def threshold(self, kind: int) -> float:
        """The similarity a pair needs to count as a duplicate of ``kind``."""
        thresholds: dict[int, float | None] = {EXACT: 1.0, NEAR: self.near, SEMANTIC: self.semantic}
        return thresholds[kind] or 1.0

    def floor(self, kind: int) -> float:
        """The lowest similarity a run records for ``kind`` (for calibration)."""
        if kind == EXACT:
            return 1.0
        if kind == SEMANTIC and self.embedder == VERIFIED:
            # MiniLM only judges the fast embedder's candidates, which are tuned to hold its pairs
            # at the threshold asked for: below it the pairs found would be an undercount, so
            # calibration starts at the threshold (a lower one is a new run, whose candidates
            # move down with it) rather than showing a curve that is not the truth.
            return self.threshold(kind)
        return max(
            MIN_FLOOR[kind],
            min(self.threshold(kind) - CALIBRATION_MARGIN[kind], self.threshold(kind)),
        )

    def field(self, kind: int) -> str:
        """Which text ``kind`` compares."""
        return (self.exact_on, self.near_on, self.semantic_on)[kind]

    def with_changes(self, **changes) -> DedupConfig:
        """A copy with some settings changed (validated)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain data for the project file, manifests and ``--json``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DedupConfig:
        """Settings saved by :meth:`to_dict` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """One line for the status bar and the log, e.g. ``exact (pair), near ≥ 0.80 (pair)``."""
        parts = []
        for kind in self.kinds():
            if kind == EXACT:
                parts.append(f"exact ({self.exact_on})")
            else:
                embedder = f", {self.embedder}" if kind == SEMANTIC else ""
                parts.append(
                    f"{KINDS[kind]} ≥ {self.threshold(kind):.2f} ({self.field(kind)}{embedder})"
                )
        if self.budget:
            parts.append(f"budget {self.budget:.0%}")
        if self.strip_boilerplate:
            parts.append("without shared boilerplate")
        return ", ".join(parts)
