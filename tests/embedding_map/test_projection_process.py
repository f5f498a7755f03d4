"""PaCMAP runs in a child process: a cancel stops it at once and leaves no process behind."""

from __future__ import annotations

import multiprocessing
import time

import numpy as np
import pytest

from core.embedding_map.fit_process import ProjectionError, pacmap_in_child
from core.embedding_map.projection import pacmap_2d


def _blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = rng.normal(0, 8, (3, 32))
    return (centres[labels] + rng.normal(0, 1, (n, 32))).astype(np.float32), labels


def _run(generator):
    try:
        while True:
            next(generator)
    except StopIteration as stop:
        return stop.value


def test_the_child_fits_and_places_rows_outside_the_sample():
    vectors, labels = _blobs(1_500)
    xy, fitted = _run(pacmap_2d(vectors, 1_000))
    assert fitted == 1_000 and xy.shape == (1_500, 2) and np.isfinite(xy).all()
    # Rows placed by the transform land among their own blob's fitted rows.
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(1)
    inside = np.sort(rng.choice(1_500, 1_000, replace=False))
    outside = np.setdiff1d(np.arange(1_500), inside)
    model = KNeighborsClassifier(5).fit(xy[inside], labels[inside])
    assert model.score(xy[outside], labels[outside]) > 0.95
    assert not multiprocessing.active_children()


def test_closing_the_generator_mid_fit_ends_the_child_within_two_seconds():
    vectors, _ = _blobs(60_000)
    run = pacmap_in_child(vectors, np.arange(len(vectors)), 0)
    next(run)  # the child is started and fitting
    children = multiprocessing.active_children()
    assert [c.name for c in children] == ["thresher-pacmap"]
    time.sleep(3.0)  # well into the fit (it takes far longer)
    assert children[0].is_alive()
    started = time.perf_counter()
    run.close()
    assert time.perf_counter() - started < 2.0
    assert not children[0].is_alive()
    assert not multiprocessing.active_children()


def test_a_failing_fit_says_why_in_one_line():
    vectors = np.full((100, 8), np.nan, np.float32)
    with pytest.raises(ProjectionError, match="PaCMAP failed: "):
        _run(pacmap_in_child(vectors, np.arange(100), 0))
    assert not multiprocessing.active_children()
