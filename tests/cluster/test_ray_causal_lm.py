"""The local LLM judge and IFD on a real local Ray instance: the local engine's results.

The workers build the scorer the local command line builds (same cache key, same scores), the
model's folder or GGUF file travels by path, and a judge's entropies and IFD's losses come back
through the shards and land in the project as a local run stores them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from core.cluster.ray_engine import RayOptions, RayReport, score_on_ray
from core.cluster.shards import ShardFolder
from core.loading import load
from core.project import ProjectStore
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset
from core.scoring.run import restore_scores
from tests.conftest import SAMPLE

ray = pytest.importorskip("ray")
from tests.cluster.conftest import run, score_here_and_on_ray  # noqa: E402

QUIET = {"log": lambda _: None}


def local(dataset, settings, store=None):
    return run(score_dataset(dataset, make_scorer(settings), store), len(dataset))


def assert_same_rows(got: ScoreTable, expected: ScoreTable) -> None:
    """Row by row: scores, flags, reasons, a judge's entropies and a scorer's own columns."""
    np.testing.assert_array_equal(got.scores, expected.scores)
    np.testing.assert_array_equal(got.unscorable, expected.unscorable)
    np.testing.assert_array_equal(got.truncated, expected.truncated)
    assert got.reasons == expected.reasons
    if expected.entropy is None:
        assert got.entropy is None
    else:
        np.testing.assert_array_equal(got.entropy, expected.entropy)
    assert got.extra.keys() == expected.extra.keys()
    for name, values in expected.extra.items():
        np.testing.assert_array_equal(got.extra[name], values)


def test_the_judge_on_ray_rates_as_the_local_judge_and_fills_the_same_cache(
    local_ray, rating_judge, sample, tmp_path
):
    settings = ScoreConfig(model=str(rating_judge), judge_preset="rubric-1-5", device="cpu")
    expected, _ = local(sample, settings)
    assert expected.entropy is not None and np.isfinite(expected.scores).sum() > len(sample) // 2
    options = RayOptions(workers=2, block_rows=256)  # the local engine's windows: 256, then 40
    with ProjectStore(tmp_path / "p.thresher") as store:
        on_ray, _ = run(
            score_on_ray(sample, settings, options, ShardFolder(tmp_path / "a"), store, **QUIET),
            len(sample),
        )
        assert_same_rows(on_ray, expected)
        # A second Ray run is all cache, entropies and reasons included...
        report = RayReport()
        again, summary = run(
            score_on_ray(
                sample, settings, options, ShardFolder(tmp_path / "b"), store, report, **QUIET
            ),
            len(sample),
        )
        assert report.blocks_from_cache == report.blocks == 2 and report.blocks_scored == 0
        assert summary.computed == 0
        np.testing.assert_array_equal(again.entropy, expected.entropy)
        assert again.reasons == expected.reasons
        # ...and so is a local run: the workers' judge had the local judge's cache key.
        locally, summary = local(sample, settings, store)
        assert summary.cached == len(sample) and summary.computed == 0
        assert_same_rows(locally, expected)
        # The app, opening the file, shows the judge's entropies without loading it.
        [restored] = restore_scores(sample, store)
    assert restored is not None
    np.testing.assert_array_equal(restored.batch.entropy, expected.entropy)


def test_a_cancelled_judge_run_resumes_from_its_shards_with_its_entropies(
    local_ray, rating_judge, sample, tmp_path
):
    settings = ScoreConfig(model=str(rating_judge), judge_preset="rubric-1-5", device="cpu")
    options = RayOptions(workers=1, block_rows=100)
    shards = ShardFolder(tmp_path / "shards")
    first = score_on_ray(sample, settings, options, shards, **QUIET)
    update = next(first)
    assert not update.cached and update.batch.entropy is not None
    first.close()  # the curator pressed Ctrl-C
    written = len(list(shards.folder.glob("block-*.parquet")))
    assert 1 <= written < 3
    report = RayReport()
    with ProjectStore(tmp_path / "p.thresher") as store:
        resumed, summary = run(
            score_on_ray(sample, settings, options, shards, store, report, **QUIET), len(sample)
        )
        assert report.blocks_from_shards == written and report.blocks_scored == 3 - written
        assert summary.cached + summary.computed == len(sample)
        [restored] = restore_scores(sample, store)  # shards' entropies reached the project
    uninterrupted, _ = run(
        score_on_ray(sample, settings, options, ShardFolder(tmp_path / "fresh"), **QUIET),
        len(sample),
    )
    assert_same_rows(resumed, uninterrupted)
    assert restored is not None
    np.testing.assert_array_equal(restored.batch.entropy, uninterrupted.entropy)


def test_ifd_on_ray_gives_the_local_losses_and_flags_and_a_rerun_is_all_cache(
    local_ray, tiny_llama, sample, tmp_path
):
    settings = ScoreConfig(model=str(tiny_llama), ifd=True, device="cpu", max_length=128)
    expected, expected_summary = local(sample, settings)
    assert {"ifd", "loss_given_prompt", "loss_alone", "ifd_above_1"} <= expected.extra.keys()
    options = RayOptions(workers=2, block_rows=256)
    with ProjectStore(tmp_path / "p.thresher") as store:
        on_ray, summary = run(
            score_on_ray(sample, settings, options, ShardFolder(tmp_path / "a"), store, **QUIET),
            len(sample),
        )
        assert_same_rows(on_ray, expected)
        assert summary.ifd_above_1 == expected_summary.ifd_above_1
        report = RayReport()
        again, summary = run(
            score_on_ray(
                sample, settings, options, ShardFolder(tmp_path / "b"), store, report, **QUIET
            ),
            len(sample),
        )
        assert report.blocks_scored == 0 and summary.computed == 0
        assert summary.ifd_above_1 == expected_summary.ifd_above_1
        locally, summary = local(sample, settings, store)
    assert summary.cached == len(sample)
    for table in (again, locally):
        np.testing.assert_array_equal(table.scores, expected.scores)
        np.testing.assert_array_equal(table.extra["ifd"], expected.extra["ifd"])
        np.testing.assert_array_equal(table.extra["loss_alone"], expected.extra["loss_alone"])


def test_the_real_smollm2_gguf_judges_on_ray_as_it_does_locally(local_ray, smollm2_gguf, tmp_path):
    """The GGUF file travels by its path; the workers dequantise it as the local engine does."""
    rows = SAMPLE.read_text(encoding="utf-8").splitlines()[:8]
    (tmp_path / "few.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset = load(tmp_path / "few.jsonl")
    settings = ScoreConfig(model=str(smollm2_gguf), judge_preset="alpagasus-accuracy", device="cpu")
    expected, _ = local(dataset, settings)
    assert np.isfinite(expected.scores).any()
    with ProjectStore(tmp_path / "p.thresher") as store:
        on_ray, _ = run(
            score_on_ray(
                dataset,
                settings,
                RayOptions(workers=1),
                ShardFolder(tmp_path / "s"),
                store,
                **QUIET,
            ),
            len(dataset),
        )
        locally, summary = local(dataset, settings, store)
    assert_same_rows(on_ray, expected)
    assert summary.cached == len(dataset)  # the same key: the Ray run filled the local cache
    np.testing.assert_array_equal(locally.entropy, expected.entropy)


def test_score_engine_ray_judge_writes_the_local_judges_file(rating_judge, tmp_path):
    """The command a curator runs: same output file, judge_entropy column included."""
    common = (SAMPLE, "--judge", rating_judge, "--judge-preset", "rubric-1-5", "--device", "cpu")
    here, there = score_here_and_on_ray((*common, "--json"), tmp_path)
    report = orjson.loads(there.stdout)
    assert report["engine"] == "ray" and report["ray"]["blocks_scored"] == 2
    assert (
        report["judge_length_correlation"] == orjson.loads(here.stdout)["judge_length_correlation"]
    )
    expected = pd.read_parquet(tmp_path / "local.parquet")
    assert "judge_entropy" in expected.columns
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ray.parquet"), expected)
    assert Path(tmp_path / "ray.parquet.shards").is_dir()
