"""``curate --model``: the scorer named on the command line is used, whatever the project saved."""

from __future__ import annotations

import orjson

from cli import main
from core.loading import load
from core.project import ProjectStore, project_path_for
from core.review import ReviewSession
from core.review.conditions import Condition
from core.review.score_columns import HEURISTIC_KEY


def _save_rule(path, **changes) -> None:
    """Score with the heuristic and save a rule in the file's project, as a curator in the app."""
    scores = path.with_suffix(".scores.jsonl")
    assert main(["score", str(path), "--model", "heuristic", "-o", str(scores)]) == 0
    with ProjectStore(project_path_for(path)) as store:
        session = ReviewSession(load(path), store)
        session.set_rule(session.rule.with_changes(**changes))


def test_a_missing_model_is_refused_even_when_the_app_chose_heuristic(
    sample_copy, tmp_path, capsys
):
    _save_rule(sample_copy, scorer=HEURISTIC_KEY)  # Review › Scorer = heuristic
    capsys.readouterr()
    out = tmp_path / "x.jsonl"
    code = main(["curate", str(sample_copy), "-o", str(out), "--model", "/nonexist/zzz"])
    captured = capsys.readouterr()
    assert code == 1
    assert "/nonexist/zzz" in captured.err and len(captured.err.strip().splitlines()) == 1
    assert "keep heuristic" not in captured.out
    assert not out.exists()


def test_the_saved_scorer_is_still_used_when_no_model_is_named(sample_copy, tmp_path, capsys):
    _save_rule(sample_copy, scorer=HEURISTIC_KEY)
    capsys.readouterr()  # the scoring run's output
    code = main(["curate", str(sample_copy), "-o", str(tmp_path / "x.jsonl"), "--json"])
    assert code == 0
    assert "heuristic" in orjson.loads(capsys.readouterr().out)["rule"]


def test_a_named_model_reads_its_own_column_with_the_saved_criterion(sample_copy, tmp_path, capsys):
    _save_rule(sample_copy, scorer=HEURISTIC_KEY, mode="top_n", keep_top=10)
    capsys.readouterr()  # the scoring run's output
    code = main(
        [
            "curate",
            str(sample_copy),
            "-o",
            str(tmp_path / "x.jsonl"),
            "--model",
            "heuristic",
            "--json",
        ]
    )
    report = orjson.loads(capsys.readouterr().out)
    assert code == 0
    assert report["rule"].startswith("keep the best 10 rows") and report["kept"] == 10
    assert "scoring" in report  # the named scorer ran


def test_a_saved_rule_over_several_scorers_is_not_guessed_at(sample_copy, tmp_path, capsys):
    _save_rule(
        sample_copy,
        scorer=HEURISTIC_KEY,
        conditions=(Condition(mode="threshold", min_score=0.1, scorer="judge:x"),),
    )
    capsys.readouterr()  # the scoring run's output
    out = tmp_path / "x.jsonl"
    code = main(["curate", str(sample_copy), "-o", str(out), "--model", "heuristic"])
    err = capsys.readouterr().err
    assert code == 1 and "several scorers" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
