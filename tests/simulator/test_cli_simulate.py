"""``main.py simulate``: the model from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli import main
from core.simulator.model import Point, estimate

ROOT = Path(__file__).resolve().parents[2]


def test_json_gives_performance_and_elasticity(capsys) -> None:
    assert main(["simulate", "--size", "9000", "--noise", "0.05", "--dup", "0.25", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    expected = estimate(Point(9000, 0.05, 0.25))
    assert payload["performance"] == pytest.approx(expected.performance)
    assert payload["elasticity"] == pytest.approx(expected.elasticity)
    assert 0 < payload["performance"] < 1
    assert payload["input"] == {"size": 9000, "noise": 0.05, "duplication": 0.25, "copies": 2}


def test_text_output_and_percent_inputs(capsys) -> None:
    assert main(["simulate", "--size", "1000", "--noise", "20%"]) == 0
    out = capsys.readouterr().out
    assert f"{estimate(Point(1000, 0.2)).performance:.3f}" in out
    assert "elasticity" in out


def test_presets_can_be_overridden(capsys) -> None:
    assert main(["simulate", "--preset", "alpaca", "--noise", "0.05", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["input"]["size"] == 52002 and payload["input"]["noise"] == 0.05


def test_bad_input_is_one_line_not_a_traceback() -> None:
    for args in (
        ["--size", "0", "--noise", "0.1"],
        ["--noise", "0.1"],
        ["--size", "10", "--noise", "1.5"],
    ):
        done = subprocess.run(
            [sys.executable, "main.py", "simulate", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines()[-1].startswith(("error:", "main.py simulate:"))
