"""The base of every feature dock: a movable, floatable dock with a stable object name.

The object name is what ``QMainWindow.saveState`` keys the layout by, so it must never change
between releases; the title is what the View menu shows.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QWidget


class FeatureDock(QDockWidget):
    """A dock the curator can move and float (and close, once it is fitted to the screen)."""

    def __init__(self, title: str, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setObjectName(object_name)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
