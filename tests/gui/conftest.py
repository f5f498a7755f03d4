"""GUI fixtures: settings written to a temporary folder, application names set."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from gui.app import create_application


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Every GUI test gets fresh, private QSettings."""
    create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


@pytest.fixture(autouse=True, scope="session")
def heuristic_kernels_ready():
    """Compile (or load from numba's cache) the heuristic kernels once, before any window waits.

    The first call in a fresh checkout compiles them (seconds, far more on a loaded machine),
    which would otherwise land inside the first test's wait for its heuristic scores.
    """
    from core.scoring.heuristics import warm_up_kernels

    warm_up_kernels()


@pytest.fixture(autouse=True)
def isolated_projects(tmp_path, monkeypatch):
    """Project files go to a private folder, and the default model counts as not installed."""
    projects = tmp_path / "projects"
    projects.mkdir()
    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path / "data"))
    for module in ("gui.scoring.dock", "gui.review.controller"):
        monkeypatch.setattr(
            f"{module}.project_path_for",
            lambda source: projects / (Path(source).name + ".thresher"),
        )
    monkeypatch.setattr("gui.scoring.dock.model_available", lambda name: False)
    return projects


@pytest.fixture
def window(qtbot):
    """A fresh main window with nothing open (closed and deleted after the test)."""
    from gui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    return w


def open_window(qtbot, path):
    """A shown main window with ``path`` loaded and its first scoring (heuristic) finished."""
    from gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.scoring.scoring_finished, timeout=30_000):
        window.open_path(path)
    return window


def score_in(qtbot, window, timeout: int = 60_000, settings=None) -> tuple:
    """Score in ``window``'s Scoring dock: its button, or ``settings`` when given.

    Returns the run's summary and every update the scoring thread streamed.
    """
    dock = window.scoring
    updates = []
    dock.controller.updated.connect(updates.append)
    with qtbot.waitSignal(dock.scoring_finished, timeout=timeout) as finished:
        if settings is not None:
            dock.start_scoring(settings)
        else:
            dock.panel.score_button.click()
    return finished.args[0], updates
