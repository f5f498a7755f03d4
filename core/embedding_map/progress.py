"""Progress records of a map run, with an optional early picture to show meanwhile."""

from __future__ import annotations

from dataclasses import dataclass

from core.embedding_map.result import MapResult


@dataclass(frozen=True)
class MapProgress:
    """Where a run is; ``preview`` carries the instant PCA map while the real one is computed."""

    stage: str
    done: int
    total: int
    preview: MapResult | None = None

    @property
    def fraction(self) -> float:
        """How far the stage is, from 0 to 1."""
        return self.done / self.total if self.total else 1.0
