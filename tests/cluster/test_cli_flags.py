"""``score --engine ray`` refuses impossible requests in one line, before loading anything."""

from __future__ import annotations

import sys

import pytest

from cli import main
from tests.conftest import SAMPLE


def score(capsys, *args):
    code = main(["score", str(SAMPLE), "-o", "/nonexistent/out.parquet", *args])
    return code, capsys.readouterr().err


def test_without_ray_installed_the_engine_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    code, err = score(capsys, "--engine", "ray", "--model", str(tmp_path))
    assert code == 1 and "pip install 'ray[data]'" in err and "Traceback" not in err


def test_the_heuristic_scorer_is_not_sent_to_a_cluster(capsys):
    code, err = score(capsys, "--engine", "ray", "--model", "heuristic")
    assert code == 1 and "runs locally" in err


@pytest.mark.parametrize(
    "flag",
    [
        ["--address", "ray://head:10001"],
        ["--workers", "2"],
        ["--gpus-per-worker", "1"],
        ["--shards", "s"],
    ],
)
def test_cluster_flags_without_the_ray_engine_are_refused(capsys, flag):
    code, err = score(capsys, "--model", "heuristic", *flag)
    assert code == 1 and f"{flag[0]} only apply with --engine ray" in err


@pytest.mark.parametrize(
    ("flag", "message"),
    [(["--workers", "0"], "--workers must be"), (["--block-rows", "0"], "--block-rows must be")],
)
def test_impossible_pool_sizes_are_refused(capsys, tmp_path, flag, message):
    code, err = score(capsys, "--engine", "ray", "--model", str(tmp_path), *flag)
    assert code == 1 and message in err


def test_an_endpoint_judge_is_not_sent_to_a_cluster(capsys):
    code, err = score(
        capsys,
        "--engine",
        "ray",
        "--judge-endpoint",
        "http://127.0.0.1:9/v1",
        "--judge-model",
        "m",
    )
    assert code == 1 and "rated by its server" in err and "Traceback" not in err
