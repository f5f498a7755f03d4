"""Exports are exact, atomic and verified; a failure leaves the previous file alone."""

from __future__ import annotations

import errno
import hashlib
import os
from unittest import mock

import orjson
import pandas as pd
import pytest

from core.export import ExportError, ExportOptions, export_session
from core.export import records as export_records
from core.review import DROP, KEEP, Rule
from tests.loading.test_formats import as_csv

CHAT = [
    {
        "messages": [
            {"role": "user", "content": f"q{i}"},
            {"role": "assistant", "content": f"a{i}\u2028line"},
        ]
    }
    for i in range(4)
]
RECORDS = {
    "prompt_response": [{"prompt": f"p{i}", "response": f"r{i}", "extra": [i]} for i in range(5)],
    "alpaca": [{"instruction": f"do {i}", "input": "", "output": f"done {i}"} for i in range(5)],
    "openai_messages": CHAT,
    "sharegpt": [
        {"conversations": [{"from": "human", "value": f"h{i}"}, {"from": "gpt", "value": f"g{i}"}]}
        for i in range(4)
    ],
}


def _kept(session, tmp_path, **options):
    out = tmp_path / "out.jsonl"
    result = export_session(session, ExportOptions(out, **options))
    return out, result


@pytest.mark.parametrize("schema", sorted(RECORDS))
def test_keeping_everything_exports_the_input_exactly(tmp_path, open_session, schema):
    lines = [orjson.dumps(r) for r in RECORDS[schema]]
    source = tmp_path / f"{schema}.jsonl"
    source.write_bytes(b"\n".join(lines[:2]) + b"\n{broken\n" + b"\n".join(lines[2:]) + b"\n")
    session = open_session(source)
    assert session.dataset.schema == schema
    session.set_rule(Rule(mode="all"))
    out, result = _kept(session, tmp_path)
    assert out.read_bytes() == b"\n".join(lines) + b"\n"  # the bad line never appears
    assert result.kept == len(lines)
    assert result.output_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_csv_rows_export_as_the_objects_they_were_read_as(tmp_path, open_session):
    rows = [{"prompt": "p,1", "response": "r\n1"}, {"prompt": "p2", "response": "r2"}]
    source = tmp_path / "data.csv"
    source.write_bytes(as_csv(rows))
    session = open_session(source)
    session.set_rule(Rule(mode="all"))
    out, _ = _kept(session, tmp_path)
    assert [orjson.loads(line) for line in out.read_bytes().splitlines()] == rows


def test_kept_records_keep_file_order_and_dropped_go_to_their_own_file(
    sample_copy, open_session, tmp_path
):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([5, 1], DROP)
    out, result = _kept(
        session, tmp_path, dropped=tmp_path / "dropped.jsonl", sidecar=tmp_path / "rows.parquet"
    )
    originals = session.dataset.originals
    assert out.read_bytes().split(b"\n")[:3] == [originals[0], originals[2], originals[3]]
    assert (tmp_path / "dropped.jsonl").read_bytes() == originals[1] + b"\n" + originals[5] + b"\n"
    sidecar = pd.read_parquet(tmp_path / "rows.parquet")
    assert len(sidecar) == len(originals)
    assert sidecar.loc[5, "decision"] == "drop" and sidecar.loc[5, "decided_by"] == "curator"
    assert result.manual_overrides == 2


def test_the_sidecar_is_the_same_file_whatever_pieces_its_text_columns_were_made_in(
    sample_copy, open_session, tmp_path
):
    """Text columns are converted in pieces (a million at once froze the window): same file."""
    import pyarrow.parquet as pq

    import core.export.sidecar

    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([5, 1], DROP)
    whole = tmp_path / "whole.parquet"
    core.export.sidecar.write_sidecar(whole, session)
    pieces = tmp_path / "pieces.parquet"
    with mock.patch.object(core.export.sidecar, "STRING_PIECE", 2):
        core.export.sidecar.write_sidecar(pieces, session)
    assert pq.read_schema(pieces).equals(pq.read_schema(whole), check_metadata=True)
    read = pd.read_parquet(pieces)
    assert read.equals(pd.read_parquet(whole))
    assert read.loc[5, "decision"] == "drop" and read.loc[5, "decided_by"] == "curator"
    assert read["fingerprint"].tolist() == [fp.hex() for fp, _ in session.keys]


