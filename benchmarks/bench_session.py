"""A whole curation session at 1M rows, through the real app offscreen and through the CLI.

    .venv/bin/python benchmarks/bench_session.py [--rows 1000000] [--skip-cli] [--profile DIR]
        [--watch SECONDS [--watch-file FILE]] [--switch-interval MS]

The file is the mixed real-source benchmark file (``mixed_synth.py``, in /tmp). The GUI part
opens it in the real main window (offscreen) and does what a curator does: open → flags and
heuristic scores → exact+near duplicates → a rule → a text filter → sort by a text column →
1,000 keyboard decisions → drop everything a filter shows → undo → export with sidecar and
manifest. For each step it prints the wall time, the process's memory (now and peak) and the
GUI heartbeat: a 10 ms precise QTimer whose lateness is what a curator feels as a frozen
window (goals: p99 <= 50 ms, max <= 100 ms). The CLI part runs ``curate`` on the same file in a
child process (heuristic model, exact+near dedup, sidecar and manifest) and prints its time and
peak memory. Projects and settings go to a temporary folder, never the user's.

``--profile DIR`` writes a cProfile of each GUI step (what the GUI thread did) for stalls.

``--watch SECONDS`` says *who* froze the window: ``freeze_watch.FreezeWatch`` samples every
thread's stack and CPU clock every 4 ms, and each heartbeat tick later than SECONDS writes, with
a marker per step, which threads used the CPU in that window, with their most frequent stacks,
and which one held the GIL across the sampler's longest gap. A percentile says that the GUI
thread froze; the report names the thread and the code. It is a diagnosis, not a measurement
(the sampler takes a little GIL time): take the step table from a run without it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from freeze_watch import FreezeWatch
from mixed_synth import cached_mixed_jsonl

ROOT = Path(__file__).resolve().parent.parent

HEARTBEAT_MS = 10
KEYS = 1000


def rss_bytes() -> int:
    """Resident memory of this process now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_bytes() -> int:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_cli(path: Path, folder: Path) -> None:
    """``main.py curate`` on the file in a child process: its time and peak memory."""
    out = folder / "cli.jsonl"
    command = [
        sys.executable,
        str(ROOT / "main.py"),
        "curate",
        str(path),
        "--model",
        "heuristic",
        "--dedup",
        "exact,near",
        "--min-score",
        "0.5",
        "-o",
        str(out),
        "--sidecar",
        str(folder / "cli.parquet"),
        "--project",
        str(folder / "cli.db"),
    ]
    env = {**os.environ, "THRESHER_DATA_DIR": str(folder / "data")}
    start = time.perf_counter()
    child = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # The child's own high-water mark, read while it runs: RUSAGE_CHILDREN would count the
    # moment between fork and exec, when the child still is a copy of this (large) process.
    peak_kb = 0
    outputs: list[str] = []
    reader = threading.Thread(target=lambda: outputs.extend(child.communicate()), daemon=True)
    reader.start()
    while reader.is_alive():
        try:
            with open(f"/proc/{child.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        reader.join(0.5)
    stdout, stderr = outputs
    seconds = time.perf_counter() - start
    print(
        f"\nCLI curate (heuristic, exact+near, sidecar, manifest): rc {child.returncode}, "
        f"{seconds:,.1f} s, peak {peak_kb / 1024:,.0f} MB (the curate process)"
    )
    print("  " + (stdout.strip() or stderr.strip()).replace("\n", "\n  ")[:800])


def held_bytes(obj, depth: int = 3, seen: set[int] | None = None) -> int:
    """Bytes of the NumPy arrays and text an object holds (its attributes, a few levels down).

    Strings and bytes count their ``sys.getsizeof``; containers are followed; each object once.
    """
    seen = set() if seen is None else seen
    if id(obj) in seen or depth < 0:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return obj.nbytes if obj.base is None or id(obj.base) not in seen else 0
    if isinstance(obj, (str, bytes)):
        return sys.getsizeof(obj)
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (str, bytes)):
            return sys.getsizeof(obj) + sum(map(sys.getsizeof, obj))
        return sum(held_bytes(item, depth - 1, seen) for item in obj)
    if isinstance(obj, dict):
        return sum(held_bytes(v, depth - 1, seen) for v in obj.values())
    fields = getattr(obj, "__dict__", None)
    return held_bytes(fields, depth, seen) if fields is not None else 0


