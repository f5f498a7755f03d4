"""Real data for the map: GSM8K math prompts mixed with the self-instruct seed tasks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_DATA

GSM8K_ROWS = 1200


def write_mixed(path: Path, gsm8k_rows: int = GSM8K_ROWS, seed: int = 0) -> np.ndarray:
    """Shuffle GSM8K and seed-task records into one Alpaca JSONL; returns 1 where GSM8K.

    The test calling it is skipped, saying so, where ../shared/data is absent.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    data = SHARED_DATA
    gsm8k = json.loads((data / "gsm_8k_train.json").read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    picked = [gsm8k[i] for i in sorted(rng.choice(len(gsm8k), gsm8k_rows, replace=False))]
    records = [
        ({"instruction": r["instruction"], "input": r["input"], "output": r["output"]}, 1)
        for r in picked
    ]
    for line in (data / "seed_tasks.jsonl").read_text(encoding="utf-8").splitlines():
        task = json.loads(line)
        first = task["instances"][0]
        records.append(
            (
                {
                    "instruction": task["instruction"],
                    "input": first["input"],
                    "output": first["output"],
                },
                0,
            )
        )
    order = rng.permutation(len(records))
    with path.open("w", encoding="utf-8") as handle:
        for i in order:
            handle.write(json.dumps(records[i][0], ensure_ascii=False) + "\n")
    return np.array([records[i][1] for i in order], dtype=np.int8)


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    """(path, is_gsm8k) for the mixed file."""
    path = tmp_path_factory.mktemp("map") / "mixed.jsonl"
    return path, write_mixed(path)
