"""The self-test's window step: the main window renders the sample offscreen.

A frozen build can lose a Qt plugin or a pyqtgraph module without any import failing until a
window is drawn; this step draws one. Its settings go to the test's temporary folder, so the
user's window layout is untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

WINDOW_TIMEOUT_MS = 60_000


def window_step(folder: Path, state: dict) -> str:
    """Open the bundled sample in the main window offscreen and check what it shows."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from PySide6.QtCore import (
        QCoreApplication,
        QEvent,
        QEventLoop,
        QSettings,
        QThreadPool,
        QTimer,
    )

    from core.bundled import sample_dataset_path
    from gui.app import create_application
    from gui.error_hook import failure_text
    from gui.main_window import MainWindow

    create_application([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings")
    )
    window = MainWindow()
    outcome: dict = {}
    loop = QEventLoop()
    # Wait for the first (heuristic) scoring too: closing while it runs would only test that
    # a closing window cancels its jobs, which the GUI tests already do.
    window.dataset_loaded.connect(lambda dataset: outcome.update(rows=len(dataset)))
    window.scoring.scoring_finished.connect(loop.quit)
    window.load_failed.connect(lambda exc: (outcome.update(error=failure_text(exc)), loop.quit()))
    QTimer.singleShot(WINDOW_TIMEOUT_MS, loop.quit)
    try:
        window.resize(1560, 860)
        window.show()
        window.open_path(sample_dataset_path())
        loop.exec()
        if "error" in outcome:
            raise RuntimeError(f"the window could not open the sample: {outcome['error']}")
        if "rows" not in outcome:
            raise RuntimeError(f"the sample did not load within {WINDOW_TIMEOUT_MS // 1000} s")
        shown = window.model.rowCount()
        if shown != len(state["dataset"]):
            raise RuntimeError(
                f"the table shows {shown} rows, the sample has {len(state['dataset'])}"
            )
        picture = window.grab()
        if picture.isNull() or picture.width() < 400:
            raise RuntimeError("the window did not render")
        picture.save(str(folder / "window.png"))
    finally:
        window.close()
        window.deleteLater()
        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return f"{shown:,} rows in the table, window drawn at {picture.width()}x{picture.height()}"
