"""Cluster fixtures: one local Ray instance per module, and the judge and IFD test models."""

from __future__ import annotations

import logging

import pytest

from core.cluster.ray_engine import job_runtime_env
from core.scoring import ScoreTable
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
