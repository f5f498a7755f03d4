"""A scoring run over a dataset: cached results first, then fresh batches, each one cached.

:func:`score_dataset` is a plain generator (the house style for long work): the GUI runs it on
its scoring thread, the command line in a loop, tests directly. Cancelling is closing the
generator; every batch already yielded is in the project store, so the next run resumes there.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import orjson

from core.dataset import Dataset
from core.errors import ThresherError
from core.project.store import FLAG_TRUNCATED, FLAG_UNSCORABLE, ProjectStore
from core.scoring.config import ScoreConfig
from core.scoring.devices import dtype_name, resolve_device, resolve_dtype
from core.scoring.heuristics import SCORER_DESCRIPTION
from core.scoring.model_files import ModelFiles, locate_model
from core.scoring.scored_batch import ScoredBatch

if TYPE_CHECKING:  # torch and transformers load only when a model scores (about 1-3 s)
    from core.judge.endpoint import EndpointJudgeScorer
    from core.judge.scorer import JudgeScorer
    from core.scoring.ifd import IFDScorer
    from core.scoring.reward_model import RewardModel
    from core.scoring.scorers import HeuristicScorer, ModelScorer

    #: Every scorer :func:`make_scorer` can return.
    Scorer = HeuristicScorer | ModelScorer | JudgeScorer | EndpointJudgeScorer | IFDScorer

CACHED_REASON = "unscorable (cached result)"
#: Project-store keys naming the scorer and settings of the last run, restored on re-open.
META_LAST_SCORER = "scoring.last_scorer"
META_LAST_SETTINGS = "scoring.last_settings"
#: Set once the (uncached) heuristic scorer has been run on the project's file.
META_HEURISTIC_RUN = "scoring.heuristic_run"
#: :data:`META_LAST_SCORER` when the last run used the (uncached) heuristic scorer.
HEURISTIC_SCORER = "heuristic"


class ScoringError(ThresherError):
    """A scoring run stopped; the scores computed before it are kept."""


@dataclass(frozen=True)
class ScoreUpdate:
    """One step of a run: a batch of results and how far the run has come."""

    batch: ScoredBatch
    done: int
    total: int
    cached: bool
    #: The scorer's column key (its cache key; :data:`HEURISTIC_SCORER` for the heuristics),
    #: its description, and whether this is a column restored on open rather than a run.
    key: str = ""
    description: dict | None = None
    restored: bool = False


@dataclass
class ScoreSummary:
    """What a finished run did, for the status bar, ``--json`` and manifests."""

    scorer: dict
    total: int = 0
    scored: int = 0
    cached: int = 0
    truncated: int = 0
    unscorable: int = 0
    computed: int = 0
    seconds: float = 0.0
    real_tokens: int = 0
    computed_tokens: int = 0
    #: IFD runs: rows flagged IFD > 1 (counted among the unscorable: they are left unranked).
    ifd_above_1: int = 0

    @property
    def pairs_per_second(self) -> float:
        """Rows scored per second by the model in this run (cached rows not counted)."""
        return self.computed / self.seconds if self.seconds > 0 else 0.0

    @property
    def padding_efficiency(self) -> float:
        """Real tokens / computed tokens over the run's batches (1.0 when nothing ran)."""
        return self.real_tokens / self.computed_tokens if self.computed_tokens else 1.0

    def add(self, batch: ScoredBatch, computed: bool) -> None:
        """Count one batch: ``computed`` by the model in this run, or read back (cached)."""
        self.scored += int((~batch.unscorable).sum())
        self.unscorable += int(batch.unscorable.sum())
        self.truncated += int(batch.truncated.sum())
        if "ifd_above_1" in batch.extra:
            self.ifd_above_1 += int(batch.extra["ifd_above_1"].sum())
        if computed:
            self.computed += len(batch.rows)
            self.real_tokens += batch.real_tokens
            self.computed_tokens += batch.computed_tokens
        else:
            self.cached += len(batch.rows)

    def to_dict(self) -> dict:
        """The ``--json`` summary."""
        return {
            "model": self.scorer.get("model"),
            "scorer": self.scorer,
            "records": self.total,
            "scored": self.scored,
            "from_cache": self.cached,
            "truncated": self.truncated,
            "unscorable": self.unscorable,
            "seconds": round(self.seconds, 3),
            "pairs_per_second": round(self.pairs_per_second, 1),
            "padding_efficiency": round(self.padding_efficiency, 4),
        }


