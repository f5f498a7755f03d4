"""The export's read-back check, at any chunk size: it passes exactly the files written right."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.export import records
from core.export.records import VerificationError, verify_jsonl

LINES = st.lists(
    st.dictionaries(st.text(max_size=5), st.text(max_size=30), max_size=3).map(orjson.dumps),
    max_size=30,
)


def written(tmp_path, lines: list[bytes]):
    data = b"".join(line + b"\n" for line in lines)
    path = tmp_path / "out.jsonl"
    path.write_bytes(data)
    return path, data


@settings(max_examples=60, deadline=None)
@given(lines=LINES, chunk=st.integers(1, 64))
def test_a_file_written_right_passes_at_any_chunk_size(tmp_path_factory, lines, chunk):
    tmp_path = tmp_path_factory.mktemp("v")
    path, data = written(tmp_path, lines)
    original = records.READ_BYTES
    records.READ_BYTES = chunk
    try:
        verify_jsonl(path, len(lines), hashlib.sha256(data).hexdigest())
        with pytest.raises(VerificationError, match="expected"):
            verify_jsonl(path, len(lines) + 1, hashlib.sha256(data).hexdigest())
    finally:
        records.READ_BYTES = original


@settings(max_examples=60, deadline=None)
@given(
    lines=LINES.filter(bool), bad=st.sampled_from([b"[1]", b"{", b'"x"', b"NaN"]), data=st.data()
)
def test_the_first_line_that_is_not_an_object_is_named(tmp_path_factory, lines, bad, data):
    tmp_path = tmp_path_factory.mktemp("v")
    at = data.draw(st.integers(0, len(lines) - 1))
    lines = [*lines[:at], bad, *lines[at + 1 :]]
    path, content = written(tmp_path, lines)
    original = records.READ_BYTES
    records.READ_BYTES = data.draw(st.integers(1, 64))
    try:
        with pytest.raises(VerificationError, match=f"line {at + 1}: not"):
            verify_jsonl(path, len(lines), hashlib.sha256(content).hexdigest())
    finally:
        records.READ_BYTES = original


def test_a_changed_file_is_reported_as_changed_before_any_line(tmp_path):
    path, data = written(tmp_path, [b'{"a": 1}', b"not json"])
    with pytest.raises(VerificationError, match="SHA-256 mismatch"):
        verify_jsonl(path, 2, hashlib.sha256(data + b"x").hexdigest())


def test_an_incomplete_last_line_is_reported(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}')
    data = path.read_bytes()
    with pytest.raises(VerificationError, match="last line is incomplete"):
        verify_jsonl(path, 2, hashlib.sha256(data).hexdigest())
