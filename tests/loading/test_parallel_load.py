"""A big JSONL parsed by worker processes gives exactly what one pass gives.

Same rows in the same order, same fingerprints, same physical line numbers in every bad-line
message, whichever run of lines a worker got. The pool is forced onto a small real file by
lowering the size threshold and the chunk size (both read only by the parent process).
"""

import random

import orjson
import pytest

from core.loading import jsonl, jsonl_pool, load


def _real_lines(shared_data, n: int) -> list[bytes]:
    rows = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())
    rng = random.Random(3)
    lines = [orjson.dumps(rng.choice(rows)) for _ in range(n)]
    for i in rng.sample(range(n), 40):  # bad lines scattered over every run
        lines[i] = rng.choice(
            [
                b'{"instruction": "x", "output": "y", "output": "z"}',
                b'{"instruction": "x: \\"a\\": 1", "output": "cut',
                b"[1, 2]",
                b"",
                b'{"instruction": "\xff", "output": "y"}',
            ]
        )
    return lines


def _columns(dataset):
    return (
        dataset.prompts,
        dataset.responses,
        dataset.originals,
        dataset.locations.tolist(),
        dataset.fingerprints.tolist(),
        dataset.turns.tolist(),
        dataset.bad_lines,
        dataset.blank_lines,
        dataset.source_sha256,
    )


@pytest.mark.parametrize("workers", ["2", "3"])
def test_pool_load_equals_single_pass(shared_data, write, monkeypatch, workers):
    path = write("big.jsonl", b"\n".join(_real_lines(shared_data, 6000)) + b"\n")
    monkeypatch.setenv("THRESHER_LOAD_WORKERS", "1")
    single = load(path)
    monkeypatch.setattr(jsonl_pool, "MIN_POOL_BYTES", 0)
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setenv("THRESHER_LOAD_WORKERS", workers)
    submitted = []
    submit = jsonl_pool.RunPool.submit
    monkeypatch.setattr(
        jsonl_pool.RunPool,
        "submit",
        lambda pool, blob, line: submitted.append(line) or submit(pool, blob, line),
    )
    pooled = load(path)
    assert len(submitted) > 5  # most of the file went through the workers
    assert len(single.bad_lines) > 30 and single.blank_lines > 0
    assert _columns(pooled) == _columns(single)


def test_pool_path_reports_bad_lines_by_physical_line(shared_data, write, monkeypatch):
    lines = _real_lines(shared_data, 3000)
    lines[2500] = b'{"instruction": "a", "output": "b", "instruction": "c"}'
    monkeypatch.setattr(jsonl_pool, "MIN_POOL_BYTES", 0)
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 32 << 10)
    monkeypatch.setenv("THRESHER_LOAD_WORKERS", "2")
    dataset = load(write("big.jsonl", b"\n".join(lines) + b"\n"))
    reasons = {b.line: b.reason for b in dataset.bad_lines}
    assert reasons[2501] == "repeated key 'instruction': the record is ambiguous"