def test_the_manifest_ties_output_to_source_model_and_rule(sample_copy, open_session, tmp_path):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([0], DROP)
    scorer = {
        "model": "org/rm",
        "revision": "abc123",
        "weights_sha256": {"m.safetensors": "f0"},
        "dtype": "bfloat16",
        "max_length": 512,
    }
    out = tmp_path / "out.jsonl"
    result = export_session(session, ExportOptions(out), scorer)
    manifest = orjson.loads((tmp_path / "out.manifest.json").read_bytes())
    assert manifest["source"]["sha256"] == hashlib.sha256(sample_copy.read_bytes()).hexdigest()
    assert manifest["outputs"]["curated"]["sha256"] == result.output_sha256
    assert manifest["scorer"] == scorer
    assert manifest["rule"]["mode"] == "all"
    assert manifest["counts"]["manual_overrides"] == 1
    assert manifest["source"]["rejected_lines"] == [b.line for b in session.dataset.bad_lines]
    assert manifest["app_version"]


def test_annotation_adds_score_and_decision_fields(sample_copy, open_session, tmp_path):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    session.decide([0], KEEP)
    out, _ = _kept(session, tmp_path, annotate=True)
    first = orjson.loads(out.read_bytes().split(b"\n")[0])
    assert first["thresher_decision"] == "keep" and first["thresher_decided_by"] == "curator"
    assert first["thresher_score"] is None


def test_a_corrupted_temporary_file_never_replaces_the_export(
    sample_copy, open_session, tmp_path, monkeypatch
):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n")
    real_verify = export_records.verify_jsonl

    def flip_a_byte_then_verify(path, expected, sha256):
        data = bytearray(path.read_bytes())
        data[10] ^= 0x20
        path.write_bytes(bytes(data))
        real_verify(path, expected, sha256)

    monkeypatch.setattr(export_records, "verify_jsonl", flip_a_byte_then_verify)
    with pytest.raises(ExportError, match="differs from what was written"):
        export_session(session, ExportOptions(out))
    assert out.read_text() == "previous export\n"
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_full_disk_fails_loudly_and_keeps_the_old_file(
    sample_copy, open_session, tmp_path, monkeypatch
):
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="all"))
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n")

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ExportError, match="the disk is full"):
        export_session(session, ExportOptions(out))
    assert out.read_text() == "previous export\n"
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_source_and_project_cannot_be_overwritten(sample_copy, open_session):
    session = open_session(sample_copy)
    with pytest.raises(ExportError, match="source dataset"):
        export_session(session, ExportOptions(sample_copy))


def test_exported_files_are_readable_by_others(sample_copy, open_session, tmp_path):
    session = open_session(sample_copy)
    out, _ = _kept(session, tmp_path)
    assert out.stat().st_mode & 0o044 == 0o044 or os.name == "nt"


def test_an_export_stops_before_its_first_file_or_not_at_all(sample_copy, open_session, tmp_path):
    # Issue 17 item 9: closing the app could cut an export between its files.
    from core.export.run import ExportCancelled, iter_export

    session = open_session(sample_copy)
    options = ExportOptions(
        tmp_path / "out.jsonl",
        dropped=tmp_path / "dropped.jsonl",
        sidecar=tmp_path / "side.parquet",
    )
    with pytest.raises(ExportCancelled):
        list(iter_export(session, options, None, lambda: True))
    assert not (
        {"out.jsonl", "dropped.jsonl", "side.parquet", "out.manifest.json"}
        & {p.name for p in tmp_path.iterdir()}
    )
    asked = []

    def stop_after_first_file() -> bool:
        asked.append(True)
        return len(asked) > 1

    run = iter_export(session, options, None, stop_after_first_file)
    progress = list(run)
    assert progress[0] == 0.0 and progress[-1] == 1.0 and len(asked) == 1
    names = {p.name for p in tmp_path.iterdir()}
    assert {"out.jsonl", "dropped.jsonl", "side.parquet", "out.manifest.json"} <= names


