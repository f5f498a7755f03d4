"""Duplicates in the app: a background run, table columns, the cluster view, calibration."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.dedup.keep import DUPLICATE, KEPT
from core.project import ProjectStore
from core.review import DROP, KEEP
from gui.dedup.calibration_dialog import CalibrationDialog
from gui.main_window import MainWindow
from gui.table.model import COLUMN_INDEX
from tests.dedup.conftest import build_injected
from tests.gui.conftest import open_window


@pytest.fixture
def injected(tmp_path):
    return build_injected(tmp_path)


def _find(qtbot, window) -> None:
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=30_000):
        window.dedup.panel.run_button.click()


def _cell(window, view_row: int, key: str):
    return window.model.data(window.model.index(view_row, COLUMN_INDEX[key]))


def test_a_run_fills_the_columns_and_the_rule_drops_the_copies(qtbot, injected):
    window = open_window(qtbot, injected.path)
    _find(qtbot, window)
    copies = {copy for _, copy in injected.exact + injected.near}
    session = window.review.controller.session
    table = window.dedup.table
    assert set(np.flatnonzero(session.duplicate).tolist()) == {
        int(r) for r in np.flatnonzero(table.dropped)
    }
    assert len(np.flatnonzero(table.role == DUPLICATE)) == len(copies)
    # Each dropped copy is the lower-scored member of an injected pair.
    for pair in injected.exact + injected.near:
        kept = [r for r in pair if table.role[r] == KEPT]
        assert len(kept) == 1
    assert np.all(session.final[table.dropped] == DROP)
    assert "65 clusters · 65 duplicates (25 exact, 40 near)" in window.dedup.panel.summary.text()

    # Sorting by cluster puts the copies of a cluster next to each other.
    window.table.sortByColumn(COLUMN_INDEX["cluster"], Qt.SortOrder.AscendingOrder)
    first, second = window.model.source_row(0), window.model.source_row(1)
    assert table.cluster[first] == table.cluster[second]
    assert {_cell(window, 0, "dup_role"), _cell(window, 1, "dup_role")} == {
        "kept copy",
        "duplicate",
    }
    assert _cell(window, 0, "cluster_size") == "2"


def test_choosing_the_kept_copy_is_saved_and_survives_reopening(qtbot, injected, isolated_projects):
    window = open_window(qtbot, injected.path)
    _find(qtbot, window)
    original, copy = injected.near[0]
    table = window.dedup.table
    dropped = copy if table.role[copy] == DUPLICATE else original
    window.table.selectRow(window.model.view_row(dropped))
    window.cluster_action.trigger()
    dialog = window.dedup.cluster_dialog
    assert dialog.isVisible() and len(dialog.views) == 2
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    view = next(v for v in dialog.views if v.row == dropped)
    view.text.setFocus()  # the curator clicks into the copy
    qtbot.waitUntil(lambda: dialog.selected == dropped, timeout=5_000)
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=10_000):
        qtbot.keyClick(dialog, Qt.Key.Key_K)
    session = window.review.controller.session
    assert window.dedup.table.role[dropped] == KEPT
    assert session.final[dropped] == KEEP
    other = original if dropped == copy else copy
    assert session.final[other] == DROP
    with ProjectStore(isolated_projects / (injected.path.name + ".thresher")) as store:
        assert len(store.kept_copies()) == 1
    window.close()

    reopened = MainWindow()
    qtbot.addWidget(reopened)
    with qtbot.waitSignal(reopened.dedup.duplicates_changed, timeout=30_000):
        reopened.open_path(injected.path)
    assert reopened.dedup.table.role[dropped] == KEPT
    assert reopened.review.controller.session.final[other] == DROP


def test_calibration_applies_a_stricter_threshold(qtbot, injected, isolated_projects):
    window = open_window(qtbot, injected.path)
    _find(qtbot, window)
    before = window.dedup.table.summary()["dropped"]
    window.dedup.calibrate()
    dialog = window.dedup.findChild(CalibrationDialog)
    qtbot.waitUntil(lambda: dialog.curve_table.rowCount() == 15, timeout=10_000)
    dialog.threshold_spin.setValue(0.95)
    assert dialog.pairs.count() > 0
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=10_000):
        dialog._apply()
    after = window.dedup.table.summary()
    assert after["dropped"] < before and after["settings"]["near"] == pytest.approx(0.95)
    assert window.dedup.panel.near_spin.value() == pytest.approx(0.95)
    with ProjectStore(isolated_projects / (injected.path.name + ".thresher")) as store:
        assert store.duplicate_run()[1]["near"] == pytest.approx(0.95)


def test_cancelling_keeps_the_previous_results(qtbot, injected):
    window = open_window(qtbot, injected.path)
    _find(qtbot, window)
    previous = window.dedup.table
    window.dedup.panel.near_spin.setValue(0.6)
    window.dedup.panel.run_button.click()
    window.dedup.panel.cancel_button.click()
    assert not window.dedup.panel.cancel_button.isVisible()
    assert "cancelled" in window.status_text.text()
    assert window.dedup.table is previous


def test_the_cluster_view_shows_markup_as_plain_text(qtbot, tmp_path):
    path = tmp_path / "markup.jsonl"
    line = '{"prompt": "<b>bold</b> <img src=x>", "response": "<i>same</i> answer here"}\n'
    path.write_text(line + line.replace("same", "SAME"))
    window = open_window(qtbot, path)
    _find(qtbot, window)
    window.table.selectRow(0)
    window.cluster_action.trigger()
    texts = [view.text.toPlainText() for view in window.dedup.cluster_dialog.views]
    assert all("<b>bold</b> <img src=x>" in text for text in texts)
