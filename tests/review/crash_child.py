"""A child process for the crash tests: makes decisions or exports until it is killed.

It drives :class:`core.review.ReviewSession` and :func:`core.export.export_session`, the same
code the app's review controller calls, and prints a line per acknowledged step (flushed), so
the parent knows exactly what had been reported as done when it sent SIGKILL.

    python -m tests.review.crash_child decide DATASET
    python -m tests.review.crash_child bulk DATASET
    python -m tests.review.crash_child export DATASET TARGET
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from core.export import ExportOptions, export_session
from core.loading import load
from core.project import ProjectStore, project_path_for
from core.review import DROP, KEEP, ReviewSession, Rule


def planned_decision(step: int, rows: int) -> tuple[int, int, str]:
    """The row, decision and reason of step ``step``: a walk over every row, round after round."""
    row = (step * 7919) % rows
    decision = KEEP if (step // rows) % 2 == 0 else DROP
    return row, decision, f"step {step}"


def main(mode: str, dataset_path: str, target: str | None = None) -> None:
    dataset = load(dataset_path)
    store = ProjectStore(project_path_for(dataset_path))
    session = ReviewSession(dataset, store)
    print("READY", flush=True)
    if mode == "decide":
        step = 0
        while True:
            row, decision, reason = planned_decision(step, len(dataset))
            session.decide([row], decision, reason)
            print(f"ACK {step}", flush=True)
            step += 1
    elif mode == "bulk":
        session.decide(range(len(dataset)), DROP, "bulk")
        print("ACK bulk", flush=True)
    elif mode == "export":
        half = Rule(mode="top_n", keep_top=len(dataset) // 2)
        session.set_scores(slice(None), -np.arange(len(dataset), dtype=np.float32))
        step = 0
        while True:
            session.set_rule(Rule(mode="all") if step % 2 else half)
            export_session(session, ExportOptions(Path(target), write_manifest=False))
            print(f"ACK export {step}", flush=True)
            step += 1


if __name__ == "__main__":
    main(*sys.argv[1:])
