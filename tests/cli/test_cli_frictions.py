"""Command-line frictions: values that mean what they say, one-line refusals, helpful usage."""

from __future__ import annotations

import orjson
import pytest

from cli import main
from cli.inspect_command import length_table


def _curate(capsys, sample_copy, tmp_path, *extra) -> tuple[int, dict, str]:
    code = main(
        [
            "curate",
            str(sample_copy),
            "--model",
            "heuristic",
            "-o",
            str(tmp_path / "out.jsonl"),
            "--json",
            *extra,
        ]
    )
    captured = capsys.readouterr()
    return code, (orjson.loads(captured.out) if code == 0 else {}), captured.err


def test_keep_top_one_point_zero_keeps_everything(sample_copy, tmp_path, capsys):
    code, report, _ = _curate(capsys, sample_copy, tmp_path, "--keep-top", "1.0")
    assert code == 0
    assert report["kept"] == 294 and report["dropped"] == 0


def test_keep_top_one_is_still_one_row(sample_copy, tmp_path, capsys):
    _, report, _ = _curate(capsys, sample_copy, tmp_path, "--keep-top", "1")
    assert report["kept"] == 1


def test_curate_keeping_nothing_warns(sample_copy, tmp_path, capsys):
    code, report, err = _curate(capsys, sample_copy, tmp_path, "--min-score", "2", "--exact")
    assert code == 0 and report["kept"] == 0
    assert err.startswith("warning: no records were kept") and "out.jsonl is empty" in err


def test_curate_keeping_something_does_not_warn(sample_copy, tmp_path, capsys):
    _, report, err = _curate(capsys, sample_copy, tmp_path, "--keep-all", "--exact")
    assert report["kept"] > 0 and "no records were kept" not in err


def test_curate_says_when_its_rule_drops_duplicates_nobody_looked_for(tmp_path, capsys):
    # Three identical lines were all kept under a rule reading "drop duplicates", and the report
    # said nothing: no duplicate run existed for the file.
    line = orjson.dumps({"instruction": "Name a prime.", "input": "", "output": "Seven."})
    source = tmp_path / "dup.jsonl"
    source.write_bytes(b"\n".join([line] * 3) + b"\n")
    code, report, err = _curate(capsys, source, tmp_path, "--keep-all")
    assert code == 0 and report["kept"] == 3
    assert "no duplicate run, so no copies were looked for" in err
    assert "no copies were looked for" in report["duplicates"]["note"]
    code, report, err = _curate(capsys, source, tmp_path, "--keep-all", "--exact")
    assert report["kept"] == 1 and "warning" not in err


@pytest.mark.parametrize("flag", ["--near", "--semantic"])
@pytest.mark.parametrize("value", ["0", "-0.5", "1.5"])
def test_dedup_thresholds_out_of_range_are_refused(sample_copy, tmp_path, capsys, flag, value):
    out = tmp_path / "dups.csv"
    assert main(["dedup", str(sample_copy), flag, value, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"threshold must be in (0, 1], not {float(value)}" in err
    assert not out.exists()


@pytest.mark.parametrize("value", ["0", "-3"])
def test_score_max_length_must_be_positive(sample_copy, tmp_path, capsys, value):
    out = tmp_path / "scores.csv"
    assert (
        main(
            [
                "score",
                str(sample_copy),
                "--model",
                "heuristic",
                "--max-length",
                value,
                "-o",
                str(out),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.strip() == (
        f"error: --max-length {value}: give a positive number of tokens "
        "(leave it out for the model's own limit)"
    )
    assert not out.exists()


def test_unknown_option_shows_the_subcommands_usage(sample_copy, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", str(sample_copy), "--bogus"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: main.py inspect ")
    assert "main.py inspect: error: unrecognized arguments: --bogus" in err


def test_mistyped_subcommand_suggests_the_closest(run_main, sample_copy):
    result = run_main("inpsect", sample_copy)
    assert result.returncode == 2
    assert "did you mean 'inspect'?" in result.stderr
    assert "display" not in result.stderr.lower()


def test_screenshot_into_a_missing_folder_fails(run_main, tmp_path):
    target = tmp_path / "missing" / "x.png"
    result = run_main("--screenshot", target)
    assert result.returncode != 0
    assert "does not exist" in result.stderr and "saved" not in result.stdout
    assert not target.exists()


def test_length_table_keeps_columns_apart_for_huge_records():
    huge = {
        "min": 123_456_789,
        "median": 234_567_890.0,
        "mean": 345_678_901.25,
        "p95": 456_789_012.0,
        "max": 9_876_543_210,
    }
    header, row = length_table({"response_chars": huge})
    assert row.split() == [
        "response",
        "chars",
        "123,456,789",
        "234,567,890",
        "345,678,901.2",
        "456,789,012",
        "9,876,543,210",
    ]
    assert len(header) == len(row)


def test_a_scorer_the_rule_never_reads_is_refused(sample_copy, tmp_path, capsys):
    # `--keep-all --model /missing` used to exit 0: the model was neither loaded nor mentioned.
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "curate",
            str(sample_copy),
            "--keep-all",
            "--model",
            str(tmp_path / "missing"),
            "-o",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "reads no score, so the scorer given would not be used" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
