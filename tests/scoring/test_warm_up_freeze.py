"""After the app's warm-up, full garbage collections no longer walk the libraries' objects.

Every full collection walks every object the collector tracks, holding the GIL: with torch and
transformers imported that was ~240 ms of a frozen window each time one ran on any thread.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_warm_up_takes_the_imported_libraries_out_of_full_collections():
    # And no collection walks them while they are imported (each would freeze the window).
    # A fresh interpreter: in this one other tests imported torch, froze or collected already.
    script = (
        "import gc\n"
        "from gui.scoring.controller import ScoringWorker\n"
        "from core.long_lived import freeze_long_lived\n"
        "assert gc.get_freeze_count() == 0\n"
        "full = []\n"
        "gc.callbacks.append(lambda phase, info: full.append(info['generation'] == 2))\n"
        "ScoringWorker().warm_up()\n"
        "assert not any(full), 'a collection ran during the imports'\n"
        "assert gc.isenabled()\n"
        "import torch, transformers\n"
        "walked = {id(o) for o in gc.get_objects()}\n"
        "library = [torch.nn.Module.__init__, transformers.AutoTokenizer.from_pretrained]\n"
        "print(gc.get_freeze_count(), len(walked), any(id(o) in walked for o in library),"
        " freeze_long_lived())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    frozen, walked, library_walked, froze_again = done.stdout.split()
    assert int(frozen) > 100_000  # the imports' objects: permanent, skipped by collections
    assert int(walked) < int(frozen) // 10  # what a full collection still walks
    assert library_walked == "False"
    assert froze_again == "False"  # once per process: a second window freezes nothing new
