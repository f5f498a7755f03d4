"""Take the libraries' objects out of Python's full garbage collections, once per process.

Why: with torch, transformers, scipy and numba imported, the interpreter tracks about half a
million container objects (517k measured), and a full collection walks every one of them while
holding the GIL: ~240 ms here, a frozen window whenever any thread's allocations set one off.
Those objects live as long as the process does, so :func:`freeze_long_lived` moves them to
the permanent generation, which collections skip; a full collection then costs only what the
session itself made. Cycles that are garbage at that moment are never collected (a one-time
leak of what imports left behind): collecting them first would be the very pause this avoids.
"""

from __future__ import annotations

import gc
import threading

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
