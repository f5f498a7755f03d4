"""A command never drops an unusable line in silence: it names the file, the line and why."""

from __future__ import annotations

import pytest

GOOD = (
    '{"prompt": "What is 2+2?", "response": "4"}\n'
    '{"prompt": "Name a colour.", "response": "Blue."}\n'
)
#: A lone surrogate cannot be text: the loader skips the line and keeps its number and reason.
BAD = '{"prompt": "lone \\ud800", "response": "x"}\n'


@pytest.mark.parametrize(
    "command",
    [
        ["score", "--model", "heuristic", "-o", "{out}.csv"],
        ["dedup", "--exact", "-o", "{out}.csv"],
        ["curate", "--model", "heuristic", "--keep-all", "-o", "{out}.jsonl"],
    ],
    ids=["score", "dedup", "curate"],
)
def test_a_skipped_line_is_named_on_standard_error(run_main, tmp_path, command):
    path = tmp_path / "mixed.jsonl"
    path.write_text(BAD + GOOD, encoding="utf-8")
    out = tmp_path / "out"
    done = run_main(command[0], path, *[a.format(out=out) for a in command[1:]])
    assert done.returncode == 0, done.stderr
    assert f"warning: {path}: 1 unusable line(s) skipped; the other 2 records were used" in (
        done.stderr
    )
    assert "  line 1: " in done.stderr and "surrogate" in done.stderr.lower()


def test_many_skipped_lines_are_counted_after_the_first_ten(run_main, tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text(BAD * 12 + GOOD, encoding="utf-8")
    done = run_main("score", path, "--model", "heuristic", "-o", tmp_path / "o.csv")
    assert done.returncode == 0, done.stderr
    named = [line for line in done.stderr.splitlines() if line.startswith("  line ")]
    assert [line.split(":")[0] for line in named] == [f"  line {i}" for i in range(1, 11)]
    assert "… and 2 more" in done.stderr and "inspect" in done.stderr
