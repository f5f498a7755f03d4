"""The simulator in the app: sliders, presets, the Pareto curve and the curator's own data."""

from __future__ import annotations

import numpy as np
import pytest

from core.review.rule import Rule
from core.simulator.model import Point, estimate, iso_noise, performance
from core.simulator.presets import PRESETS
from gui.simulator.dock import REDRAW_MS
from gui.simulator.panel import PERCENT_STEPS, size_to_slider, slider_to_size
from tests.conftest import SAMPLE
from tests.gui.conftest import open_window


@pytest.fixture
def window(qtbot):
    window = open_window(qtbot, SAMPLE)
    window.simulator.raise_()
    qtbot.waitUntil(window.simulator.isVisible, timeout=5_000)
    return window


def test_sliders_update_the_estimate_coalesced(qtbot, window):
    dock = window.simulator
    panel = dock.panel
    before = dock.redraws
    for value in range(100, 300, 2):  # a fast drag: 100 moves, no event loop between
        panel.noise_slider.setValue(value)
    assert dock.redraws == before
    qtbot.wait(3 * REDRAW_MS)
    assert dock.redraws == before + 1
    point = dock.point
    assert point.noise == pytest.approx(298 / PERCENT_STEPS)
    expected = estimate(point)
    assert dock.readout.performance_value.text() == f"{expected.performance:.3f}"
    assert f"ε = {expected.elasticity:.3g}" in dock.readout.elasticity.text()
    # The white curve is the iso-performance curve through the current point.
    x, y = dock.plots.iso.getData()
    np.testing.assert_allclose(
        performance(10**x, y, point.duplication, point.copies), expected.performance, rtol=1e-6
    )
    assert np.allclose(iso_noise(expected.performance, 10**x), y)


def test_presets_set_every_slider(qtbot, window):
    dock = window.simulator
    dock.panel.preset_buttons["alpaca"].click()
    qtbot.wait(3 * REDRAW_MS)
    assert dock.point == PRESETS["alpaca"].point
    assert (
        dock.readout.performance_value.text()
        == f"{estimate(PRESETS['alpaca'].point).performance:.3f}"
    )
    assert dock.panel.size_value.text() == "52k rows"


def test_size_slider_is_logarithmic_and_round_trips() -> None:
    assert slider_to_size(0) == 100 and slider_to_size(500) == 10_000_000
    for size in (100, 1_000, 52_000, 3_000_000):
        assert slider_to_size(size_to_slider(size)) == pytest.approx(size, rel=0.03)


def test_your_data_is_placed_and_curation_beats_random(qtbot, window):
    dock = window.simulator
    session = window.review.controller.session
    window.review.apply_rule(Rule(mode="top_fraction", keep_fraction=0.6))
    qtbot.waitUntil(
        lambda: (
            dock.your_data is not None and dock.your_data.curated.rows == session.summary().kept
        ),
        timeout=10_000,
    )
    data = dock.your_data
    assert data.raw.rows == len(session.scores)
    assert data.curated.point.noise < data.raw.point.noise
    assert data.curated.estimate.performance > data.baseline.estimate.performance
    text = dock.panel.your_data.text()
    assert "Raw dataset" in text and "Curated selection" in text and "Random selection" in text
    assert "No duplicate run yet" in text
    # The sample is scored by the heuristic: η names it and says it counts defects.
    assert "η is estimated from the heuristic scores" in text and "not low quality" in text
    assert "Gaussian mixture" in dock.panel.how.text()
    # The three points sit on the plane where their (D, η) say.
    x, y = dock.plots.your_points["curated"].getData()
    assert x[0] == pytest.approx(np.log10(data.curated.rows))
    assert y[0] == pytest.approx(data.curated.point.noise)
    dock.panel.preset_buttons["raw"].click()
    qtbot.wait(3 * REDRAW_MS)
    assert dock.point.noise == pytest.approx(round(data.raw.point.noise, 3), abs=1e-3)
    assert dock.point.size == pytest.approx(data.raw.rows)


def test_a_duplicate_run_sets_your_duplication(qtbot, window):
    dock = window.simulator
    window.dedup.raise_()
    with qtbot.waitSignal(window.dedup.table_built, timeout=60_000):
        window.dedup.panel.run_button.click()
    window.simulator.raise_()
    qtbot.waitUntil(
        lambda: (
            dock.your_data is not None
            and dock.cluster is not None
            and "No duplicate run" not in dock.panel.your_data.text()
        ),
        timeout=10_000,
    )
    clustered = window.dedup.table.clusters.clustered
    assert clustered.any()  # the sample has real copies
    assert dock.your_data.raw.point.duplication == pytest.approx(clustered.mean())


def test_estimate_matches_the_command_line_model() -> None:
    point = Point(9_000, 0.05, 0.25)
    assert estimate(point).performance == pytest.approx(float(performance(9_000, 0.05, 0.25)))
