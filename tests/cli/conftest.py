"""CLI fixtures: projects and backups in tmp_path, and ``main.py`` run in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def data_dir(data_dir):
    """Every test here keeps its data folder to itself (tests/conftest.py's ``data_dir``)."""
    return data_dir


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
