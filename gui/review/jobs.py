"""Background work for review: the export, large commits, and the learned scorer's runs.

The export runs :func:`core.export.iter_export` on a worker thread and reports the result.

An export is cancelled only before its first file is replaced: after that it always runs to
the end, so closing the app can never leave the curated file new and the manifest old. Closing
asks it to stop (honoured only if nothing was written yet) and waits for this job's own worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.dataset import Dataset
from core.dedup.storage import load_result
from core.export import ExportOptions, iter_export
from core.learned import storage
from core.learned.features import PairFeatures
from core.learned.progress import LearnProgress
from core.learned.train import (
    LearnResult,
    check_examples,
    dataset_features,
    examples_features,
    learn,
)
from core.learned.vectors import DEFAULT_EMBEDDER, reusable_vectors
from core.loading import load
from core.project.store import ProjectStore
from core.review import ReviewSession
from gui.jobs import LatestJob

log = logging.getLogger(__name__)
#: Closing the app waits this long for an export that has started replacing files.
SHUTDOWN_WAIT_MS = 120_000


class ExportJob(LatestJob):
    """One export at a time, with progress; the review actions wait while it runs."""

    progressed = Signal(float)
    finished = Signal(object)  # ExportResult
    failed = Signal(object)  # the exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop_requested = threading.Event()

    def start(self, session: ReviewSession, options: ExportOptions, scorer: dict | None) -> None:
        """Export ``session`` as ``options`` say."""
        self._stop_requested = stop = threading.Event()
        self._launch(
            iter_export,
            session,
            options,
            scorer,
            stop.is_set,
            yielded=self.progressed.emit,
            returned=self.finished.emit,
            errored=self.failed.emit,
        )

    def request_stop(self) -> None:
        """Stop the export if it has not replaced any file yet; otherwise let it finish."""
        self._stop_requested.set()

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Closing the app: stop an export that wrote nothing, wait for one that did."""
        if not self.running:
            return True
        self.request_stop()
        if not self.wait(timeout_ms):
            log.error("an export was still writing %d s after closing", timeout_ms // 1000)
            return False
        return True

    def _stop(self) -> None:
        """Never stop an export between files (a cancel stops a generator at any yield)."""
        self._worker = None


class CommitJob(LatestJob):
    """Commits one large change (backup + one transaction) on a worker thread."""

    def start(self, commit, returned, errored) -> None:
        """Run ``commit()``; ``returned`` or ``errored`` hears how it went."""
        self._launch(commit, returned=returned, errored=errored)


@dataclass(frozen=True)
class LearnOutcome:
    """What a run hands back to the GUI thread."""

    result: LearnResult
    features: PairFeatures
    source: str  # "decisions" or "examples"
    examples: tuple[int, int]  # kept and dropped example rows from files (0, 0 without)


def _learn(
    dataset: Dataset,
    project: Path,
    manual: np.ndarray,
    extra: np.ndarray | None,
    features: PairFeatures | None,
    files: tuple[Path, Path] | None,
) -> Generator[LearnProgress, None, LearnOutcome]:
    store = ProjectStore(project)
    try:
        embedder = None
        if features is None:
            reuse = reusable_vectors(load_result(store, dataset), DEFAULT_EMBEDDER)
            features, embedder = yield from dataset_features(dataset, DEFAULT_EMBEDDER, reuse)
        examples = labels = None
        counts = (0, 0)
        if files is not None:
            yield LearnProgress("learning: reading the kept and dropped files", 0, 1)
            kept, dropped = load(files[0]), load(files[1])
            check_examples(kept, dropped)
            counts = (len(kept), len(dropped))
            examples, _ = yield from examples_features(
                list(kept.prompts) + list(dropped.prompts),
                list(kept.responses) + list(dropped.responses),
                DEFAULT_EMBEDDER,
                embedder,
            )
            labels = np.r_[np.ones(len(kept), bool), np.zeros(len(dropped), bool)]
        result = yield from learn(
            features,
            manual,
            DEFAULT_EMBEDDER,
            None if files is not None else extra,
            examples,
            labels,
        )
        source = "examples" if files is not None else "decisions"
        yield LearnProgress("learning: saving to the project", 0, 1)
        storage.save(store, dataset, result.model, source, result.rows, result.scores)
        return LearnOutcome(result, features, source, counts)
    finally:
        store.close()


def _restore_learned(dataset: Dataset, project: Path):
    """The project's saved learned scorer and its cached keep-probabilities (None: none)."""
    yield
    with ProjectStore(project) as store:
        saved = storage.load_model(store)
        cached = storage.cached_predictions(store, dataset) if saved is not None else None
    return saved, cached


class LearnedRestoreJob(LatestJob):
    """Reads a re-opened project's learned scorer on a worker.

    Finding a million rows' cached keep-probabilities by fingerprint is a Python loop of
    seconds; on the GUI thread it froze the window while the file opened.
    """

    def start(self, dataset: Dataset, project: Path, returned: Callable, errored: Callable) -> None:
        """Read ``dataset``'s learned scorer from ``project``; ``returned((saved, cached))``."""
        self._launch(_restore_learned, dataset, project, returned=returned, errored=errored)


class LearnJob(LatestJob):
    """Runs one learning run at a time; the newest wins."""

    def start(
        self,
        dataset: Dataset,
        project: Path,
        manual: np.ndarray,
        extra: np.ndarray | None,
        features: PairFeatures | None,
        files: tuple[Path, Path] | None,
        progress: Callable,
        returned: Callable,
        errored: Callable,
    ) -> None:
        """Learn in the background from copies of ``manual`` and ``extra`` (never the live ones)."""
        self._launch(
            _learn,
            dataset,
            project,
            np.array(manual, copy=True),
            None if extra is None else np.array(extra, copy=True),
            features,
            files,
            yielded=progress,
            returned=returned,
            errored=errored,
        )