class ScoreTable:
    """Per-row results of a run, filled batch by batch (NaN score = not scored yet)."""

    def __init__(self, n: int):
        self.scores = np.full(n, np.nan, dtype=np.float32)
        self.truncated = np.zeros(n, dtype=bool)
        self.unscorable = np.zeros(n, dtype=bool)
        self.reasons: dict[int, str] = {}
        #: A judge's rating entropy per row; None until a judge's batch arrives.
        self.entropy: np.ndarray | None = None
        #: A scorer's own columns (see :attr:`ScoredBatch.extra`): NaN/False until filled.
        self.extra: dict[str, np.ndarray] = {}
        #: An endpoint judge's raw answers (text mode), by row.
        self.texts: dict[int, str] = {}

    def apply(self, batch: ScoredBatch) -> None:
        """Record one batch."""
        self.scores[batch.rows] = batch.scores
        if batch.entropy is not None:
            if self.entropy is None:
                self.entropy = np.full(len(self.scores), np.nan, dtype=np.float32)
            self.entropy[batch.rows] = batch.entropy
        for name, values in batch.extra.items():
            if name not in self.extra:
                empty = False if values.dtype == bool else np.nan
                self.extra[name] = np.full(len(self.scores), empty, dtype=values.dtype)
            self.extra[name][batch.rows] = values
        self.truncated[batch.rows] = batch.truncated
        self.unscorable[batch.rows] = batch.unscorable
        self.reasons.update(batch.reasons)
        if batch.texts:
            self.texts.update(batch.texts)


def make_scorer(
    settings: ScoreConfig,
    loaded: RewardModel | None = None,
    heuristic_scores: np.ndarray | None = None,
) -> Scorer:
    """The scorer for ``settings``, reusing ``loaded`` when it is the same model and device.

    ``heuristic_scores``: the dataset's heuristic scores when the caller already has them.
    """
    from core.scoring.scorers import HeuristicScorer

    if settings.heuristic:
        return HeuristicScorer(heuristic_scores)
    if settings.judge and settings.judge_endpoint:
        from core.judge.endpoint import make_endpoint_scorer  # no torch: a server rates

        return make_endpoint_scorer(settings)
    if settings.judge:
        from core.judge.run import make_judge_scorer  # torch-heavy; only when judging

        return make_judge_scorer(settings, loaded)
    if settings.ifd:
        from core.scoring.ifd import make_ifd_scorer

        return make_ifd_scorer(settings, loaded)
    from core.scoring.reward_model import RewardModel
    from core.scoring.scorers import ModelScorer

    files = locate_model(settings.model, settings.revision)
    model = loaded
    if not isinstance(model, RewardModel) or not _same_load(model, files, settings):
        if model is not None:
            model.release()
        model = RewardModel.load(files, settings.device, settings.dtype)
    return ModelScorer(model, settings)


def _same_load(model: RewardModel, files: ModelFiles, settings: ScoreConfig) -> bool:
    device = resolve_device(settings.device)
    return (
        model.files.path == files.path
        and model.files.weights == files.weights
        and model.device == device
        and dtype_name(model.dtype) == dtype_name(resolve_dtype(settings.dtype, device))
    )


def score_dataset(
    dataset: Dataset, scorer: Scorer, store: ProjectStore | None = None
) -> Generator[ScoreUpdate, None, ScoreSummary]:
    """Score every row of ``dataset``: cached rows at once, the rest batch by batch."""
    total = len(dataset)
    summary = ScoreSummary(scorer.description, total=total)
    rows = np.arange(total, dtype=np.int64)
    scorer_id = None
    column = scorer.key if scorer.cacheable else HEURISTIC_SCORER
    if store is not None and hasattr(scorer, "use_store"):
        scorer.use_store(store)  # an endpoint judge's per-request cache
    if store is not None and scorer.cacheable:
        scorer_id = store.scorer_id(scorer.key, scorer.description)
        store.set_meta(META_LAST_SCORER, str(scorer_id))
        found, batch = _cached_batch(store, scorer_id, dataset)
        if batch is not None and hasattr(scorer, "cached_details"):
            batch = scorer.cached_details(store, scorer_id, dataset, batch)
        if batch is not None:
            summary.add(batch, computed=False)
            yield ScoreUpdate(
                batch,
                len(batch.rows),
                total,
                cached=True,
                key=column,
                description=scorer.description,
            )
            rows = np.flatnonzero(~found)
    elif store is not None:
        # Not cached (recomputing is as quick as reading): remember only that it was used,
        # last and at all (its score column comes back on open; see core.review.score_columns).
        store.set_meta(META_LAST_SCORER, HEURISTIC_SCORER)
        store.set_meta(META_HEURISTIC_RUN, "1")
    done = total - len(rows)
    started = time.perf_counter()
    batches = scorer.score(dataset, rows)
    try:
        for batch in batches:
            if store is not None and scorer_id is not None:  # (scorer_id is set with a store)
                # A failure to reach a server is not the judge's answer: not cached, retried.
                kept = scorer.lasting(batch) if hasattr(scorer, "lasting") else batch
                cache_batch(store, scorer_id, dataset, kept)
                if hasattr(scorer, "cache_details"):
                    scorer.cache_details(store, scorer_id, dataset, kept)
            summary.add(batch, computed=True)
            summary.seconds = time.perf_counter() - started
            done += len(batch.rows)
            yield ScoreUpdate(
                batch, done, total, cached=False, key=column, description=scorer.description
            )
    except ThresherError:
        raise
    except Exception as exc:
        kept = summary.scored + summary.unscorable
        raise ScoringError(
            f"scoring stopped after {kept:,} of {total:,} rows: {type(exc).__name__}: {exc}. "
            f"The {kept:,} results so far are kept and a new run resumes from there."
        ) from exc
    finally:
        batches.close()
    summary.seconds = time.perf_counter() - started
    return summary


