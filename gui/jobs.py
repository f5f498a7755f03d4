"""The shared mechanism of the app's background jobs: one generator worker, the newest wins.

A job runs a core generator (or a plain function) on Qt's global thread pool. Starting again or
cancelling bumps a generation number, and every report carries the generation it was started
with, so results of a superseded or cancelled run are dropped instead of overwriting newer ones.

Every failure is reported, as the exception itself: to the caller's ``errored`` slot when it
gave one, otherwise on :attr:`LatestJob.error` (the main window hands it to
:func:`gui.error_hook.report_failure`, which shows and logs it; a job nobody listens to logs
it itself, so no failure is lost). A job knows on its own when its worker has ended, whatever
the callbacks given, and :meth:`LatestJob.wait` waits for *this* job's worker only.

How a run reaches the GUI thread, and why so (the curator state machine's soak crashed the
process in the earlier design, which made a superqt worker per run):

- A run is a plain callable on the pool (:class:`_Run`), never a ``QRunnable`` handed to
  ``QThreadPool.start``: PySide keeps a reference to such a runnable for good, so every run
  leaked its worker, a ``QObject`` and everything its generator was given.
- Each job has one relay ``QObject`` for its whole life, connected once to a real slot of the
  job; a run only emits on it. No ``QObject`` is made, connected or destroyed per run, and no
  Python callable runs on the pool thread from inside a signal (the soak's segmentation faults
  struck while a pool thread emitted a worker's ``finished`` to such callables while the GUI
  thread connected or started the next run).
- What a run holds (its relay, function and arguments) is let go on the GUI thread once the
  pool thread is done with it (:func:`_bury`), so nothing of the GUI thread's is freed on a
  pool thread.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import SIGNAL, QObject, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)

#: What a run reports on its relay, in this order: any number of YIELDED, then one of RETURNED
#: or ERRORED (neither when it was stopped), then FINISHED.
YIELDED, RETURNED, ERRORED, FINISHED = range(4)


class _Relay(QObject):
    """Carries one job's reports from pool threads to the GUI thread.

    One per job, without a parent: a run still emitting keeps it alive after its job is gone.
    """

    report = Signal(int, int, object)  # generation, what (YIELDED ...), value


class LatestJob(QObject):
    """Base class: runs one generator at a time and forwards only the newest run's reports."""

    #: A failure no ``errored`` slot handled: the exception (:attr:`what_failed` says whose).
    error = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: _Run | None = None  # the newest run, until it reports its end
        self._ended = threading.Event()
        self._ended.set()
        self._generation = 0
        self._callbacks: tuple[Callable | None, ...] = (None, None, None, None)
        self._relay = _Relay()
        self._relay.report.connect(self._on_report)  # queued: the relay emits on pool threads

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

        A generator function's generator is driven on the pool thread, stopping at its next
        yield once cancelled (and then closed, so its ``finally`` runs before the job reads as
        ended). The job is idle again once the run returns, fails or is cancelled, before
        ``returned``, ``errored`` or ``finished`` is called. A failure goes to ``errored`` if
        given, else to :attr:`error`.
        """
        self._stop()
        self._generation += 1
        self._callbacks = (yielded, returned, errored or self._report, finished or _nothing)
        run = _Run(function, args, self._generation, self._relay)
        self._worker, self._ended = run, run.ended
        _bury()
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
            self._worker.stop.set()
            self._worker = None

    @Slot(int, int, object)
    def _on_report(self, generation: int, what: int, value: object) -> None:
        if what == FINISHED:
            _bury()
        if generation != self._generation:
            return
        if what != YIELDED:
            self._worker = None
        slot = self._callbacks[what]
        if slot is None:
            return
        if what == FINISHED:
            slot()
        else:
            slot(value)

    def _report(self, exc: BaseException) -> None:
        if self.receivers(SIGNAL("error(PyObject)")):
            self.error.emit(exc)  # the receiver shows and logs it (gui.error_hook)
        else:  # nobody to show it to (a job outside the window): at least the log has it
            name = type(self).__name__
            log.error("%s failed", name, exc_info=(type(exc), exc, exc.__traceback__))


class _Run:
    """One run, as the pool thread runs it: reports go out on the job's relay."""

    def __init__(self, function: Callable, args: tuple, generation: int, relay: _Relay) -> None:
        self.function: Callable | None = function
        self.args: tuple | None = args
        self.generation = generation
        self.relay: _Relay | None = relay
        self.stop = threading.Event()  # cancelled: stop at the next yield
        self.ended = threading.Event()  # the run is over and its generator closed
        self.released = threading.Event()  # the pool thread holds nothing of it any more

    def __call__(self) -> None:
        relay, generation = self.relay, self.generation
        assert relay is not None and self.function is not None and self.args is not None
        report = relay.report.emit
        try:
            try:
                if inspect.isgeneratorfunction(self.function):
                    result = self._drive(self.function(*self.args), report)
                else:
                    result = self.function(*self.args)
            except Exception as exc:  # every failure is reported, never raised on a thread
                report(generation, ERRORED, exc)
            else:
                if not self.stop.is_set():
                    report(generation, RETURNED, result)
            finally:
                self.ended.set()
            report(generation, FINISHED, None)
        finally:
            del relay, report
            self.released.set()

    def _drive(self, generator, report) -> object:
        """Run ``generator`` to its end or to a cancel; it is closed either way."""
        try:
            while not self.stop.is_set():
                try:
                    value = next(generator)
                except StopIteration as stop:
                    return stop.value
                report(self.generation, YIELDED, value)
            return None
        finally:
            _close_generator(generator)


#: Runs whose relay, function and arguments the GUI thread still holds for them.
_RETIRED: list[_Run] = []


def _bury() -> None:
    """On the GUI thread: let go of what finished runs held, once their pool thread has."""
    keep = []
    for run in _RETIRED:
        if run.released.is_set():
            run.relay = run.function = run.args = None  # freed here, on this thread
        else:
            keep.append(run)
    _RETIRED[:] = keep
    if any(run.ended.is_set() for run in keep):  # the pool thread is just letting go
        QTimer.singleShot(20, _bury)


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
