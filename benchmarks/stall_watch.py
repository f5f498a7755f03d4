"""Catch GUI freezes: dump every thread's stack whenever the GUI heartbeat is late.

Why: a heartbeat percentile says *that* the GUI thread froze, not *who* held the GIL.
This opens a synthetic mixed file in the benchmark's GUI session, then runs exact+near
duplicates; each heartbeat tick re-arms ``faulthandler.dump_traceback_later``, so a dump
is written only when the next tick is later than STALL seconds. Read the non-GUI threads
in each dump: the one in Python code (or a C call that does not release the GIL) is the
culprit. One run at 0.12 s ended in a segfault (rc 139) during duplicates, not
investigated (faulthandler reads other threads' frames without holding the GIL, a
likely cause), so keep the default 0.3 s.

Usage (under ``nice``): ``python benchmarks/stall_watch.py ROWS [STALL] [OUT]``.
"""

import faulthandler
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    """Run open, flags and duplicates under the watchdog and write the dumps to OUT."""
    import bench_session as b
    from mixed_synth import cached_mixed_jsonl

    rows = int(sys.argv[1])
    stall = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    out_path = (
        Path(sys.argv[3])
        if len(sys.argv) > 3
        else Path(tempfile.gettempdir()) / f"stalls_{rows}.txt"
    )
    src = cached_mixed_jsonl(rows)
    tmp = Path(tempfile.mkdtemp())
    path = tmp / src.name
    os.link(src, path)
    with out_path.open("w") as out:
        session = b.GuiSession(tmp, None)
        window = session.window
        tick_before = session.heartbeat._tick

        def tick() -> None:
            tick_before()
            faulthandler.dump_traceback_later(stall, repeat=True, file=out)

        session.heartbeat.timer.timeout.disconnect()
        session.heartbeat.timer.timeout.connect(tick)
        loaded: list[object] = []
        window.dataset_loaded.connect(loaded.append)
        window.map.close()

        def mark(name: str) -> None:
            out.write(f"\n===== step {name} at {time.strftime('%X')}\n")
            out.flush()

        def dedup() -> None:
            panel = window.dedup.panel
            panel.exact_check.setChecked(True)
            panel.near_check.setChecked(True)
            panel.semantic_check.setChecked(False)
            panel.run_button.click()

        mark("open")
        session.step(
            "open",
            lambda: window.open_path(path),
            lambda: bool(loaded) and session.opened(),
            settle=False,
        )
        mark("flags")
        session.step("flags", lambda: None)
        mark("dedup")
        session.step("dedup", dedup, lambda: window.dedup.table is not None)
        mark("end")
        faulthandler.cancel_dump_traceback_later()
        window.close()
        session.wait(lambda: True)
    print(f"dumps in {out_path}")


if __name__ == "__main__":
    main()