def memory_lines(window) -> list[str]:
    """Where the memory goes: dataset, session, table model, duplicates (as held by each)."""
    session = window.review.controller.session
    dataset = session.dataset
    seen: set[int] = set()
    parts = [
        ("dataset (text, originals, arrays)", held_bytes(dataset, seen=seen)),
        ("review session (scores, decisions, keys)", held_bytes(session, seen=seen)),
        ("table model (order, labels)", held_bytes(window.model, seen=seen)),
        (
            "duplicates (result + table)",
            held_bytes(window.dedup.result, seen=seen) + held_bytes(window.dedup.table, seen=seen),
        ),
    ]
    return [f"{name}: {size / 2**20:,.0f} MB" for name, size in parts]


def collection_lines(top: int = 6) -> list[str]:
    """What one full garbage collection costs now, and the largest containers it walks.

    Any thread's allocations can set one off, and it holds the GIL throughout: every thread,
    the GUI thread included, waits for it. Objects frozen at warm-up (``core.long_lived``) are
    not walked; a container of a million items is walked item by item.
    """
    start = time.perf_counter()
    gc.collect()
    ms = (time.perf_counter() - start) * 1000
    sizes = sorted(
        (
            (len(obj), type(obj).__name__)
            for obj in gc.get_objects()
            if isinstance(obj, (list, tuple, dict, set)) and len(obj) >= 10_000
        ),
        reverse=True,
    )
    walked = ", ".join(f"{kind} of {size:,}" for size, kind in sizes[:top]) or "none"
    return [f"a full collection: {ms:,.0f} ms; containers of 10,000+ items it walks: {walked}"]


def run_events(ms: int) -> None:
    """Run the event loop for ``ms``, as the app's own loop runs, letting workers have the GIL.

    Not ``QTest.qWait``: PySide6's holds the GIL while it sleeps between events, so a worker
    thread ran at 43% of its speed beside ``qWait(5)`` (6% beside ``qWait(100)``) and every
    step's time came out longer than the app's. A ``QEventLoop`` waits without the GIL.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class Heartbeat:
    """A precise 10 ms timer on the GUI thread; lateness of each tick, collected per step.

    With a ``watch`` (a ``FreezeWatch``), a tick later than ``stall`` seconds is reported to it.
    """

    def __init__(self, watch: FreezeWatch | None = None, stall: float = 0.3) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.watch, self.stall = watch, stall
        self.timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.late: list[float] = []
        self.last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = max(0.0, now - self.last - HEARTBEAT_MS / 1000)
        self.late.append(late)
        if self.watch is not None and late > self.stall:
            self.watch.report(self.last, now)
        self.last = time.perf_counter()

    def mark(self, name: str) -> None:
        """Start a step's section in the watch report."""
        if self.watch is not None:
            self.watch.mark(name)

    def stop(self) -> None:
        """No more reports (the window is closing)."""
        if self.watch is not None:
            self.watch.stop()

    def take(self) -> np.ndarray:
        """Lateness (ms) of the ticks since the last call, including a stall still running."""
        self._tick()
        late, self.late = np.array(self.late) * 1000, []
        return late


