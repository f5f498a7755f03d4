"""Benchmark: the embedding map's projection time, and frame time while panning a million points.

Real projection (``--real-rows``): the prompts of every file in ../shared/data (GSM8K, the
self-instruct seed tasks, Koala, Vicuna, HH-RLHF), embedded once with the bundled embedder
(cached in ``--cache``), then sampled up to each row count with a little noise per copy (a
large set built from real text by sampling and perturbing, as the data README suggests). Each
stage is timed: PCA (the baseline, same run), PaCMAP fitted on every row, and PaCMAP fitted on a
sample with the rest placed out of sample. At the smallest size the sampled map is checked
against the full one: how many of each row's 10 nearest neighbours in the embedding space stay
among its 10 nearest on the map, and how well a 10-NN classifier on the map recovers each row's
source file (balanced accuracy, 5-fold).

Synthetic projection (``--rows``): clustered 384-d unit vectors (a Gaussian mixture of 40
topics, the shape and size of all-MiniLM-L6-v2 output; the projection's cost depends on rows
and dimensions, not on the text) at each ``--rows``. The baseline, measured in the same run,
is PCA, the instant first picture; PaCMAP is timed fitted on every row and fitted on a 20%
sample with the rest placed out of sample (what the app does past ``FIT_SAMPLE`` rows).

Panning: the Map dock's plot (offscreen) with ``--points`` points in 10 colours; each frame
pans the view, lets the event loop run (re-rendering when due) and renders the widget. The
baseline is a plain pyqtgraph plot with one ``ScatterPlotItem`` per colour, same points.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_map.py [--rows 10000 100000]
        [--real-rows 10000 100000] [--fit-sample 0.2] [--no-full-above 0]
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

from core.embedding_map.fit_process import pacmap_in_child
from core.embedding_map.projection import pacmap_2d, pca_2d
from core.generators import run_to_end


def mixture(rows: int, dims: int = 384, topics: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around ``topics`` random centres."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dims)).astype(np.float32)
    vectors = centres[rng.integers(0, topics, rows)] + 0.6 * rng.standard_normal(
        (rows, dims)
    ).astype(np.float32)
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
        print(
            f"  {rows:>9,} rows: PCA {pca:6.2f} s | PaCMAP {full:7.1f} s "
            f"({full / pca:,.0f}x PCA) | PaCMAP fitted on {sample:,} + placed "
            f"{sampled:7.1f} s ({full / sampled:.1f}x faster than the full fit)"
        )


DATA = Path(__file__).resolve().parent.parent / ".." / "shared" / "data"


def real_prompts() -> tuple[list[str], np.ndarray, list[str]]:
    """Every prompt in ../shared/data with the index of the file it came from."""
    import gzip
    import json

    def hh(line: str) -> str:
        return json.loads(line)["chosen"].split("\n\nAssistant:")[0].replace("\n\nHuman: ", "")

    sources = [
        (
            "gsm8k",
            lambda: [
                r["instruction"] + ("\n" + r["input"] if r["input"] else "")
                for r in json.loads((DATA / "gsm_8k_train.json").read_text("utf-8"))
            ],
        ),
        (
            "seed_tasks",
            lambda: [
                json.loads(x)["instruction"]
                for x in (DATA / "seed_tasks.jsonl").read_text("utf-8").splitlines()
            ],
        ),
        (
            "koala",
            lambda: [
                json.loads(x)["prompt"]
                for x in (DATA / "koala_test_set.jsonl").read_text("utf-8").splitlines()
            ],
        ),
        (
            "vicuna",
            lambda: [
                json.loads(x)["text"]
                for x in (DATA / "vicuna_test_set.jsonl").read_text("utf-8").splitlines()
            ],
        ),
        (
            "hh_rlhf",
            lambda: [
                hh(x)
                for x in gzip.decompress(
                    (DATA / "hh_rlhf_harmless_base_test.jsonl.gz").read_bytes()
                )
                .decode("utf-8")
                .splitlines()
            ],
        ),
    ]
    texts, labels, names = [], [], []
    for index, (name, read) in enumerate(sources):
        found = read()
        texts += found
        labels += [index] * len(found)
        names.append(f"{name} {len(found):,}")
    return texts, np.array(labels), names


def real_vectors(cache: Path, limit: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The bundled embedder's vectors of the real prompts (computed once, then cached).

    ``limit``: embed only that many prompts, drawn at random across the files (a loaded machine
    embeds a few hundred a minute).
    """
    texts, labels, names = real_prompts()
    if limit and limit < len(texts):
        keep = np.sort(np.random.default_rng(0).choice(len(texts), limit, replace=False))
        texts, labels = [texts[i] for i in keep], labels[keep]
        names = [f"{name.split()[0]} {int((labels == i).sum()):,}" for i, name in enumerate(names)]
        cache = cache.with_name(f"{cache.stem}-{limit}{cache.suffix}")
    if cache.is_file():
        vectors = np.load(cache, allow_pickle=False)
        if len(vectors) == len(texts):
            print(f"  {len(texts):,} real prompts ({', '.join(names)}); vectors from {cache}")
            return vectors, labels
    from core.dedup.embedder import SentenceEmbedder, embedder_files

    started = time.perf_counter()
    vectors = run_to_end(SentenceEmbedder(embedder_files(), "cpu").embed(texts))
    print(
        f"  {len(texts):,} real prompts ({', '.join(names)}) embedded in "
        f"{time.perf_counter() - started:.0f} s"
    )
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors.astype(np.float32), allow_pickle=False)
    return vectors, labels


