"""The parent side of the crash tests: start a ``crash_child``, SIGKILL it, check what it said.

Shared by the sample-sized crash tests (``test_crash``) and the million-row ones
(``test_crash_million``): the same child, the same kill and the same checks at two sizes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.dataset import Dataset
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession
from tests.conftest import ROOT
from tests.review.crash_child import planned_decision


def start_child(tmp_path: Path, *args: str) -> subprocess.Popen:
    """``crash_child`` with ``args``, started and past its READY line."""
    env = dict(os.environ, THRESHER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.review.crash_child", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "READY"
    return child


def kill_after(child: subprocess.Popen, seconds: float) -> list[str]:
    """SIGKILL ``child`` after ``seconds`` and return every word it had printed."""
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate()
    return out.split()


def kill_fresh(tmp_path: Path, mode: str, dataset_path: Path, seconds: float) -> list[str]:
    """The child in ``mode`` on ``dataset_path``, from a new project, killed after ``seconds``."""
    project = project_path_for(dataset_path)
    if project.exists():
        project.unlink()
    return kill_after(start_child(tmp_path, mode, str(dataset_path)), seconds)


def check_decisions(dataset: Dataset, dataset_path: Path, last: int) -> tuple[int, int]:
    """Every decision up to step ``last`` is in the reopened project (the next may be too).

    Returns how many rows were checked and how many rows the project holds a decision for.
    """
    rows = len(dataset)
    with ProjectStore(project_path_for(dataset_path)) as store:
        assert store.integrity_check() == "ok"
        session = ReviewSession(dataset, store)
        expected: dict[int, tuple[int, str]] = {}
        for step in range(last + 1):
            row, decision, reason = planned_decision(step, rows)
            expected[row] = (decision, reason)
        in_flight_row, in_flight, in_flight_reason = planned_decision(last + 1, rows)
        for row, (decision, reason) in expected.items():
            found = (int(session.manual[row]), session.reasons.get(row, ""))
            allowed = {(decision, reason)}
            if row == in_flight_row:  # the one in flight may or may not have landed
                allowed.add((in_flight, in_flight_reason))
            assert found in allowed, f"row {row} lost its decision after step {last}"
    return len(expected), int((session.manual != 0).sum())


def check_bulk(dataset: Dataset, dataset_path: Path, words: list[str]) -> int:
    """The killed bulk action decided every row or none, and all if the child said it was done.

    Returns how many rows it decided.
    """
    with ProjectStore(project_path_for(dataset_path)) as store:
        assert store.integrity_check() == "ok"
        count = len(store.decisions())
    assert count in (0, len(dataset))
    if "bulk" in words:
        assert count == len(dataset), "an acknowledged bulk action was lost"
    return count
