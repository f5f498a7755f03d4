"""Take the libraries' objects out of Python's full garbage collections, once per process.

Why: with torch, transformers, scipy and numba imported, the interpreter tracks about half a
million container objects (517k measured), and a full collection walks every one of them while
holding the GIL: ~240 ms here, a frozen window whenever any thread's allocations set one off.
Those objects live as long as the process does, so :func:`freeze_long_lived` moves them to
the permanent generation, which collections skip; a full collection then costs only what the
session itself made. Cycles that are garbage at that moment are never collected (a one-time
leak of what imports left behind): collecting them first would be the very pause this avoids.

Collections that run *during* those imports walk the growing heap too (at 1M rows, a file
opening beside the warm-up saw full collections of up to 290 ms), so
:func:`importing_long_lived` pauses collections while the imports run and freezes at its end.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_frozen = False


def freeze_long_lived() -> bool:
    """Freeze every object tracked now, the first time only (True if this call did it).

    Once per process: a later call would also freeze what a session has made since and may
    drop, a leak that grows with every file opened (tests and the state machine open many).
    """
    global _frozen
    with _lock:
        if _frozen:
            return False
        gc.freeze()
        _frozen = True
        return True


@contextmanager
def importing_long_lived() -> Iterator[None]:
    """Run imports of process-long libraries with collections paused, then freeze, once.

    While paused, other threads' objects are still freed by reference counting; only cycles
    that become garbage meanwhile wait, and those that are garbage at the freeze are kept for
    good (a few seconds' worth, once per process). Later calls, once frozen, pause nothing.
    """
    with _lock:
        first = not _frozen
    if not first:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        freeze_long_lived()
        if enabled:
            gc.enable()
