"""Learned-scorer fixtures: a writable sample copy with its own project, and test features."""

from __future__ import annotations

import numpy as np
import pytest

from core.learned.features import BASE_NAMES, PairFeatures
from core.loading import load
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession


@pytest.fixture(autouse=True)
def data_dir(data_dir):
    """Every test here keeps its data folder to itself (tests/conftest.py's ``data_dir``)."""
    return data_dir


@pytest.fixture
def sample_session(sample_copy):
    """A review session over a copy of the sample dataset; closed after the test."""
    store = ProjectStore(project_path_for(sample_copy))
    yield ReviewSession(load(sample_copy), store)
    store.close()


def separable_features(
    n: int, keep: np.ndarray, seed: int = 0, signal: float = 1.0
) -> PairFeatures:
    """Features in which ``keep`` rows lean one way along one response direction.

    Stands in for the embedder where a test is about what training does with decisions, not
    about what the embedder sees (the embedder itself is exercised end to end elsewhere).
    """
    rng = np.random.default_rng(seed)
    prompt = rng.normal(size=(n, 8)).astype(np.float32)
    response = rng.normal(size=(n, 8)).astype(np.float32)
    response[:, 0] += signal * np.where(keep, 1.0, -1.0)
    dense = rng.normal(size=(n, len(BASE_NAMES))).astype(np.float32)
    return PairFeatures(prompt, response, dense, BASE_NAMES)
