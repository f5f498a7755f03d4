"""Scoring on a Ray cluster: the local scoring core as a Ray Data actor pool.

The driver (the machine running ``score --engine ray``) loads the file with Thresher's own
loader, so formats, column mapping, bad-line reports, row numbers and fingerprints are exactly
the local engine's. It cuts the rows into blocks (:mod:`core.cluster.blocks`) and hands the
unfinished ones to ``Dataset.map_batches`` over an actor pool: one :class:`BlockScorer` actor
per worker, each loading the model once. Results stream back block by block; each is written
as a Parquet shard (the resume point), added to the score cache, and yielded as a
:class:`~core.scoring.run.ScoreUpdate`, so the command line drives a cluster run with the same
progress bar, summary and output as a local one.

Ray is an optional dependency (``pip install .[ray]``): nothing else imports this module.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from core.cluster import details
from core.cluster.block_scorer import (
    BlockScorer,
    block_input,
    describe_scorer,
    split_by_block,
)
from core.cluster.blocks import DEFAULT_BLOCK_ROWS, Block, block_key, plan_blocks
from core.cluster.shards import ShardFolder, table_batch
from core.dataset import Dataset
from core.errors import ThresherError
from core.project.store import FLAG_TRUNCATED, FLAG_UNSCORABLE, ProjectStore
from core.scoring.engine import ScoredBatch
from core.scoring.run import (
    CACHED_REASON,
    META_LAST_SCORER,
    ScoreSummary,
    ScoreUpdate,
    ScoringError,
    cache_batch,
)
from core.scoring.scorers import ScoreConfig, description_key

#: Environment every worker runs with: never reach the hub (models come from the workers'
#: cache or shared storage), and no tokenizer thread pools inside already-parallel actors.
WORKER_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


HEURISTIC_RUNS_LOCALLY = (
    "the heuristic scorer needs no model and runs locally: drop "
    "--engine ray, or choose a reward model with --model"
)
ENDPOINT_RUNS_LOCALLY = (
    "an endpoint judge is rated by its server (--concurrency sets how many requests it takes "
    "at once): drop --engine ray, or judge with a local model with --judge"
)


class RayUnavailableError(ThresherError):
    """``--engine ray`` was asked for but Ray is not installed, or the cluster cannot run it."""


@dataclass(frozen=True)
class RayOptions:
    """Where and how wide a cluster run goes."""

    address: str | None = None  # None: start a local Ray instance
    workers: int | None = None  # None: one per GPU (GPU workers) or 1 (CPU workers)
    gpus_per_worker: float | None = None  # None: 1 if the cluster has GPUs, else 0
    cpus_per_worker: float = 1.0
    block_rows: int = DEFAULT_BLOCK_ROWS


@dataclass
class RayReport:
    """What the cluster side of a run did, for the summary and ``--json``."""

    address: str = ""
    workers: int = 0
    gpus_per_worker: float = 0.0
    blocks: int = 0
    blocks_from_shards: int = 0
    blocks_from_cache: int = 0
    blocks_scored: int = 0
    startup_seconds: float = 0.0
    shard_folder: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ``--json`` section."""
        return asdict(self) | {"startup_seconds": round(self.startup_seconds, 2)}


def import_ray():
    """The ``ray`` module, or a clear message saying how to install it."""
    try:
        import ray
        import ray.data  # Ray Data ships in the ray[data] extra
    except ImportError:
        raise RayUnavailableError(
            "--engine ray needs Ray Data, which is not installed: pip install 'ray[data]' "
            "(or, from the Thresher folder, pip install '.[ray]')"
        ) from None
    return ray


