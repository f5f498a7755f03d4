"""The version a user sees comes from pyproject.toml, the one place a release changes it."""

import subprocess
import sys
import tomllib

from tests.conftest import ROOT


def test_version_flag_prints_the_version_in_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = subprocess.run(
        [sys.executable, "main.py", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"Thresher {declared}"
