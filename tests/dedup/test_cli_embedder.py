"""``dedup --semantic --embedder``: each embedder's own threshold, and the run records which."""

from __future__ import annotations

import argparse

import orjson
import pytest

from cli import main
from cli.dedup_command import configure, settings_from_arguments
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED, default_threshold
from tests.conftest import fast_embedder_in


def _settings(*argv):
    parser = argparse.ArgumentParser()
    configure(parser)
    return settings_from_arguments(parser.parse_args(["data.jsonl", "-o", "x.csv", *argv]))


@pytest.mark.parametrize(
    ("argv", "embedder", "threshold"),
    [
        (["--semantic"], VERIFIED, 0.90),
        (["--semantic", "--embedder", FAST], FAST, default_threshold(FAST)),
        (["--semantic", "--embedder", BUNDLED], BUNDLED, 0.90),
        (["--semantic", "--embedder", "/models/e5"], "/models/e5", 0.90),
        (["--semantic", "0.97", "--embedder", BUNDLED], BUNDLED, 0.97),
        (["--embedder", BUNDLED, "--semantic", "0.8"], BUNDLED, 0.8),
    ],
)
def test_semantic_without_a_number_takes_the_embedders_own_threshold(argv, embedder, threshold):
    settings = _settings(*argv)
    assert settings.embedder == embedder
    assert settings.semantic == pytest.approx(threshold)


def test_the_cli_run_uses_and_records_the_fast_embedder(
    fast_embedder_build, tmp_path, write, capsys
):
    fast_embedder_in(tmp_path / "data", fast_embedder_build[0])
    path = write(
        "q.jsonl",
        b"".join(
            orjson.dumps(r) + b"\n"
            for r in (
                {"prompt": "How many days are in a leap year?", "response": "366"},
                {"prompt": "Quick one: how many days are in a leap year?", "response": "366."},
                {"prompt": "Translate 'good morning' into French.", "response": "Bonjour"},
            )
        ),
    )
    out = str(tmp_path / "d.csv")
    assert main(["dedup", str(path), "--semantic", "--embedder", FAST, "-o", out, "--json"]) == 0
    summary = orjson.loads(capsys.readouterr().out)
    assert summary["settings"]["embedder"] == FAST
    assert summary["settings"]["semantic"] == pytest.approx(default_threshold(FAST))
    assert summary["by_match"]["semantic"] == 1