def score_on_ray(
    dataset: Dataset,
    settings: ScoreConfig,
    options: RayOptions,
    shards: ShardFolder,
    store: ProjectStore | None = None,
    report: RayReport | None = None,
    log: Callable[[str], None] = print,
) -> Generator[ScoreUpdate, None, ScoreSummary]:
    """Score every row of ``dataset`` on Ray; finished blocks are skipped on a re-run.

    Closing the generator cancels the run: the blocks already written stay as shards.
    """
    if settings.heuristic:
        raise RayUnavailableError(HEURISTIC_RUNS_LOCALLY)
    if settings.judge_endpoint:
        raise RayUnavailableError(ENDPOINT_RUNS_LOCALLY)
    ray = import_ray()
    report = report if report is not None else RayReport()
    report.shard_folder = str(shards.folder)
    started = time.perf_counter()
    own_instance = _connect(ray, options.address, log)
    try:
        gpus, workers = _size_pool(ray, options)
        report.address = options.address or "local"
        report.workers, report.gpus_per_worker = workers, gpus
        if not gpus and settings.device == "auto":
            settings = replace(settings, device="cpu")  # CPU actors: never grab a stray GPU
        resources = {"num_cpus": options.cpus_per_worker, "num_gpus": gpus}
        description = _remote(
            ray, lambda: ray.get(ray.remote(describe_scorer).options(**resources).remote(settings))
        )
        report.startup_seconds = time.perf_counter() - started
        run = _BlockRun(dataset, description, options.block_rows, shards, store, report, log)
        yield from run.finished_blocks()
        if run.pending:
            actor = {"settings": settings, "threads": max(1, math.floor(options.cpus_per_worker))}
            results = _stream_results(
                ray,
                dataset,
                run.pending,
                reads_turns(description),
                actor,
                min(workers, len(run.pending)),
                resources,
            )
            yield from run.scored_blocks(results)
        return run.summary
    finally:
        if own_instance:
            ray.shutdown()


def reads_turns(description: dict) -> bool:
    """Whether the workers need each record's turns: chat reward models, judges and IFD."""
    return description.get("format") == "chat" or description.get("kind") in ("judge", "ifd")


