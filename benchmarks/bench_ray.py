"""Ray engine benchmark: one vs two CPU workers on one tiny-model job, against the local engine.

Run by hand (needs the ``[ray]`` extra): ``.venv/bin/python benchmarks/bench_ray.py [--rows N]
[--block-rows N] [--max-length N] [--workers 1 2]``.

Scores GSM8K pairs (``../shared/data``, else the 800-row test file) with a randomly initialised
tiny DeBERTa-v2 reward model built from a config (no download). Measured in one run:

- the local engine with one torch thread: the baseline a single Ray CPU worker is compared to;
- starting a local Ray instance (``ray.init``);
- for each worker count, a fresh run (new actor pool, new shard folder, no cache): the probe
  that learns the cache key on a worker, time to the first finished block (actor start and
  model load included), whole-run throughput, and steady throughput after the first block.

Scaling efficiency is throughput(N workers) / (N x throughput(1 worker)). On a 2-core machine
two one-thread workers use both cores, so the ideal is 1.0; the driver (loading, shards, cache)
shares those cores.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.cluster.ray_engine import (  # noqa: E402
    RayOptions,
    RayReport,
    import_ray,
    job_runtime_env,
    score_on_ray,
)
from core.cluster.shards import ShardFolder  # noqa: E402
from core.dataset import Dataset  # noqa: E402
from core.loading import load  # noqa: E402
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset  # noqa: E402
from core.scoring.model_factory import build_reward_model  # noqa: E402

GSM8K = ROOT.parent / "shared" / "data" / "gsm_8k_train.json"
FALLBACK = ROOT / "tests" / "data" / "gsm8k_800.jsonl"


def first_rows(dataset: Dataset, n: int) -> Dataset:
    """The dataset cut to its first ``n`` rows."""
    n = min(n, len(dataset))
    return replace(
        dataset,
        originals=dataset.originals[:n],
        prompts=dataset.prompts[:n],
        responses=dataset.responses[:n],
        locations=dataset.locations[:n],
        fingerprints=dataset.fingerprints[:n],
        turns=dataset.turns[:n],
        row_schemas=dataset.row_schemas[:n],
    )


def local_engine(dataset: Dataset, settings: ScoreConfig) -> tuple[float, np.ndarray]:
    """Seconds for the local engine with one torch thread, and its scores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        scorer = make_scorer(settings)
        table = ScoreTable(len(dataset))
        started = time.perf_counter()
        for update in score_dataset(dataset, scorer):
            table.apply(update.batch)
        return time.perf_counter() - started, table.scores
    finally:
        torch.set_num_threads(threads)


def ray_run(
    dataset: Dataset, settings: ScoreConfig, workers: int, block_rows: int, folder: Path
) -> dict:
    """One fresh Ray run; timings and scores."""
    report = RayReport()
    table = ScoreTable(len(dataset))
    started = time.perf_counter()
    first = None
    generator = score_on_ray(
        dataset,
        settings,
        RayOptions(workers=workers, block_rows=block_rows),
        ShardFolder(folder),
        report=report,
        log=lambda _: None,
    )
    rows_after_first = 0
    for update in generator:
        table.apply(update.batch)
        if first is None:
            first = time.perf_counter()
        else:
            rows_after_first += len(update.batch.rows)
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "startup": report.startup_seconds,
        "first_block": first - started,
        "throughput": len(dataset) / wall,
        "steady": rows_after_first / (wall - (first - started)) if rows_after_first else 0.0,
        "blocks": report.blocks,
        "scores": table.scores,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--block-rows", type=int, default=500)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    ray = import_ray()
    source = GSM8K if GSM8K.exists() else FALLBACK
    dataset = first_rows(load(source), args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = build_reward_model(
            tmp / "model", dataset.prompts + dataset.responses, max_length=args.max_length
        )
        settings = ScoreConfig(model=str(model), device="cpu", max_length=args.max_length)
        print(
            f"data             {source.name}, {len(dataset):,} rows; tiny DeBERTa-v2, "
            f"max length {args.max_length}; blocks of {args.block_rows:,} rows"
        )
        print(
            f"machine          {os.cpu_count()} CPU cores, torch {torch.__version__}, "
            f"ray {ray.__version__}"
        )
        local_seconds, local_scores = local_engine(dataset, settings)
        local_rate = len(dataset) / local_seconds
        print(f"local engine     {local_rate:8.1f} pairs/s (1 torch thread; baseline)")
        started = time.perf_counter()
        ray.init(
            num_cpus=max(args.workers),
            include_dashboard=False,
            logging_level=logging.ERROR,
            runtime_env=job_runtime_env(),
        )
        print(f"ray.init         {time.perf_counter() - started:8.2f} s (local instance)")
        results = {}
        try:
            for workers in args.workers:
                run = ray_run(dataset, settings, workers, args.block_rows, tmp / f"s{workers}")
                results[workers] = run
                drift = float(np.nanmax(np.abs(run["scores"] - local_scores)))
                print(
                    f"ray, {workers} worker(s) {run['throughput']:8.1f} pairs/s whole run "
                    f"({run['wall']:.1f} s), {run['steady']:.1f} pairs/s after the first "
                    f"block; probe {run['startup']:.1f} s, first block after "
                    f"{run['first_block']:.1f} s; x{run['throughput'] / local_rate:.2f} the "
                    f"local engine; max |score - local| {drift:.1e}"
                )
        finally:
            ray.shutdown()
        one = results.get(1)
        for workers, run in results.items():
            if one is not None and workers > 1:
                print(
                    f"scaling 1 -> {workers}    whole run "
                    f"{run['throughput'] / (workers * one['throughput']):.2f}, after the first "
                    f"block {run['steady'] / (workers * one['steady']):.2f} "
                    f"(1.0 = linear)"
                )


if __name__ == "__main__":
    main()
