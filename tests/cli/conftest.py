"""CLI fixtures: a writable copy of the sample, with its project and backups in tmp_path."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE


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
def run_main():
    """Run ``python main.py ARGS`` in a fresh interpreter; returns the CompletedProcess."""

    def _run(*args, env=None):
        return subprocess.run(
            [sys.executable, "main.py", *map(str, args)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=300,
        )

    return _run