class Collections:
    """Python's full garbage collections, as they happen: how many, the longest, and who.

    A full collection walks every tracked container item by item while holding the GIL, so
    whichever thread's allocation sets it off, the window waits for it.
    """

    def __init__(self) -> None:
        self.started: float | None = None
        self.full: list[tuple[float, str]] = []
        gc.callbacks.append(self._observe)

    def _observe(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self.started = time.perf_counter()
        elif self.started is not None:
            ms = (time.perf_counter() - self.started) * 1000
            self.full.append((ms, threading.current_thread().name))
            self.started = None

    def take(self) -> str:
        """The full collections since the last call, as a line ('' when there were none)."""
        full, self.full = self.full, []
        if not full:
            return ""
        ms, thread = max(full)
        total = sum(ms for ms, _ in full)
        return f"{len(full)} full collections, {total:,.0f} ms; longest {ms:,.0f} ms on {thread}"


class GuiSession:
    """The main window and the helpers to wait for its background work."""

    def __init__(self, folder: Path, profile: Path | None, watch=None, stall: float = 0.3) -> None:
        from PySide6.QtCore import QSettings

        from gui.app import create_application

        os.environ["THRESHER_DATA_DIR"] = str(folder / "data")
        # The app's own factory: it sets what the app runs with (the GIL switch interval).
        self.app = create_application([])
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings")
        )
        from gui.main_window import MainWindow

        self.folder = folder
        self.window = MainWindow()
        self.window.resize(1400, 900)
        self.window.show()
        self.heartbeat = Heartbeat(watch, stall)
        self.collections = Collections()
        self.profile = profile
        self.rows: list[tuple] = []
        self.wait(lambda: True)
        self.heartbeat.take()

    def opened(self) -> bool:
        """The file is loaded and its session open (scores and flags may still stream)."""
        w = self.window
        return not (w.job.running or w.review.controller.busy or w.review._restoring)

    def busy(self) -> bool:
        w = self.window
        r, s, d = w.review, w.scoring, w.dedup
        return (
            w.job.running
            or r.filter_job.running
            or r.export_job.running
            or r.controller.busy
            or r._restoring
            or s.controller.running
            or s.heuristics.running
            or d.detect.running
            or d.restore.running
            or d.builder.running
            or w.filter_bar._timer.isActive()
            or d._scores_settled.isActive()
            or w.plots._drag_timer.isActive()
            or w.model._resort_timer.isActive()
            or w.model.sorting
        )

    def wait(self, done, timeout_s: float = 3600, settle: bool = True) -> None:
        """Run the event loop until ``done()`` and (with ``settle``) nothing is busy."""
        deadline = time.perf_counter() + timeout_s
        while not done() or (settle and self.busy()):
            if time.perf_counter() > deadline:
                raise TimeoutError("the step did not finish")
            run_events(5)

    def step(self, name: str, action, done=lambda: True, settle: bool = True) -> None:
        """Time ``action`` and the background work it starts, with heartbeat and memory."""
        self.heartbeat.take()
        self.collections.take()
        self.heartbeat.mark(name)
        profiler = cProfile.Profile() if self.profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        action()
        self.wait(done, settle=settle)
        if profiler:
            profiler.disable()
            profiler.dump_stats(self.profile / f"{len(self.rows):02d}_{name.split()[0]}.prof")
        seconds = time.perf_counter() - start
        late = self.heartbeat.take()
        p99 = float(np.percentile(late, 99)) if len(late) else 0.0
        worst = float(late.max()) if len(late) else 0.0
        self.rows.append((name, seconds, rss_bytes(), peak_bytes(), p99, worst))
        print(
            f"{name:38} {seconds:8.2f} s  rss {rss_bytes() / 2**20:7,.0f} MB  "
            f"peak {peak_bytes() / 2**20:7,.0f} MB  heartbeat p99 {p99:6.0f} ms  "
            f"max {worst:6.0f} ms",
            flush=True,
        )
        collections = self.collections.take()
        if collections:
            print(f"{'':39}{collections}", flush=True)


