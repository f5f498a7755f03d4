"""Calibration tells the truth: it opens at the threshold in use, and its diff is the cluster's."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QTextCursor

from core.dedup.config import DedupConfig
from core.dedup.edges import SEMANTIC, Edges
from core.dedup.embedder_choice import VERIFIED
from core.dedup.result import DuplicateResult
from core.loading import load
from gui.dedup.calibration_dialog import CalibrationDialog
from gui.widgets.diff_text import CHANGED, DiffText
from tests.dedup.conftest import build_injected
from tests.gui.conftest import open_window


@pytest.fixture
def injected(tmp_path):
    return build_injected(tmp_path)


def highlighted(view: DiffText) -> str:
    """The characters of ``view`` shown with the difference highlight."""
    document = view.document()
    cursor = QTextCursor(document)
    out = []
    for position in range(document.characterCount() - 1):
        cursor.setPosition(position + 1)
        if cursor.charFormat().background().color() == CHANGED:
            out.append(document.characterAt(position))
    return "".join(out)


def _open(qtbot, window) -> CalibrationDialog:
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=30_000):
        window.dedup.panel.run_button.click()
    window.dedup.calibrate()
    dialog = window.dedup.findChild(CalibrationDialog)
    qtbot.waitUntil(lambda: dialog.curve_table.rowCount() == 15, timeout=20_000)
    return dialog


def test_calibration_opens_at_the_threshold_in_use_and_apply_changes_nothing(qtbot, injected):
    window = open_window(qtbot, injected.path)
    dialog = _open(qtbot, window)
    before = window.dedup.table.summary()["dropped"]
    assert dialog.threshold_spin.value() == pytest.approx(0.8)  # not the 0.65 floor
    assert dialog.line.value() == pytest.approx(0.8)
    assert not dialog.floor_note.isVisible()  # near pairs are recorded below the threshold
    # The curve's row at the threshold in use says what the table drops.
    rows = {
        dialog.curve_table.item(r, 0).text(): dialog.curve_table.item(r, 2).text()
        for r in range(dialog.curve_table.rowCount())
    }
    assert rows["0.800"] == f"{before:,}"
    qtbot.waitUntil(lambda: f"drops {before:,} rows" in dialog.effect.text(), timeout=10_000)
    with qtbot.waitSignal(window.dedup.duplicates_changed, timeout=10_000):
        dialog._apply()
    assert window.dedup.table.summary()["dropped"] == before


def test_identical_text_is_never_marked_as_different(qtbot):
    view = DiffText()
    qtbot.addWidget(view)
    view.show_text("Changed words here at the start", "Other text entirely")
    assert highlighted(view)  # a real difference shows
    view.show_text("the same text in both copies", "the same text in both copies")
    assert highlighted(view) == ""
    view.show_text("only the last word differs now", "only the last word differs here")
    assert highlighted(view) == "now"


def test_calibration_pairs_highlight_only_what_differs(qtbot, injected):
    window = open_window(qtbot, injected.path)
    dialog = _open(qtbot, window)
    qtbot.waitUntil(lambda: dialog.pairs.count() > 0, timeout=10_000)
    for index in range(dialog.pairs.count()):
        dialog.pairs.setCurrentRow(index)
        assert highlighted(dialog.left_text) == ""  # the kept copy: no base
        right = dialog.right_text.toPlainText()
        marked = highlighted(dialog.right_text)
        assert len(marked) < len(right) / 2  # a near copy: few words differ


def test_a_verified_semantic_run_says_why_it_offers_no_lower_threshold(qtbot, injected):
    # The threshold box stopped at 0.900 and the "closest pairs under it" pane stayed empty
    # without a word of why (an independent tester's report).
    dataset = load(injected.path)
    settings = DedupConfig(exact=False, near=None, semantic=0.9, embedder=VERIFIED)
    edges = Edges(SEMANTIC, np.array([0]), np.array([1]), np.array([0.95], np.float32))
    result = DuplicateResult(
        settings, len(dataset), dataset.source_sha256, {SEMANTIC: edges}, {SEMANTIC: 0.9}
    )
    dialog = CalibrationDialog(dataset, result, settings)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.threshold_spin.minimum() == pytest.approx(0.9)
    assert dialog.floor_note.isVisible()
    assert "find duplicates again with a lower semantic threshold" in dialog.floor_note.text()
