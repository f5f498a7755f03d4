"""``dedup`` on the command line, and duplicates flowing into ``curate`` and ``export``."""

from __future__ import annotations

import orjson
import pandas as pd
import pytest

from cli import main
from core.dedup.storage import load_result
from core.loading import load
from core.project import ProjectStore, project_path_for


def _run(capsys, *argv) -> dict:
    assert main(list(map(str, argv))) == 0
    return orjson.loads(capsys.readouterr().out)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_dedup_writes_clusters_per_record_in_file_order(
    injected, injected_copy, tmp_path, capsys, suffix
):
    out = tmp_path / f"dups{suffix}"
    summary = _run(capsys, "dedup", injected_copy, "--exact", "--near", "-o", out, "--json")
    injected_rows = len(injected.exact) + len(injected.near)
    assert summary["records"] == len(injected.records)
    assert summary["clusters"] == summary["duplicates"] == injected_rows
    assert summary["by_match"] == {
        "exact": len(injected.exact),
        "near": len(injected.near),
        "semantic": 0,
    }

    frame = {
        ".csv": pd.read_csv,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
        ".parquet": pd.read_parquet,
    }[suffix](out)
    assert frame["row"].tolist() == list(range(len(injected.records)))
    assert list(frame.columns[:2]) == ["row", "line"]
    for kind, pairs in (("exact", injected.exact), ("near", injected.near)):
        for original, copy in pairs:
            row = frame.iloc[copy]
            assert row["duplicate_of"] == original and row["match"] == kind
            assert row["cluster"] == original and row["cluster_size"] == 2
            assert (row["similarity"] == 1.0) if kind == "exact" else (row["similarity"] >= 0.8)
            kept = frame.iloc[original]
            assert pd.isna(kept["duplicate_of"]) and kept["role"] == "kept copy"
    unique = frame[frame["cluster_size"] == 1]
    assert (unique["cluster"] == unique["row"]).all() and unique["duplicate_of"].isna().all()


def test_curate_dedup_drops_copies_and_export_reproduces_it(
    injected, injected_copy, tmp_path, capsys
):
    report = _run(
        capsys,
        "curate",
        injected_copy,
        "--keep-all",
        "--dedup",
        "exact,near",
        "-o",
        tmp_path / "curated.jsonl",
        "--json",
    )
    copies = {copy for _, copy in injected.exact + injected.near}
    assert report["dropped"] == len(copies)
    assert report["duplicates"]["clusters"] == len(copies)
    kept = (tmp_path / "curated.jsonl").read_bytes().splitlines()
    lines = injected_copy.read_bytes().splitlines()
    assert kept == [line for row, line in enumerate(lines) if row not in copies]

    again = _run(capsys, "export", injected_copy, "-o", tmp_path / "again.jsonl", "--json")
    assert again["dropped"] == len(copies)
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "curated.jsonl").read_bytes()

    budget = _run(
        capsys,
        "curate",
        injected_copy,
        "--keep-all",
        "--dedup",
        "exact,near",
        "--budget",
        "0.05",
        "-o",
        tmp_path / "budget.jsonl",
        "--json",
    )
    assert budget["duplicates"]["extra_copies"] == int(0.05 * (len(lines) - len(copies)))
    assert budget["dropped"] == len(copies) - budget["duplicates"]["extra_copies"]


def test_a_saved_run_is_ignored_once_the_file_changes(injected_copy, capsys, tmp_path):
    _run(capsys, "dedup", injected_copy, "-o", tmp_path / "d.csv", "--json")
    with ProjectStore(project_path_for(injected_copy)) as store:
        assert load_result(store, load(injected_copy)) is not None
        extra = b'{"prompt": "p", "response": "r"}\n'
        injected_copy.write_bytes(injected_copy.read_bytes() + extra)
        assert load_result(store, load(injected_copy)) is None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--near", "1.5"], "near threshold must be in"),
        (["-o", "out.txt"], "must end in"),
        (["--on", "pair", "--budget", "3"], "budget"),
    ],
)
def test_bad_dedup_arguments_get_one_line_errors(injected_copy, tmp_path, capsys, argv, message):
    args = ["dedup", str(injected_copy), *argv]
    if "-o" not in argv:
        args += ["-o", str(tmp_path / "d.csv")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_curate_refuses_an_unknown_duplicate_kind(injected_copy, tmp_path, capsys):
    assert (
        main(
            [
                "curate",
                str(injected_copy),
                "--keep-all",
                "--dedup",
                "fuzzy",
                "-o",
                str(tmp_path / "o.jsonl"),
            ]
        )
        == 1
    )
    assert "choose from exact, near, semantic" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["dedup", "overlap"])
def test_exact_help_says_what_the_normalisation_does(command):
    """Every example the ``--exact`` help gives holds, and it shows what is not ignored."""
    import re

    from cli import build_parser
    from core.dedup.normalize import normalise

    _, children = build_parser(command)
    exact = next(a for a in children[command]._actions if "--exact" in a.option_strings)
    equal = re.findall(r'"([^"]+)" = "([^"]+)"', exact.help)
    different = re.findall(r'"([^"]+)" ≠ "([^"]+)"', exact.help)
    assert equal and different  # what is collapsed, and that a single mark still counts
    assert all(normalise(a) == normalise(b) for a, b in equal)
    assert all(normalise(a) != normalise(b) for a, b in different)


def test_curate_says_in_words_how_many_copies_it_found(tmp_path, capsys):
    # The text report named the rule ("drop duplicates") but never what the run had found.
    line = orjson.dumps({"instruction": "Name a prime.", "input": "", "output": "Seven."})
    other = orjson.dumps({"instruction": "Name a colour.", "input": "", "output": "Teal."})
    source = tmp_path / "dup.jsonl"
    source.write_bytes(b"\n".join([line, other, line, line]) + b"\n")
    out = tmp_path / "out.jsonl"
    assert main(["curate", str(source), "--keep-all", "--exact", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Duplicates: 2 copies of a kept row, in 1 cluster\n" in printed
    assert "Dropped:    2" in printed


@pytest.mark.parametrize("content", ["[]", "prompt,response\n"])
def test_a_file_with_no_records_has_no_duplicates_and_no_traceback(tmp_path, capsys, content):
    """An empty JSON array or a header-only CSV: zero records, zero clusters (it crashed)."""
    source = tmp_path / ("empty.json" if content == "[]" else "empty.csv")
    source.write_text(content)
    out = tmp_path / "dups.csv"
    summary = _run(capsys, "dedup", source, "--exact", "--near", "-o", out, "--json")
    assert (summary["records"], summary["clusters"], summary["duplicates"]) == (0, 0, 0)
    assert pd.read_csv(out).empty
