"""The rule's drop-per-level choice: validated, saved, and applied by ``curate``."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from cli import main as cli_main
from core.review.rule import Rule, RuleError


def test_drop_overlap_levels_are_checked_and_round_trip():
    with pytest.raises(RuleError, match="unknown overlap level"):
        Rule(drop_overlap=("verbatim",))
    rule = Rule(mode="all", drop_overlap=("exact", "semantic"))
    assert Rule.from_dict(orjson.loads(orjson.dumps(rule.to_dict()))) == rule
    assert "drop overlap (exact, semantic)" in rule.describe()
    assert Rule.from_dict({"mode": "all"}).drop_overlap == ()  # rules saved before overlap


def test_only_the_chosen_levels_drop():
    bits = np.array([0, 1, 2, 4, 8, 3], dtype=np.uint8)  # none, exact, ngram, near, sem.
    rule = Rule(mode="all", drop_duplicates=False, drop_overlap=("ngram", "semantic"))
    forced = rule.forced_drops(len(bits), overlap=bits)
    assert forced.tolist() == [False, False, True, False, True, True]


def test_curate_drops_what_the_last_check_found(injected, tmp_path, capsys):
    project = tmp_path / "p.thresher"
    assert (
        cli_main(
            [
                "overlap",
                str(injected.path),
                "--against",
                str(injected.vicuna),
                "--exact",
                "-o",
                str(tmp_path / "o.csv"),
                "--project",
                str(project),
            ]
        )
        == 0
    )
    out = tmp_path / "curated.jsonl"
    assert (
        cli_main(
            [
                "curate",
                str(injected.path),
                "--keep-all",
                "--keep-duplicates",
                "--drop-overlap",
                "exact",
                "-o",
                str(out),
                "--project",
                str(project),
                "--json",
            ]
        )
        == 0
    )
    kept = {orjson.loads(line)["instruction"] for line in out.read_bytes().splitlines()}
    vicuna = [orjson.loads(line)["text"] for line in injected.vicuna.read_bytes().splitlines()]
    assert not kept & set(vicuna)
    assert len(kept) >= injected.rows - 2 * len(vicuna)
    manifest = orjson.loads((tmp_path / "curated.manifest.json").read_bytes())
    assert manifest["overlap"]["references"][0]["path"] == str(injected.vicuna)
    assert manifest["rule"]["drop_overlap"] == ["exact"]
    capsys.readouterr()


def test_curate_refuses_to_drop_a_level_the_check_never_looked_at(injected, tmp_path, capsys):
    project = tmp_path / "p.thresher"
    out = tmp_path / "curated.jsonl"
    curate = [
        "curate",
        str(injected.path),
        "--keep-all",
        "--keep-duplicates",
        "--drop-overlap",
        "semantic",
        "-o",
        str(out),
        "--project",
        str(project),
    ]
    assert cli_main(curate) == 1
    assert "no overlap check was made" in capsys.readouterr().err
    assert (
        cli_main(
            [
                "overlap",
                str(injected.path),
                "--against",
                str(injected.vicuna),
                "--exact",
                "-o",
                str(tmp_path / "o.csv"),
                "--project",
                str(project),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert cli_main(curate) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: {injected.path}: the rule drops overlap at semantic, but its last "
        f"overlap check looked at exact: run main.py overlap {injected.path} "
        "--against REF… with those levels first"
    )
    assert not out.exists()