def run_gui(
    path: Path,
    folder: Path,
    profile: Path | None,
    watch=None,
    stall: float = 0.3,
    switch_interval: float | None = None,
) -> list[tuple]:
    """Drive the main window through the session; returns the step rows."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from core.export import ExportOptions
    from core.review import RowFilter
    from gui.review.export_dialog import ExportDialog
    from gui.table.model import COLUMN_INDEX

    s = GuiSession(folder, profile, watch, stall)
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    print(f"GIL switch interval {sys.getswitchinterval() * 1000:g} ms")
    w = s.window
    loaded = []
    w.dataset_loaded.connect(loaded.append)
    # The embedding map is made when its dock is first shown: not part of this session.
    w.map.close()
    s.step(
        "open (load + session)",
        lambda: w.open_path(path),
        lambda: bool(loaded) and s.opened(),
        settle=False,
    )
    s.step("flags + heuristic scores", lambda: None)
    session = w.review.controller.session

    def dedup() -> None:
        w.dedup.panel.exact_check.setChecked(True)
        w.dedup.panel.near_check.setChecked(True)
        w.dedup.panel.semantic_check.setChecked(False)
        w.dedup.panel.run_button.click()

    s.step("exact + near duplicates", dedup, lambda: w.dedup.table is not None)

    def rule() -> None:
        panel = w.review.panel
        panel.mode.setCurrentIndex(panel.mode.findData("threshold"))
        panel.min_score.setValue(0.5)
        panel.drop_duplicates.setChecked(True)

    s.step("rule (score >= 0.5, drop duplicates)", rule)
    s.step(
        "text filter ('the')", lambda: w.filter_bar.set_filter(RowFilter(search="the"), emit=True)
    )
    s.step(
        "sort by response (text)",
        lambda: w.table.sortByColumn(COLUMN_INDEX["response"], Qt.SortOrder.AscendingOrder),
    )

    def keys() -> None:
        w.review.advance_action.setChecked(True)
        w.table.select_only(0)
        w.activateWindow()
        w.table.setFocus()
        times = []
        for i in range(KEYS):
            t = time.perf_counter()
            QTest.keyClick(w.table, Qt.Key.Key_K if i % 3 else Qt.Key.Key_D)
            times.append(time.perf_counter() - t)
            run_events(1)  # keys arrive through the event loop, between other events
        keys.ms = np.array(times) * 1000

    s.step(f"{KEYS:,} keyboard decisions", keys)
    print(
        f"{'':38} per key: median {np.median(keys.ms):.1f} ms, p99 "
        f"{np.percentile(keys.ms, 99):.1f} ms, max {keys.ms.max():.1f} ms"
    )
    decided = int((session.manual != 0).sum())

    def bulk() -> None:
        from PySide6.QtWidgets import QMessageBox

        w.filter_bar.set_filter(RowFilter(search="Assistant:"), emit=True)
        s.wait(lambda: True)
        original = QMessageBox.exec
        QMessageBox.exec = lambda box: QMessageBox.StandardButton.Yes  # "Drop all …?" Yes
        try:
            w.review.drop_shown_action.trigger()
        finally:
            QMessageBox.exec = original

    s.step("bulk drop of a filter ('Assistant:')", bulk)
    dropped = int((session.manual != 0).sum()) - decided

    def undo() -> None:
        QTest.keyClick(w.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        for modifier in (Qt.Key.Key_Control, Qt.Key.Key_Shift):
            QTest.keyRelease(w.table, modifier)

    s.step("undo the bulk drop", undo)
    assert int((session.manual != 0).sum()) == decided, "undo did not restore the decisions"
    output = folder / "export.jsonl"
    finished = []

    def export() -> None:
        original = (ExportDialog.exec, ExportDialog.options)
        ExportDialog.exec = lambda dialog: ExportDialog.DialogCode.Accepted
        ExportDialog.options = lambda dialog: ExportOptions(
            output=output, dropped=folder / "dropped.jsonl", sidecar=folder / "sidecar.parquet"
        )
        w.review.export_job.finished.connect(lambda *a: finished.append(1))
        try:
            w.review.export_action.trigger()
        finally:
            ExportDialog.exec, ExportDialog.options = original

    s.step("export (+ dropped, sidecar, manifest)", export, lambda: bool(finished))
    summary = session.summary()
    print(
        f"\n{len(session.final):,} rows; {decided:,} decided by key, bulk drop {dropped:,} rows "
        f"(undone); exported {summary.kept:,} kept, {summary.dropped:,} dropped; "
        f"{output.stat().st_size / 1e6:,.0f} MB written, manifest "
        f"{output.with_name('export.manifest.json').exists()}"
    )
    print("memory held (the rest is the interpreter, Qt, torch and allocator slack):")
    try:
        for line in memory_lines(w) + collection_lines():
            print("  " + line)
    except Exception as exc:  # a diagnostic only: never lose the step table for it
        print(f"  could not measure: {type(exc).__name__}: {exc}")
    s.heartbeat.stop()
    w.close()
    s.wait(lambda: True, settle=True)
    return s.rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-gui", action="store_true")
    parser.add_argument("--profile", type=Path)
    parser.add_argument(
        "--watch", type=float, metavar="SECONDS", help="name the code behind each freeze"
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        metavar="MS",
        help="run with this GIL switch interval instead of the app's (to measure its effect)",
    )
    parser.add_argument("--watch-file", type=Path, help="where the reports go (default: /tmp)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = cached_mixed_jsonl(args.rows)
    for old in path.parent.glob(path.name + ".thresher*"):
        old.unlink()  # a fresh project: the session starts with no decisions
    print(
        f"file: {path}, {args.rows:,} records, {path.stat().st_size / 1e6:,.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f} on {len(os.sched_getaffinity(0))} cores"
    )
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_gui:
            watch = None
            if args.watch is not None:
                where = args.watch_file or Path(tempfile.gettempdir()) / f"stalls_{args.rows}.txt"
                watch = FreezeWatch(where.open("w"))
                print(f"freeze reports (over {args.watch} s) go to {where}")
            interval = None if args.switch_interval is None else args.switch_interval / 1000
            rows = run_gui(path, folder, args.profile, watch, args.watch or 0.3, interval)
            print("\n| step | time | memory now / peak | heartbeat p99 / max |")
            print("|---|---:|---:|---:|")
            for name, seconds, rss, peak, p99, worst in rows:
                print(
                    f"| {name} | {seconds:,.1f} s | {rss / 2**20:,.0f} / {peak / 2**20:,.0f} MB"
                    f" | {p99:,.0f} / {worst:,.0f} ms |"
                )
        if not args.skip_cli:
            run_cli(path, folder)


if __name__ == "__main__":
    main()
