"""A finished duplicate run: the edges each detector found, down to its calibration floor.

Thresholds are applied afterwards (:meth:`DuplicateResult.thresholded`, then
:func:`core.dedup.anchor.anchor`), so moving a threshold between its floor and 1 re-plans the
clusters without running a detector again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from core.dedup.config import DedupConfig
from core.dedup.edges import EXACT, Edges


@dataclass(frozen=True)
class DuplicateResult:
    """Everything a run found; ``vectors`` hold every row's embedding after a semantic run."""

    settings: DedupConfig
    rows: int
    source_sha256: str
    edges: dict[int, Edges]
    floors: dict[int, float]
    exact_keys: np.ndarray | None = None  # group code per row on settings.exact_on
    vector_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float16))
    seconds: float = 0.0
    #: What the run noticed about the text (plain data): ``boilerplate`` per compared field
    #: (:meth:`core.dedup.boilerplate.Boilerplate.to_dict`), ``truncated`` distinct texts cut
    #: at the embedder's limit (``max_tokens``; ``max_chars`` for the fast one), of
    #: ``embedded``.
    report: dict = field(default_factory=dict)

    def floor(self, kind: int) -> float:
        """The lowest threshold this run can apply for ``kind`` without running again."""
        return self.floors[kind]

    def thresholded(self, settings: DedupConfig | None = None) -> list[Edges]:
        """The edges that pass the thresholds of ``settings`` (default: the run's own)."""
        settings = settings or self.settings
        return [
            edges.at_least(settings.threshold(kind))
            for kind, edges in self.edges.items()
            if kind in settings.kinds()
        ]

    def with_settings(self, settings: DedupConfig) -> DuplicateResult:
        """The same run with new thresholds or budget (each threshold at or above its floor)."""
        for kind in settings.kinds():
            if kind not in self.edges:
                raise ValueError(f"this run did not look for kind {kind}; run it again")
            if kind != EXACT and settings.threshold(kind) < self.floor(kind) - 1e-9:
                raise ValueError("a threshold below the run's floor needs a new run")
        return replace(self, settings=settings)

    def notes(self) -> list[str]:
        """Lines for the run summary and the dock: shared boilerplate, truncated texts."""
        from core.dedup.boilerplate import Boilerplate

        lines = []
        for data in self.report.get("boilerplate", {}).values():
            line = Boilerplate.from_dict(data).describe()
            if line:
                lines.append(
                    line
                    + (
                        " — compared without it."
                        if self.settings.strip_boilerplate
                        else " — it can make different requests look alike; compare without it."
                    )
                )
        if "candidate_pairs" in self.report:
            lines.append(
                f"MiniLM verified {self.report['candidate_pairs']:,} candidate pair(s) "
                f"the fast embedder proposed (cosine ≥ "
                f"{self.report['candidate_threshold']:.2f} for short texts"
                + (
                    f", ≥ {self.report['candidate_tight']:.2f} for longer ones"
                    if "candidate_tight" in self.report
                    else ""
                )
                + "), embedding "
                f"{self.report['verified_texts']:,} of "
                f"{self.report.get('embedded', 0):,} distinct texts: every "
                "similarity shown is MiniLM's cosine."
            )
        if "minilm_everywhere" in self.report:
            lines.append(
                f"On the {self.report['minilm_everywhere'].upper()} device MiniLM embedded all "
                f"{self.report.get('embedded', 0):,} distinct texts and compared every pair "
                "(no fast candidates): every similarity shown is MiniLM's cosine."
            )
        truncated = self.report.get("truncated", 0)
        if truncated:
            tokens, chars = self.report.get("max_tokens"), self.report.get("max_chars")
            limit = f"{tokens} tokens" if tokens else f"{chars or 0:,} characters"
            lines.append(
                f"{truncated:,} of {self.report.get('embedded', 0):,} distinct texts "
                f"were cut at the embedder's limit of {limit}: text past it was not "
                f"compared."
            )
        return lines