class _BlockRun:
    """One run's blocks: which are done (cache, shards), which are pending, and the tally."""

    def __init__(
        self,
        dataset: Dataset,
        description: dict,
        block_rows: int,
        shards: ShardFolder,
        store: ProjectStore | None,
        report: RayReport,
        log,
    ):
        self.dataset, self.shards, self.store, self.report, self.log = (
            dataset,
            shards,
            store,
            report,
            log,
        )
        self.description = description
        self.key = description_key(description)
        self.summary = ScoreSummary(description, total=len(dataset))
        self.blocks = plan_blocks(len(dataset), block_rows)
        self.block_keys = {
            b.index: block_key(b, self.key, dataset.fingerprints) for b in self.blocks
        }
        self.pending: list[Block] = []
        self.done = 0
        self.scorer_id = None
        report.blocks = len(self.blocks)
        if store is not None:
            self.scorer_id = store.scorer_id(self.key, description)
            store.set_meta(META_LAST_SCORER, str(self.scorer_id))

    def finished_blocks(self) -> Iterator[ScoreUpdate]:
        """Blocks whose rows are all in the score cache, or that have a matching shard."""
        cached = None
        if self.store is not None and self.scorer_id is not None:
            cached = self.store.cached_scores(self.scorer_id, self.dataset.fingerprints)
        for block in self.blocks:
            batch: ScoredBatch | None
            if cached is not None and cached[0][block.start : block.stop].all():
                batch = _from_cache(block, cached[1], cached[2])
                if self.store is not None and self.scorer_id is not None:
                    batch = details.restore(
                        self.store, self.scorer_id, self.dataset, batch, self.description
                    )
                self.report.blocks_from_cache += 1
            else:
                batch, note = self.shards.read(block, self.block_keys[block.index])
                if note:
                    self.report.notes.append(note)
                    self.log(note)
                if batch is None:
                    self.pending.append(block)
                    continue
                self.report.blocks_from_shards += 1
                self._cache(batch)
            yield self._update(block, batch, computed=False)
        earlier = self.report.blocks_from_shards + self.report.blocks_from_cache
        if earlier:
            self.log(
                f"Resuming: {earlier:,} of {len(self.blocks):,} blocks already done "
                f"({self.report.blocks_from_shards:,} from shards in {self.shards.folder}, "
                f"{self.report.blocks_from_cache:,} from the score cache)"
            )
        if self.pending:
            self.log(
                f"Scoring {len(self.pending):,} blocks of up to "
                f"{max(len(b) for b in self.pending):,} rows on {self.report.workers} "
                f"worker(s) ({self.report.gpus_per_worker:g} GPU each)"
            )

    def scored_blocks(self, results: Iterator[pa.Table]) -> Iterator[ScoreUpdate]:
        """Pending blocks as the workers finish them: checked, written as shards, cached."""
        by_index = {b.index: b for b in self.pending}
        partial: dict[int, list[pa.Table]] = {}
        started = time.perf_counter()
        try:
            for table in results:
                for index, part in split_by_block(table):
                    partial.setdefault(index, []).append(part)
                    block = by_index[index]
                    if sum(p.num_rows for p in partial[index]) < len(block):
                        continue  # Ray split this block's results; wait for the rest
                    finished = pa.concat_tables(partial.pop(index)).sort_by("row")
                    _check_scorer(finished, self.key, index)
                    finished = finished.drop_columns(["block", "scorer_key"])
                    self.shards.write(block, self.block_keys[index], finished)
                    batch = table_batch(finished)
                    self._cache(batch)
                    self.report.blocks_scored += 1
                    self.summary.seconds = time.perf_counter() - started
                    yield self._update(block, batch, computed=True)
        except Exception as exc:
            if isinstance(exc, ThresherError) and _thresher_cause(exc) is exc:
                raise  # the driver's own, already one clear line
            raise ScoringError(
                f"scoring on Ray stopped after {self.report.blocks_scored:,} of "
                f"{len(self.pending):,} blocks: {_reason(exc)}. The blocks written so far are "
                f"kept in {self.shards.folder}; run the same command again to resume."
            ) from exc
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()

    def _update(self, block: Block, batch: ScoredBatch, computed: bool) -> ScoreUpdate:
        self.done += len(block)
        self.summary.add(batch, computed)
        return ScoreUpdate(batch, self.done, len(self.dataset), cached=not computed)

    def _cache(self, batch: ScoredBatch) -> None:
        """Fill the score cache, so the app opens the file with these scores, unscored."""
        if self.store is not None and self.scorer_id is not None:
            cache_batch(self.store, self.scorer_id, self.dataset, batch)
            details.put(self.store, self.scorer_id, self.dataset, batch, self.description)


def _stream_results(
    ray,
    dataset: Dataset,
    pending: list[Block],
    with_turns: bool,
    actor: dict,
    workers: int,
    resources: dict,
) -> Iterator[pa.Table]:
    """Run the pending blocks through a pool of :class:`BlockScorer` actors; yield results.

    ``actor``: the actors' constructor arguments; ``workers``: the pool size.
    """
    data = ray.data.from_arrow([block_input(dataset, b, with_turns) for b in pending])
    scored = data.map_batches(
        BlockScorer,
        batch_size=None,
        batch_format="pyarrow",
        zero_copy_batch=True,
        fn_constructor_kwargs=actor,
        compute=ray.data.ActorPoolStrategy(size=workers),
        **resources,
    )
    return scored.iter_batches(batch_size=None, batch_format="pyarrow")


def _connect(ray, address: str | None, log) -> bool:
    """Join the cluster at ``address`` or start a local instance; True if we started one."""
    for name in ("ray", "ray.data"):  # Ray Data logs plans and progress at INFO
        logging.getLogger(name).setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the command line shows its own bar
    context.execution_options.preserve_order = False  # blocks are put in order by number
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=address,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=True,
            runtime_env=job_runtime_env(),
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayUnavailableError(f"cannot reach a Ray cluster at {address}: {exc}") from None
    resources = ray.cluster_resources()
    where = f"the Ray cluster at {address}" if address else "a local Ray instance"
    log(f"Connected to {where}: {resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs")
    return address is None


