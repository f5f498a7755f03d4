"""Review fixtures: a writable copy of a dataset with its own project and backup folders."""

from __future__ import annotations

import pytest

from core.loading import load
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession


@pytest.fixture(autouse=True)
def data_dir(data_dir):
    """Every test here keeps its data folder to itself (tests/conftest.py's ``data_dir``)."""
    return data_dir


@pytest.fixture
def open_session():
    """Open a dataset file's review session; every store opened is closed after the test."""
    stores = []

    def _open(path):
        store = ProjectStore(project_path_for(path))
        stores.append(store)
        return ReviewSession(load(path), store)

    yield _open
    for store in stores:
        store.close()