def _cached_batch(
    store: ProjectStore, scorer_id: int, dataset: Dataset
) -> tuple[np.ndarray, ScoredBatch | None]:
    found, scores, flags = store.cached_scores(scorer_id, dataset.fingerprints)
    if not found.any():
        return found, None
    hit = np.flatnonzero(found)
    unscorable = (flags[hit] & FLAG_UNSCORABLE) != 0
    return found, ScoredBatch(
        hit,
        scores[hit],
        (flags[hit] & FLAG_TRUNCATED) != 0,
        unscorable,
        {int(r): CACHED_REASON for r in hit[unscorable]},
    )


def remember_settings(store: ProjectStore, settings: ScoreConfig) -> None:
    """Record the settings of a run so re-opening the dataset restores them."""
    store.set_meta(META_LAST_SETTINGS, orjson.dumps(asdict(settings)).decode())


def last_settings(store: ProjectStore) -> ScoreConfig | None:
    """The settings of the dataset's last scoring run, if any."""
    raw = store.get_meta(META_LAST_SETTINGS)
    if raw is None:
        return None
    try:
        return ScoreConfig(**orjson.loads(raw))
    except (orjson.JSONDecodeError, TypeError):
        return None


def restore_scores(
    dataset: Dataset, store: ProjectStore, keys: list[str] | None = None
) -> list[ScoreUpdate]:
    """The cached scores of the scorers ``keys`` (score columns), without loading any model.

    ``keys=None`` means the last run's scorer only. Keys with nothing cached for this file (and
    the recomputed heuristics) are left out; the last-run scorer's update comes last so views
    that show one score end on it. A judge's entropies, reasons and answers come back with it.
    """
    registered = {key: (sid, description) for sid, key, description in store.scorer_list()}
    raw = store.get_meta(META_LAST_SCORER)
    last = int(raw) if raw is not None and raw.isdigit() else None
    if keys is None:
        keys = [key for key, (sid, _) in registered.items() if sid == last]
    updates = []
    for key in keys:
        if key not in registered:
            continue
        sid, description = registered[key]
        _, batch = _cached_batch(store, sid, dataset)
        if batch is not None and str((description or {}).get("kind", "")).startswith("judge"):
            from core.judge import details  # numpy only: a judge's entropies, reasons, answers

            batch = details.restore(store, sid, dataset, batch)
        if batch is not None:
            updates.append(
                ScoreUpdate(
                    batch,
                    len(batch.rows),
                    len(dataset),
                    True,
                    key=key,
                    description=description,
                    restored=True,
                )
            )
    updates.sort(key=lambda u: registered[u.key][0] == last)
    return updates


def last_scorer(store: ProjectStore) -> dict | None:
    """The description of the scorer whose scores the project shows (for manifests)."""
    raw = store.get_meta(META_LAST_SCORER)
    if raw == HEURISTIC_SCORER:
        return dict(SCORER_DESCRIPTION)
    return store.scorer_description(int(raw)) if raw is not None and raw.isdigit() else None


def last_scorer_was_heuristic(store: ProjectStore) -> bool:
    """Whether the project's scores come from the heuristics (recomputed, never cached)."""
    return store.get_meta(META_LAST_SCORER) == HEURISTIC_SCORER


def cache_batch(store: ProjectStore, scorer_id: int, dataset: Dataset, batch: ScoredBatch) -> None:
    """Record one batch's results in the project's score cache (one transaction)."""
    flags = (batch.truncated * FLAG_TRUNCATED) | (batch.unscorable * FLAG_UNSCORABLE)
    store.put_scores(
        scorer_id,
        [bytes(dataset.fingerprints[r]) for r in batch.rows],
        [None if u else float(s) for s, u in zip(batch.scores, batch.unscorable, strict=True)],
        flags.astype(int).tolist(),
    )
