"""What an overlap check compares: which levels, on which text, at which thresholds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from core.dedup.config import DEFAULT_NEAR
from core.errors import ThresherError

#: Matching levels, strongest first; a row's overlap level is the strongest one it matched.
LEVELS = ("exact", "ngram", "near", "semantic")
LEVEL_LABELS = {"exact": "exact", "ngram": "13-gram", "near": "near", "semantic": "semantic"}
#: Which text of a record a level compares ("both": prompt and response together).
FIELDS = ("prompt", "response", "both")
DEFAULT_NGRAM = 13
#: The GPT-3 paper's floor for shortening the n-gram to a short benchmark example; we go a
#: little lower so short evaluation prompts (Koala, Vicuna: a quarter under 13 words) can
#: still be caught when edited, and no lower, so a common 3-word phrase is never called a leak.
DEFAULT_MIN_WORDS = 6
DEFAULT_SEMANTIC = 0.8


class OverlapSettingsError(ThresherError):
    """The overlap settings are inconsistent (no level, a threshold out of range…)."""


@dataclass(frozen=True)
class OverlapConfig:
    """Levels and thresholds; ``None`` turns near or semantic matching off."""

    exact: bool = True
    ngram: bool = True
    near: float | None = DEFAULT_NEAR
    semantic: float | None = None
    exact_on: str = "prompt"
    ngram_on: str = "prompt"
    near_on: str = "prompt"
    semantic_on: str = "prompt"
    ngram_words: int = DEFAULT_NGRAM
    min_words: int = DEFAULT_MIN_WORDS
    shingle_words: int = 5
    embedder: str = "bundled"
    device: str = "auto"

    def __post_init__(self) -> None:
        if not self.levels():
            raise OverlapSettingsError("choose at least one level: exact, ngram, near or semantic")
        for name, value in (("near", self.near), ("semantic", self.semantic)):
            if value is not None and not 0.0 < value <= 1.0:
                raise OverlapSettingsError(f"the {name} threshold must be in (0, 1], not {value}")
        for level in LEVELS:
            if self.field(level) not in FIELDS:
                raise OverlapSettingsError(
                    f"{level} must compare one of {', '.join(FIELDS)}, not {self.field(level)!r}"
                )
        if not 1 <= self.ngram_words <= 50:
            raise OverlapSettingsError("n-grams must be 1 to 50 words long")
        if not 1 <= self.min_words <= self.ngram_words:
            raise OverlapSettingsError(
                f"the shortest record matched by n-grams must have 1 to "
                f"{self.ngram_words} words, not {self.min_words}"
            )

    def levels(self) -> list[str]:
        """The levels that run, strongest first."""
        on = {
            "exact": self.exact,
            "ngram": self.ngram,
            "near": self.near is not None,
            "semantic": self.semantic is not None,
        }
        return [level for level in LEVELS if on[level]]

    def field(self, level: str) -> str:
        """Which text ``level`` compares."""
        return getattr(self, f"{level}_on")

    def threshold(self, level: str) -> float | None:
        """The similarity a match needs at ``level`` (None: any shared n-gram, or exact)."""
        return {"near": self.near, "semantic": self.semantic}.get(level)

    def with_changes(self, **changes) -> OverlapConfig:
        """A copy with some settings changed (validated)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain data for the project file, manifests and ``--json``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> OverlapConfig:
        """Settings saved by :meth:`to_dict` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def describe(self) -> str:
        """One line for the status bar and the log, e.g. ``exact (prompt), 13-gram (prompt)``."""
        parts = []
        for level in self.levels():
            if level == "ngram":
                parts.append(f"{self.ngram_words}-gram ({self.ngram_on})")
            elif level == "exact":
                parts.append(f"exact ({self.exact_on})")
            else:
                parts.append(f"{level} ≥ {self.threshold(level):.2f} ({self.field(level)})")
        return ", ".join(parts)
