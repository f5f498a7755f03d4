"""Quitting the app while the map is being made ends cleanly, without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

QUIT_WHILE_MAPPING = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gui.app import create_application, run_app
from tests.embedding_map.conftest import write_mixed

source = Path(sys.argv[1])
write_mixed(source, gsm8k_rows=4000)
app = create_application([])

def make_map_then_quit():
    window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
    dock = window.map
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("pacmap"))
    def progressed(progress):
        if progress.stage == "map: embedding" and progress.done > 0 and not window.isHidden():
            print("quitting while", progress.stage, file=sys.stderr)
            QTimer.singleShot(0, window.quit_action.trigger)
    dock.job.progressed.connect(progressed)
    dock.make_button.click()

QTimer.singleShot(6000, make_map_then_quit)
sys.exit(run_app([str(source)]))
"""


def test_quitting_while_the_map_is_made_prints_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-c", QUIT_WHILE_MAPPING, str(tmp_path / "m.jsonl")],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert "quitting while map: embedding" in done.stderr     # it quit mid-run
    assert done.returncode == 0, done.stderr
    assert "Signal source has been deleted" not in done.stderr
    assert "Traceback" not in done.stderr