def test_json_array_records_export_as_the_file_wrote_them(tmp_path, open_session):
    # Issue 17 item 6: a 30-digit id came out as 1.2345678901234568e+29.
    items = [
        b'{"id": 123456789012345678901234567890, "prompt": "caf\\u00e9", '
        b'"response": "1.50 \\"quoted\\" ], {", "weight": 1.50}',
        b'{"id": 2, "prompt": "p2",\n     "response": "r2", "tags": [1, 2.0, 3e2]}',
    ]
    source = tmp_path / "data.json"
    source.write_bytes(
        b'{"meta": {"note": [1, 2]},\n "data": [\n  ' + b",\n  ".join(items) + b"\n]}\n"
    )
    session = open_session(source)
    session.set_rule(Rule(mode="all"))
    out, _ = _kept(session, tmp_path)
    assert out.read_bytes().splitlines() == [
        items[0],
        b'{"id": 2, "prompt": "p2","response": "r2", "tags": [1, 2.0, 3e2]}',
    ]


def test_parquet_values_export_as_their_types_and_bytes_as_base64(tmp_path, open_session):
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "prompt": ["p0", "p1"],
            "response": ["r0", "r1"],
            "blob": pa.array([b"\x00\x01", b"\xff"], pa.binary()),
            "price": pa.array(
                [decimal.Decimal("1.50"), decimal.Decimal("-0.25")], pa.decimal128(5, 2)
            ),
            "count": pa.array([3, None], pa.int64()),
            "ok": [True, False],
        }
    )
    source = tmp_path / "data.parquet"
    pq.write_table(table, source)
    session = open_session(source)
    session.set_rule(Rule(mode="all"))
    out, _ = _kept(session, tmp_path)
    lines = out.read_bytes().splitlines()
    assert lines[0] == (
        b'{"prompt":"p0","response":"r0","blob":"AAE=","price":1.50,"count":3,"ok":true}'
    )
    assert orjson.loads(lines[1]) == {
        "prompt": "p1",
        "response": "r1",
        "blob": "/w==",
        "price": -0.25,
        "count": None,
        "ok": False,
    }


def test_an_export_refuses_a_source_that_changed_since_it_was_read(
    sample_copy, open_session, tmp_path
):
    # Issue 17 item 8: the export wrote the old in-memory records under the path's manifest.
    from core.loading.freshness import SourceChanged, change_since_load

    session = open_session(sample_copy)
    assert change_since_load(session.dataset) is None
    original = sample_copy.read_bytes()
    stat = sample_copy.stat()
    sample_copy.write_bytes(original.replace(b"a", b"b", 1))  # same size, new content
    os.utime(sample_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old time
    with pytest.raises(SourceChanged, match="changed on disk since it was opened"):
        _kept(session, tmp_path)
    assert not (tmp_path / "out.jsonl").exists()
    sample_copy.write_bytes(original + b'{"prompt":"new","response":"row"}\n')
    assert "bytes)" in change_since_load(session.dataset)
    sample_copy.unlink()
    assert "moved or deleted" in change_since_load(session.dataset)


def test_an_export_on_another_thread_never_uses_the_sessions_connection(tmp_path, open_session):
    # In the app the export runs on a worker while the GUI thread keeps writing through the
    # session's connection (the place, backups). Sharing it broke the GUI's next transaction in
    # the soak ("cannot start a transaction within a transaction"). This store refuses any
    # thread but its own, so an export that touches it from a worker fails here.
    import threading

    source = tmp_path / "data.jsonl"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in RECORDS["alpaca"]))
    session = open_session(source)
    session.set_rule(Rule(mode="all"))
    out = tmp_path / "out.jsonl"
    outcome: list = []

    def export() -> None:
        try:
            outcome.append(export_session(session, ExportOptions(out, write_manifest=True)))
        except Exception as exc:
            outcome.append(exc)

    worker = threading.Thread(target=export)
    worker.start()
    worker.join()
    assert not isinstance(outcome[0], Exception), outcome[0]
    assert outcome[0].kept == len(RECORDS["alpaca"])
    session.save_position(0)  # the session's own connection is still ready for the next write


