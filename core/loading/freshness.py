"""Has the file a dataset was read from changed since? Cheap checks while open, a hash at export.

The app shows and exports the records it read; if the file is edited or replaced meanwhile, an
export would write the old records under a manifest naming the path. So the app watches the
file's size and modification time while it is open (cheap: one ``stat``), and every export first
hashes the file and refuses when the SHA-256 differs from the one taken while loading.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.dataset import Dataset
from core.errors import ThresherError

READ_BLOCK_BYTES = 1 << 20


class SourceChanged(ThresherError):
    """The file on disk is no longer the one the records were read from."""


def change_since_load(dataset: Dataset) -> str | None:
    """One line saying how the file differs from when it was read (size, time), or None."""
    path = Path(dataset.path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return f"{path}: the file was moved or deleted since it was opened"
    except OSError as exc:
        return f"{path}: the file cannot be checked ({exc.strerror or exc})"
    if stat.st_size != dataset.source_size:
        return (
            f"{path}: the file changed on disk since it was opened ({dataset.source_size:,} "
            f"-> {stat.st_size:,} bytes)"
        )
    if dataset.source_mtime_ns and stat.st_mtime_ns != dataset.source_mtime_ns:
        return f"{path}: the file changed on disk since it was opened (modified again)"
    return None


def check_unchanged(dataset: Dataset) -> None:
    """Raise :class:`SourceChanged` unless the file still hashes as it did when it was read."""
    if not dataset.source_sha256:
        return  # not read from a file (built in memory)
    path = Path(dataset.path)
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(READ_BLOCK_BYTES):
                digest.update(block)
    except OSError as exc:
        raise SourceChanged(
            f"{path}: the source cannot be read to check it is unchanged "
            f"({exc.strerror or exc}); nothing was exported"
        ) from None
    if digest.hexdigest() != dataset.source_sha256:
        raise SourceChanged(
            f"{path}: the file changed on disk since it was opened; reload it "
            "before exporting (nothing was exported)"
        )
