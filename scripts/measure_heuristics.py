"""Measure what the offline heuristic score does on real data (issue 20, "First").

Run from the repository root: ``python scripts/measure_heuristics.py [DATA_DIR]``.

It prints, for the real files in ../shared/data:

- the share of rows the default rule (heuristic score ≥ 0.5) drops, per file;
- the share of *short correct answers* it drops: the self-instruct seed tasks' hand-written
  answers of five words or fewer, and GSM8K's questions answered with the final number alone;
- Spearman's ρ between the heuristic score and the response's length in words;
- pairwise accuracy on Anthropic HH-RLHF (harmless-base test): how often the chosen answer
  scores above the rejected one, ties counted as half, with the share of ties;
- how many rows each flag raises.

The AlpaGasus-rated Alpaca, Dolly and tool-use files the issue was measured on are not in
../shared/data; these are the closest real stand-ins there.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import numpy as np
import orjson
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.loading import load
from core.scoring.heuristics import (
    FLAG_NAMES,
    HEURISTIC_THRESHOLD,
    compute_signals,
    flag_names,
)

SHORT_WORDS = 5
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def split_dialogue(text: str) -> tuple[str, str]:
    """HH-RLHF text → (everything before the last assistant turn, that turn)."""
    head, _, last = text.rpartition("\n\nAssistant:")
    return head, last.strip()


def hh_rlhf(folder: Path) -> tuple[list[str], list[str], list[str]]:
    """Prompts and the chosen and rejected last answers of the preference pairs."""
    prompts, chosen, rejected = [], [], []
    with gzip.open(folder / "hh_rlhf_harmless_base_test.jsonl.gz") as handle:
        for line in handle:
            row = orjson.loads(line)
            prompt, good = split_dialogue(row["chosen"])
            _, bad = split_dialogue(row["rejected"])
            prompts.append(prompt)
            chosen.append(good)
            rejected.append(bad)
    return prompts, chosen, rejected


def gsm8k_final_numbers(folder: Path) -> tuple[list[str], list[str]]:
    """GSM8K questions answered with the final number only: correct, and one word long.

    This copy of GSM8K has no ``#### answer`` line; the worked answer's last number is the result.
    """
    records = orjson.loads((folder / "gsm_8k_train.json").read_bytes())
    return (
        [r["instruction"] for r in records],
        [_NUMBER.findall(r["output"])[-1] for r in records],
    )


def describe(name: str, prompts: list[str], responses: list[str]):
    """Print one file's line and return its signals."""
    signals = compute_signals(prompts, responses)
    dropped = signals.score < HEURISTIC_THRESHOLD
    words = signals.response_words
    rho = (
        f"{spearmanr(signals.score, words).statistic:+.2f}"
        if np.ptp(signals.score) and np.ptp(words)
        else "n/a (constant)"
    )
    counts = np.bincount(
        np.concatenate(
            [[FLAG_NAMES.index(f) for f in flag_names(int(m))] for m in signals.flag_mask()] or [[]]
        ).astype(int),
        minlength=len(FLAG_NAMES),
    )
    flags = ", ".join(f"{n} {c}" for n, c in zip(FLAG_NAMES, counts, strict=True) if c)
    print(
        f"{name:<34} rows {len(responses):>6,}  drops {dropped.mean():6.1%}  "
        f"spearman(score, words) {rho}  flags: {flags or 'none'}"
    )
    return signals


def main(folder: Path) -> None:
    """Print every measurement for the files in ``folder``."""
    print(f"heuristic score, default rule: keep score ≥ {HEURISTIC_THRESHOLD}\n")
    gsm = load(folder / "gsm_8k_train.json")
    describe("GSM8K (full worked answers)", gsm.prompts, gsm.responses)
    describe("GSM8K (final number only)", *gsm8k_final_numbers(folder))
    seed = load(folder / "seed_tasks.jsonl")
    describe("seed_tasks (all)", seed.prompts, seed.responses)
    short = [i for i, r in enumerate(seed.responses) if len(r.split()) <= SHORT_WORDS]
    signals = describe(
        f"seed_tasks (answers ≤ {SHORT_WORDS} words)",
        [seed.prompts[i] for i in short],
        [seed.responses[i] for i in short],
    )
    for i in np.flatnonzero(signals.score < HEURISTIC_THRESHOLD)[:50]:
        row = short[i]
        print(
            f"    dropped {signals.score[i]:.2f} {flag_names(int(signals.flag_mask()[i]))} "
            f"{seed.responses[row]!r}"
        )
    prompts, chosen, rejected = hh_rlhf(folder)
    good = describe("hh_rlhf chosen answers", prompts, chosen).score
    bad = describe("hh_rlhf rejected answers", prompts, rejected).score
    differ = [i for i in range(len(chosen)) if chosen[i] != rejected[i]]
    good, bad = good[differ], bad[differ]
    ties = np.mean(good == bad)
    accuracy = np.mean(good > bad) + 0.5 * ties
    print(
        f"\nhh_rlhf pairwise accuracy (chosen > rejected, ties half): {accuracy:.3f} "
        f"over {len(differ):,} pairs; ties {ties:.1%}, chosen higher {np.mean(good > bad):.1%}, "
        f"rejected higher {np.mean(good < bad):.1%}"
    )
    length = np.array(
        [
            len(c.split()) > len(r.split())
            for c, r in zip(np.array(chosen)[differ], np.array(rejected)[differ], strict=True)
        ]
    )
    print(f"  (for scale: 'the longer answer wins' picks the chosen one in {length.mean():.1%})")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    )