def test_a_commit_that_fails_leaves_the_store_ready_for_the_next_change(tmp_path):
    # A failed COMMIT used to leave its transaction open, so every later change on that
    # connection failed with "cannot start a transaction within a transaction".
    import sqlite3

    from core.project.store import ProjectStore

    with ProjectStore(tmp_path / "p.thresher") as store:
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as db:
            db.execute("PRAGMA defer_foreign_keys=ON")  # checked at COMMIT, so it fails
            db.execute("INSERT INTO scores VALUES (12345, x'00', 0.5, 0)")
        store.set_meta("place", "kept")
        assert store.get_meta("place") == "kept"


def test_an_output_under_a_file_says_it_is_a_file_not_a_missing_folder(tmp_path, open_session):
    # "notes.txt/out.jsonl" was refused as "the folder notes.txt does not exist", next to it.
    source = tmp_path / "data.jsonl"
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in RECORDS["alpaca"]))
    session = open_session(source)
    (tmp_path / "notes.txt").write_text("not a folder")
    with pytest.raises(ExportError, match=r"notes\.txt is a file, not a folder"):
        export_session(session, ExportOptions(tmp_path / "notes.txt" / "out.jsonl"))
    with pytest.raises(ExportError, match=r"the folder .*missing does not exist"):
        export_session(session, ExportOptions(tmp_path / "missing" / "out.jsonl"))


@pytest.mark.parametrize("failing", [1, 2, 3, 4])
def test_an_export_whose_nth_file_fails_replaces_none_of_them(
    sample_copy, open_session, tmp_path, monkeypatch, failing
):
    """Curated, dropped, sidecar and manifest change together, or none of them does.

    The disk filling up at any of them leaves every output as it was; before, the outputs
    written ahead of the failing one had already replaced their files.
    """
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="threshold", min_score=0.5))
    options = ExportOptions(
        tmp_path / "out.jsonl",
        dropped=tmp_path / "dropped.jsonl",
        sidecar=tmp_path / "sidecar.parquet",
    )
    names = ["out.jsonl", "dropped.jsonl", "sidecar.parquet", "out.manifest.json"]
    for name in names:
        (tmp_path / name).write_text(f"previous {name}\n")
    real_fsync, calls = os.fsync, []

    def full_at_the_nth_file(fd):
        calls.append(fd)
        if len(calls) == failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_at_the_nth_file)
    with pytest.raises(ExportError, match="No output was replaced") as failure:
        export_session(session, options)
    assert names[failing - 1] in str(failure.value)
    assert "the disk is full" in str(failure.value)
    for name in names:
        assert (tmp_path / name).read_text() == f"previous {name}\n", name
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    export_session(session, options)  # the same export, with room, replaces all four
    assert all((tmp_path / name).read_bytes().startswith(b"previous") is False for name in names)
    outputs = orjson.loads((tmp_path / "out.manifest.json").read_bytes())["outputs"]
    for key, name in zip(("curated", "dropped", "sidecar"), names, strict=False):
        written = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert outputs[key]["sha256"] == written, key  # the manifest vouches for every file


def test_a_rename_that_fails_says_which_outputs_were_replaced(
    sample_copy, open_session, tmp_path, monkeypatch
):
    """Only the last step, moving the verified files over their targets, can fail part way."""
    session = open_session(sample_copy)
    session.set_rule(Rule(mode="threshold", min_score=0.5))
    options = ExportOptions(tmp_path / "out.jsonl", dropped=tmp_path / "dropped.jsonl")
    for name in ("out.jsonl", "dropped.jsonl"):
        (tmp_path / name).write_text("previous\n")
    real_replace, calls = os.replace, []

    def second_rename_fails(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), source, None, target)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", second_rename_fails)
    with pytest.raises(ExportError, match="could not replace it") as failure:
        export_session(session, options)
    assert str(tmp_path / "dropped.jsonl") in str(failure.value)
    assert "Outputs listed before it in the export were replaced" in str(failure.value)
    assert (tmp_path / "out.jsonl").read_text() != "previous\n"
    assert (tmp_path / "dropped.jsonl").read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
