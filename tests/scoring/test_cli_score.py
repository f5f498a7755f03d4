"""``python main.py score`` as a user runs it: a subprocess, files in, a results file out."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLE


def score(*args, env=None):
    environment = {**os.environ, "THRESHER_DATA_DIR": str(env or ""), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "score", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_score_writes_one_row_per_record_in_file_order(tiny_model, sample, tmp_path, suffix):
    out = tmp_path / f"scores{suffix}"
    done = score(
        SAMPLE,
        "--model",
        tiny_model,
        "--device",
        "cpu",
        "--max-length",
        "64",
        "-o",
        out,
        "--project",
        tmp_path / "p.thresher",
    )
    assert done.returncode == 0, done.stderr
    frame = {
        ".jsonl": lambda p: pd.read_json(p, lines=True),
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
    }[suffix](out)
    assert len(frame) == len(sample)
    assert frame["line"].tolist() == sample.locations.tolist()
    assert frame["fingerprint"].tolist() == [bytes(f).hex() for f in sample.fingerprints]
    assert frame["score"].notna().all() and frame["truncated"].sum() > 0
    for column in ("refusal", "near_empty", "garbage", "echo", "repetition", "heuristic_score"):
        assert column in frame


def test_json_summary_reports_counts_speed_and_model(tiny_model, sample, tmp_path):
    args = (
        SAMPLE,
        "--model",
        tiny_model,
        "--device",
        "cpu",
        "--max-length",
        "64",
        "-o",
        tmp_path / "s.jsonl",
        "--project",
        tmp_path / "p.thresher",
        "--json",
    )
    first = orjson.loads(score(*args).stdout)
    again = orjson.loads(score(*args).stdout)
    assert first["scored"] == len(sample) and first["from_cache"] == 0
    assert first["truncated"] == len(first["truncated_rows"]) > 0
    assert first["unscorable"] == 0 and first["pairs_per_second"] > 0
    assert first["model"] == str(tiny_model)
    assert first["scorer"]["weights_sha256"]["model.safetensors"]
    assert again["from_cache"] == len(sample) and again["scored"] == len(sample)


def test_heuristic_scoring_needs_no_model(tmp_path, sample):
    done = score(SAMPLE, "--model", "heuristic", "-o", tmp_path / "h.jsonl", "--json", env=tmp_path)
    summary = orjson.loads(done.stdout)
    assert summary["model"] == "heuristic" and summary["scored"] == len(sample)


def test_a_missing_model_is_one_clear_line_not_a_traceback(tmp_path):
    done = score(
        SAMPLE, "--model", "acme/no-such-reward-model", "-o", tmp_path / "x.jsonl", env=tmp_path
    )
    assert done.returncode == 1
    assert "acme/no-such-reward-model is not on this machine" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "x.jsonl").exists()


def test_a_wrong_output_suffix_is_refused_before_any_work(tmp_path):
    done = score(SAMPLE, "--model", "heuristic", "-o", tmp_path / "x.txt")
    assert done.returncode == 1 and "must end in .jsonl, .csv, .parquet" in done.stderr


def test_a_prompt_only_file_says_there_is_nothing_to_score(shared_data, tmp_path):
    done = score(
        shared_data / "koala_test_set.jsonl",
        "--model",
        "heuristic",
        "-o",
        tmp_path / "x.jsonl",
        env=tmp_path,
    )
    assert done.returncode == 1 and "no responses" in done.stderr
