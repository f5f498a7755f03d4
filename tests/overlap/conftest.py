"""A training file with real evaluation prompts (Koala, Vicuna) injected at known rows.

Every evaluation prompt goes in twice: verbatim and lightly edited (case, punctuation, or a
sentence added, in turn). Forty Vicuna prompts also go in rephrased by hand
(``tests/data/vicuna_rephrased.jsonl``). The rest of the file is the real GSM8K slice, which
shares nothing with either evaluation set: no row of it may be flagged.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
GSM8K_SLICE = DATA / "gsm8k_800.jsonl"
REPHRASED = DATA / "vicuna_rephrased.jsonl"
EDITS = ("case", "punctuation", "sentence")


def light_edit(text: str, kind: str) -> str:
    """A light edit of the kind a copy picks up on its way into a training set."""
    if kind == "case":
        return text.upper()
    if kind == "punctuation":
        return re.sub(r"[?.!,:;\"']", "", text).strip() + " ..."
    return "Here is a question for you. " + text + " Please answer carefully."


@dataclass
class Injected:
    path: Path
    koala: Path
    vicuna: Path
    rows: int
    background: list[int]  # rows that came from GSM8K
    verbatim: dict[int, tuple[str, int]]  # row -> (reference name, reference line)
    edited: dict[int, tuple[str, int, str]]  # row -> (reference name, line, edit kind)
    rephrased: dict[int, int]  # row -> Vicuna line
    words: dict[tuple[str, int], int]  # (reference, line) -> words in the prompt


def build(folder: Path, shared: Path, seed: int = 11) -> Injected:
    """Write the injected training file into ``folder``."""
    rng = random.Random(seed)
    background = [orjson.loads(line) for line in GSM8K_SLICE.read_bytes().splitlines()]
    prompts = []
    words = {}
    for name, field in (("koala_test_set.jsonl", "prompt"), ("vicuna_test_set.jsonl", "text")):
        for line, raw in enumerate((shared / name).read_bytes().splitlines(), start=1):
            text = orjson.loads(raw)[field]
            prompts.append((name, line, text))
            words[name, line] = len(re.findall(r"\w+", text))
    plan = [("background", None, record) for record in background]
    for i, (name, line, text) in enumerate(prompts):
        plan.append(("verbatim", (name, line), text))
        plan.append(("edited", (name, line, EDITS[i % 3]), light_edit(text, EDITS[i % 3])))
    for raw in REPHRASED.read_bytes().splitlines():
        item = orjson.loads(raw)
        plan.append(("rephrased", item["question_id"], item["rephrased"]))
    rng.shuffle(plan)
    injected = Injected(
        folder / "train.jsonl",
        shared / "koala_test_set.jsonl",
        shared / "vicuna_test_set.jsonl",
        len(plan),
        [],
        {},
        {},
        {},
        words,
    )
    lines = []
    for row, (kind, key, value) in enumerate(plan):
        if kind == "background":
            injected.background.append(row)
            lines.append(orjson.dumps(value))
            continue
        answer = background[row % len(background)]["output"]
        lines.append(orjson.dumps({"instruction": value, "input": "", "output": answer}))
        if kind == "verbatim":
            injected.verbatim[row] = key
        elif kind == "edited":
            injected.edited[row] = key
        else:
            injected.rephrased[row] = key
    injected.path.write_bytes(b"\n".join(lines) + b"\n")
    return injected


@pytest.fixture(scope="module")
def injected(tmp_path_factory) -> Injected:
    """The injected file (skipped where ../shared/data is absent)."""
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not available")
    return build(tmp_path_factory.mktemp("overlap"), SHARED_DATA)
