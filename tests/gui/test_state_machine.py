"""The curator state machine (tests/gui/curator_machine.py) on the real main window.

A bounded run is part of the suite. ``THRESHER_SOAK_STEPS=20000`` runs a long soak instead, in
one process, and prints the steps and distinct states it reached (``-s`` to see it).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from PySide6.QtWidgets import QMessageBox

from tests.conftest import fast_embedder_in
from tests.gui.curator_machine import Stats, build_machine

SOAK_STEPS = int(os.environ.get("THRESHER_SOAK_STEPS", "0"))
#: No shrinking or replaying: a GUI run depends on timing, so a replay may take another path
#: (Hypothesis would report that as flaky and hide the failure); the failing steps are printed.
_SETTINGS = dict(
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def confirm_bulk_actions(monkeypatch):
    """The curator answers Yes to "Drop all 1,234 rows shown?" (the only expected question)."""
    monkeypatch.setattr(QMessageBox, "exec", lambda box: QMessageBox.StandardButton.Yes)


@pytest.fixture
def stats():
    stats = Stats()
    yield stats
    print("\ncurator machine:", stats.report())


@pytest.mark.skipif(SOAK_STEPS > 0, reason="the soak runs instead")
def test_curator_state_machine(qtbot, qtlog, tmp_path, stats, fast_embedder_build):
    fast_embedder_in(tmp_path / "data", fast_embedder_build[0])  # the learned scorer's
    machine = build_machine(qtbot, qtlog, tmp_path, stats)
    run_state_machine_as_test(
        machine, settings=settings(max_examples=2, stateful_step_count=12, **_SETTINGS)
    )
    assert stats.steps >= 6


@pytest.mark.skipif(SOAK_STEPS == 0, reason="set THRESHER_SOAK_STEPS to soak")
def test_curator_soak(qtbot, qtlog, tmp_path, stats, fast_embedder_build):
    fast_embedder_in(tmp_path / "data", fast_embedder_build[0])
    stats.report_every = int(os.environ.get("THRESHER_SOAK_REPORT_EVERY", "250"))
    machine = build_machine(qtbot, qtlog, tmp_path, stats)
    while stats.steps < SOAK_STEPS:
        # One long run: Hypothesis starts each run with its simplest sequence (one rule over
        # and over), so many short runs would mostly repeat it.
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=max(10, (SOAK_STEPS - stats.steps) // 40),
                stateful_step_count=60,
                **_SETTINGS,
            ),
        )
