"""``main.py map``: the per-row table, the JSON summary, the project cache, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.embedding_map.conftest import write_mixed

ROOT = Path(__file__).resolve().parents[2]


def _map(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "map", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def test_map_writes_row_x_y_topic_and_reuses_the_project(tmp_path):
    source = tmp_path / "mixed.jsonl"
    is_gsm8k = write_mixed(source, gsm8k_rows=120)
    out = tmp_path / "map.parquet"
    project = tmp_path / "mixed.thresher"
    first = _map(
        str(source),
        "-o",
        str(out),
        "--method",
        "pca",
        "--json",
        "--device",
        "cpu",
        "--project",
        str(project),
    )
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["records"] == len(is_gsm8k) and summary["method"] == "pca"
    assert summary["cached"] is False
    table = pd.read_parquet(out)
    assert list(table.columns) == ["row", "x", "y", "topic", "topic_label"]
    assert table["row"].tolist() == list(range(len(is_gsm8k)))
    assert table[["x", "y"]].notna().all().all()
    labels = {t["topic"]: t["label"] for t in summary["topics"]}
    assert (table["topic_label"] == table["topic"].map(labels)).all()
    assert sum(t["rows"] for t in summary["topics"]) == len(is_gsm8k)
    again = _map(
        str(source), "-o", str(out), "--method", "pca", "--json", "--project", str(project)
    )
    assert again.returncode == 0 and json.loads(again.stdout)["cached"] is True
    assert pd.read_parquet(out).equals(table)


def test_a_bad_output_name_is_one_line(tmp_path):
    source = tmp_path / "d.jsonl"
    source.write_text('{"prompt": "a", "response": "b"}\n')
    result = _map(str(source), "-o", str(tmp_path / "map.txt"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "map.txt" in result.stderr
