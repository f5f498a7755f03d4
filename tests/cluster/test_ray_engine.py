"""Scoring on a real local Ray instance with two CPU workers: same results, resumable, cached.

Ray is an optional extra; ``make test`` installs it, and these tests are skipped without it.
"""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pytest

from core.cluster.ray_engine import (
    RayOptions,
    RayReport,
    RayUnavailableError,
    score_on_ray,
)
from core.cluster.shards import ShardFolder
from core.loading import load
from core.project import ProjectStore
from core.scoring import ScoreConfig
from core.scoring.model_files import ModelNotFoundError
from core.scoring.reward_model import ModelLoadError
from core.scoring.run import last_settings, restore_scores
from tests.conftest import ROOT, SAMPLE

ray = pytest.importorskip("ray")
from tests.cluster.conftest import run, score_cli, score_here_and_on_ray  # noqa: E402

GSM8K_800 = ROOT / "tests" / "data" / "gsm8k_800.jsonl"


def test_the_ray_engine_writes_what_the_local_engine_writes_and_fills_the_cache(
    tiny_model, tmp_path
):
    """The command a curator runs: two workers, two blocks, bit-identical output file."""
    common = (SAMPLE, "--model", tiny_model, "--device", "cpu", "--max-length", "64", "--json")
    _, on_ray = score_here_and_on_ray(common, tmp_path)
    report = orjson.loads(on_ray.stdout)
    assert report["engine"] == "ray" and report["ray"]["workers"] == 2
    assert report["ray"]["blocks"] == report["ray"]["blocks_scored"] == 2
    assert "Traceback" not in on_ray.stderr
    expected = pd.read_parquet(tmp_path / "local.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ray.parquet"), expected)
    shards = sorted((tmp_path / "ray.parquet.shards").glob("block-*.parquet"))
    assert [p.name for p in shards] == ["block-000000.parquet", "block-000001.parquet"]
    # The app, opening the file, shows the scores the Ray run cached without re-scoring...
    dataset = load(SAMPLE)
    with ProjectStore(tmp_path / "b.thresher") as store:
        [restored] = restore_scores(dataset, store)
        settings = last_settings(store)  # the Scoring dock shows the model used
    assert settings.model == str(tiny_model) and settings.max_length == 64
    assert len(restored.batch.rows) == len(dataset)
    np.testing.assert_array_equal(
        restored.batch.scores, expected["score"].to_numpy(dtype=np.float32)
    )
    # ...and so does the local engine.
    again = score_cli(
        *common,
        "-o",
        tmp_path / "again.parquet",
        "--project",
        tmp_path / "b.thresher",
        env_dir=tmp_path,
    )
    assert orjson.loads(again.stdout)["from_cache"] == len(expected)


def test_an_interrupted_run_resumes_from_the_blocks_it_wrote(local_ray, tiny_model, tmp_path):
    dataset = load(GSM8K_800)
    settings = ScoreConfig(model=str(tiny_model), device="cpu", max_length=64)
    options = RayOptions(workers=2, block_rows=100)
    shards = ShardFolder(tmp_path / "shards")
    first = score_on_ray(dataset, settings, options, shards, log=lambda _: None)
    update = next(first)
    assert not update.cached and len(update.batch.rows) == 100
    first.close()  # the curator pressed Ctrl-C
    written = len(list(shards.folder.glob("block-*.parquet")))
    assert 1 <= written < 8
    report = RayReport()
    resumed, summary = run(
        score_on_ray(dataset, settings, options, shards, report=report, log=lambda _: None),
        len(dataset),
    )
    assert report.blocks == 8 and report.blocks_from_shards == written
    assert report.blocks_scored == 8 - written
    assert summary.computed == len(dataset) - summary.cached
    uninterrupted, _ = run(
        score_on_ray(
            dataset, settings, options, ShardFolder(tmp_path / "fresh"), log=lambda _: None
        ),
        len(dataset),
    )
    assert np.array_equal(resumed.scores, uninterrupted.scores)
    assert not np.isnan(resumed.scores).any()


def test_a_run_whose_scores_are_all_cached_sends_nothing_to_the_workers(
    local_ray, tiny_model, tmp_path
):
    dataset = load(SAMPLE)
    settings = ScoreConfig(model=str(tiny_model), device="cpu", max_length=64)
    with ProjectStore(tmp_path / "p.thresher") as store:
        first, _ = run(
            score_on_ray(
                dataset,
                settings,
                RayOptions(workers=2),
                ShardFolder(tmp_path / "a"),
                store,
                log=lambda _: None,
            ),
            len(dataset),
        )
        report = RayReport()
        second, summary = run(
            score_on_ray(
                dataset,
                settings,
                RayOptions(workers=2),
                ShardFolder(tmp_path / "b"),
                store,
                report,
                log=lambda _: None,
            ),
            len(dataset),
        )
    assert report.blocks_from_cache == report.blocks and report.blocks_scored == 0
    assert summary.cached == len(dataset) and summary.computed == 0
    assert np.array_equal(first.scores, second.scores)


def test_a_model_the_workers_cannot_find_is_named_in_one_clear_error(local_ray, tmp_path):
    settings = ScoreConfig(model=str(tmp_path / "no-such-model"), device="cpu")
    with pytest.raises(ModelNotFoundError, match="no-such-model") as raised:
        run(
            score_on_ray(
                load(SAMPLE),
                settings,
                RayOptions(workers=1),
                ShardFolder(tmp_path / "s"),
                log=lambda _: None,
            ),
            1,
        )
    assert str(raised.value) == f"model folder {tmp_path / 'no-such-model'} does not exist"


def test_more_workers_than_the_cluster_can_hold_is_refused(local_ray, tiny_model, tmp_path):
    settings = ScoreConfig(model=str(tiny_model), device="cpu")
    with pytest.raises(RayUnavailableError, match="need 5 CPUs; the cluster has 2"):
        run(
            score_on_ray(
                load(SAMPLE),
                settings,
                RayOptions(workers=5),
                ShardFolder(tmp_path / "s"),
                log=lambda _: None,
            ),
            1,
        )
    with pytest.raises(RayUnavailableError, match="the cluster has 0"):
        run(
            score_on_ray(
                load(SAMPLE),
                settings,
                RayOptions(workers=1, gpus_per_worker=1),
                ShardFolder(tmp_path / "s"),
                log=lambda _: None,
            ),
            1,
        )


def test_an_output_index_the_model_lacks_is_refused_before_any_worker_loads_it(
    local_ray, tiny_model, tmp_path
):
    settings = ScoreConfig(model=str(tiny_model), device="cpu", output_index=5)
    with pytest.raises(ModelLoadError) as raised:
        run(
            score_on_ray(
                load(SAMPLE),
                settings,
                RayOptions(workers=1),
                ShardFolder(tmp_path / "s"),
                log=lambda _: None,
            ),
            1,
        )
    assert str(raised.value) == (
        "output index 5 is out of range: the model has 1 output(s), numbered from 0"
    )
    assert not (tmp_path / "s").exists()
