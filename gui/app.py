"""Create the QApplication and the main window; the ``--screenshot`` mode for docs and tests."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

GIL_SWITCH_INTERVAL_S = 0.00025
SCREENSHOT_SETTLE_MS = 1500  # lets the first scores and flags stream in
#: After the window closed, how long cancelled workers get to reach their next step and end.
WORKERS_EXIT_WAIT_MS = 60_000


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="main.py", description="Thresher: curate SFT datasets (desktop app)."
    )
    parser.add_argument("file", nargs="?", help="dataset to open (default: the bundled sample)")
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="render the main window offscreen to PNG after loading, then exit",
    )
    return parser.parse_args(argv)


def has_display() -> bool:
    """Whether Qt can open a window here."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def create_application(argv: list[str]):
    """The QApplication, with the names QSettings uses."""
    from PySide6.QtWidgets import QApplication

    from core.version import APP_NAME, APP_VERSION

    # Background jobs are partly pure Python (heuristics, text codes, per-row tokenizer glue).
    # The GUI thread re-takes the GIL for every call Qt makes into Python (a cell's data, a
    # slot), and beside a worker running Python each take can wait a whole switch interval: a
    # decision key makes about 200 such calls. Python's default 5 ms made painting crawl; 1 ms
    # still gave a heartbeat p99 of 159 ms while keys were pressed at 1M rows with the learned
    # scorer's first run going, and 0.25 ms gave 61 ms with no step slower
    # (bench_session.py --switch-interval). An idle GUI thread asks for nothing, so the
    # shorter interval costs the workers only while the window is busy.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName(APP_NAME)
    app.setOrganizationDomain("thresher.app")
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(APP_VERSION)
    return app


def run_app(argv: list[str]) -> int:
    """Open the app (or render a screenshot); returns the exit code."""
    args = _parse(argv)
    if args.screenshot:
        folder = Path(args.screenshot).resolve().parent
        if not folder.is_dir():
            print(f"error: {args.screenshot}: the folder {folder} does not exist", file=sys.stderr)
            return 2
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif not has_display():
        print(
            "No display found: the Thresher window cannot open here.\n"
            "Render it to a picture instead:  python main.py --screenshot shot.png [FILE]\n"
            "or use the command line:         python main.py inspect FILE",
            file=sys.stderr,
        )
        return 2
    else:
        from gui.xcb_check import xcb_hint

        hint = xcb_hint()
        if hint is not None:  # Qt would abort with a generic message
            print(hint, file=sys.stderr)
            return 2
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    app = create_application([])

    from core.bundled import sample_dataset_path
    from gui.error_hook import install_error_hook
    from gui.main_window import MainWindow

    window = MainWindow()
    install_error_hook(window)
    path = Path(args.file) if args.file else sample_dataset_path()
    if args.screenshot:
        return _screenshot(app, window, path, Path(args.screenshot))
    window.show()
    window.open_path(path)
    return wait_for_workers(app.exec())


def wait_for_workers(code: int, timeout_ms: int = WORKERS_EXIT_WAIT_MS) -> int:
    """Let cancelled background workers end before Python tears the Qt objects down; ``code``.

    Closing the window cancels every job, but a worker stops only at its run's next step (one
    embedding batch of the map, say), which can outlast the window's short wait. Left running
    into interpreter shutdown it would report to deleted signal objects ("Signal source has
    been deleted"). Waiting here keeps those objects alive; a worker stuck past the bound is
    logged and the process ends without running it further.
    """
    import logging

    from PySide6.QtCore import QThreadPool

    if QThreadPool.globalInstance().waitForDone(timeout_ms):
        return code
    logging.getLogger(__name__).error(
        "a background worker was still running %d s after the window closed; exiting without it",
        timeout_ms // 1000,
    )
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _screenshot(app, window, path: Path, target: Path) -> int:
    """Load ``path``, render the window to ``target`` and quit."""
    from PySide6.QtCore import QTimer

    outcome = {"code": 1}

    def grab(_dataset=None) -> None:
        if window.grab().save(str(target)):
            outcome["code"] = 0
            print(f"saved {target}")
        else:
            print(
                f"error: {target}: could not write the picture (check the folder's "
                "permissions and the extension, e.g. .png)",
                file=sys.stderr,
            )
        window.close()
        app.quit()

    def fail(exc: BaseException) -> None:
        from core.errors import LoadError
        from gui.error_hook import failure_text

        where = "" if isinstance(exc, LoadError) else f"{path}: "  # a LoadError names the file
        print(f"error: {where}{failure_text(exc)}", file=sys.stderr)
        window.close()
        app.quit()

    window.dataset_loaded.connect(lambda d: QTimer.singleShot(SCREENSHOT_SETTLE_MS, grab))
    window.load_failed.connect(fail)
    window.resize(1560, 860)
    window.show()
    window.open_path(path)
    app.exec()
    return outcome["code"]
