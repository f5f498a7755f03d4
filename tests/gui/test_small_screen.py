"""The window on a small screen (1280 x 720): all reachable, docks closable, nothing jumps."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from gui.main_window import MainWindow
from gui.scoring.panel import HEURISTIC_LABEL
from gui.table.filter_bar import FilterBar
from tests.conftest import ROOT, SAMPLE

SMALL = (1280, 720)


@pytest.fixture
def window(window, qtbot):
    """The shared window, at a small laptop's size."""
    w = window
    w.resize(*SMALL)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(50)  # the first-run dock sizes are applied after the first show
    return w


def _inside_window(window: MainWindow, widget: QWidget) -> bool:
    """Whether ``widget`` is shown and lies wholly inside the window."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    return widget.isVisible() and window.rect().contains(QRect(top_left, widget.size()))


def test_the_window_fits_1280_by_720(window):
    assert window.size().toTuple() == SMALL
    hint = window.minimumSizeHint()
    assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1]


def test_at_1280_by_720_the_controls_a_curator_needs_are_on_screen(qtbot, window):
    with qtbot.waitSignal(window.dataset_loaded, timeout=20_000):
        window.open_path(SAMPLE)
    for widget in (
        window.statusBar(),
        window.filter_bar.search,
        window.filter_bar.clear_button,
        window.table,
        window.detail,
    ):
        assert _inside_window(window, widget), widget
    for dock in (window.scoring, window.review, window.plots):
        assert _inside_window(window, dock), dock.objectName()
    # The Score button may sit below the dock's fold, but its dock scrolls to it.
    scroller = window.scoring.widget()
    scroller.ensureWidgetVisible(window.scoring.panel.score_button)
    assert _inside_window(window, window.scoring.panel.score_button)


def test_docks_close_and_come_back_from_the_view_menu(qtbot, window):
    view_titles = [action.text() for action in window.view_menu.actions()]
    assert view_titles == [
        "Review",
        "Scoring",
        "Duplicates",
        "Overlap",
        "Plots",
        "Simulator",
        "Map",
        "Agreement",
    ]
    for dock in window.docks:
        assert dock.features() & dock.DockWidgetFeature.DockWidgetClosable
    window.plots.close()
    qtbot.waitUntil(lambda: not window.plots.isVisible())
    action = window.plots.toggleViewAction()
    assert not action.isChecked()
    action.trigger()
    qtbot.waitUntil(window.plots.isVisible)


def test_the_filter_bar_wraps_instead_of_widening_the_window(qtbot):
    bar = FilterBar()
    qtbot.addWidget(bar)
    one_line = bar.layout().heightForWidth(4000)
    narrow = 500
    assert bar.layout().heightForWidth(narrow) > one_line
    bar.resize(narrow, bar.layout().heightForWidth(narrow))
    bar.show()
    qtbot.waitExposed(bar)
    for child in (bar.search, bar.flags, bar.clear_button, bar.error):
        assert bar.rect().contains(QRect(child.mapTo(bar, QPoint(0, 0)), child.size())), child


def test_invalid_regex_note_does_not_move_the_controls(qtbot):
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.resize(1000, 60)
    bar.show()
    qtbot.waitExposed(bar)
    before = [w.geometry() for w in (bar.search, bar.regex, bar.flags, bar.clear_button)]
    bar.regex.setChecked(True)
    with qtbot.waitSignal(bar.invalid, timeout=5_000):
        bar.search.setText("(unclosed")
    assert bar.error.text() == "Invalid regex"
    qtbot.wait(20)
    after = [w.geometry() for w in (bar.search, bar.regex, bar.flags, bar.clear_button)]
    assert after == before


def test_the_scoring_model_combo_shows_its_whole_name(window):
    combo = window.scoring.panel.model_combo
    assert combo.currentText() == HEURISTIC_LABEL
    assert combo.lineEdit().width() >= combo.fontMetrics().horizontalAdvance(HEURISTIC_LABEL)
    assert combo.lineEdit().cursorPosition() == 0
    assert HEURISTIC_LABEL in combo.toolTip()


PAINT_PROBE = r"""
import os, sys
sys.path.insert(0, os.getcwd())
from PySide6.QtCore import QEvent, QObject, QTimer
from gui.app import create_application
app = create_application([])
from gui.main_window import MainWindow
seen = {}
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "heavy" not in seen:
            seen["heavy"] = [m for m in ("torch", "transformers") if m in sys.modules]
            QTimer.singleShot(0, app.quit)
        return False
window = MainWindow()
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
QTimer.singleShot(60_000, app.quit)
app.exec()
window.close()
print("HEAVY=" + ",".join(seen.get("heavy", ["never painted"])))
"""


def test_the_window_paints_before_torch_or_transformers_are_imported(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "THRESHER_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PAINT_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.stdout.strip().splitlines()[-1] == "HEAVY=", result.stderr[-2000:]


def test_the_first_window_is_never_larger_than_the_screen():
    from PySide6.QtCore import QSize

    from gui.main_window import FIRST_RUN_SIZE, first_run_size

    assert first_run_size(QSize(*SMALL)) == QSize(*SMALL)
    assert first_run_size(QSize(2560, 1440)) == FIRST_RUN_SIZE
    assert first_run_size(QSize(1366, 1000)) == QSize(1366, FIRST_RUN_SIZE.height())
