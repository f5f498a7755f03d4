"""The Map dock on real data: make a map, hover, click, lasso -> filter -> bulk drop -> undo."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from core.review.decisions import AUTO, DROP
from core.review.filters import inside_polygon
from tests.embedding_map.conftest import write_mixed
from tests.gui.conftest import open_window


@pytest.fixture
def mapped_window(qtbot, tmp_path):
    source = tmp_path / "mixed.jsonl"
    is_gsm8k = write_mixed(source, gsm8k_rows=150)
    window = open_window(qtbot, source)
    dock = window.map
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("pca"))
    with qtbot.waitSignal(dock.job.done, timeout=300_000):
        dock.make_button.click()
    assert dock.result is not None and dock.result.rows == len(is_gsm8k)
    return window, is_gsm8k


def _drag(widget, points):
    """A real left-button drag over ``widget`` through ``points`` (widget pixels)."""

    def send(kind, point, buttons):
        pos = QPointF(*point)
        event = QMouseEvent(
            kind,
            pos,
            widget.mapToGlobal(pos),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(widget, event)

    send(QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
    for point in points[1:]:
        send(QEvent.Type.MouseMove, point, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def _pixels(plot, x, y):
    scene = plot.box.mapViewToScene(QPointF(float(x), float(y)))
    view = plot.mapFromScene(scene)
    return view.x(), view.y()


def test_box_on_the_map_filters_the_table_then_drop_and_undo(qtbot, mapped_window, monkeypatch):
    window, is_gsm8k = mapped_window
    dock, session = window.map, window.review.controller.session
    dock.resize(900, 500)
    window.map.raise_()
    qtbot.waitUntil(dock.plot.isVisible)
    xy = dock.result.xy
    # A box around the seed tasks' half of the map, drawn with the mouse.
    seeds = xy[is_gsm8k == 0]
    low, high = np.percentile(seeds, 10, axis=0), np.percentile(seeds, 90, axis=0)
    dock.mode_buttons["box"].click()
    corners = [_pixels(dock.plot, low[0], high[1]), _pixels(dock.plot, high[0], low[1])]
    steps = [
        tuple(np.array(corners[0]) + (np.array(corners[1]) - corners[0]) * t)
        for t in np.linspace(0, 1, 8)
    ]
    with qtbot.waitSignal(window.review.filter_applied, timeout=10_000):
        _drag(dock.plot.viewport(), steps)
    row_filter = window.filter_bar.current()
    assert len(row_filter.map_region) == 4 and window.filter_bar.map_button.isVisible()
    assert window.filter_bar.map_button.text().startswith("Map: box")
    inside = inside_polygon(xy, np.array(row_filter.map_region))
    shown = np.sort(window.model.visible_rows())
    assert 0 < len(shown) < len(xy)
    assert np.array_equal(shown, np.flatnonzero(inside))
    assert is_gsm8k[shown].mean() < 0.2  # the island is the seed tasks
    assert session.saved_filter().map_region == row_filter.map_region

    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)
    window.review.drop_shown_action.trigger()
    assert (session.final[shown] == DROP).all()
    assert (session.manual[np.setdiff1d(np.arange(len(xy)), shown)] == AUTO).all()
    assert len(session.store.decisions()) == len(shown)  # on disk, not just on screen
    window.review.undo_action.trigger()
    assert (session.manual == AUTO).all() and not session.store.decisions()

    window.filter_bar.map_button.click()  # the map part of the filter off
    qtbot.waitUntil(lambda: len(window.model.visible_rows()) == len(xy), timeout=5_000)


def test_hover_names_the_prompt_and_click_selects_its_row(qtbot, mapped_window):
    window, _ = mapped_window
    dock = window.map
    window.map.raise_()
    qtbot.waitUntil(dock.plot.isVisible)
    row = int(np.argmax(dock.result.xy[:, 0]))  # the rightmost point: alone
    scene = dock.plot.box.mapViewToScene(QPointF(*map(float, dock.result.xy[row])))
    dock.plot.scene().sigMouseMoved.emit(scene)
    first_line = window.dataset.prompts[row].strip().splitlines()[0][:40]
    assert first_line in dock.hover_text.text()
    dock.select_row(row)
    assert window.current_source_row() == row


def test_a_saved_map_is_restored_with_its_filter(qtbot, mapped_window, tmp_path):
    window, _ = mapped_window
    dock = window.map
    topic = 0
    dock.topic_combo.setCurrentIndex(dock.topic_combo.findData(topic))
    with qtbot.waitSignal(window.review.filter_applied, timeout=10_000):
        dock.topic_combo.activated.emit(dock.topic_combo.currentIndex())
    expected = np.flatnonzero(dock.result.topics == topic)
    assert np.array_equal(np.sort(window.model.visible_rows()), expected)
    path = window.dataset.path
    window.close()
    again = open_window(qtbot, path)
    qtbot.waitUntil(lambda: again.map.result is not None, timeout=30_000)
    qtbot.waitUntil(
        lambda: np.array_equal(np.sort(again.model.visible_rows()), expected), timeout=10_000
    )
    assert again.map.topic_combo.currentData() == topic


def test_the_raster_draws_each_point_in_its_colour_where_it_is(qtbot):
    from gui.embedding_map.plot import POINT_SIZE, MapPlot

    plot = MapPlot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    qtbot.waitExposed(plot)
    xy = np.array([[0, 0], [10, 5], [10, 5.001]], np.float32)
    plot.set_points(xy, np.array([0, 1, 2]), ["#ff0000", "#00ff00", "#0000ff"])
    rect = plot.box.viewRect()
    height, width = plot.image.image.shape[:2]

    def pixel(x, y):
        return plot.image.image[
            int((y - rect.top()) * height / rect.height()),
            int((x - rect.left()) * width / rect.width()),
        ]

    assert tuple(pixel(0, 0)) == (255, 0, 0, 255)
    assert tuple(pixel(10, 5)) == (0, 0, 255, 255)  # overlapping: the later colour on top
    drawn = (plot.image.image[..., 3] > 0).sum()
    assert 2 * POINT_SIZE**2 >= drawn >= POINT_SIZE**2 + 1
    plot.set_colours(np.array([1, 1, 1]), ["#ff0000", "#00ff00"])
    assert tuple(pixel(0, 0)) == (0, 255, 0, 255)
    plot.box.setRange(xRange=(20, 30), yRange=(20, 30), padding=0)
    qtbot.waitUntil(lambda: not (plot.image.image[..., 3] > 0).any(), timeout=2_000)


def test_the_map_chip_says_box_for_a_box_and_lasso_for_a_lasso(qtbot):
    from gui.table.filter_bar import FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_map_selection(((0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (0.0, 1.0)), (), "k")
    assert bar.map_button.text().startswith("Map: box")
    bar.set_map_selection(((0.0, 0.0), (2.0, 0.5), (1.5, 1.0), (0.2, 0.9), (0.1, 0.4)), (3,), "k")
    assert bar.map_button.text().startswith("Map: lasso + topic")


def test_the_map_is_made_only_once_its_tab_is_in_front(qtbot, tmp_path):
    # Behind the Plots tab the dock still reads as visible: every opened file was embedded and
    # projected in the background, minutes of CPU nobody had asked for.
    source = tmp_path / "mixed.jsonl"
    write_mixed(source, gsm8k_rows=150)
    window = open_window(qtbot, source)
    dock = window.map
    qtbot.waitUntil(lambda: dock.hover_text.text().startswith("No map yet"), timeout=30_000)
    assert not dock.job.running and dock.result is None
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("pca"))
    with qtbot.waitSignal(dock.job.done, timeout=300_000):
        dock.raise_()
    assert dock.result is not None


def test_colour_by_overlap_and_by_each_scorer_column(qtbot, mapped_window):
    window, is_gsm8k = mapped_window
    dock, session = window.map, window.review.controller.session
    overlapping = np.zeros(len(is_gsm8k), dtype=np.uint8)
    overlapping[:7] = 1
    session.set_overlap(overlapping)
    dock.colour_combo.setCurrentIndex(dock.colour_combo.findData("overlap"))
    codes, colours = dock.colours()
    assert np.flatnonzero(codes).tolist() == list(range(7)) and len(colours) == 2
    # With a second score column, each column can colour the map on its own.
    rows = np.arange(len(is_gsm8k))
    other = np.linspace(0.0, 1.0, len(rows)).astype(np.float32)
    session.set_scores(rows, other, key="other-scorer", description={"model": "other"})
    dock.data_changed()
    value = "score:other-scorer"
    assert dock.colour_combo.findData(value) >= 0
    dock.colour_combo.setCurrentIndex(dock.colour_combo.findData(value))
    codes, _ = dock.colours()
    assert codes[0] == 0 and codes[-1] == codes.max()  # low to high along the column
    assert np.all(np.diff(codes) >= 0)
