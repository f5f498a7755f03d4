"""A prompt-only file (an evaluation set) has no responses to compare.

Every empty response is the same, so comparing responses would drop all rows but one as exact
copies; the run refuses with one line naming the file, in core, so the CLI and the app's dock
say the same.
"""

from __future__ import annotations

import pytest

from cli import main
from core.dedup.config import DedupConfig, DedupSettingsError
from core.dedup.run import find_duplicates
from core.generators import run_to_end
from core.loading import load


@pytest.fixture
def prompts_only(write):
    return write(
        "eval.jsonl",
        "".join(f'{{"prompt": "Question number {n} about topic {n * 7}"}}\n' for n in range(20)),
    )


@pytest.mark.parametrize(
    "options",
    [
        {"exact_on": "response"},
        {"exact": False, "near_on": "response"},
        {"exact": False, "near": None, "semantic": 0.9, "semantic_on": "response"},
    ],
)
def test_comparing_responses_of_a_prompt_only_file_is_refused(prompts_only, options):
    dataset = load(prompts_only)
    assert dataset.prompt_only
    with pytest.raises(DedupSettingsError, match="prompts only") as refused:
        run_to_end(find_duplicates(dataset, DedupConfig(**options)))
    assert str(prompts_only) in str(refused.value) and "\n" not in str(refused.value)


def test_prompts_of_a_prompt_only_file_are_still_compared(prompts_only):
    dataset = load(prompts_only)
    result = run_to_end(find_duplicates(dataset, DedupConfig(exact_on="prompt")))
    assert result.rows == len(dataset)


def test_the_command_line_says_it_in_one_line(prompts_only, tmp_path, capsys):
    out = tmp_path / "dups.csv"
    assert main(["dedup", str(prompts_only), "--on", "response", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "prompts only" in err and str(prompts_only) in err and "Traceback" not in err
    assert not out.exists()
