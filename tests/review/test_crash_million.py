"""The crash tests at a million rows: kill -9 mid-review and mid-bulk-action, reopen, check.

Skipped by default (each kill re-loads the file in a child, minutes on a small machine). Run:

    THRESHER_CRASH_ROWS=1000000 .venv/bin/python -m pytest tests/review/test_crash_million.py -q

The file is GSM8K records made distinct by their line number, plus exact copies (a decision is
keyed by content and occurrence, so copies are where row keys are easiest to get wrong).
"""

from __future__ import annotations

import os
import random

import orjson
import pytest

from core.loading import load
from tests.conftest import SHARED_DATA
from tests.review.crash_parent import check_bulk, check_decisions, kill_fresh

ROWS = int(os.environ.get("THRESHER_CRASH_ROWS", "0"))
pytestmark = [
    pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX"),
    pytest.mark.skipif(not ROWS, reason="slow: set THRESHER_CRASH_ROWS=1000000 to run"),
]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    base = orjson.loads((SHARED_DATA / "gsm_8k_train.json").read_bytes())
    lines = []
    for i in range(ROWS):
        r = base[i % len(base)]
        copy = i % 10 == 9  # every tenth row repeats an earlier one
        n = i - 9 if copy else i
        lines.append(
            orjson.dumps(
                {"instruction": f"{r['instruction']} ({n})", "input": "", "output": r["output"]}
            )
        )
    path = tmp_path_factory.mktemp("million") / "million.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, load(path)


def test_no_acknowledged_decision_is_lost_at_scale(big, tmp_path, monkeypatch):
    path, dataset = big
    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path / "data"))
    rng = random.Random(3)
    checked = 0
    for _ in range(3):
        words = kill_fresh(tmp_path, "decide", path, rng.uniform(0.5, 3.0))
        last = max((int(w) for w in words if w.isdigit()), default=-1)
        decided = check_decisions(dataset, path, last)[1]
        assert decided in (last + 1, last + 2)
        checked += last + 1
    assert checked > 30, "the child should have made decisions before the kills"


def test_a_killed_bulk_action_at_scale_is_all_or_nothing(big, tmp_path, monkeypatch):
    path, dataset = big
    monkeypatch.setenv("THRESHER_DATA_DIR", str(tmp_path / "data"))
    rng = random.Random(9)
    for _ in range(3):
        words = kill_fresh(tmp_path, "bulk", path, rng.uniform(0.0, 4.0))
        check_bulk(dataset, path, words)
