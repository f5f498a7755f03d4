"""The application's name and version; the version is read from ``pyproject.toml`` only.

``pyproject.toml`` is the one place a release bumps: the CLI's ``--version``, the window's
application version and every manifest read it from here. The bundle carries the file as data
(``build.spec``), next to the packages, so the frozen app reads the same line.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

APP_NAME = "Thresher"


def _project_file() -> Path:
    root = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1]))
    return root / "pyproject.toml"


def _read_version() -> str:
    with _project_file().open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


APP_VERSION = _read_version()
