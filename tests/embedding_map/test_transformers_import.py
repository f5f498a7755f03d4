"""First imports of the model libraries from several threads at once all succeed.

The map's embedder, the scoring warm-up and the simulator's worker may each be the first to
import transformers, torch, scikit-learn or scipy; each run is a fresh process, since only a
first import can race.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: What every script's ``LOADS`` may use.
IMPORTS = """
import threading
from core.transformers_import import load_module, load_transformers
"""
#: Runs every function of ``LOADS`` (defined before it) on its own thread, all at once.
HARNESS = """
barrier = threading.Barrier(len(LOADS))
errors = []

def first(load):
    barrier.wait()
    try:
        load()
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=first, args=(load,)) for load in LOADS]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("errors:", errors)
raise SystemExit(1 if errors else 0)
"""


def _race(loads: str) -> None:
    """Run the ``LOADS`` list (Python source) through the harness, twice, in fresh processes."""
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", IMPORTS + loads + HARNESS],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_first_transformers_imports_from_four_threads_at_once_all_succeed():
    _race(
        """
def imports(*names):
    def load():
        load_transformers(*names)
        exec("from transformers import " + ", ".join(names))
    return load

LOADS = [imports("AutoModel", "AutoTokenizer"),
         imports("AutoModelForSequenceClassification", "AutoTokenizer", "modeling_utils"),
         imports("AutoModelForCausalLM"), imports("AutoConfig", "AutoModel")]
"""
    )


def test_scikit_learn_scipy_and_transformers_first_imports_at_once_all_succeed():
    # Unlocked, the simulator's scikit-learn import beside the warm-up's transformers import
    # failed once in four openings with "partially initialized module 'torch'".
    _race(
        """
LOADS = [
    lambda: load_transformers("AutoModel", "AutoTokenizer"),  # the scoring warm-up
    lambda: load_module("sklearn.mixture").GaussianMixture,  # the simulator's worker
    lambda: load_module("scipy.stats").spearmanr,  # the warm-up, for the length plot
]
"""
    )
