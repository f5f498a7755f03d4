"""The repeated-key screen is safe (never misses a repeat) and real text with colons passes it.

A record that writes a key twice is ambiguous; the loader must report it by line whatever text
surrounds it, and must not send ordinary text with colons, quotes and escapes down the slow
path (that made a real 1M-record file load at a third of the speed).
"""

import json
import re

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from core.loading import duplicate_keys, load
from core.loading.duplicate_keys import key_ends

_TRICKY = st.text(alphabet=st.sampled_from(list('ab:" \\\t{}é😀')), max_size=12)
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def written_objects(draw):
    """JSON object text written pair by pair (so keys may repeat), with the pairs."""
    keys = draw(st.lists(_TRICKY, min_size=1, max_size=6))
    values = [draw(st.one_of(_TRICKY, st.integers())) for _ in keys]
    parts = [
        f"{json.dumps(k, ensure_ascii=False)}{draw(_SPACE)}:{draw(_SPACE)}"
        f"{json.dumps(v, ensure_ascii=False)}"
        for k, v in zip(keys, values, strict=True)
    ]
    return ("{" + ", ".join(parts) + "}").encode(), keys, values


@given(written_objects())
@settings(max_examples=300, deadline=None)
def test_key_ends_counts_written_keys_plus_strings_opening_with_a_colon(case):
    raw, keys, values = case
    strings = keys + [v for v in values if isinstance(v, str)]
    opening = sum(1 for s in strings if re.match(r" *:", s))
    assert key_ends(raw) == len(keys) + opening


@given(st.lists(written_objects(), min_size=1, max_size=40))
@settings(max_examples=60, deadline=None)
def test_every_line_that_repeats_a_key_is_reported_and_no_other(tmp_path_factory, cases):
    lines = [b'{"prompt": "p: \\"a\\": 1", "response": "r"}']
    lines += [raw[:-1] + b', "prompt": "x", "response": "y"}' for raw, _, _ in cases]
    path = tmp_path_factory.mktemp("keys") / "a.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    dataset = load(path)
    expected = {
        i + 2
        for i, (_, keys, _) in enumerate(cases)
        if len(set(keys) | {"prompt", "response"}) < len(keys) + 2
    }
    assert {b.line for b in dataset.bad_lines} == expected
    assert len(dataset) + len(expected) == len(lines)


def test_thousands_of_lines_of_real_colon_text_load_whole(write, shared_data):
    rows = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())[:3000]
    text = [
        {
            "instruction": f'Human: {r["instruction"]} Note: "{r["input"]}": {{"a": 1}}',
            "input": "",
            "output": f": {r['output']}",
        }
        for r in rows
    ]
    dataset = load(write("a.jsonl", b"\n".join(map(orjson.dumps, text)) + b"\n"))
    assert (len(dataset), dataset.bad_lines) == (3000, [])
    assert dataset.responses[0] == text[0]["output"]


_PIECES = st.sampled_from(
    [b'"', b"\\", b":", b" ", b"\t", b"\n", b"\x0b", b"\r", b"a", b"\xc3\xa9"]
)


@given(st.lists(_PIECES, min_size=1, max_size=80).map(b"".join))
@settings(max_examples=500, deadline=None)
def test_numpy_count_for_long_text_equals_the_regular_expression(raw):
    """The vectorised count used on big batches is the short-text count, on any bytes."""
    assert len(raw) < duplicate_keys.NUMPY_MIN_BYTES
    assert duplicate_keys._key_ends_numpy(raw) == key_ends(raw)


def test_numpy_count_on_a_real_batch(shared_data):
    lines = (shared_data / "seed_tasks.jsonl").read_bytes()
    assert len(lines) > duplicate_keys.NUMPY_MIN_BYTES
    assert key_ends(lines) == len(re.findall(rb'(?<!\\)"\s*:', lines)) > 1000
