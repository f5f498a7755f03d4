"""Progress records yielded by the duplicate detectors' generators."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DedupProgress:
    """Where a run is: ``stage`` (a short phrase for the status line), ``done`` of ``total``.

    ``notice`` is a one-off message the curator must read even when progress is not shown
    (a damaged cache being rebuilt, say): the app shows it, the command line prints it.
    """

    stage: str
    done: int
    total: int
    notice: str = ""

    @property
    def fraction(self) -> float:
        """How far the stage is, from 0 to 1."""
        return self.done / self.total if self.total else 1.0
