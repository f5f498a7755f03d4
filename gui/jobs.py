"""The shared mechanism of the app's background jobs: one generator worker, the newest wins.

A job runs a core generator (or a plain function) on superqt's thread pool. Starting again or
cancelling bumps a generation number, and every report carries the generation it was started
with, so results of a superseded or cancelled run are dropped instead of overwriting newer ones.

Every failure is reported: to the caller's ``errored`` slot when it gave one, otherwise on
:attr:`LatestJob.error` (the main window shows it in the status bar and an error dialog, and
logs it). A job knows on its own when its worker has ended, whatever the callbacks given, and
:meth:`LatestJob.wait` waits for *this* job's worker only (superqt's ``await_workers`` quits
and waits for every worker in the process).

Workers are run as plain callables on Qt's global thread pool, never handed to
``QThreadPool.start`` as runnables (superqt's ``worker.start()``): PySide keeps a reference to
a runnable it is given and never drops it, so every run leaked its worker, the worker's signals
``QObject`` and everything its generator held. A worker is dropped on the GUI thread, once the
pool thread has let go of it and its last signal has been delivered, so its ``QObject`` is
never destroyed on the pool thread or while a signal from it is still queued.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal
from superqt.utils import WorkerBase, create_worker

log = logging.getLogger(__name__)


class LatestJob(QObject):
    """Base class: runs one generator at a time and forwards only the newest run's reports."""

    #: A failure no ``errored`` slot handled: "what failed: why", one line.
    error = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: WorkerBase | None = None
        self._ended = threading.Event()
        self._ended.set()
        self._generation = 0

    @property
    def running(self) -> bool:
        """Whether the newest run has not reported its end yet."""
        return self._worker is not None

    def _launch(
        self,
        function: Callable,
        *args,
        yielded: Callable | None = None,
        returned: Callable | None = None,
        errored: Callable | None = None,
        finished: Callable | None = None,
    ) -> None:
        """Cancel any run, then run ``function(*args)`` reporting to the given callbacks.

        The job is idle again once the run returns, fails or is cancelled, before ``returned``,
        ``errored`` or ``finished`` is called. A failure goes to ``errored`` if given, else to
        :attr:`error`; superqt never re-raises it.
        """
        self._stop()
        self._generation += 1
        generation = self._generation
        worker = create_worker(function, *args, _start_thread=False, _ignore_errors=True)
        ended = threading.Event()
        # Direct, on the worker's thread as it ends, so wait() needs no GUI event loop. A
        # cancelled generator is closed first, so its cleanup (a child process terminated, a
        # file closed) is done by the time the job reads as ended.
        # Only the generator is held here (superqt's GeneratorWorker makes it at once): a
        # connection that held the worker would keep it alive for as long as the worker.
        generator = getattr(worker, "_gen", None)
        if generator is not None:
            worker.finished.connect(
                partial(_close_generator, generator), Qt.ConnectionType.DirectConnection
            )
        worker.finished.connect(ended.set, Qt.ConnectionType.DirectConnection)
        if yielded is not None:  # a plain function's worker has no ``yielded`` signal
            worker.yielded.connect(partial(self._forward, generation, yielded, False))
        if returned is not None:
            worker.returned.connect(partial(self._forward, generation, returned, True))
        worker.errored.connect(partial(self._forward, generation, errored or self._report, True))
        worker.finished.connect(partial(self._forward, generation, finished or _nothing, True))
        run = _Run(worker)
        # Queued to the GUI thread, after the callbacks above: the last event the worker sends.
        queued = Qt.ConnectionType.QueuedConnection
        worker.finished.connect(run.delivered.set, queued)
        worker.finished.connect(_bury, queued)
        self._worker, self._ended = worker, ended
        _RETIRED.append(run)
        QThreadPool.globalInstance().start(run)

    def cancel(self) -> None:
        """Stop the run at its next report and ignore anything it still sends."""
        self._stop()
        self._generation += 1

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Block until this job's last worker has ended; False if it is still running.

        Cancel first to have a generator stop at its next report.
        """
        return self._ended.wait(timeout_ms / 1000)

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

    def _report(self, exc: BaseException) -> None:
        name = type(self).__name__
        log.error("%s failed", name, exc_info=(type(exc), exc, exc.__traceback__))
        self.error.emit(f"{_describe(name)} failed: {type(exc).__name__}: {exc}")


class _Run:
    """What the pool thread runs: the worker, which it lets go of before saying it is done."""

    def __init__(self, worker: WorkerBase) -> None:
        self.worker: WorkerBase | None = worker
        self.keep: WorkerBase | None = worker  # the GUI thread's reference, dropped by _bury
        self.released = threading.Event()  # the pool thread holds no reference any more
        self.delivered = threading.Event()  # the worker's last signal reached the GUI thread

    def __call__(self) -> None:
        worker, self.worker = self.worker, None
        try:
            if worker is not None:
                worker.run()
        finally:
            del worker
            self.released.set()


#: Runs whose worker the GUI thread still holds (see the module docstring).
_RETIRED: list[_Run] = []


def _bury(*_args) -> None:
    """On the GUI thread: drop the workers that neither the pool nor a queued signal needs."""
    keep = []
    for run in _RETIRED:
        if run.released.is_set() and run.delivered.is_set():
            run.keep = None  # the last reference: the worker is freed here, on this thread
        else:
            keep.append(run)
    _RETIRED[:] = keep
    if any(run.delivered.is_set() for run in keep):  # the pool thread is just letting go
        QTimer.singleShot(10, _bury)


def _close_generator(generator) -> None:
    """Run a stopped generator's ``finally`` now, not whenever the worker is collected."""
    try:
        generator.close()
    except Exception:  # a cleanup that fails is logged; the job still ends
        log.exception("closing a cancelled job's generator failed")


def _nothing(*_args) -> None:
    """The ``finished`` callback when the caller gave none: ending marks the job idle."""


def _describe(class_name: str) -> str:
    """``FilterJob`` -> ``the filter job`` for a message a curator reads."""
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in class_name.strip("_"))
    return f"The {words.strip()}"
