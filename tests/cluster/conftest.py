"""Cluster fixtures: one local Ray instance per module, and the judge and IFD test models."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from core.cluster.ray_engine import job_runtime_env
from core.scoring import ScoreTable
from tests.conftest import ROOT
from tests.ifd.conftest import tiny_llama  # noqa: F401  (a tiny causal LM with a chat template)
from tests.judge.conftest import rating_judge, smollm2_gguf  # noqa: F401


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance with two CPUs for the module (starting one takes seconds)."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        ray.shutdown()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.ERROR,
        runtime_env=job_runtime_env(),
    )
    yield ray
    ray.shutdown()


def run(generator, total):
    """Drive a scoring run to its end: (scores table, summary)."""
    table = ScoreTable(total)
    while True:
        try:
            table.apply(next(generator).batch)
        except StopIteration as stop:
            return table, stop.value


def score_cli(*args, env_dir) -> subprocess.CompletedProcess:
    """``main.py score ARGS`` as a curator runs it, offline, with its data folder in ``env_dir``."""
    environment = {**os.environ, "THRESHER_DATA_DIR": str(env_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "score", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )


def score_here_and_on_ray(common: tuple, tmp_path) -> tuple:
    """The same ``score`` command locally and on Ray with two workers; both must succeed.

    Outputs: ``local.parquet`` and ``ray.parquet``, each run with its own project.
    """
    here = score_cli(
        *common,
        "-o",
        tmp_path / "local.parquet",
        "--project",
        tmp_path / "a.thresher",
        env_dir=tmp_path,
    )
    assert here.returncode == 0, here.stderr
    there = score_cli(
        *common,
        "-o",
        tmp_path / "ray.parquet",
        "--project",
        tmp_path / "b.thresher",
        "--engine",
        "ray",
        "--workers",
        "2",
        "--block-rows",
        "256",
        env_dir=tmp_path,
    )
    assert there.returncode == 0, there.stderr
    return here, there
