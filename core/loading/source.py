"""Open a dataset file: transparent gzip, running SHA-256 of the bytes on disk, byte progress."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from pathlib import Path

from core.errors import LoadError

GZIP_MAGIC = b"\x1f\x8b"
READ_BLOCK_BYTES = 1 << 20
#: Errors a damaged gzip stream can raise while it is read.
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


class HashingReader(io.RawIOBase):
    """A read-only stream over a file that hashes every byte it hands out."""

    def __init__(self, path: Path):
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._sha = hashlib.sha256()
        self.position = 0

    def readable(self) -> bool:  # noqa: D102 - io.RawIOBase protocol
        return True

    def readinto(self, buffer) -> int:  # noqa: D102 - io.RawIOBase protocol
        n = self._file.readinto(buffer)
        if n:
            self._sha.update(memoryview(buffer)[:n])
            self.position += n
        return n

    def hexdigest(self) -> str:
        """The SHA-256 of the whole file (reads whatever the consumer left unread)."""
        while chunk := self._file.read(READ_BLOCK_BYTES):
            self._sha.update(chunk)
            self.position += len(chunk)
        return self._sha.hexdigest()

    def close(self) -> None:  # noqa: D102 - io.RawIOBase protocol
        self._file.close()
        super().close()


class Source:
    """A dataset file opened for one pass: decompressed bytes, compressed progress, hash."""

    def __init__(self, path: Path, compressed: bool):
        self.path = path
        try:
            stat = path.stat()
            self.size = stat.st_size
            self.mtime_ns = stat.st_mtime_ns
            self.raw = HashingReader(path)
        except OSError as exc:
            raise LoadError(path, f"cannot open the file: {exc.strerror or exc}") from None
        self.compressed = compressed
        self.stream: io.BufferedIOBase = (
            gzip.GzipFile(fileobj=self.raw, mode="rb")
            if compressed
            else io.BufferedReader(self.raw, READ_BLOCK_BYTES)
        )

    @property
    def bytes_done(self) -> int:
        """Bytes of the file on disk consumed so far (compressed bytes for .gz)."""
        return self.raw.position

    def read(self, n: int = -1) -> bytes:
        """Read decompressed bytes; a damaged gzip stream becomes a :class:`LoadError`."""
        try:
            return self.stream.read(n)
        except GZIP_ERRORS as exc:
            raise LoadError(self.path, f"the gzip stream is damaged ({exc})") from None
        except OSError as exc:
            raise LoadError(self.path, f"read failed: {exc.strerror or exc}") from None

    def read_all(self) -> bytes:
        """The whole decompressed content."""
        return self.read()

    def sha256(self) -> str:
        """SHA-256 of the file on disk."""
        return self.raw.hexdigest()

    def close(self) -> None:
        """Close the file."""
        self.stream.close()
        self.raw.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
