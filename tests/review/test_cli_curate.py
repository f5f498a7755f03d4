"""``curate`` and ``export`` from the command line, sharing the app's project and decisions."""

from __future__ import annotations

import orjson
import pytest

from cli import main
from core.review import DROP


def _run(capsys, *argv) -> dict:
    assert main(list(map(str, argv))) == 0
    return orjson.loads(capsys.readouterr().out)


def test_curate_with_a_model_reports_counts_and_hash(sample_copy, tiny_model, tmp_path, capsys):
    out = tmp_path / "curated.jsonl"
    report = _run(
        capsys,
        "curate",
        sample_copy,
        "--model",
        tiny_model,
        "--keep-top",
        "100",
        "-o",
        out,
        "--json",
    )
    assert report["kept"] == 100 and report["kept"] + report["dropped"] == 294
    assert report["manual_overrides"] == 0
    assert len(out.read_bytes().splitlines()) == 100
    manifest = orjson.loads((tmp_path / "curated.manifest.json").read_bytes())
    assert manifest["scorer"]["weights_sha256"] and manifest["rule"]["keep_top"] == 100
    assert manifest["outputs"]["curated"]["sha256"] == report["output_sha256"]


def test_curate_keeps_decisions_made_in_the_app(sample_copy, open_session, tmp_path, capsys):
    session = open_session(sample_copy)
    session.decide([0, 1], DROP, "checked by hand")
    report = _run(
        capsys,
        "curate",
        sample_copy,
        "--model",
        "heuristic",
        "--keep-all",
        "-o",
        tmp_path / "out.jsonl",
        "--json",
    )
    assert report["manual_overrides"] == 2
    assert report["kept"] == len(session.dataset) - 2


def test_export_writes_what_the_project_holds(sample_copy, open_session, tmp_path, capsys):
    _run(
        capsys,
        "curate",
        sample_copy,
        "--model",
        "heuristic",
        "--min-score",
        "0.6",
        "-o",
        tmp_path / "a.jsonl",
        "--json",
    )
    open_session(sample_copy).decide([2], DROP)
    report = _run(capsys, "export", sample_copy, "-o", tmp_path / "b.jsonl", "--json")
    curated = _run(
        capsys, "curate", sample_copy, "--model", "heuristic", "-o", tmp_path / "c.jsonl", "--json"
    )
    assert report["output_sha256"] == curated["output_sha256"]
    assert report["manual_overrides"] == 1


@pytest.mark.parametrize(("value", "kept"), [("10%", 29), ("0.1", 29), ("7", 7)])
def test_keep_top_takes_counts_fractions_and_percentages(
    sample_copy, tmp_path, capsys, value, kept
):
    report = _run(
        capsys,
        "curate",
        sample_copy,
        "--model",
        "heuristic",
        "--keep-top",
        value,
        "-o",
        tmp_path / "out.jsonl",
        "--json",
    )
    assert report["kept"] == kept


def test_bad_arguments_get_one_clear_line(sample_copy, tmp_path, capsys):
    assert (
        main(
            [
                "curate",
                str(sample_copy),
                "--model",
                "heuristic",
                "--keep-top",
                "lots",
                "-o",
                str(tmp_path / "out.jsonl"),
            ]
        )
        == 1
    )
    assert "--keep-top lots" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nothing.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 1
    assert "no project file" in capsys.readouterr().err
    assert main(["curate", str(sample_copy), "-o", str(tmp_path / "out.csv")]) == 1
    assert "must be a .jsonl" in capsys.readouterr().err


@pytest.mark.parametrize(
    "clash",
    [
        ("--dropped", "out.jsonl"),
        ("--manifest", "out.jsonl"),
        ("--sidecar", "side.parquet", "--manifest", "side.parquet"),
        ("--dropped", "d.jsonl", "--manifest", "d.jsonl"),
        ("--manifest", "sample.jsonl.thresher"),
        ("--dropped", "sample.jsonl"),
        ("--manifest", "./sub/../out.jsonl"),
    ],
)
def test_outputs_that_are_one_file_are_refused_before_anything_is_written(
    sample_copy, tmp_path, capsys, clash
):
    # Issue 17 item 3: -o k.jsonl --dropped k.jsonl exited 0 with the dropped rows in k.jsonl.
    (tmp_path / "sub").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    source = sample_copy.read_bytes()
    argv = ["curate", str(sample_copy), "--model", "heuristic", "-o", str(tmp_path / "out.jsonl")]
    argv += [a if a.startswith("--") else str(tmp_path / a) for a in clash]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and (
        "same file" in err or "source dataset" in err or "project file" in err
    )
    assert all(len(line) < 300 for line in err.splitlines())
    after = sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".thresher")
    assert after == [n for n in before if not n.endswith(".thresher")]  # nothing written
    assert sample_copy.read_bytes() == source


def test_the_export_command_refuses_the_same_clashes(sample_copy, tmp_path, capsys):
    _run(
        capsys, "curate", sample_copy, "--model", "heuristic", "-o", tmp_path / "a.jsonl", "--json"
    )
    out = tmp_path / "b.jsonl"
    assert main(["export", str(sample_copy), "-o", str(out), "--dropped", str(out)]) == 1
    assert "same file" in capsys.readouterr().err and not out.exists()
