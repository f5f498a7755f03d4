"""Background jobs report every failure, know when they are idle and wait only for themselves."""

from __future__ import annotations

import threading

import pytest

from gui.jobs import LatestJob


class _Job(LatestJob):
    def start(self, function, *args, **callbacks):
        self._launch(function, *args, **callbacks)


def _fails(_text):
    yield 0.5
    raise ValueError("bad pattern")


def _blocks(gate: threading.Event):
    yield 0.0
    gate.wait(30)
    yield 1.0


def test_a_failure_without_an_errored_slot_is_reported_and_the_job_goes_idle(qtbot, caplog):
    # Issue 17 item 9: errors were dropped unless a caller passed errored=, and the job stayed
    # "running" forever.
    job = _Job()
    progress = []
    with qtbot.waitSignal(job.error, timeout=10_000) as report:
        job.start(_fails, "x", yielded=progress.append)
    assert isinstance(report.args[0], ValueError) and str(report.args[0]) == "bad pattern"
    assert job.what_failed == "The job failed"
    assert not job.running
    assert job.wait(1000)


def test_a_failure_nobody_listens_for_is_logged_with_its_traceback(qtbot, caplog):
    job = _Job()
    job.start(_fails, "x")
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert "_Job failed" in caplog.text and "bad pattern" in caplog.text
    assert "Traceback" in caplog.text


def test_a_job_given_an_errored_slot_reports_there_and_not_twice(qtbot):
    job = _Job()
    seen, reported = [], []
    job.error.connect(reported.append)
    with qtbot.waitSignal(job.error, timeout=3_000, raising=False):
        job.start(_fails, "x", errored=seen.append)
    assert [type(e) for e in seen] == [ValueError] and reported == [] and not job.running


def test_a_job_waits_for_its_own_worker_and_leaves_other_jobs_running(qtbot):
    slow, quick = _Job(), _Job()
    gate = threading.Event()
    slow.start(_blocks, gate, yielded=lambda _v: None)
    with qtbot.waitSignal(quick.error, timeout=10_000):
        quick.start(_fails, "x")
    assert quick.wait(1000)
    assert slow.running and not slow.wait(200)  # untouched: not quit, still working
    gate.set()
    assert slow.wait(10_000)
    qtbot.waitUntil(lambda: not slow.running, timeout=10_000)


@pytest.mark.parametrize(
    "name, words", [("FilterJob", "The filter job"), ("HeuristicsJob", "The heuristics job")]
)
def test_failure_messages_name_the_job_in_words(name, words):
    from gui.jobs import _describe

    assert _describe(name) == words


def test_a_cancelled_generator_has_cleaned_up_when_wait_returns(qtbot):
    # A map's PaCMAP child process is terminated in its generator's ``finally``: that must
    # run as the worker stops, not whenever the worker object happens to be collected.
    job = _Job()
    cleaned = threading.Event()
    running = threading.Event()

    def endless():
        try:
            while True:
                running.set()
                yield 0.0
                threading.Event().wait(0.01)
        finally:
            cleaned.set()

    job.start(endless, yielded=lambda _value: None)
    assert running.wait(10)
    job.cancel()
    assert job.wait(10_000)
    assert cleaned.is_set()


def _runtime_error():
    yield 0.5
    raise RuntimeError("CUDA error: out of memory")


def test_a_runtime_error_is_reported_as_itself_and_the_job_ends(qtbot):
    # superqt's generator worker takes a RuntimeError for a deleted Qt object: it warned and
    # neither reported the failure nor ended, so a torch failure left the job running for ever.
    job = _Job()
    seen, ended = [], []
    with qtbot.waitSignal(job.error, timeout=3_000, raising=False):
        job.start(_runtime_error, errored=seen.append, finished=lambda: ended.append(True))
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert [(type(e), str(e)) for e in seen] == [(RuntimeError, "CUDA error: out of memory")]
    assert not job.running and job.wait(1000)
