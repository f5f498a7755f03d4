"""Thresher's own files, found the same way from source and from a frozen (PyInstaller) build.

``resources/`` is read through :mod:`importlib.resources` only, so the bundled sample is found
wherever the package lives: the repository, or a bundle's ``_internal`` folder. Nothing is ever
written there (see :func:`core.project.paths.project_path_for`).
"""

from __future__ import annotations

import sys
from importlib.resources import as_file, files
from pathlib import Path

SAMPLE_NAME = "sample_sft.jsonl"


def sample_dataset_path() -> Path:
    """The bundled sample dataset, as a path on disk."""
    with as_file(files("resources") / "sample" / SAMPLE_NAME) as path:
        return Path(path)


def is_frozen() -> bool:
    """Whether this is a PyInstaller build rather than Python running the source."""
    return bool(getattr(sys, "frozen", False))


def app_folders() -> list[Path]:
    """Folders that belong to the app: its resources and, when frozen, the bundle's folder."""
    folders = [Path(str(files("resources"))).resolve()]
    if is_frozen():
        folders.append(Path(sys.executable).resolve().parent)
    return folders
