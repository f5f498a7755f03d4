"""The background learning run: embeddings (once per dataset), fit, predict, save.

A :class:`gui.latest_job.LatestJob`: a new start cancels the old one and only the newest run's
result arrives. The worker opens its own connection to the project file (a connection belongs
to its thread), reads the saved duplicate run to reuse its vectors, and commits the new scorer
there before returning; the GUI thread only takes the returned arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.dataset import Dataset
from core.dedup.storage import load_result
from core.learned import storage
from core.learned.features import PairFeatures
from core.learned.progress import LearnProgress
from core.learned.train import (
    LearnResult,
    check_examples,
    dataset_features,
    examples_features,
    learn,
)
from core.learned.vectors import DEFAULT_EMBEDDER, reusable_vectors
from core.loading import load
from core.project.store import ProjectStore
from gui.latest_job import LatestJob


@dataclass(frozen=True)
class LearnOutcome:
    """What a run hands back to the GUI thread."""

    result: LearnResult
    features: PairFeatures
    source: str                 # "decisions" or "examples"
    examples: tuple[int, int]   # kept and dropped example rows from files (0, 0 without)


def _run(dataset: Dataset, project: Path, manual: np.ndarray, extra: np.ndarray | None,
         features: PairFeatures | None, files: tuple[Path, Path] | None
         ) -> Generator[LearnProgress, None, LearnOutcome]:
    store = ProjectStore(project)
    try:
        embedder = None
        if features is None:
            reuse = reusable_vectors(load_result(store, dataset), DEFAULT_EMBEDDER)
            features, embedder = yield from dataset_features(dataset, DEFAULT_EMBEDDER, reuse)
        examples = labels = None
        counts = (0, 0)
        if files is not None:
            yield LearnProgress("learning: reading the kept and dropped files", 0, 1)
            kept, dropped = load(files[0]), load(files[1])
            check_examples(kept, dropped)
            counts = (len(kept), len(dropped))
            examples, _ = yield from examples_features(
                list(kept.prompts) + list(dropped.prompts),
                list(kept.responses) + list(dropped.responses), DEFAULT_EMBEDDER, embedder)
            labels = np.r_[np.ones(len(kept), bool), np.zeros(len(dropped), bool)]
        result = yield from learn(features, manual, DEFAULT_EMBEDDER,
                                  None if files is not None else extra, examples, labels)
        source = "examples" if files is not None else "decisions"
        yield LearnProgress("learning: saving to the project", 0, 1)
        storage.save(store, dataset, result.model, source, result.rows, result.scores)
        return LearnOutcome(result, features, source, counts)
    finally:
        store.close()


class LearnJob(LatestJob):
    """Runs one learning run at a time; the newest wins."""

    def start(self, dataset: Dataset, project: Path, manual: np.ndarray,
              extra: np.ndarray | None, features: PairFeatures | None,
              files: tuple[Path, Path] | None, progress: Callable, returned: Callable,
              errored: Callable) -> None:
        """Learn in the background from copies of ``manual`` and ``extra`` (never the live ones)."""
        self._launch(_run, dataset, project, np.array(manual, copy=True),
                     None if extra is None else np.array(extra, copy=True), features, files,
                     yielded=progress, returned=returned, errored=errored)
