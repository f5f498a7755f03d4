"""Background work for duplicates: detection, restored runs, tables, calibration curves.

Each is a :class:`gui.jobs.LatestJob`, so a newer request supersedes an older one. The
workers open their own project-store connection (a SQLite connection belongs to its thread).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal

from core.dataset import Dataset
from core.dedup.calibration import drop_curve, pairs_at_cutoff, plan_at
from core.dedup.config import DedupConfig
from core.dedup.edges import KINDS
from core.dedup.keep import DUPLICATE
from core.dedup.outcome import build_table
from core.dedup.result import DuplicateResult
from core.dedup.run import find_duplicates
from core.dedup.similar import find_similar
from core.dedup.storage import load_result, preferred_rows, save_result, save_settings
from core.project import ProjectStore
from gui.jobs import LatestJob


def _detect_and_save(
    dataset: Dataset, settings: DedupConfig, project: Path
) -> Generator[object, None, DuplicateResult]:
    result = yield from find_duplicates(dataset, settings)
    with ProjectStore(project) as store:
        save_result(store, result)
    return result


def _restore(
    dataset: Dataset, project: Path
) -> Generator[None, None, tuple[DuplicateResult | None, np.ndarray]]:
    yield
    with ProjectStore(project) as store:
        return load_result(store, dataset), preferred_rows(store, dataset)


def _rebuild(
    dataset: Dataset,
    result: DuplicateResult,
    scores: np.ndarray | None,
    preferred: np.ndarray,
    settings: DedupConfig,
    project: Path | None,
):
    yield
    if project is not None:
        with ProjectStore(project) as store:
            save_settings(store, settings)
    return build_table(dataset, result, scores, preferred, settings)


class DetectJob(LatestJob):
    """Runs :func:`core.dedup.run.find_duplicates` and saves the result in the project."""

    progressed = Signal(object)  # DedupProgress
    done = Signal(object)  # DuplicateResult
    failed = Signal(object)  # Exception
    cancelled = Signal()

    def start(self, dataset: Dataset, settings: DedupConfig, project: Path) -> None:
        """Look for duplicates in ``dataset``; any earlier run is abandoned."""
        self._launch(
            _detect_and_save,
            dataset,
            settings,
            project,
            yielded=self.progressed.emit,
            returned=self.done.emit,
            errored=self.failed.emit,
        )

    def cancel(self) -> None:
        """Stop the run; nothing of it is kept."""
        was_running = self.running
        super().cancel()
        if was_running:
            self.cancelled.emit()


class RestoreJob(LatestJob):
    """Reads the project's saved run and the curator's kept-copy choices."""

    restored = Signal(object, object)  # DuplicateResult | None, preferred mask
    failed = Signal(object)

    def start(self, dataset: Dataset, project: Path) -> None:
        """Restore what the project holds for ``dataset``."""
        self._launch(
            _restore,
            dataset,
            project,
            returned=lambda r: self.restored.emit(*r),
            errored=self.failed.emit,
        )


class TableJob(LatestJob):
    """Rebuilds the per-row duplicate table (kept copies, budget, similarities)."""

    built = Signal(object)  # DuplicateTable
    failed = Signal(object)

    def start(
        self,
        dataset: Dataset,
        result: DuplicateResult,
        scores: np.ndarray | None,
        preferred: np.ndarray,
        settings: DedupConfig,
        project: Path | None,
    ) -> None:
        """Build the table; ``project`` also saves ``settings`` there (thresholds, budget)."""
        self._launch(
            _rebuild,
            dataset,
            result,
            scores,
            preferred,
            settings,
            project,
            returned=self.built.emit,
            errored=self.failed.emit,
        )


class SimilarJob(LatestJob):
    """Finds the rows nearest to one row by the run's embeddings."""

    found = Signal(int, object)  # row, list[Neighbour]
    failed = Signal(object)

    def start(self, result: DuplicateResult, row: int, count: int = 10) -> None:
        """Look for ``row``'s nearest rows; an earlier search is abandoned."""
        self._launch(
            find_similar,
            result,
            row,
            count,
            returned=lambda found: self.found.emit(row, found),
            errored=self.failed.emit,
        )


class DropCurveJob(LatestJob):
    """Computes :func:`core.dedup.calibration.drop_curve` row by row on a worker."""

    point = Signal(float, int, int)

    def start(self, result, settings, kind, thresholds, scores, preferred) -> None:
        """Compute the curve for ``kind``; an earlier computation is abandoned."""
        self._launch(
            drop_curve,
            result,
            settings,
            kind,
            thresholds,
            scores,
            preferred,
            yielded=lambda p: self.point.emit(*p),
        )


def _cutoff(result, settings, kind, threshold, scores, preferred):
    """What one threshold drops, and the pairs it would flip (see ``pairs_at_cutoff``)."""
    trial = settings.with_changes(**{KINDS[kind]: float(threshold)})
    _, plan = plan_at(result, trial, scores, preferred)
    above, below = pairs_at_cutoff(result, settings, kind, threshold, 4, scores, preferred)
    return threshold, int((plan.role == DUPLICATE).sum()), above, below


class CutoffPlanJob(LatestJob):
    """Computes the rows dropped at the shown threshold and its cutoff pairs on a worker."""

    ready = Signal(float, int, object, object)

    def start(self, result, settings, kind, threshold, scores, preferred) -> None:
        """Plan ``threshold``; an earlier plan still computing is abandoned."""
        self._launch(
            _cutoff,
            result,
            settings,
            kind,
            threshold,
            scores,
            preferred,
            returned=lambda r: self.ready.emit(*r),
        )
