"""Two scorers' scores against each other as an RGBA image, coloured by the final decision.

Why an image and not one marker per row: a ``ScatterPlotItem`` walks every point in Python
(5.5 s for 200,000 points, see ``gui/embedding_map/plot.py``). Here each pixel counts the rows
that fall in it per decision (one ``bincount``); its colour is the decisions' colours mixed by those
counts and its opacity grows with the log of the count, so a judge's few rating levels show
as dense bands instead of one overdrawn dot each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScatterImage:
    """The image and the score ranges its edges stand for."""

    rgba: np.ndarray  # (height, width, 4) uint8, row 0 at the lowest y
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    rows: int  # rows both scorers scored (the points drawn)


def _edges(values: np.ndarray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    pad = (high - low) * 0.02
    return low - pad, high + pad


def scatter_density(
    x: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray,
    colours: np.ndarray,
    width: int = 320,
    height: int = 320,
) -> ScatterImage:
    """Rows with both scores, binned into ``width`` × ``height`` pixels.

    ``codes``: each row's decision (an index into ``colours``, an (k, 3) uint8 array).
    """
    both = ~(np.isnan(x) | np.isnan(y))
    rows = int(both.sum())
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    if not rows:
        return ScatterImage(rgba, (0.0, 1.0), (0.0, 1.0), 0)
    xs, ys = x[both].astype(np.float64), y[both].astype(np.float64)
    x_range, y_range = _edges(xs), _edges(ys)
    col = np.clip(
        ((xs - x_range[0]) / (x_range[1] - x_range[0]) * width).astype(np.int64), 0, width - 1
    )
    row = np.clip(
        ((ys - y_range[0]) / (y_range[1] - y_range[0]) * height).astype(np.int64), 0, height - 1
    )
    kinds = len(colours)
    pixel = row * width + col
    counts = np.bincount(
        pixel * kinds + codes[both].astype(np.int64), minlength=width * height * kinds
    ).reshape(height * width, kinds)
    total = counts.sum(axis=1)
    filled = total > 0
    mixed = counts[filled] @ colours.astype(np.float64) / total[filled, None]
    flat = rgba.reshape(-1, 4)
    flat[filled, :3] = np.round(mixed).astype(np.uint8)
    strength = np.log1p(total[filled]) / np.log1p(total.max())
    flat[filled, 3] = (110 + 145 * strength).astype(np.uint8)
    return ScatterImage(_grow(rgba, point_radius(rows)), x_range, y_range, rows)


def point_radius(rows: int) -> int:
    """Pixels a point spreads to each side: a few hundred rows must still be seen."""
    return 2 if rows <= 5_000 else 1 if rows <= 50_000 else 0


def _grow(rgba: np.ndarray, radius: int) -> np.ndarray:
    """Each filled pixel spread into the empty pixels around it (a filled pixel keeps its own)."""
    if radius <= 0:
        return rgba
    grown = rgba.copy()
    height, width = rgba.shape[:2]
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if not dy and not dx:
                continue
            source = rgba[max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)]
            target = grown[max(0, dy) : height - max(0, -dy), max(0, dx) : width - max(0, -dx)]
            empty = (target[..., 3] == 0) & (source[..., 3] > 0)
            target[empty] = source[empty]
    return grown
