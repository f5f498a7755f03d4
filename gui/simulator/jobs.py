"""Background work for the simulator: placing the open dataset on its axes."""

from __future__ import annotations

from PySide6.QtCore import Signal

from core.simulator.your_data import BASELINE_SEED, place_your_data
from gui.jobs import LatestJob


class PlaceJob(LatestJob):
    """Places the dataset on the simulator's axes on a worker."""

    done = Signal(object)  # YourData
    failed = Signal(object)  # the exception

    def start(self, scores, kept, cluster, noisy, scorer=None) -> None:
        """Place raw, curated and random sets; an earlier request is abandoned."""
        self._launch(
            place_your_data,
            scores,
            kept,
            cluster,
            BASELINE_SEED,
            noisy,
            scorer,
            returned=self.done.emit,
            errored=self.failed.emit,
        )
