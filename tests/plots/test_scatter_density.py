"""The two-scorer scatter image: every row with both scores drawn, in its decision's colour."""

from __future__ import annotations

import numpy as np

from core.plots.scatter_density import scatter_density

COLOURS = np.array([[150, 150, 150], [0, 200, 0], [200, 0, 0]], dtype=np.uint8)


def test_rows_with_both_scores_are_drawn_in_their_decisions_colour():
    rng = np.random.default_rng(5)
    x = rng.normal(size=60_000)  # enough rows that a point is one pixel
    y = x + rng.normal(size=60_000)
    x[:100] = np.nan  # not scored by one scorer: not drawn
    codes = np.where(x > 0, 1, 2).astype(np.int8)
    image = scatter_density(x, y, codes, COLOURS, width=64, height=48)
    assert image.rows == 59_900 and image.rgba.shape == (48, 64, 4)
    both = ~np.isnan(x)
    assert image.x_range[0] < np.nanmin(x) and image.x_range[1] > np.nanmax(x)
    # the leftmost points are dropped rows (x < 0): pure red; the rightmost kept: green
    drawn = np.flatnonzero((image.rgba[..., 3] > 0).any(axis=0))
    left = image.rgba[:, drawn[0]][image.rgba[:, drawn[0], 3] > 0]
    right = image.rgba[:, drawn[-1]][image.rgba[:, drawn[-1], 3] > 0]
    assert len(left) and (left[:, :3] == COLOURS[2]).all()
    assert len(right) and (right[:, :3] == COLOURS[1]).all()
    assert both.sum() == image.rows


def test_a_few_rows_are_drawn_large_enough_to_see():
    x = np.array([0.0, 1.0])
    image = scatter_density(x, x, np.array([1, 1]), COLOURS, width=50, height=50)
    assert (image.rgba[..., 3] > 0).sum() >= 2 * 9  # at least 3 x 3 pixels each


def test_nothing_scored_by_both_draws_nothing():
    image = scatter_density(
        np.array([np.nan, 1.0]), np.array([2.0, np.nan]), np.array([0, 0]), COLOURS
    )
    assert image.rows == 0 and not image.rgba.any()
