"""Review fixtures: a writable copy of a dataset with its own project and backup folders."""

from __future__ import annotations

import shutil

import pytest

from core.loading import load
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession
from tests.conftest import SAMPLE


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Backups and fallback projects go to the test's own folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("THRESHER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def sample_copy(tmp_path):
    """A copy of the sample dataset in tmp_path (its project file lands beside it)."""
    path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, path)
    return path


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
