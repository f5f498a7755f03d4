"""Start-up benchmark: time to the first painted window, and to the light command-line answers.

Run by hand: ``.venv/bin/python benchmarks/bench_startup.py [--runs N]``. Every measurement is a
fresh child process, timed from just before it is spawned:

- ``window``: ``main.py``'s path (QApplication, MainWindow, show, open the bundled sample) until
  the main window's first paint, and until the sample's rows are in the table;
- ``bare Qt``: the baseline, an empty QMainWindow painted by the same interpreter (what any
  PySide6 app pays), measured in the same run; ratios are against it;
- ``--help``, ``--version``, ``inspect SAMPLE``: the light subcommands.

"cold" is the first run with an empty bytecode cache (``PYTHONPYCACHEPREFIX`` pointing at a new
folder, so every module, the libraries' too, is compiled from source, as on a first launch after
installing); "warm" is the median of the runs after it. The OS file cache is not dropped (that
needs root and slows every other process on the machine), so a first launch after a reboot
can be slower still.

Goal (issue 18): the window paints before torch or transformers are imported (the child checks
and reports it), and ``--help``, ``--version``, ``inspect`` answer without them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WINDOW = r"""
import os, sys, time
sys.path.insert(0, os.getcwd())
from PySide6.QtCore import QEvent, QObject, QTimer
from gui.app import create_application
app = create_application([])
from core.bundled import sample_dataset_path
from gui.main_window import MainWindow
marks = {}
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "paint" not in marks:
            marks["paint"] = time.time()
            marks["heavy"] = [m for m in ("torch", "transformers") if m in sys.modules]
        return False
window = MainWindow()
watcher = FirstPaint()
window.installEventFilter(watcher)
def loaded(_dataset):
    marks["rows"] = time.time()
    QTimer.singleShot(0, app.quit)
window.dataset_loaded.connect(loaded)
window.load_failed.connect(lambda message: app.quit())
window.show()
window.open_path(sample_dataset_path())
QTimer.singleShot(60_000, app.quit)
app.exec()
print(marks["paint"], marks.get("rows", float("nan")), ",".join(marks["heavy"]) or "-",
      flush=True)
os._exit(0)     # only the start is measured; background jobs are not wound down
"""

BARE = r"""
import time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
marks = {}
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "paint" not in marks:
            marks["paint"] = time.time()
            QTimer.singleShot(0, app.quit)
        return False
window = QMainWindow()
watcher = FirstPaint()
window.installEventFilter(watcher)
window.resize(1280, 720)
window.show()
app.exec()
print(marks["paint"], marks["paint"], "-")
"""


def _env(pycache: Path, data: Path) -> dict:
    env = dict(
        os.environ,
        PYTHONPYCACHEPREFIX=str(pycache),
        THRESHER_DATA_DIR=str(data),
        XDG_CONFIG_HOME=str(data / "config"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm runs need the cache the first fills
    return env


def _gui(script: str, env: dict) -> tuple[float, float, str]:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]) - start, float(out[1]) - start, out[2]


def _cli(args: list[str], env: dict) -> tuple[float, float, str]:
    start = time.time()
    subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    seconds = time.time() - start
    return seconds, seconds, "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs per case (default 5)")
    runs = parser.parse_args().runs
    sample = str(ROOT / "resources" / "sample" / "sample_sft.jsonl")
    cases = {
        "bare Qt window (baseline)": lambda env: _gui(BARE, env),
        "Thresher window": lambda env: _gui(WINDOW, env),
        "main.py --help": lambda env: _cli(["--help"], env),
        "main.py --version": lambda env: _cli(["--version"], env),
        "main.py inspect SAMPLE": lambda env: _cli(["inspect", sample], env),
    }
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in cases.items():
            cold_cache = Path(tmp) / f"pycache-{len(results)}"
            warm_cache = Path(tmp) / "pycache-warm"
            data = Path(tmp) / f"data-{len(results)}"
            cold = case(_env(cold_cache, data))
            case(_env(warm_cache, data))  # fills the shared warm cache
            warm = [case(_env(warm_cache, data)) for _ in range(runs)]
            results[name] = (cold, warm)
    base_cold, base_warm = results["bare Qt window (baseline)"]
    base_cold_s = base_cold[0]
    base_warm_s = statistics.median(w[0] for w in base_warm)
    print(f"{'case':<28}{'cold s':>8}{'warm s':>8}{'x base':>8}  heavy modules at paint")
    for name, (cold, warm) in results.items():
        warm_s = statistics.median(w[0] for w in warm)
        print(f"{name:<28}{cold[0]:>8.2f}{warm_s:>8.2f}{warm_s / base_warm_s:>8.1f}  {cold[2]}")
        if name == "Thresher window":
            rows = statistics.median(w[1] for w in warm)
            print(
                f"{'  ... sample rows shown':<28}{cold[1]:>8.2f}{rows:>8.2f}"
                f"{rows / base_warm_s:>8.1f}"
            )
    print(
        f"(baseline: a bare PySide6 window, {base_cold_s:.2f} s cold, {base_warm_s:.2f} s "
        f"warm; {runs} warm runs per case, median)"
    )


if __name__ == "__main__":
    main()
