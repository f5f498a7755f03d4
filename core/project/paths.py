"""Where a dataset's project file lives: next to the dataset, or in the user's data folder.

Next to the dataset is what a curator expects (the work travels with the data); a read-only
folder (a shared mount, a read-only checkout) falls back to the per-user data folder, under a
name derived from the dataset's absolute path so two datasets never share a project.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import platformdirs

from core.version import APP_NAME

PROJECT_SUFFIX = ".thresher"
#: Overrides the per-user data folder (tests, portable installs).
DATA_DIR_VARIABLE = "THRESHER_DATA_DIR"


def data_dir() -> Path:
    """The per-user folder for projects and caches (``THRESHER_DATA_DIR`` overrides it)."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def project_path_for(source: str | Path) -> Path:
    """The project file of the dataset at ``source``: ``<file>.thresher`` or a data-folder copy."""
    source = Path(source).resolve()
    beside = source.with_name(source.name + PROJECT_SUFFIX)
    if not app_owned(source) and (beside.exists() or _writable(source.parent)):
        return beside
    digest = hashlib.blake2b(str(source).encode("utf-8"), digest_size=8).hexdigest()
    return data_dir() / "projects" / f"{source.name}-{digest}{PROJECT_SUFFIX}"


def app_owned(source: Path) -> bool:
    """Whether ``source`` is one of Thresher's own files, never to be written beside.

    The bundled sample and anything in a frozen build's folder belong to the app, even where
    that folder happens to be writable.
    """
    from core.bundled import app_folders

    return any(source.is_relative_to(folder) for folder in app_folders())


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (``os.access`` lies on some mounts)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False
