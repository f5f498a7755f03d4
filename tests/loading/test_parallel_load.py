"""A big JSONL parsed by worker processes gives exactly what one pass gives.

Same rows in the same order, same fingerprints, same physical line numbers in every bad-line
message, whichever run of lines a worker got. The pool is forced onto a small real file by
lowering the size threshold and the chunk size (both read only by the parent process).
"""

import random

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import schemas
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


_BAD_LINES = (
    b'{"instruction": "x", "output": "y", "output": "z"}',  # repeated key
    b'{"instruction": "Note: \\"a\\": 1", "output": "cut',  # truncated
    b"[1, 2]",  # not an object
    b'"just text"',
    b"",  # blank
    b"   ",
    b'{"instruction": "\xff", "output": "y"}',  # invalid UTF-8
    b'{"instruction": "q", "output": NaN}',
    b'{"instruction": 3, "output": "y"}',  # does not fit the schema
    b'{"instruction": "q", "output": "y"}\r',  # CRLF ending: a good line
    b'{"instruction": "' + b"x" * 3000 + b'", "output": "y"}',  # longer than the limit below
)


def _mixed_real_lines(shared_data) -> list[bytes]:
    """Real Alpaca-layout lines with colons, quotes, escapes and non-ASCII text."""
    rows = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())[:300]
    seeds = [orjson.loads(x) for x in (shared_data / "seed_tasks.jsonl").read_bytes().splitlines()]
    lines = [orjson.dumps(r) for r in rows]
    for task in seeds[:150]:
        for inst in task["instances"]:
            record = {"instruction": task["instruction"], "input": inst["input"]}
            lines.append(orjson.dumps({**record, "output": inst["output"] + " café: 東京 😀"}))
    return [line for line in lines if len(line) < 2000]


@st.composite
def _files(draw, real: list[bytes]):
    """A file of real lines with bad lines anywhere, and a chunk size that may cut at one."""
    n = draw(st.integers(60, 260))
    lines = [real[draw(st.integers(0, len(real) - 1))] for _ in range(n)]
    bad_at = draw(st.lists(st.integers(0, n - 1), max_size=25))
    for i in bad_at:
        lines[i] = draw(st.sampled_from(_BAD_LINES))
    if draw(st.booleans()):
        lines = [line + b"\r" for line in lines]
    data = b"\n".join(lines) + draw(st.sampled_from([b"\n", b""]))
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    if bad_at and draw(st.booleans()):  # a read ends exactly at, just before or inside a bad line
        cut = starts[draw(st.sampled_from(bad_at))] + draw(st.sampled_from([-1, 0, 1, 5]))
        chunk = max(cut, 64)
    else:
        chunk = draw(st.integers(64, 6000))
    return data, chunk


def test_parallel_loader_gives_what_one_process_gives(shared_data, tmp_path_factory):
    """Property: records, fingerprints, errors and line numbers do not depend on the pool."""
    real = _mixed_real_lines(shared_data)

    @given(_files(real))
    @settings(max_examples=12, deadline=None)
    def check(case):
        data, chunk = case
        path = tmp_path_factory.mktemp("pool") / "f.jsonl"
        path.write_bytes(data)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(schemas, "DETECTION_SAMPLE", 10)
            mp.setattr(jsonl, "MAX_LINE_BYTES", 2500)
            mp.setattr(jsonl, "CHUNK_BYTES", chunk)
            mp.setenv("THRESHER_LOAD_WORKERS", "1")
            single = load(path)
            mp.setattr(jsonl_pool, "MIN_POOL_BYTES", 0)
            mp.setenv("THRESHER_LOAD_WORKERS", "2")
            submitted = []
            submit = jsonl_pool.RunPool.submit
            mp.setattr(
                jsonl_pool.RunPool,
                "submit",
                lambda pool, blob, line: submitted.append(line) or submit(pool, blob, line),
            )
            pooled = load(path)
        if len(data) > 4 * chunk:
            assert submitted  # the workers parsed part of the file
        assert _columns(pooled) == _columns(single)
        assert list(pooled.originals) == list(single.originals)
        assert pooled.row_schemas.tolist() == single.row_schemas.tolist()
        lines = data.split(b"\n")
        for row, line in zip(single.locations.tolist(), single.originals, strict=True):
            assert lines[row - 1].removesuffix(b"\r") == line  # a row keeps its own line's bytes
        for bad in single.bad_lines:
            assert lines[bad.line - 1] not in real, bad  # only planted lines are bad

    check()
