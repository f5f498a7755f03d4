"""Quitting the app while the map is being made ends cleanly, without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Both scripts start their map once the file is open (the Make map button is enabled).
WHEN_OPEN = """
def when_open():
    # Not a fixed delay: under load the file takes longer to open, and a click on the disabled
    # Make map button did nothing, so the app never quit and the test hung.
    window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
    if window.map.make_button.isEnabled():
        make_map_then_quit()
    else:
        QTimer.singleShot(200, when_open)

QTimer.singleShot(500, when_open)
"""

QUIT_WHILE_MAPPING = (
    """
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

"""
    + WHEN_OPEN
    + """
sys.exit(run_app([str(source)]))
"""
)


def test_quitting_while_the_map_is_made_prints_no_traceback(tmp_path, shared_data):
    done = subprocess.run(
        [sys.executable, "-c", QUIT_WHILE_MAPPING, str(tmp_path / "m.jsonl")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert "quitting while map: embedding" in done.stderr  # it quit mid-run
    assert done.returncode == 0, done.stderr
    assert "Signal source has been deleted" not in done.stderr
    assert "Traceback" not in done.stderr


QUIT_WHILE_FITTING = (
    """
import sys, time
from pathlib import Path
import psutil
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gui.app import create_application, run_app
from tests.embedding_map.conftest import write_mixed

source = Path(sys.argv[1])
write_mixed(source, gsm8k_rows=4000)
app = create_application([])
quit_at = []

def ours():
    # multiprocessing's resource tracker is shared by every spawn and ends with this process.
    return [p for p in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline())]

def make_map_then_quit():
    window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
    dock = window.map
    dock.method_combo.setCurrentIndex(dock.method_combo.findData("pacmap"))
    def progressed(progress):
        if progress.stage.startswith("map: PaCMAP") and not quit_at:
            print("quitting while", progress.stage, "children:", len(ours()), file=sys.stderr)
            quit_at.append(time.perf_counter())
            QTimer.singleShot(1500, window.quit_action.trigger)   # well into the fit
    dock.job.progressed.connect(progressed)
    dock.make_button.click()

"""
    + WHEN_OPEN
    + """
code = run_app([str(source)])
left = ours()
print(f"quit took {time.perf_counter() - quit_at[0] - 1.5:.1f} s; left: {len(left)}",
      file=sys.stderr)
sys.exit(code)
"""
)


def test_quitting_while_pacmap_fits_ends_its_process_promptly(tmp_path, shared_data):
    # Issue 22: the fit could not be interrupted, so quitting waited for it to finish.
    done = subprocess.run(
        [sys.executable, "-c", QUIT_WHILE_FITTING, str(tmp_path / "m.jsonl")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1200,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert "quitting while map: PaCMAP" in done.stderr, done.stderr
    assert "children: 1" in done.stderr  # the fit runs in its own process
    assert done.returncode == 0, done.stderr
    took = float(done.stderr.split("quit took ")[1].split(" s")[0])
    assert took < 5.0, done.stderr  # the window's jobs waited seconds at most
    assert "left: 0" in done.stderr
    assert "Traceback" not in done.stderr
