"""Benchmark: the embedding map's projection time, and frame time while panning a million points.

Projection: clustered 384-d unit vectors (a Gaussian mixture of 40 topics, the shape and size of
all-MiniLM-L6-v2 output; the projection's cost depends on rows and dimensions, not on the
text) at each ``--rows``. The baseline, measured in the same run, is PCA, the instant first
picture; PaCMAP is timed fitted on every row and fitted on a 20% sample with the rest placed
out of sample (what the app does past ``FIT_SAMPLE`` rows).

Panning: the Map dock's plot (offscreen) with ``--points`` points in 10 colours; each frame
pans the view, lets the event loop run (re-rendering when due) and renders the widget. The
baseline is a plain pyqtgraph plot with one ``ScatterPlotItem`` per colour, same points.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_map.py [--rows 10000 100000]
        [--points 1000000] [--frames 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.embedding_map.projection import pacmap_2d, pca_2d
from core.generators import run_to_end


def mixture(rows: int, dims: int = 384, topics: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around ``topics`` random centres."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dims)).astype(np.float32)
    vectors = centres[rng.integers(0, topics, rows)] \
        + 0.6 * rng.standard_normal((rows, dims)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def projection(rows_list: list[int]) -> None:
    print("projection (384-d vectors; baseline PCA in the same run)")
    # PaCMAP's numba kernels load from their cache once per process: time that apart.
    warm = timed(lambda: run_to_end(pacmap_2d(mixture(500), 1000)))
    print(f"  PaCMAP first call in this process (loading kernels, 500 rows): {warm:.1f} s")
    for rows in rows_list:
        vectors = mixture(rows)
        pca = timed(pca_2d, vectors)
        full = timed(lambda v=vectors: run_to_end(pacmap_2d(v, len(v))))
        sample = max(1000, rows // 5)
        sampled = timed(lambda v=vectors, s=sample: run_to_end(pacmap_2d(v, s)))
        print(f"  {rows:>9,} rows: PCA {pca:6.2f} s | PaCMAP {full:7.1f} s "
              f"({full / pca:,.0f}x PCA) | PaCMAP fitted on {sample:,} + placed "
              f"{sampled:7.1f} s ({full / sampled:.1f}x faster than the full fit)")


def panning(points: int, frames: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gui.embedding_map.dock import PALETTE
    from gui.embedding_map.plot import MapPlot

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(0)
    xy = (rng.standard_normal((points, 2)) * [3, 2]
          + rng.integers(-6, 6, (points, 1))).astype(np.float32)
    codes = rng.integers(0, 10, points)
    print(f"panning {points:,} points in 10 colours, a 1000x700 view")

    def pan(widget, box, count):
        times = []
        for _ in range(count):
            started = time.perf_counter()
            box.translateBy(x=0.05, y=0.03)
            app.processEvents()
            widget.grab()
            times.append(time.perf_counter() - started)
        return np.array(times)

    # Baseline: one ScatterPlotItem per colour, the way pyqtgraph draws scatter plots.
    baseline = pg.PlotWidget()
    baseline.resize(1000, 700)
    started = time.perf_counter()
    for code in range(10):
        rows = codes == code
        item = pg.ScatterPlotItem(pxMode=True, size=3, pen=None, brush=pg.mkBrush(PALETTE[code]))
        item.setData(x=xy[rows, 0], y=xy[rows, 1])
        baseline.addItem(item)
    base_load = time.perf_counter() - started
    baseline.show()
    baseline.grab()
    base = pan(baseline, baseline.getViewBox(), max(3, frames // 5))
    baseline.close()
    print(f"  baseline ScatterPlotItem: setData {base_load:6.1f} s, frame median "
          f"{np.median(base) * 1000:7.1f} ms")

    plot = MapPlot()
    plot.resize(1000, 700)
    plot.show()
    app.processEvents()
    started = time.perf_counter()
    plot.set_points(xy, codes, PALETTE[:10])
    load = time.perf_counter() - started
    plot.grab()
    renders = plot.renders
    times = pan(plot, plot.box, frames)
    started = time.perf_counter()
    plot.rasterise()
    raster = time.perf_counter() - started
    print(f"  Map plot (numpy raster):  set_points {load:6.2f} s, frame median "
          f"{np.median(times) * 1000:7.1f} ms, p95 {np.percentile(times, 95) * 1000:7.1f} ms "
          f"({plot.renders - renders} re-renders in {frames} frames; one re-render at rest "
          f"{raster * 1000:.0f} ms)")
    print(f"  ratios: frame {np.median(base) / np.median(times):.0f}x faster, loading "
          f"{base_load / load:.0f}x faster than the baseline")
    plot.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--frames", type=int, default=20)
    args = parser.parse_args()
    panning(args.points, args.frames)
    if args.rows:
        projection(args.rows)


if __name__ == "__main__":
    main()
