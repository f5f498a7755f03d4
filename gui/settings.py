"""The one place that reads and writes QSettings: window geometry, recent files.

Organisation and application names are set in :func:`gui.app.create_application` before any
``QSettings()`` is made. Keys are constants; reads are typed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 1
KEY_VERSION = "settings_version"
KEY_GEOMETRY = "MainWindow/geometry"
KEY_STATE = "MainWindow/state"
KEY_SPLITTER = "MainWindow/splitter"
KEY_RECENT = "Paths/recent_files"
KEY_LAST_DIR = "Paths/last_open_dir"
KEY_RECENT_MODELS = "Scoring/recent_models"
KEY_SHORTCUT_PREFIX = "Shortcuts/"
KEY_ADVANCE = "Review/advance_after_deciding"
MAX_RECENT_FILES = 10
MAX_RECENT_MODELS = 8


class Settings:
    """Typed access to the application's persistent settings."""

    def __init__(self) -> None:
        self._qs = QSettings()
        self.migrate()

    def migrate(self) -> None:
        """Bring older settings up to :data:`SETTINGS_VERSION` (nothing to convert yet)."""
        if self._qs.value(KEY_VERSION, 0, type=int) != SETTINGS_VERSION:
            self._qs.setValue(KEY_VERSION, SETTINGS_VERSION)

    def bytes_value(self, key: str) -> QByteArray | None:
        """A saved geometry or state blob, or None."""
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_value(self, key: str, value: object) -> None:
        """Store a value."""
        self._qs.setValue(key, value)

    def recent_files(self) -> list[str]:
        """Recently opened files, newest first, that still exist."""
        files = self._qs.value(KEY_RECENT, [], type=list) or []
        return [f for f in files if isinstance(f, str) and Path(f).is_file()]

    def add_recent_file(self, path: str | Path) -> list[str]:
        """Put ``path`` first in the recent files; returns the new list."""
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        files = files[:MAX_RECENT_FILES]
        self._qs.setValue(KEY_RECENT, files)
        self._qs.setValue(KEY_LAST_DIR, str(Path(path).parent))
        return files

    def last_open_dir(self) -> str:
        """The folder of the last opened file, or the home folder."""
        return self._qs.value(KEY_LAST_DIR, str(Path.home()), type=str)

    def recent_models(self) -> list[str]:
        """Reward models used recently (hub ids or folders), newest first."""
        models = self._qs.value(KEY_RECENT_MODELS, [], type=list) or []
        return [m for m in models if isinstance(m, str) and m]

    def add_recent_model(self, name: str) -> list[str]:
        """Put a model first in the recent models; returns the new list."""
        models = [name] + [m for m in self.recent_models() if m != name]
        self._qs.setValue(KEY_RECENT_MODELS, models[:MAX_RECENT_MODELS])
        return models[:MAX_RECENT_MODELS]

    def shortcut(self, action: str, default: str) -> str:
        """The key sequence (portable text) the curator chose for ``action``."""
        return self._qs.value(KEY_SHORTCUT_PREFIX + action, default, type=str)

    def set_shortcut(self, action: str, sequence: str) -> None:
        """Remember the key sequence for ``action``."""
        self._qs.setValue(KEY_SHORTCUT_PREFIX + action, sequence)

    def advance_after_deciding(self) -> bool:
        """Whether deciding a row moves to the next one."""
        return self._qs.value(KEY_ADVANCE, True, type=bool)

    def set_advance_after_deciding(self, on: bool) -> None:
        """Remember whether deciding a row moves to the next one."""
        self._qs.setValue(KEY_ADVANCE, on)

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._qs.sync()
