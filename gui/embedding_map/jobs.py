"""Background work for the Map dock: restore the project's map, or make (and save) a new one.

Both run on a worker as a :class:`gui.jobs.LatestJob` (the newest request wins, a cancel
drops what a run still reports). Each opens its own project-store connection, and builds the
k-d tree that hover and click use there, off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Signal
from scipy.spatial import cKDTree

from core.dataset import Dataset
from core.dedup.storage import load_result
from core.embedding_map import MapConfig
from core.embedding_map.progress import MapProgress
from core.embedding_map.run import compute_map
from core.embedding_map.storage import load_map, save_map
from core.project import ProjectStore
from gui.jobs import LatestJob


def _restore(dataset: Dataset, project: Path) -> Generator[None, None, tuple | None]:
    yield
    with ProjectStore(project) as store:
        result = load_map(store, dataset)
    return None if result is None else (result, cKDTree(result.xy))


def _compute(
    dataset: Dataset, settings: MapConfig, project: Path
) -> Generator[MapProgress, None, tuple]:
    with ProjectStore(project) as store:
        duplicates = load_result(store, dataset)
    result = yield from compute_map(dataset, settings, "auto", duplicates)
    with ProjectStore(project) as store:
        save_map(store, result)
    return result, cKDTree(result.xy)


class MapJob(LatestJob):
    """Restores or computes a map; the newest request wins."""

    progressed = Signal(object)  # MapProgress
    done = Signal(object)  # (MapResult, cKDTree) or None (nothing saved)
    failed = Signal(object)

    def restore(self, dataset: Dataset, project: Path) -> None:
        """Read the project's newest map for this file."""
        self._launch(_restore, dataset, project, returned=self.done.emit, errored=self.failed.emit)

    def compute(self, dataset: Dataset, settings: MapConfig, project: Path) -> None:
        """Make a map with ``settings`` (and save it)."""
        self._launch(
            _compute,
            dataset,
            settings,
            project,
            yielded=self.progressed.emit,
            returned=self.done.emit,
            errored=self.failed.emit,
        )
