"""``score --judge`` end to end: a taught tiny judge, and the real SmolLM2 GGUF."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pandas as pd
import pytest

from cli import main as cli_main
from tests.conftest import ROOT, SAMPLE


def run_cli(*args):
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )


def test_score_with_a_judge_writes_ratings_entropy_and_the_length_bias(
    rating_judge, tmp_path, capsys
):
    out = tmp_path / "out.csv"
    args = [
        "score",
        str(SAMPLE),
        "-o",
        str(out),
        "--judge",
        str(rating_judge),
        "--judge-preset",
        "rubric-1-5",
        "--device",
        "cpu",
        "--project",
        str(tmp_path / "p.thresher"),
        "--json",
    ]
    assert cli_main(args) == 0
    report = orjson.loads(capsys.readouterr().out)
    frame = pd.read_csv(out)
    rated = frame["score"].notna()
    assert rated.mean() > 0.8 and frame.loc[rated, "score"].between(1, 5).all()
    assert frame.loc[rated, "judge_entropy"].between(0, 1.61).all()
    assert frame.loc[~rated, "unscorable_reason"].str.startswith("unscorable").all()
    assert report["scorer"]["kind"] == "judge"
    assert -1 <= report["judge_length_correlation"] <= 1
    assert cli_main(args) == 0  # again: everything from the cache
    again = orjson.loads(capsys.readouterr().out)
    assert again["from_cache"] == len(frame) and again["judge_length_correlation"] == pytest.approx(
        report["judge_length_correlation"]
    )
    kept = tmp_path / "kept.jsonl"  # curate with the same judge, from the cache
    assert (
        cli_main(
            [
                "curate",
                str(SAMPLE),
                "-o",
                str(kept),
                "--judge",
                str(rating_judge),
                "--judge-preset",
                "rubric-1-5",
                "--device",
                "cpu",
                "--min-score",
                "3",
                "--keep-duplicates",
                "--project",
                str(tmp_path / "p.thresher"),
                "--no-manifest",
            ]
        )
        == 0
    )
    assert len(kept.read_bytes().splitlines()) == int((frame["score"] >= 3).sum())


def test_judge_flags_are_checked_before_any_model_loads(tmp_path, write):
    prompt = write("p.txt", "Rate {prompt}")
    result = run_cli(
        "score",
        SAMPLE,
        "-o",
        tmp_path / "o.csv",
        "--judge",
        "no/such-model",
        "--judge-prompt",
        prompt,
        "--judge-scale",
        "1-5",
    )
    assert result.returncode != 0 and "never shows the answer" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("score", SAMPLE, "-o", tmp_path / "o.csv", "--judge-preset", "rubric-1-5")
    assert result.returncode != 0 and "need --judge MODEL" in result.stderr


def test_the_real_smollm2_gguf_judge_rates_gsm8k_rows(smollm2_gguf, shared_data, tmp_path):
    rows = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())[:6]
    data = tmp_path / "gsm6.jsonl"
    data.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "out.parquet"
    result = run_cli(
        "score",
        data,
        "-o",
        out,
        "--judge",
        smollm2_gguf,
        "--judge-preset",
        "rubric-1-5",
        "--device",
        "cpu",
        "--no-cache",
        "--json",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = orjson.loads(result.stdout)
    assert report["scorer"]["revision"] == "gguf"
    frame = pd.read_parquet(out)
    assert frame["score"].between(1, 5).all() and frame["judge_entropy"].notna().all()
