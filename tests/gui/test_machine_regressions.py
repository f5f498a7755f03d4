"""Defects the curator state machine found, each pinned by the smallest test that shows it."""

from __future__ import annotations

import shutil
import threading
import weakref

import pytest
from PySide6.QtCore import Qt

from core.review import KEEP, RowFilter
from gui.jobs import LatestJob
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


@pytest.fixture
def dataset_path(tmp_path):
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


def test_k_on_a_row_already_kept_moves_on(qtbot, dataset_path):
    """Walking with K through rows already kept (by a bulk action) must not get stuck."""
    window = open_window(qtbot, dataset_path)
    window.review.advance_action.setChecked(True)
    session = window.review.controller.session
    window.table.selectRow(4)
    row = window.current_source_row()
    session.decide([row], KEEP)
    qtbot.keyClick(window.table, Qt.Key.Key_K)
    assert session.manual[row] == KEEP
    assert window.table.currentIndex().row() == 5


def test_opening_another_file_while_a_filtered_queue_is_walked(qtbot, dataset_path, tmp_path):
    """Leaving the queue as another file opens must not apply the old file's filter to it.

    The soak opened a 296-row file while walking the queue under a filter made on a 180-row
    file: the old mask reached the new table and sorting raised IndexError.
    """
    window = open_window(qtbot, dataset_path)
    review = window.review
    with qtbot.waitSignal(review.filter_applied, timeout=30_000):
        window.filter_bar.set_filter(RowFilter(search="the"), emit=True)
    assert window.model.rowCount() < 296
    review.actions_by_name["queue"].setChecked(True)
    longer = tmp_path / "longer.jsonl"
    longer.write_bytes(dataset_path.read_bytes() + dataset_path.read_bytes())
    with qtbot.waitSignal(window.dataset_loaded, timeout=30_000):
        window.open_path(longer)
    qtbot.waitUntil(lambda: not review.filter_job.running, timeout=30_000)
    assert not review.actions_by_name["queue"].isChecked()
    assert window.model.rowCount() == len(review.controller.session.final) > 294


class _Argument:
    """Stands for what a job is given (a session, a dataset's arrays)."""


def _count_to(argument, n):
    yield 0
    return n


class _CountJob(LatestJob):
    def start(self, argument, n, done) -> None:
        self._launch(_count_to, argument, n, returned=done)


def test_a_finished_job_lets_go_of_what_it_was_given_on_the_gui_thread(qtbot):
    """Every run of a job used to keep its worker for good, and whatever it was given.

    superqt's ``worker.start()`` hands the worker to ``QThreadPool.start``, and PySide keeps a
    reference to a runnable it is given: a long session kept every worker, its signals
    ``QObject`` with its connections, and the sessions and arrays its generator was given. What
    a run held must also be let go on the GUI thread, never on the pool thread.
    """
    gui_thread = threading.get_ident()
    freed: list[int] = []
    results: list[int] = []
    job = _CountJob()
    runs = 40
    for n in range(runs):
        argument = _Argument()
        weakref.finalize(argument, lambda: freed.append(threading.get_ident()))
        job.start(argument, n, results.append)
        del argument
        qtbot.waitUntil(lambda n=n: len(results) == n + 1, timeout=10_000)
    qtbot.waitUntil(lambda: len(freed) == runs, timeout=10_000)
    assert results == list(range(runs))
    assert set(freed) == {gui_thread}
