"""Background work for overlap checks: running a check, and restoring the project's last one.

Each is a :class:`gui.jobs.LatestJob`, so a newer request supersedes an older one. The
workers open their own project-store connection (a SQLite connection belongs to its thread).
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Signal

from core.dataset import Dataset
from core.errors import ThresherError
from core.loading import load
from core.overlap.config import OverlapConfig
from core.overlap.references import load_references
from core.overlap.result import OverlapResult
from core.overlap.run import find_overlap
from core.overlap.staleness import reference_states
from core.overlap.storage import load_overlap, save_overlap
from core.project import ProjectStore
from gui.jobs import LatestJob


def _check_and_save(
    dataset: Dataset, paths: list[str], settings: OverlapConfig, project: Path
) -> Generator[object, None, tuple]:
    skipped: list[str] = []
    references = yield from load_references(paths, dataset, settings, skipped)
    result = yield from find_overlap(dataset, references, settings, skipped)
    with ProjectStore(project) as store:
        save_overlap(store, result)
    return result, references


def _restore(dataset: Dataset, project: Path) -> Generator[None, None, tuple]:
    """The saved check, its references (None: changed or missing since) and their states."""
    yield
    with ProjectStore(project) as store:
        result = load_overlap(store, dataset.source_sha256, len(dataset))
    states = reference_states(result.references) if result is not None else []
    references: list[Dataset | None] = []
    for state in states:
        reference = None
        if state.current:
            try:
                reference = load(state.info.path)
            except (ThresherError, OSError):  # unreadable: only the detail text is lost
                reference = None
        references.append(reference)
    return result, references, states


def _states(result: OverlapResult) -> Generator[None, None, list]:
    yield
    return reference_states(result.references)


class CheckJob(LatestJob):
    """Loads the references, compares, and saves the check in the project."""

    progressed = Signal(object)  # DedupProgress
    done = Signal(object, object)  # OverlapResult, list[Dataset]
    failed = Signal(object)  # Exception
    cancelled = Signal()

    def start(
        self, dataset: Dataset, paths: list[str], settings: OverlapConfig, project: Path
    ) -> None:
        """Check ``dataset`` against ``paths``; any earlier check is abandoned."""
        self._launch(
            _check_and_save,
            dataset,
            paths,
            settings,
            project,
            yielded=self.progressed.emit,
            returned=lambda r: self.done.emit(*r),
            errored=self.failed.emit,
        )

    def cancel(self) -> None:
        """Stop the check; nothing of it is kept."""
        was_running = self.running
        super().cancel()
        if was_running:
            self.cancelled.emit()


class RestoreJob(LatestJob):
    """Reads the project's saved check and reloads its references for the detail pane."""

    restored = Signal(object, object, object)  # OverlapResult | None, references, states
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


class StaleJob(LatestJob):
    """Hashes a check's references again, to tell whether they are the versions it read."""

    checked = Signal(object, object)  # OverlapResult, list[ReferenceState]
    failed = Signal(object)

    def start(self, result: OverlapResult) -> None:
        """Re-hash ``result``'s references (a file looked different on disk)."""
        self._launch(
            _states,
            result,
            returned=lambda s: self.checked.emit(result, s),
            errored=self.failed.emit,
        )


__all__ = ["CheckJob", "OverlapResult", "RestoreJob", "StaleJob"]