def grown(
    vectors: np.ndarray, labels: np.ndarray, rows: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` rows: each real vector once (as far as they go), then noisy copies."""
    rng = np.random.default_rng(seed)
    picked = (
        rng.permutation(len(vectors))[:rows]
        if rows <= len(vectors)
        else np.concatenate(
            [np.arange(len(vectors)), rng.integers(0, len(vectors), rows - len(vectors))]
        )
    )
    out = vectors[picked].astype(np.float32)
    copies = np.arange(len(picked)) >= len(vectors)
    out[copies] += 0.02 * rng.standard_normal((int(copies.sum()), out.shape[1])).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out, labels[picked]


def neighbourhoods(
    vectors: np.ndarray, xy: np.ndarray, labels: np.ndarray, k: int = 10
) -> tuple[float, float]:
    """How well a map keeps neighbourhoods: two numbers, higher is better.

    The mean share of each row's k nearest embedding neighbours kept among its k on the map,
    and the balanced accuracy of a k-NN source classifier on the map (5-fold).
    """
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import cross_val_predict
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

    high = (
        NearestNeighbors(n_neighbors=k + 1)
        .fit(vectors)
        .kneighbors(vectors, return_distance=False)[:, 1:]
    )
    low = NearestNeighbors(n_neighbors=k + 1).fit(xy).kneighbors(xy, return_distance=False)[:, 1:]
    kept = np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(high, low, strict=True)])
    predicted = cross_val_predict(KNeighborsClassifier(k), xy, labels, cv=5)
    return float(kept), float(balanced_accuracy_score(labels, predicted))


def knn_placed(vectors: np.ndarray, sample: int, k: int = 10, seed: int = 0) -> np.ndarray:
    """PaCMAP fitted on ``sample`` rows, every other row placed by its nearest fitted rows.

    Each is put at the similarity-weighted mean of its ``k`` nearest fitted rows (cosine, unit
    vectors: one matrix product per chunk). The cheap alternative to PaCMAP's own out-of-sample
    transform, measured here against it.
    """
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(len(vectors), sample, replace=False))
    basis = np.ascontiguousarray(vectors[fit_rows], np.float32)
    fitted = run_to_end(pacmap_in_child(basis, np.arange(sample), seed))
    out = np.zeros((len(vectors), 2), np.float32)
    out[fit_rows] = fitted
    rest = np.setdiff1d(np.arange(len(vectors)), fit_rows, assume_unique=True)
    for start in range(0, len(rest), 4096):
        rows = rest[start : start + 4096]
        similar = vectors[rows] @ basis.T
        nearest = np.argpartition(-similar, k, axis=1)[:, :k]
        weights = np.maximum(np.take_along_axis(similar, nearest, axis=1), 1e-3) ** 8
        out[rows] = (fitted[nearest] * weights[..., None]).sum(1) / weights.sum(1, keepdims=True)
    return out


def real_projection(
    rows_list: list[int],
    fit_share: float,
    no_full_above: int,
    cache: Path,
    transform: bool,
    limit: int,
) -> None:
    print("projection of real prompts (bundled embedder; baseline PCA in the same run)")
    vectors, labels = real_vectors(cache, limit)
    warm = timed(lambda: run_to_end(pacmap_2d(mixture(500), 1000)))
    print(f"  PaCMAP first call in this process (child start, kernels, 500 rows): {warm:.1f} s")
    for index, rows in enumerate(sorted(rows_list)):
        data, classes = grown(vectors, labels, rows)
        started = time.perf_counter()
        pca = pca_2d(data)
        pca_s = time.perf_counter() - started
        sample = max(1000, int(rows * fit_share))
        knn, knn_s = None, float("nan")
        if fit_share < 1:
            started = time.perf_counter()
            knn = knn_placed(data, sample)
            knn_s = time.perf_counter() - started
        print(
            f"  {rows:>9,} rows: PCA {pca_s:6.2f} s | PaCMAP fitted on {sample:,}, the "
            f"rest placed by 10-NN {knn_s:7.1f} s ({knn_s / pca_s:,.0f}x PCA)",
            flush=True,
        )
        sampled = None
        if transform:
            started = time.perf_counter()
            sampled, _ = run_to_end(pacmap_2d(data, sample))
            sampled_s = time.perf_counter() - started
            print(
                f"  {rows:>9,} rows: PaCMAP fitted on {sample:,} + its own transform "
                f"{sampled_s:7.1f} s ({sampled_s / knn_s:.1f}x the 10-NN placement)",
                flush=True,
            )
        full = None
        if not no_full_above or rows <= no_full_above:
            started = time.perf_counter()
            full, _ = run_to_end(pacmap_2d(data, rows))
            full_s = time.perf_counter() - started
            print(
                f"  {rows:>9,} rows: PaCMAP on all {full_s:7.1f} s ({full_s / pca_s:,.0f}x "
                f"PCA, {full_s / knn_s:.1f}x the sample + 10-NN placement)",
                flush=True,
            )
        if index == 0 and rows <= 20_000:  # exact neighbours: quadratic in the rows
            for name, xy in (
                ("PCA", pca),
                ("sample + 10-NN", knn),
                ("sample + transform", sampled),
                ("PaCMAP all", full),
            ):
                if xy is not None:
                    kept, accuracy = neighbourhoods(data, xy, classes)
                    print(
                        f"      {name:15}: 10-NN kept {kept:.3f}, source balanced "
                        f"accuracy {accuracy:.3f}"
                    )


def panning(points: int, frames: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from gui.embedding_map.dock import PALETTE
    from gui.embedding_map.plot import MapPlot

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(0)
    xy = (rng.standard_normal((points, 2)) * [3, 2] + rng.integers(-6, 6, (points, 1))).astype(
        np.float32
    )
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
    print(
        f"  baseline ScatterPlotItem: setData {base_load:6.1f} s, frame median "
        f"{np.median(base) * 1000:7.1f} ms"
    )

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
    print(
        f"  Map plot (numpy raster):  set_points {load:6.2f} s, frame median "
        f"{np.median(times) * 1000:7.1f} ms, p95 {np.percentile(times, 95) * 1000:7.1f} ms "
        f"({plot.renders - renders} re-renders in {frames} frames; one re-render at rest "
        f"{raster * 1000:.0f} ms)"
    )
    print(
        f"  ratios: frame {np.median(base) / np.median(times):.0f}x faster, loading "
        f"{base_load / load:.0f}x faster than the baseline"
    )
    plot.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--real-rows", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--fit-sample",
        type=float,
        default=0.2,
        help="share of the rows the sampled PaCMAP is fitted on (1: skip it)",
    )
    parser.add_argument(
        "--no-full-above",
        type=int,
        default=0,
        help="skip the full PaCMAP fit past this many rows (0: never skip)",
    )
    parser.add_argument(
        "--real-texts",
        type=int,
        default=0,
        help="embed only this many of the real prompts (0: all of them)",
    )
    parser.add_argument(
        "--transform",
        action="store_true",
        help="also time PaCMAP's own out-of-sample transform (slow)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(__file__).resolve().parent / ".cache" / "real_prompts.npy",
    )
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--frames", type=int, default=20)
    args = parser.parse_args()
    if args.points:
        panning(args.points, args.frames)
    if args.real_rows:
        real_projection(
            args.real_rows,
            args.fit_sample,
            args.no_full_above,
            args.cache,
            args.transform,
            args.real_texts,
        )
    if args.rows:
        projection(args.rows)


if __name__ == "__main__":
    main()
