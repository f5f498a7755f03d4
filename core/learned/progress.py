"""One step of a learning run, for a progress bar."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LearnProgress:
    """``done`` of ``total`` in ``stage`` (a sentence a curator reads)."""

    stage: str
    done: int
    total: int
