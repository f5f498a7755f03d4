"""Progress records yielded by the duplicate detectors' generators."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DedupProgress:
    """Where a run is: ``stage`` (a short phrase for the status line), ``done`` of ``total``."""

    stage: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        """How far the stage is, from 0 to 1."""
        return self.done / self.total if self.total else 1.0
