"""``--self-test`` and what a frozen build relies on, checked from source."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from tqdm import tqdm

from core import std_streams
from core.bundled import sample_dataset_path
from core.project.paths import project_path_for
from core.self_test import FAILED, run_self_test
from tests.conftest import ROOT, SAMPLE


def test_self_test_passes_offline_and_leaves_no_file_behind(tmp_path):
    data_dir = tmp_path / "data"
    before = sorted(p.name for p in SAMPLE.parent.iterdir())
    env = {
        **os.environ,
        "THRESHER_DATA_DIR": str(data_dir),
        "QT_QPA_PLATFORM": "offscreen",
        "HF_HUB_OFFLINE": "1",
        "TMPDIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert len(steps) == 7 and all(": ok (" in line for line in steps)
    assert "294 rows in the table" in steps[-1]
    assert done.stdout.splitlines()[-1].startswith("self-test passed")
    assert "Traceback" not in done.stderr and "RuntimeWarning" not in done.stderr
    assert sorted(p.name for p in SAMPLE.parent.iterdir()) == before  # nothing beside it
    assert not data_dir.exists()  # nor in the user's data
    assert not list(tmp_path.glob("thresher-self-test-*"))  # its temp folder is gone


def test_a_failing_step_is_reported_in_one_line_with_exit_code_1():
    lines: list[str] = []

    def broken(folder, state):
        raise OSError("disk full")

    code = run_self_test([("a broken step", broken)], say=lines.append)
    assert code == FAILED
    assert lines[-1] == "[7/7] a broken step: FAILED: OSError: disk full"


def test_the_bundled_sample_is_read_in_place_and_never_written_beside(tmp_path, monkeypatch):
    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path))
    assert sample_dataset_path() == SAMPLE
    assert project_path_for(SAMPLE).parent == tmp_path / "projects"
    ordinary = tmp_path / "mine.jsonl"
    ordinary.write_text("{}\n")
    assert project_path_for(ordinary) == tmp_path / "mine.jsonl.thresher"


@pytest.mark.parametrize("missing", ["stdout", "stderr"])
def test_a_windowed_build_without_streams_logs_to_a_file(tmp_path, monkeypatch, missing):
    """Print and tqdm write to the log instead of failing on a None stream."""
    log = tmp_path / "logs" / "thresher.log"
    monkeypatch.setattr(std_streams, "log_path", lambda: log)
    monkeypatch.setattr(sys, missing, None)
    assert std_streams.ensure_std_streams() == log
    stream = getattr(sys, missing)
    try:
        print("scoring started", file=stream)
        for _ in tqdm(range(3), file=sys.stderr, desc="scoring"):
            pass
        assert std_streams.ensure_std_streams() is None  # both streams exist now
    finally:
        stream.close()
    assert "scoring started" in log.read_text()
