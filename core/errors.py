"""Typed errors raised by the core, so every front end can present them without a traceback."""


class ThresherError(Exception):
    """Base class of every error the core raises on purpose."""


class LoadError(ThresherError):
    """A file could not be read as a dataset at all (unreadable, unknown format, broken JSON).

    Problems confined to single lines or records are never raised: they are collected as
    :class:`core.dataset.BadLine` entries and the rest of the file loads.
    """

    def __init__(self, path, reason: str, line: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")
