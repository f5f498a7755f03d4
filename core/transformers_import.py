"""One process-wide lock around the first loads from transformers' lazy module.

``transformers`` defers its submodules until an attribute is first read. Two threads doing that
first read at once (the map's embedder in a worker while the scoring thread warms the library up
after first paint) can see a half-initialised submodule and fail with ``ImportError: cannot
import name 'AutoModel'``. Every lazy ``from transformers import ...`` in the app first calls
:func:`load_transformers` with the names it needs; the loads then happen one thread at a time,
and the ``from`` import that follows only reads attributes that are already there.
"""

from __future__ import annotations

import importlib
import threading

_LOCK = threading.RLock()


def load_transformers(*names: str) -> tuple:
    """Import transformers and resolve ``names`` (e.g. ``"AutoModel"``) under the lock.

    Returns the resolved objects in order. ``transformers.utils.logging`` is always loaded too,
    since every caller silences its progress bars.
    """
    with _LOCK:
        transformers = importlib.import_module("transformers")
        importlib.import_module("transformers.utils.logging")
        return tuple(getattr(transformers, name) for name in names)


def load_module(name: str):
    """Import ``name`` under the same lock, for a heavy library that imports torch itself.

    scikit-learn's import reaches torch (through its array-API support when torch is
    installed); done by the simulator's worker while another worker imported transformers, it
    failed with "partially initialized module 'torch'" ("Could not place your data" on
    opening a file, seen once in four runs).
    """
    with _LOCK:
        return importlib.import_module(name)
