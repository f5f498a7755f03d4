"""``score FILE -o OUT --learned-from KEPT DROPPED``: end to end on real preference data."""

from __future__ import annotations

import gzip
import json

import orjson
import pandas as pd
import pytest

from cli import main
from core.learned.model import MIN_EACH
from core.loading import load
from core.project import ProjectStore, project_path_for
from core.review import DROP, KEEP, ReviewSession
from tests.conftest import fast_embedder_in


def _split(dialogue: str) -> tuple[str, str]:
    """An HH-RLHF dialogue as (everything before the last answer, the last answer)."""
    at = dialogue.rfind("\n\nAssistant:")
    return dialogue[:at].strip(), dialogue[at + len("\n\nAssistant:") :].strip()


@pytest.fixture
def preference_files(shared_data, tmp_path, data_dir, fast_embedder_build):
    """Kept = chosen answers, dropped = rejected ones, FILE = other pairs' chosen answers."""
    fast_embedder_in(data_dir, fast_embedder_build[0])
    with gzip.open(shared_data / "hh_rlhf_harmless_base_test.jsonl.gz", "rt") as handle:
        pairs = [json.loads(line) for _, line in zip(range(160), handle, strict=False)]

    def write(name, dialogues):
        path = tmp_path / name
        path.write_text(
            "".join(
                json.dumps(dict(zip(("instruction", "output"), _split(d), strict=True))) + "\n"
                for d in dialogues
            )
        )
        return path

    return (
        write("kept.jsonl", [p["chosen"] for p in pairs[:60]]),
        write("dropped.jsonl", [p["rejected"] for p in pairs[:60]]),
        write("new.jsonl", [p["chosen"] for p in pairs[60:]]),
    )


def test_learns_from_kept_and_dropped_files_and_writes_a_keep_probability(
    preference_files, tmp_path, capsys
):
    kept, dropped, new = preference_files
    out = tmp_path / "scores.csv"
    assert (
        main(
            ["score", str(new), "-o", str(out), "--learned-from", str(kept), str(dropped), "--json"]
        )
        == 0
    )
    report = orjson.loads(capsys.readouterr().out)
    assert report["kept_examples"] == 60 and report["dropped_examples"] == 60
    assert report["manual_keep"] == report["manual_drop"] == 0
    assert 0.0 <= report["cross_validated_auc"] <= 1.0
    assert report["cross_validated_auc_std"] >= 0.0
    frame = pd.read_csv(out)
    assert len(frame) == 100
    assert frame["score"].between(0, 1).all()
    assert frame["score"].std() > 0  # it ranks, not one constant


def test_manual_decisions_in_files_project_are_added_and_kept(preference_files, tmp_path, capsys):
    kept, dropped, new = preference_files
    store = ProjectStore(project_path_for(new))
    session = ReviewSession(load(new), store)
    session.decide([0, 1, 2], KEEP)
    session.decide([3, 4], DROP)
    assert (
        main(
            [
                "score",
                str(new),
                "-o",
                str(tmp_path / "s.jsonl"),
                "--learned-from",
                str(kept),
                str(dropped),
                "--json",
            ]
        )
        == 0
    )
    report = orjson.loads(capsys.readouterr().out)
    assert (report["manual_keep"], report["manual_drop"]) == (3, 2)
    assert report["undecided_rows"] == 95
    again = ReviewSession(load(new), store)
    assert again.manual[:5].tolist() == [KEEP] * 3 + [DROP] * 2
    store.close()


def test_refusals_are_one_line(preference_files, tmp_path, write, capsys):
    kept, dropped, new = preference_files
    out = str(tmp_path / "o.csv")
    empty = write("empty.jsonl", "")
    few = write("few.jsonl", kept.read_text().splitlines(keepends=True)[0] * 1)
    cases = [
        ([str(kept), str(kept)], "same records"),
        ([str(empty), str(dropped)], "empty.jsonl"),
        ([str(few), str(dropped)], f"at least {MIN_EACH} of each"),
    ]
    for files, expected in cases:
        code = main(["score", str(new), "-o", out, "--learned-from", *files])
        err = capsys.readouterr().err.strip()
        assert code != 0
        assert expected in err and "Traceback" not in err
        assert len(err.splitlines()) == 1, err
