"""The shared mechanism of the app's background jobs: one generator worker, the newest wins.

A job runs a core generator (or a plain function) on superqt's thread pool. Starting again or
cancelling bumps a generation number, and every report carries the generation it was started
with, so results of a superseded or cancelled run are dropped instead of overwriting newer ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject
from superqt.utils import GeneratorWorker, create_worker


class LatestJob(QObject):
    """Base class: runs one generator at a time and forwards only the newest run's reports."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: GeneratorWorker | None = None
        self._generation = 0

    @property
    def running(self) -> bool:
        """Whether a run is in progress."""
        return self._worker is not None

    def _launch(self, function: Callable, *args, yielded: Callable | None = None,
                returned: Callable | None = None, errored: Callable | None = None,
                finished: Callable | None = None) -> None:
        """Cancel any run, then run ``function(*args)`` reporting to the given callbacks.

        ``returned``, ``errored`` and ``finished`` also mark the job idle before they are
        called. Errors are reported through ``errored`` only (never re-raised by superqt).
        """
        self._stop()
        self._generation += 1
        generation = self._generation
        worker = create_worker(function, *args, _start_thread=False, _ignore_errors=True)
        for name, slot, ends in (("yielded", yielded, False), ("returned", returned, True),
                                 ("errored", errored, True), ("finished", finished, True)):
            if slot is not None:     # a plain function's worker has no ``yielded`` signal
                getattr(worker, name).connect(partial(self._forward, generation, slot, ends))
        self._worker = worker
        worker.start()

    def cancel(self) -> None:
        """Stop the run at its next report and ignore anything it still sends."""
        self._stop()
        self._generation += 1

    def _stop(self) -> None:
        if self._worker is not None:
            self._worker.quit()
            self._worker = None

    def _forward(self, generation: int, slot: Callable, ends: bool, *args) -> None:
        if generation != self._generation:
            return
        if ends:
            self._worker = None
        slot(*args)
