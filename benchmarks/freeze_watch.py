"""Who froze the window: a sampler that names the thread and the code behind each late heartbeat.

A heartbeat percentile says *that* the GUI thread froze; this says *who*. A daemon thread samples
every thread's Python stack (``faulthandler.dump_traceback`` in one call holding the GIL: see
:func:`_all_stacks`) and each thread's CPU clock
(``time.pthread_getcpuclockid``, nanosecond resolution) every few milliseconds, into a ring.
When the heartbeat reports a tick later than the threshold, ``report`` writes, for that window:

- each busy thread's CPU time in the window: the GUI thread itself, or a worker;
- the sampler's longest gap, and the thread that ran through it without its stack moving: one
  C call. The sampler needs the GIL and a core, so the call either held the GIL or, with every
  core busy, took the core the sampler needed; a GUI thread with little CPU in the window was
  kept waiting by it, one with a lot was busy itself;
- the most frequent stack of each busy thread among the window's samples.

A diagnosis for benchmarks, not a measurement: sampling costs a little GIL time of its own, so
take step tables from a run without it.
"""

from __future__ import annotations

import collections
import faulthandler
import itertools
import re
import tempfile
import threading
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)


_THREAD = re.compile(rb"^(?:Current thread|Thread) (0x[0-9a-f]+)", re.M)
_FRAME = re.compile(rb'^  File "(.*)", line (\d+) in (.*)$', re.M)


def _all_stacks(dump) -> dict[int, tuple[str, ...]]:
    """Every thread's stack, innermost first, read by ``faulthandler`` in one C call.

    Not ``sys._current_frames``: walking another thread's frame objects (``f_back``,
    ``f_code``) crashed this sampler on CPython 3.11, as it crashes other thread samplers
    (sentry-sdk's profiler; CPython gh-99110 and its follow-ups): two segfaults and one frame
    read as a dict in four 1M runs on Dec 2. ``faulthandler`` walks the interpreter's own frame
    records while holding the GIL, so no thread moves meanwhile and no frame object is made.
    """
    dump.seek(0)
    dump.truncate()
    faulthandler.dump_traceback(dump, all_threads=True)
    dump.seek(0)
    text = dump.read()
    stacks: dict[int, tuple[str, ...]] = {}
    heads = list(_THREAD.finditer(text))
    for head, after in itertools.zip_longest(heads, heads[1:]):
        body = text[head.end() : after.start() if after else len(text)]
        stacks[int(head.group(1), 16)] = tuple(
            f"{name.decode(errors='replace')}:{line.decode()} {func.decode(errors='replace')}"
            for name, line, func in _FRAME.findall(body)
        )
    return stacks


def _stack(frames: tuple[str, ...], depth: int = 6) -> tuple[str, ...]:
    """The innermost frame and the innermost project frames, as 'file:line function'."""
    out: list[str] = []
    for index, frame in enumerate(frames):
        if len(out) >= depth:
            break
        if index == 0 or frame.startswith(ROOT):
            name = frame.split(":", 1)[0]
            short = name[len(ROOT) + 1 :] if name.startswith(ROOT) else name.rsplit("/", 2)[-1]
            out.append(short + frame[len(name) :])
    return tuple(out)


def _cpu_ns(ident: int) -> int | None:
    try:
        return time.clock_gettime_ns(time.pthread_getcpuclockid(ident))
    except (OSError, OverflowError, ValueError):
        return None  # the thread ended between the listing and the read


class FreezeWatch:
    """Samples every thread's stack and CPU clock into a ring; reports late windows to a file."""

    def __init__(self, out, interval_s: float = 0.01, keep_s: float = 20.0) -> None:
        self.out = out
        self.interval = interval_s
        self.ring: collections.deque = collections.deque(maxlen=int(keep_s / interval_s))
        self.gui_ident = threading.get_ident()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="freeze-watch", daemon=True)
        self._thread.start()

    def _names(self) -> dict[int, str]:
        names = {t.ident: t.name for t in threading.enumerate() if t.ident is not None}
        names[self.gui_ident] = "GUI"
        return names

    def _run(self) -> None:
        me = threading.get_ident()
        with tempfile.TemporaryFile() as dump:  # faulthandler writes to a file descriptor
            while not self._stop.is_set():
                now = time.perf_counter()
                stacks = _all_stacks(dump)
                sample = {
                    ident: (_cpu_ns(ident), _stack(frames))
                    for ident, frames in stacks.items()
                    if ident != me
                }
                self.ring.append((now, sample))
                time.sleep(self.interval)

    def stop(self) -> None:
        self._stop.set()

    def mark(self, name: str) -> None:
        self.out.write(f"\n===== step {name} at {time.strftime('%X')}\n")
        self.out.flush()

    def report(self, start: float, end: float) -> None:
        """Write who used the CPU and the GIL between ``start`` and ``end`` (perf_counter)."""
        ring = list(self.ring)
        inside = [s for s in ring if start <= s[0] <= end]
        before = [s for s in ring if s[0] < start]
        after = [s for s in ring if s[0] > end]
        edges = ([before[-1]] if before else []) + inside + ([after[0]] if after else [])
        names = self._names()
        self.out.write(f"-- late {1000 * (end - start):.0f} ms window, {len(inside)} samples\n")
        if len(edges) < 2:
            self.out.write("   (no samples around the window)\n")
            self.out.flush()
            return
        first, last = edges[0][1], edges[-1][1]
        span = edges[-1][0] - edges[0][0]
        cpu = []
        for ident, (ns, _) in last.items():
            if ident in first and ns is not None and first[ident][0] is not None:
                cpu.append(((ns - first[ident][0]) / 1e6, ident))
        cpu.sort(reverse=True)
        gaps = [(b[0] - a[0], a, b) for a, b in itertools.pairwise(edges)]
        gap, ga, gb = max(gaps, key=lambda g: g[0])
        self.out.write(
            f"   sampler's longest gap {1000 * gap:.0f} ms (over {1000 * span:.0f} ms sampled)\n"
        )
        if gap > 4 * self.interval + 0.02:
            still = [
                ident
                for ident, (_, st) in gb[1].items()
                if ident in ga[1] and ga[1][ident][1] == st
            ]
            for ident in still:
                moved = (gb[1][ident][0] or 0) - (ga[1][ident][0] or 0)
                if moved > 0.5e6 * 1000 * gap:  # ran for over half the gap in one C call
                    self.out.write(
                        f"   one call ran through the gap in {names.get(ident, ident)} "
                        f"({moved / 1e6:.0f} ms CPU): {' <- '.join(gb[1][ident][1])}\n"
                    )
        for ms, ident in cpu:
            if ms < 10:
                continue
            stacks = collections.Counter(s[1][ident][1] for s in inside if ident in s[1])
            top = stacks.most_common(2)
            self.out.write(f"   {names.get(ident, ident)}: {ms:.0f} ms CPU\n")
            for stack, n in top:
                self.out.write(f"      {n:3d}x {' <- '.join(stack)}\n")
        self.out.flush()
