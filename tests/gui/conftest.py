"""GUI fixtures: settings written to a temporary folder, application names set."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from gui.app import create_application


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Every GUI test gets fresh, private QSettings."""
    create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield
