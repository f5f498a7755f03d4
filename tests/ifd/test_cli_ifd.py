"""``score --ifd`` and ``curate --ifd`` end to end: a tiny Llama, and the real SmolLM2 GGUF."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import orjson
import pandas as pd

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


def test_score_with_ifd_writes_the_ratio_losses_and_flag_and_curate_keeps_no_flagged_row(
    tiny_llama, tmp_path, capsys
):
    data = tmp_path / "small.jsonl"
    data.write_bytes(b"".join(SAMPLE.read_bytes().splitlines(keepends=True)[:40]))
    out = tmp_path / "out.csv"
    project = tmp_path / "p.thresher"
    args = [
        "score",
        data,
        "-o",
        out,
        "--ifd",
        tiny_llama,
        "--device",
        "cpu",
        "--project",
        project,
        "--json",
    ]
    assert cli_main(list(map(str, args))) == 0
    report = orjson.loads(capsys.readouterr().out)
    frame = pd.read_csv(out)
    assert report["scorer"]["kind"] == "ifd"
    flagged = frame["ifd_above_1"]
    assert report["ifd_above_1"] == int(flagged.sum()) > 0
    ratio = frame["loss_given_prompt"] / frame["loss_alone"]
    assert np.allclose(frame["ifd"].dropna(), ratio.dropna(), rtol=1e-5)
    assert (flagged == (frame["ifd"] > 1)).all()
    assert frame.loc[flagged, "score"].isna().all()  # never ranked
    assert frame.loc[flagged, "unscorable_reason"].str.startswith("ifd_above_1: IFD").all()
    ranked = frame["score"].notna()
    assert np.allclose(frame.loc[ranked, "score"], frame.loc[ranked, "ifd"])
    assert cli_main(list(map(str, args))) == 0  # again: all from the cache
    again = orjson.loads(capsys.readouterr().out)
    assert again["from_cache"] == len(frame) and again["ifd_above_1"] == report["ifd_above_1"]
    assert pd.read_csv(out).equals(frame)

    kept = tmp_path / "kept.jsonl"
    assert (
        cli_main(
            [
                "curate",
                str(data),
                "-o",
                str(kept),
                "--ifd",
                str(tiny_llama),
                "--device",
                "cpu",
                "--keep-top",
                "50%",
                "--keep-duplicates",
                "--project",
                str(project),
                "--no-manifest",
            ]
        )
        == 0
    )
    lines = kept.read_bytes().splitlines()
    best = frame.loc[ranked].sort_values("score", ascending=False, kind="stable")
    expected = best["row"].head(min(round(0.5 * len(frame)), len(best))).tolist()
    assert len(lines) == len(expected)
    source = data.read_bytes().splitlines()
    assert sorted(lines) == sorted(source[r] for r in expected)


def test_ifd_and_judge_together_are_refused_in_one_line(tmp_path):
    result = run_cli(
        "score", SAMPLE, "-o", tmp_path / "o.csv", "--ifd", "a.gguf", "--judge", "b.gguf"
    )
    assert result.returncode != 0 and "choose one" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("score", SAMPLE, "-o", tmp_path / "o.csv", "--ifd", tmp_path / "no.gguf")
    assert result.returncode != 0 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_real_smollm2_gguf_gives_ifd_on_gsm8k_rows(smollm2_gguf, shared_data, tmp_path):
    rows = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())[:6]
    data = tmp_path / "gsm6.jsonl"
    data.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    out = tmp_path / "out.parquet"
    result = run_cli(
        "score", data, "-o", out, "--ifd", smollm2_gguf, "--device", "cpu", "--no-cache", "--json"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = orjson.loads(result.stdout)
    assert report["scorer"]["revision"] == "gguf"
    assert "chat template" in report["scorer"]["input"]
    frame = pd.read_parquet(out)
    # A real model: the question helps predict its worked answer (IFD well under 1), and
    # the losses are those of a small LM on English arithmetic prose (nats per token).
    assert frame["ifd"].between(0.2, 0.95).all()
    assert frame["loss_given_prompt"].between(0.3, 4).all()
    assert (frame["loss_alone"] > frame["loss_given_prompt"]).all()
    assert not frame["ifd_above_1"].any() and frame["score"].notna().all()
