"""PaCMAP in a child process, so a cancel (or quitting the app) stops it at once.

PaCMAP's fit is one long numba call that cannot be interrupted from Python: on 100k rows it
holds a worker for a minute or more after the curator pressed Cancel, and quitting waited for
it. Here the fit runs in a spawned child; the parent's generator polls it and yields progress,
and closing the generator terminates the child. Data crosses as ``.npy`` files in a private
temporary folder, read with ``allow_pickle=False`` (plain arrays, never pickled objects), and
the child exits by itself should its parent die without terminating it.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Generator
from pathlib import Path

import numpy as np

from core.embedding_map.progress import MapProgress
from core.errors import ThresherError

#: How often the parent looks at the child (and how often progress is yielded while it fits).
POLL_S = 0.2
#: How long a terminated child may take to go before it is killed.
TERMINATE_WAIT_S = 2.0
#: Rows placed out of sample per step (each step reports progress).
TRANSFORM_CHUNK = 50_000

_STAGE_FIT, _STAGE_PLACE = 0, 1


class ProjectionError(ThresherError):
    """The projection's child process failed; the message says why."""


def pacmap_in_child(
    vectors: np.ndarray, fit_rows: np.ndarray, seed: int
) -> Generator[MapProgress, None, np.ndarray]:
    """PaCMAP coordinates of every row of ``vectors``, fitted on ``fit_rows``.

    The rows outside ``fit_rows`` are placed with PaCMAP's out-of-sample transform. Closing the
    generator terminates the child within :data:`TERMINATE_WAIT_S`.
    """
    n, fitted = len(vectors), len(fit_rows)
    with tempfile.TemporaryDirectory(prefix="thresher-map-") as folder:
        np.save(
            Path(folder) / "vectors.npy",
            np.ascontiguousarray(vectors, np.float32),
            allow_pickle=False,
        )
        np.save(Path(folder) / "fit_rows.npy", np.asarray(fit_rows, np.int64), allow_pickle=False)
        context = multiprocessing.get_context("spawn")
        stage = context.Value("i", _STAGE_FIT, lock=False)
        placed = context.Value("q", 0, lock=False)
        child = context.Process(
            target=_child_main,
            name="thresher-pacmap",
            daemon=True,
            args=(folder, seed, os.getpid(), stage, placed),
        )
        child.start()
        try:
            while child.is_alive():
                if stage.value == _STAGE_FIT:
                    yield MapProgress(f"map: PaCMAP on {fitted:,} rows", 0, 1)
                else:
                    yield MapProgress("map: placing the other rows", int(placed.value), n - fitted)
                child.join(POLL_S)
            if child.exitcode != 0:
                error = Path(folder) / "error.txt"
                reason = (
                    error.read_text("utf-8").strip()
                    if error.exists()
                    else f"it ended with exit code {child.exitcode}"
                )
                raise ProjectionError(f"PaCMAP failed: {reason}")
            out = np.load(Path(folder) / "xy.npy", allow_pickle=False)
        finally:
            stop(child)
    yield MapProgress(f"map: PaCMAP on {fitted:,} rows", 1, 1)
    return out


def stop(child) -> None:
    """Terminate ``child`` if it still runs; kill it if it ignores that."""
    if child.is_alive():
        child.terminate()
        child.join(TERMINATE_WAIT_S)
    if child.is_alive():
        child.kill()
        child.join(TERMINATE_WAIT_S)


def _watch_parent(parent: int) -> None:
    """End this child when its parent is gone (killed without terminating it)."""
    while True:
        if os.getppid() != parent:
            os._exit(3)
        time.sleep(1.0)


def _child_main(folder: str, seed: int, parent: int, stage, placed) -> None:
    """The child: fit, place the rest, write ``xy.npy`` (or ``error.txt`` and exit 1)."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        np.save(Path(folder) / "xy.npy", _fit(folder, seed, stage, placed), allow_pickle=False)
    except Exception as exc:  # the parent reads the reason; a traceback helps nobody here
        (Path(folder) / "error.txt").write_text(f"{type(exc).__name__}: {exc}", "utf-8")
        raise SystemExit(1) from None


def _fit(folder: str, seed: int, stage, placed) -> np.ndarray:
    import logging

    import pacmap

    # It warns on every fit that a fixed seed costs parallelism: known, and the price of a
    # map that is the same each time it is made.
    logging.getLogger("pacmap.pacmap").setLevel(logging.ERROR)
    vectors = np.load(Path(folder) / "vectors.npy", mmap_mode="r", allow_pickle=False)
    fit_rows = np.load(Path(folder) / "fit_rows.npy", allow_pickle=False)
    n = len(vectors)
    model = pacmap.PaCMAP(
        n_components=2, random_state=seed, save_tree=len(fit_rows) < n, verbose=False
    )
    basis = np.ascontiguousarray(vectors[fit_rows], dtype=np.float32)
    fitted = model.fit_transform(basis, init="pca").astype(np.float32)
    if len(fit_rows) == n:
        return fitted
    stage.value = _STAGE_PLACE
    out = np.zeros((n, 2), np.float32)
    out[fit_rows] = fitted
    rest = np.setdiff1d(np.arange(n), fit_rows, assume_unique=True)
    for start in range(0, len(rest), TRANSFORM_CHUNK):
        chunk = rest[start : start + TRANSFORM_CHUNK]
        out[chunk] = model.transform(np.ascontiguousarray(vectors[chunk], np.float32), basis=basis)
        placed.value = start + len(chunk)
    return out
