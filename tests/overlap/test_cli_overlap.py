"""``main.py overlap``: the per-record table, the summary, the project, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pandas as pd
import pytest

from cli import main as cli_main
from core.overlap.storage import saved_references
from core.project import ProjectStore
from tests.conftest import ROOT

COLUMNS = [
    "row",
    "line",
    "overlap_level",
    "reference",
    "reference_line",
    "similarity",
    "shared_ngrams",
    "longest_span",
]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_table_has_one_row_per_record_with_the_strongest_level(injected, tmp_path, suffix, capsys):
    out = tmp_path / f"overlap{suffix}"
    project = tmp_path / "p.thresher"
    code = cli_main(
        [
            "overlap",
            str(injected.path),
            "--against",
            str(injected.koala),
            str(injected.vicuna),
            "-o",
            str(out),
            "--project",
            str(project),
            "--json",
        ]
    )
    assert code == 0
    summary = orjson.loads(capsys.readouterr().out)
    table = {
        ".csv": pd.read_csv,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
        ".parquet": pd.read_parquet,
    }[suffix](out)
    assert list(table.columns) == COLUMNS
    assert len(table) == injected.rows and table["row"].tolist() == list(range(injected.rows))
    row, (name, line) = next(iter(injected.verbatim.items()))
    hit = table.iloc[row]
    assert hit["overlap_level"] == "exact" and hit["reference"].endswith(name)
    assert hit["reference_line"] == line and hit["similarity"] == 1.0
    clean = table.iloc[injected.background[0]]
    assert clean["overlap_level"] in ("", None) or pd.isna(clean["overlap_level"])
    assert pd.isna(clean["reference_line"]) and clean["shared_ngrams"] == 0
    assert summary["overlapping"] == int((table["overlap_level"].fillna("") != "").sum())
    assert [r["path"] for r in summary["references"]] == [str(injected.koala), str(injected.vicuna)]
    with ProjectStore(project) as store:
        remembered = saved_references(store)
    assert [r.sha256 for r in remembered] == [r["sha256"] for r in summary["references"]]


def test_a_missing_reference_is_one_line_naming_it(injected, tmp_path):
    missing = tmp_path / "nowhere.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "overlap",
            str(injected.path),
            "--against",
            str(injected.koala),
            str(missing),
            "-o",
            str(tmp_path / "o.csv"),
            "--project",
            str(tmp_path / "p.thresher"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: {missing}: cannot open the file: No such file or directory"
    ]
    assert not (tmp_path / "o.csv").exists()


def test_bad_lines_in_a_reference_are_a_warning_and_the_rest_is_used(injected, tmp_path, capsys):
    ref = tmp_path / "ref.jsonl"
    ref.write_bytes(injected.vicuna.read_bytes() + b"{oops\n")
    code = cli_main(
        [
            "overlap",
            str(injected.path),
            "--against",
            str(ref),
            "-o",
            str(tmp_path / "o.csv"),
            "--project",
            str(tmp_path / "p.thresher"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert f"warning: {ref}: 1 unusable line(s) skipped (first: line 81" in err


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--ngram", "0", "n-grams must be 1 to 50 words long"),
        ("--near", "0", "the near threshold must be in (0, 1], not 0.0"),
        ("--semantic", "0", "the semantic threshold must be in (0, 1], not 0.0"),
    ],
)
def test_a_zero_setting_is_refused_not_replaced_by_the_default(
    injected, tmp_path, capsys, flag, value, message
):
    out = tmp_path / "o.csv"
    code = cli_main(
        [
            "overlap",
            str(injected.path),
            "--against",
            str(injected.koala),
            flag,
            value,
            "-o",
            str(out),
            "--project",
            str(tmp_path / "p.thresher"),
        ]
    )
    assert code == 1
    assert capsys.readouterr().err.strip() == f"error: {message}"
    assert not out.exists()


def test_an_empty_reference_is_a_warning_and_the_others_are_used(injected, tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    argv = [
        "overlap",
        str(injected.path),
        "--against",
        str(empty),
        str(injected.vicuna),
        "-o",
        str(tmp_path / "o.csv"),
        "--project",
        str(tmp_path / "p.thresher"),
        "--exact",
    ]
    assert cli_main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"warning: {empty}: the reference is empty; skipped, the other reference(s) are used"
    )
    assert "overlap 1 reference(s)" in err[1]
    assert not any("without spaces" in line for line in err)  # English: no such note
    argv[4] = str(empty)  # every reference empty: refused
    assert cli_main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {empty}: the reference is empty; there is nothing to compare against"]


def test_text_without_spaces_gets_a_note_pointing_to_semantic(tmp_path, capsys):
    sentence = "请问如何提高时间管理能力并且在工作中保持高效率和专注力呢我想知道具体的方法"
    train, ref = tmp_path / "train.jsonl", tmp_path / "ref.jsonl"
    train.write_bytes(
        b"".join(
            orjson.dumps(r) + b"\n"
            for r in [
                {"instruction": sentence[:-3], "output": "ok"},  # three characters removed
                *(
                    {"instruction": f"an unrelated English prompt number {i}", "output": "ok"}
                    for i in range(9)
                ),
            ]
        )
    )
    ref.write_bytes(orjson.dumps({"prompt": sentence}) + b"\n")
    assert (
        cli_main(
            [
                "overlap",
                str(train),
                "--against",
                str(ref),
                "-o",
                str(tmp_path / "o.csv"),
                "--project",
                str(tmp_path / "p.thresher"),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err.splitlines()
    assert "0 overlap" in err[0]  # the edited copy is missed…
    assert err[1:] == [
        "note: 10% of the rows and 100% of the reference records are written "
        "without spaces between words (Chinese, Japanese, Thai…): the exact, "
        "13-gram and near levels miss edited copies of such text; the semantic "
        "level finds them (--semantic on the command line)"
    ]  # …and it says so


def test_embedder_help_names_every_choice_dedup_takes_and_the_default():
    from cli import build_parser
    from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED
    from core.overlap.config import OverlapConfig

    _, children = build_parser("overlap")
    embedder = next(a for a in children["overlap"]._actions if "--embedder" in a.option_strings)
    assert embedder.default == OverlapConfig().embedder == BUNDLED
    for name in (FAST, VERIFIED, BUNDLED):
        assert f"'{name}'" in embedder.help
    assert "the default here, unlike dedup" in embedder.help
