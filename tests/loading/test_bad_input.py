"""Bad input never crashes and never disappears: every unusable line has its number and reason.

These follow the loading goals L1-L9 in shared/docs/reliability.md.
"""

import random

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import LoadError
from core.loading import load

GOOD = b'{"prompt": "p", "response": "r"}'


def reasons(dataset):
    return {b.line: b.reason for b in dataset.bad_lines}


def test_one_percent_corrupt_lines_are_reported_by_physical_line(write):
    rng = random.Random(7)
    corruptions = [
        lambda: GOOD[:-5],  # truncated JSON
        lambda: b'{"prompt": "p\xff\xfe", "response": "r"}',  # invalid UTF-8
        lambda: b'{"prompt": "p", "response": NaN}',  # NaN
        lambda: b'["not", "an", "object"]',  # not an object
        lambda: b'{"prompt": "\\ud800", "response": "r"}',  # lone surrogate
    ]
    lines, expected = [], {}
    for number in range(1, 100_001):
        if rng.random() < 0.01:
            lines.append(rng.choice(corruptions)())
            expected[number] = True
        else:
            lines.append(orjson.dumps({"prompt": f"question {number}", "response": "answer"}))
    dataset = load(write("big.jsonl", b"\n".join(lines) + b"\n"))
    assert set(reasons(dataset)) == set(expected)
    assert len(dataset) + len(dataset.bad_lines) == 100_000
    assert dataset.locations[0] == 1 and set(dataset.locations.tolist()).isdisjoint(expected)
    kinds = " ".join(reasons(dataset).values())
    for word in ("truncated", "UTF-8", "NaN", "not a JSON object", "surrogate"):
        assert word in kinds


def test_bom_and_crlf_are_accepted(write):
    dataset = load(write("a.jsonl", b"\xef\xbb\xbf" + GOOD + b"\r\n" + GOOD + b"\r\n"))
    assert len(dataset) == 2 and not dataset.bad_lines
    assert dataset.record(0) == {"prompt": "p", "response": "r"}
    csv = load(write("a.csv", b"\xef\xbb\xbfprompt,response\r\nq,a\r\n"))
    assert csv.record(0) == {"prompt": "q", "response": "a"}  # BOM not glued to the header


def test_u2028_and_u0085_inside_strings_do_not_split_records(write):
    text = "one\u2028two\u0085three\x1cfour"
    dataset = load(write("a.jsonl", orjson.dumps({"prompt": text, "response": "r"}) + b"\n"))
    assert list(dataset.prompts) == [text] and not dataset.bad_lines


def test_blank_lines_are_counted_not_reported(write):
    dataset = load(write("a.jsonl", GOOD + b"\n\n   \n" + GOOD + b"\n"))
    assert (len(dataset), dataset.blank_lines, dataset.bad_lines) == (2, 2, [])


def test_repeated_keys_are_flagged_not_resolved(write):
    dataset = load(
        write(
            "a.jsonl",
            GOOD
            + b'\n{"prompt": "a", "response": "b", "prompt": "c"}\n'
            + b'{"prompt": "a:b", "response": "c:d"}\n',
        )
    )
    assert reasons(dataset) == {2: "repeated key 'prompt': the record is ambiguous"}
    assert list(dataset.prompts) == ["p", "a:b"]


def test_repeated_key_in_a_json_array_is_reported_by_record(write):
    dataset = load(
        write("a.json", b"[" + GOOD + b', {"prompt": "x", "response": "y", "response": "z"}]')
    )
    assert reasons(dataset) == {2: "repeated key 'response': the record is ambiguous"}


def test_deep_nesting_and_huge_numbers_fail_per_line(write):
    deep = b'{"prompt": "p", "response": "r", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    huge = b'{"prompt": "p", "response": "r", "n": 1' + b"0" * 400 + b"}"
    dataset = load(write("a.jsonl", b"\n".join([GOOD, deep, huge, GOOD]) + b"\n"))
    assert len(dataset) == 2 and set(reasons(dataset)) == {2, 3}


def test_a_16_mb_response_loads_from_jsonl_and_csv(write):
    big = "x" * (16 << 20)
    jsonl = load(write("a.jsonl", orjson.dumps({"prompt": "p", "response": big}) + b"\n"))
    assert jsonl.response_chars[0] == 16 << 20
    csv = load(write("a.csv", f"prompt,response\np,{big}\n"))
    assert csv.response_chars[0] == 16 << 20


def test_csv_short_long_and_broken_rows_are_reported(write):
    content = (
        "prompt,response\n"
        "q1,a1\n"
        "q2\n"  # short row: pandas would pad it silently
        "q3,a3,extra\n"  # long row
        '"q4 over\ntwo lines",a4\n'  # a quoted newline is fine
        "q5,a5\n"
    )
    dataset = load(write("a.csv", content))
    assert reasons(dataset) == {
        3: "expected 2 fields (as in the header), found 1",
        4: "expected 2 fields (as in the header), found 3",
    }
    assert list(dataset.prompts) == ["q1", "q4 over\ntwo lines", "q5"]
    assert dataset.locations.tolist() == [2, 5, 7]


def test_csv_unclosed_quote_is_reported_with_its_line(write):
    dataset = load(write("a.csv", 'prompt,response\nq1,a1\nq2,"never closed\nq3,a3\n'))
    assert list(dataset.prompts) == ["q1"]
    assert 3 in reasons(dataset) and "unclosed quote" in reasons(dataset)[3]


def test_csv_invalid_utf8_costs_only_its_row(write):
    dataset = load(write("a.csv", b"prompt,response\nq1,a1\nq\xff2,a2\nq3,a3\n"))
    assert list(dataset.prompts) == ["q1", "q3"] and reasons(dataset) == {3: "invalid UTF-8"}


def test_unparsable_json_document_names_the_line(write):
    with pytest.raises(LoadError) as info:
        load(write("a.json", b'[\n  {"prompt": "p", "response": "r"},\n  {"prompt": }\n]'))
    assert info.value.line == 3 and "a.json, line 3" in str(info.value)


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.binary(max_size=600))
def test_fuzz_arbitrary_bytes_give_records_and_errors_or_a_load_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "input.jsonl"
    path.write_bytes(data)
    try:
        dataset = load(path)
    except LoadError:
        return
    assert len(dataset) == len(dataset.prompts) == len(dataset.fingerprints)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["prompt", "response", "x"]), json_values, max_size=3),
        min_size=1,
        max_size=15,
    )
)
def test_every_line_is_a_record_or_a_bad_line(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("prop") / "input.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    try:
        dataset = load(path)
    except LoadError:
        return  # no schema fits any record: the whole file is refused with a reason
    accounted = set(dataset.locations.tolist()) | {b.line for b in dataset.bad_lines}
    assert accounted == set(range(1, len(records) + 1))
    for row, line in enumerate(dataset.locations.tolist()):
        assert dataset.record(row) == records[line - 1]  # the original, untouched


def test_a_byte_order_mark_mid_file_is_named_not_called_invalid_utf8(write):
    """Files joined together leave a BOM before a record: valid UTF-8, invalid JSON there."""
    bom = "\ufeff".encode()
    dataset = load(
        write(
            "a.jsonl",
            b'{"prompt": "q1", "response": "a1"}\n'
            + bom
            + b'{"prompt": "q2", "response": "a2"}\n'
            + b'{"prompt": "q3'
            + bom
            + b'", "response": "a3"}\n',  # inside a string: text
        )
    )
    assert list(dataset.prompts) == ["q1", "q3\ufeff"]
    assert "byte order mark (U+FEFF) at byte 1 of the line" in reasons(dataset)[2]
