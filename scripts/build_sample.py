"""Build ``resources/sample/sample_sft.jsonl`` from the real datasets in ``../shared/data``.

The sample is small (a few hundred records) and realistic, with known problems planted so that
every feature has something to find: garbage prompts, empty and one-word answers, refusals,
exact and near duplicates, and two unusable lines. Deterministic: the same inputs give the same
file. See ``resources/sample/README.md`` for provenance.
"""

from __future__ import annotations

import random
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "resources" / "sample" / "sample_sft.jsonl"

GARBAGE_PROMPTS = [
    "asdfasdfasdf",
    "qwertyuiop qwertyuiop",
    "jjjjjjjjjjjjjjjj",
    "??? !!! ???",
    "lorem ipsum dolor",
    "zxcv zxcv zxcv zxcv",
]
REFUSALS = [
    "As an AI language model, I cannot help with that request.",
    "I'm sorry, but as an AI I am not able to provide an answer to this question.",
    "I cannot assist with that. As an AI language model, I do not have personal opinions.",
    "I am an AI assistant.",
]
SHORT_ANSWERS = ["", "Yes.", "42", "ok", " ", "No"]


def alpaca(instruction: str, output: str, input_: str = "") -> dict:
    """A record in Alpaca layout."""
    return {"instruction": instruction, "input": input_, "output": output}


def change_words(text: str, rng: random.Random, n: int = 2) -> str:
    """A near copy: replace a couple of words, keep the rest."""
    words = text.split()
    for _ in range(n):
        i = rng.randrange(len(words))
        words[i] = rng.choice(["some", "several", "exactly", "about", "the", "her", "his"])
    return " ".join(words)


def build() -> list[bytes]:
    """The sample's lines."""
    rng = random.Random(20261124)
    gsm = orjson.loads((DATA / "gsm_8k_train.json").read_bytes())
    seed = [orjson.loads(line) for line in (DATA / "seed_tasks.jsonl").read_bytes().splitlines()]
    records = [alpaca(r["instruction"], r["output"]) for r in rng.sample(gsm, 200)]
    for task in rng.sample(seed, 60):
        instance = task["instances"][0]
        records.append(alpaca(task["instruction"], instance["output"], instance["input"]))
    planted = [alpaca(p, rng.choice(REFUSALS[-1:] + SHORT_ANSWERS)) for p in GARBAGE_PROMPTS]
    planted += [
        alpaca(r["instruction"], answer)
        for r, answer in zip(rng.sample(gsm, 6), SHORT_ANSWERS, strict=True)
    ]
    planted += [
        alpaca(r["instruction"], refusal)
        for r, refusal in zip(rng.sample(gsm, 4), REFUSALS, strict=True)
    ]
    exact = [
        dict(r, instruction="  " + r["instruction"].upper() + " ")
        for r in rng.sample(records[:200], 8)
    ]
    near = [
        dict(r, instruction=change_words(r["instruction"], rng))
        for r in rng.sample(records[:200], 10)
    ]
    records += planted + exact + near
    rng.shuffle(records)
    lines = [orjson.dumps(r) for r in records]
    lines.insert(37, lines[36][: len(lines[36]) // 2])  # a record cut short by a bad copy
    lines.insert(151, b'{"instruction": "Rate this answer.", "input": "", "output": NaN}')
    return lines


def main() -> None:
    """Write the sample file."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(b"\n".join(build()) + b"\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
