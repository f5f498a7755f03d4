"""Every supported format loads the same records, detected by content, not by name."""

import gzip

import orjson
import pandas as pd
import pytest

from core.errors import LoadError
from core.loading import load

RECORDS = [
    {"prompt": "What is 2+2?", "response": "4, because 2+2=4."},
    {"prompt": "Name a colour, with a comma", "response": "Red, obviously"},
    {"prompt": 'Quote "this"\nover two lines', "response": "Done:\ttab"},
]


def as_jsonl(records) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def as_csv(records, sep=",") -> bytes:
    return pd.DataFrame(records).to_csv(index=False, sep=sep).encode()


@pytest.mark.parametrize(
    "name, content, fmt",
    [
        ("a.jsonl", as_jsonl(RECORDS), "jsonl"),
        ("a.json", orjson.dumps(RECORDS, option=orjson.OPT_INDENT_2), "json"),
        ("a.json", orjson.dumps({"data": RECORDS}), "json"),
        ("a.csv", as_csv(RECORDS), "csv"),
        ("a.tsv", as_csv(RECORDS, "\t"), "tsv"),
        # misleading names: content decides
        ("records.txt", as_jsonl(RECORDS), "jsonl"),
        ("really_jsonl.json", as_jsonl(RECORDS), "jsonl"),
        ("really_csv.jsonl", as_csv(RECORDS), "csv"),
    ],
)
def test_each_text_format_gives_the_same_pairs(write, name, content, fmt):
    dataset = load(write(name, content))
    assert dataset.format == fmt
    assert list(dataset.prompts) == [r["prompt"] for r in RECORDS]
    assert list(dataset.responses) == [r["response"] for r in RECORDS]
    assert dataset.bad_lines == []


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.jsonl.gz", as_jsonl(RECORDS)),
        ("a.csv.gz", as_csv(RECORDS)),
        ("a.json.gz", orjson.dumps(RECORDS)),
        ("no_extension", as_jsonl(RECORDS)),
    ],
)
def test_gzip_is_read_transparently(write, name, content):
    dataset = load(write(name, gzip.compress(content)))
    assert dataset.compressed
    assert list(dataset.responses) == [r["response"] for r in RECORDS]


def test_parquet(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame(RECORDS).to_parquet(path)
    dataset = load(path)
    assert dataset.format == "parquet"
    assert list(dataset.prompts) == [r["prompt"] for r in RECORDS]


def test_parquet_row_with_nan_is_reported_by_row(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "a.parquet"
    pq.write_table(
        pa.table(
            {
                "prompt": ["a", "b", "c"],
                "response": ["x", "y", "z"],
                "score": pa.array([1.0, float("nan"), 2.0]),
            }
        ),
        path,
    )
    dataset = load(path)
    assert len(dataset) == 2
    assert [(b.line, b.reason) for b in dataset.bad_lines] == [
        (2, "field 'score' is NaN or infinite")
    ]


def test_same_content_gives_same_fingerprints_across_formats(write):
    a = load(write("a.jsonl", as_jsonl(RECORDS)))
    b = load(write("b.json", orjson.dumps(RECORDS, option=orjson.OPT_INDENT_2)))
    assert list(a.fingerprints) == list(b.fingerprints)


def test_fingerprint_ignores_key_order_and_spacing(write):
    a = load(write("a.jsonl", b'{"prompt": "p", "response": "r"}\n'))
    b = load(write("b.jsonl", b'{"response":"r","prompt":"p"}\n'))
    c = load(write("c.jsonl", b'{"response":"r2","prompt":"p"}\n'))
    assert a.fingerprint_hex(0) == b.fingerprint_hex(0) != c.fingerprint_hex(0)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02binary\xff\xfe", "binary"),
        (b"just some prose without structure\n", "not a recognised dataset format"),
        (b"\x1f\x8b\x08\x00garbage", "gzip"),
        (b"[1, 2", "ends early"),
    ],
)
def test_unreadable_files_raise_one_clear_load_error(write, content, reason):
    with pytest.raises(LoadError) as info:
        load(write("bad.dat", content))
    assert reason in str(info.value)
    assert "bad.dat" in str(info.value)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(LoadError, match=r"missing\.jsonl"):
        load(tmp_path / "missing.jsonl")
