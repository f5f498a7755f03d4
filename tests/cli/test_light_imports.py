"""The light subcommands start fast: they never import torch or transformers (about 3 s)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cli import main
from tests.conftest import ROOT

HEAVY = ("torch", "transformers")

#: Runs main.py's entry point in-process, then prints which heavy modules were imported.
PROBE = """
import runpy, sys
sys.argv = ["main.py", *sys.argv[1:]]
sys.path.insert(0, ".")
try:
    runpy.run path("main.py", run_name="__main__")
except SystemExit as stop:
    code = stop.code
print("HEAVY=" + ",".join(m for m in {heavy} if m in sys.modules), file=sys.stderr)
""".replace("run path", "run_path").format(heavy=HEAVY)


def heavy_imports(*args) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("HEAVY="), result.stderr
    return [m for m in last.removeprefix("HEAVY=").split(",") if m]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["inspect", "--help"],
        ["export", "--help"],
        ["simulate", "--size", "5000"],
    ],
)
def test_help_version_and_simulate_import_no_model_library(args):
    assert heavy_imports(*args) == []


def test_inspect_imports_no_model_library(sample_copy):
    assert heavy_imports("inspect", sample_copy) == []


def test_export_imports_no_model_library(sample_copy, tmp_path, capsys):
    assert (
        main(
            [
                "curate",
                str(sample_copy),
                "--model",
                "heuristic",
                "--keep-all",
                "-o",
                str(tmp_path / "first.jsonl"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    out = tmp_path / "again.jsonl"
    assert heavy_imports("export", sample_copy, "-o", out) == []
    assert out.read_bytes() == (tmp_path / "first.jsonl").read_bytes()


def test_the_probe_sees_a_model_library_when_one_is_imported(sample_copy, tmp_path):
    """The check can fail: scoring with the heuristic still loads the scoring package."""
    assert "torch" in heavy_imports(
        "score", sample_copy, "--model", "heuristic", "-o", tmp_path / "s.csv"
    )
