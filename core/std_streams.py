"""Standard streams for windowed builds, where ``sys.stdout`` and ``sys.stderr`` are None.

A frozen app built without a console (Windows, macOS) starts with both streams set to None, and
tqdm, transformers' logging and ``print`` then fail with ``AttributeError: 'NoneType' object has
no attribute 'write'``. Before any of them is imported, missing streams are pointed at a log file
in the user's log folder, so messages are kept rather than lost.
"""

from __future__ import annotations

import sys
from pathlib import Path

LOG_NAME = "thresher.log"


def log_path() -> Path:
    """Where a windowed build writes what would have gone to the console."""
    import platformdirs

    from core.version import APP_NAME

    return Path(platformdirs.user_log_dir(APP_NAME, False)) / LOG_NAME


def ensure_std_streams() -> Path | None:
    """Give ``sys.stdout``/``sys.stderr`` a log file if they are None; return its path."""
    if sys.stdout is not None and sys.stderr is not None:
        return None
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    log = open(path, "a", encoding="utf-8", errors="backslashreplace", buffering=1)  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        sys.stdout = log
    if sys.stderr is None:
        sys.stderr = log
    return path