def _size_pool(ray, options: RayOptions) -> tuple[float, int]:
    """GPUs per worker and the number of workers, checked against the cluster."""
    resources = ray.cluster_resources()
    cluster_gpus = float(resources.get("GPU", 0))
    cluster_cpus = float(resources.get("CPU", 0))
    gpus = options.gpus_per_worker
    if gpus is None:
        gpus = 1.0 if cluster_gpus >= 1 else 0.0
    if gpus < 0 or options.cpus_per_worker <= 0:
        raise RayUnavailableError(
            "GPUs per worker must be 0 or more and CPUs per worker more than 0"
        )
    workers = options.workers
    if workers is None:
        workers = max(1, int(cluster_gpus // gpus)) if gpus else 1
    if workers < 1:
        raise RayUnavailableError("--workers must be at least 1")
    if gpus * workers > cluster_gpus:
        raise RayUnavailableError(
            f"{workers} worker(s) with {gpus:g} GPU each need {gpus * workers:g} GPUs; the "
            f"cluster has {cluster_gpus:g}"
        )
    if options.cpus_per_worker * workers > cluster_cpus:
        raise RayUnavailableError(
            f"{workers} worker(s) with {options.cpus_per_worker:g} CPU each need "
            f"{options.cpus_per_worker * workers:g} CPUs; the cluster has {cluster_cpus:g}"
        )
    return gpus, workers


def job_runtime_env() -> dict:
    """The job's runtime environment: the ``core`` package and :data:`WORKER_ENV`.

    Shipping ``core`` means a cluster needs only Thresher's dependencies installed.

    Ray accepts local folders only when the job starts, so a program that calls ``ray.init``
    itself before scoring passes this to it.
    """
    import core

    return {"env_vars": dict(WORKER_ENV), "py_modules": [str(Path(core.__file__).parent)]}


def _remote(ray, call):
    """Run ``call``; a ThresherError raised on a worker surfaces as itself, in one line."""
    try:
        return call()
    except Exception as exc:
        cause = _thresher_cause(exc)
        if cause is not None:
            raise cause from None
        raise RayUnavailableError(
            f"the workers could not prepare the model: {_reason(exc)}"
        ) from exc


def _thresher_cause(exc: BaseException) -> ThresherError | None:
    """The ThresherError a worker raised, as raised there.

    Ray re-raises a task's exception as a subclass of both ``RayTaskError`` and the original
    class, whose message is the worker's whole traceback; the original is its ``cause``. The
    unwrapping goes to the innermost error first, so the curator reads one line.
    """
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "cause", None) or current.__cause__
        if isinstance(current, ThresherError) and not isinstance(inner, ThresherError):
            return current
        current = inner
    return None


def _reason(exc: BaseException) -> str:
    cause = _thresher_cause(exc)
    if cause is not None:
        return str(cause)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}"


def _check_scorer(table: pa.Table, key: str, index: int) -> None:
    """Every worker must score as the probe said (a GPU without bfloat16 would not)."""
    keys = set(table.column("scorer_key").to_pylist())
    if keys != {key}:
        raise ScoringError(
            f"block {index} was scored with another configuration than the cluster reported "
            "(different GPUs choose different dtypes under --dtype auto): set --dtype "
            "explicitly so every worker scores the same way"
        )


def _from_cache(block: Block, scores: np.ndarray, flags: np.ndarray) -> ScoredBatch:
    rows = block.rows
    unscorable = (flags[rows] & FLAG_UNSCORABLE) != 0
    return ScoredBatch(
        rows,
        scores[rows],
        (flags[rows] & FLAG_TRUNCATED) != 0,
        unscorable,
        {int(r): CACHED_REASON for r in rows[unscorable]},
    )
