"""Make a dock fit a small screen: its contents scroll, and the curator can close it.

A dock's minimum size is its contents' minimum size, and QMainWindow adds them up: five docks of
forms and plots made the window at least 1435 x 845, too big for a 1366 x 768 laptop. Inside a
scroll area a dock can be as small as the curator likes, and a closed dock comes back from the
View menu (its toggle action).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea

#: Below this a dock's contents are unreadable; the scroll bars take over from here.
MIN_DOCK_WIDTH = 160
MIN_DOCK_HEIGHT = 100


def fit_dock(dock: QDockWidget) -> QScrollArea:
    """Put ``dock``'s widget inside a scroll area and make the dock closable."""
    contents = dock.widget()
    scroller = QScrollArea(dock)
    scroller.setObjectName(f"{dock.objectName()}_scroller")
    scroller.setFrameShape(QFrame.Shape.NoFrame)
    scroller.setWidgetResizable(True)
    scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    scroller.setMinimumSize(MIN_DOCK_WIDTH, MIN_DOCK_HEIGHT)
    scroller.setWidget(contents)
    dock.setWidget(scroller)
    dock.setFeatures(dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    return scroller
