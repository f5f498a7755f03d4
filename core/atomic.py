"""Atomic, durable file replacement: a reader sees the old file or the new one, never half.

The new content goes to a temporary file beside the target (same volume, so the rename is
atomic), is flushed and fsynced, gets ordinary permissions (``mkstemp`` makes 0600 files that
other tools cannot read), replaces the target with ``os.replace``, and the folder is fsynced so
the rename itself survives a power cut. An optional ``verify`` step re-reads the finished
temporary file before it may replace anything. Write and verification errors surface (ENOSPC
shows up only at flush or close) and leave the old file untouched, with no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(
    path: str | Path,
    write: Callable[[BinaryIO], None],
    verify: Callable[[Path], None] | None = None,
) -> None:
    """Call ``write(handle)`` on a temporary file, ``verify(temp)``, then move it over ``path``.

    ``verify`` raises to abort: the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    _remove_leftovers(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if verify is not None:
            verify(Path(temp))
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_folder(path.parent)


def _remove_leftovers(path: Path) -> None:
    """Delete temporary files a killed earlier write of ``path`` left behind."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder for fsync; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
