"""The shared mechanism of the app's background jobs: one generator worker, the newest wins.

A job runs a core generator (or a plain function) on superqt's thread pool. Starting again or
cancelling bumps a generation number, and every report carries the generation it was started
with, so results of a superseded or cancelled run are dropped instead of overwriting newer ones.

Every failure is reported, as the exception itself: to the caller's ``errored`` slot when it
gave one, otherwise on :attr:`LatestJob.error` (the main window hands it to
:func:`gui.error_hook.report_failure`, which shows and logs it; a job nobody listens to logs
it itself, so no failure is lost). A job knows on its own when its worker has ended, whatever
the callbacks given, and :meth:`LatestJob.wait` waits for *this* job's worker only (superqt's
``await_workers`` quits and waits for every worker in the process).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Generator
from functools import partial

from PySide6.QtCore import SIGNAL, QObject, Qt, Signal
from superqt.utils import WorkerBase, create_worker

log = logging.getLogger(__name__)


class LatestJob(QObject):
    """Base class: runs one generator at a time and forwards only the newest run's reports."""

    #: A failure no ``errored`` slot handled: the exception (:attr:`what_failed` says whose).
    error = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: WorkerBase | None = None
        self._ended = threading.Event()
        self._ended.set()
        self._generation = 0

    @property
    def what_failed(self) -> str:
        """How the curator is told which job failed: "The filter job failed"."""
        return f"{_describe(type(self).__name__)} failed"

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
        if inspect.isgeneratorfunction(function):
            function = partial(_carry_runtime_errors, function)
        worker = create_worker(function, *args, _start_thread=False, _ignore_errors=True)
        ended = threading.Event()
        # Direct, on the worker's thread as it ends, so wait() needs no GUI event loop. A
        # cancelled generator is closed first, so its cleanup (a child process terminated, a
        # file closed) is done by the time the job reads as ended.
        # Only the generator is held (superqt's GeneratorWorker makes it at once), never the
        # worker itself: the pool deletes a finished worker, and nothing may keep it alive.
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
        worker.errored.connect(
            partial(self._forward, generation, partial(_uncarry, errored or self._report), True)
        )
        worker.finished.connect(partial(self._forward, generation, finished or _nothing, True))
        self._worker, self._ended = worker, ended
        worker.start()

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
        if self.receivers(SIGNAL("error(PyObject)")):
            self.error.emit(exc)  # the receiver shows and logs it (gui.error_hook)
        else:  # nobody to show it to (a job outside the window): at least the log has it
            name = type(self).__name__
            log.error("%s failed", name, exc_info=(type(exc), exc, exc.__traceback__))


class _Carried(Exception):
    """A generator's ``RuntimeError`` on its way past superqt (:func:`_carry_runtime_errors`)."""


def _carry_runtime_errors(function: Callable, *args) -> Generator:
    """Run the generator ``function(*args)``, wrapping a ``RuntimeError`` it raises.

    superqt's generator worker takes any ``RuntimeError`` for a deleted Qt object and turns it
    into a warning without reporting an error or its end, so a torch failure (torch raises
    ``RuntimeError``) left the job silent and "running" for ever. Wrapped, it is reported like
    any failure and :func:`_uncarry` hands the caller the original exception.
    """
    try:
        return (yield from function(*args))
    except RuntimeError as exc:
        raise _Carried(exc) from exc


def _uncarry(slot: Callable, exc: BaseException) -> None:
    slot(exc.args[0] if isinstance(exc, _Carried) else exc)


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
