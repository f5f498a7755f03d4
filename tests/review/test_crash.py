"""Kill -9 at random moments: no acknowledged decision is lost and exports are never half-written.

A child process (``crash_child``) makes decisions or exports through the same code the app
uses and prints each acknowledged step; the parent SIGKILLs it at a random moment, re-opens the
project and checks everything the child reported as done.
"""

from __future__ import annotations

import os
import random
import shutil

import orjson
import pytest

from core.atomic import atomic_write
from core.loading import load
from tests.conftest import SAMPLE
from tests.review.crash_parent import (
    check_bulk,
    check_decisions,
    kill_after,
    kill_fresh,
    start_child,
)

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")

KILLS = 24


def test_no_acknowledged_decision_is_lost(tmp_path):
    rng = random.Random(5)
    dataset_path = tmp_path / "sample.jsonl"
    shutil.copy(SAMPLE, dataset_path)
    dataset = load(dataset_path)
    checked = 0
    for _ in range(KILLS):
        words = kill_fresh(tmp_path, "decide", dataset_path, rng.uniform(0.02, 0.6))
        last = max((int(w) for w in words if w.isdigit()), default=-1)
        checked += check_decisions(dataset, dataset_path, last)[0]
    assert checked > KILLS * 10, "the child should have made decisions before most kills"


def test_a_killed_bulk_action_is_all_or_nothing(tmp_path):
    rng = random.Random(7)
    records = [
        orjson.dumps({"prompt": f"question {i}", "response": f"answer {i}"}) for i in range(20_000)
    ]
    dataset_path = tmp_path / "big.jsonl"
    dataset_path.write_bytes(b"\n".join(records) + b"\n")
    dataset = load(dataset_path)
    outcomes = set()
    for _ in range(6):
        words = kill_fresh(tmp_path, "bulk", dataset_path, rng.uniform(0.0, 0.5))
        outcomes.add(check_bulk(dataset, dataset_path, words))
    assert outcomes, "no run finished"


def test_a_killed_export_leaves_the_old_file_or_the_new_one(tmp_path):
    rng = random.Random(11)
    rows = 50_000
    records = [
        orjson.dumps({"instruction": f"task {i}", "input": "", "output": "x" * 40})
        for i in range(rows)
    ]
    dataset_path = tmp_path / "export.jsonl"
    dataset_path.write_bytes(b"\n".join(records) + b"\n")
    target = tmp_path / "curated.jsonl"
    target.write_bytes(b"\n".join(records) + b"\n")  # an earlier complete export
    completed = 0
    for _ in range(10):
        child = start_child(tmp_path, "export", str(dataset_path), str(target))
        words = kill_after(child, rng.uniform(0.05, 1.5))
        completed += words.count("export")
        lines = target.read_bytes().split(b"\n")
        assert lines.pop() == b""
        assert len(lines) in (rows, rows // 2)
        assert all(isinstance(orjson.loads(line), dict) for line in lines)
    assert completed, "at least one export should have finished between kills"
    atomic_write(target, lambda handle: handle.write(b"{}\n"))  # cleans up after the kills
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
