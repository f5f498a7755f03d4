"""Heuristic signals benchmark: the vectorised signals against the pure-Python ones and the load.

Run by hand: ``.venv/bin/python benchmarks/bench_heuristics.py [--rows N] [--baseline-rows M]``.

The file is built from several real sources in ``../shared/data`` (GSM8K, the self-instruct seed
tasks, HH-RLHF dialogues, Koala and Vicuna prompts answered by HH-RLHF turns), sampled and
perturbed, so it has colons, quotes, newlines, curly apostrophes and non-ASCII text. It is
written as JSONL under ``bench-data/`` and loaded with Thresher's loader; then every signal is
computed the way the app does (:func:`core.scoring.heuristics.iter_signals`, in chunks).

Baselines, measured in the same run on the first ``--baseline-rows`` rows (they are slow):
the seed's pure-Python signals (benchmarks/heuristics_v1.py) and the per-row reference of the
current rules (tests/scoring/heuristics_reference.py). Goal (issue 24): all signals for 1M rows
take no longer than loading the file.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synth import OUT_DIR, SHARED_DATA, perturb  # noqa: E402


def real_pairs() -> list[tuple[str, str]]:
    """(prompt, response) pairs from every real source with both."""
    pairs = [
        (r["instruction"], r["output"])
        for r in orjson.loads((SHARED_DATA / "gsm_8k_train.json").read_bytes())
    ]
    for line in (SHARED_DATA / "seed_tasks.jsonl").read_bytes().splitlines():
        task = orjson.loads(line)
        for instance in task["instances"]:
            prompt = task["instruction"] + ("\n\n" + instance["input"] if instance["input"] else "")
            pairs.append((prompt, instance["output"]))
    answers = []
    with gzip.open(SHARED_DATA / "hh_rlhf_harmless_base_test.jsonl.gz") as handle:
        for line in handle:
            row = orjson.loads(line)
            for side in ("chosen", "rejected"):
                head, _, last = row[side].rpartition("\n\nAssistant:")
                pairs.append((head.strip(), last.strip()))
                answers.append(last.strip())
    rng = random.Random(1)
    for name, key in (("koala_test_set.jsonl", "prompt"), ("vicuna_test_set.jsonl", "text")):
        for line in (SHARED_DATA / name).read_bytes().splitlines():
            pairs.append((orjson.loads(line)[key], rng.choice(answers)))
    return pairs


def build(rows: int) -> Path:
    """``bench-data/heuristics_mixed_{rows}.jsonl``, built once and reused."""
    path = OUT_DIR / f"heuristics_mixed_{rows}.jsonl"
    if path.exists():
        return path
    rng = random.Random(0)
    pairs = real_pairs()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        for _ in range(rows):
            prompt, response = rng.choice(pairs)
            out.write(
                orjson.dumps(
                    {
                        "instruction": perturb(prompt, rng),
                        "input": "",
                        "output": perturb(response, rng),
                    }
                )
                + b"\n"
            )
    return path


CPU = {}


def timed(function, *args):
    """(result, wall seconds) of one call; its CPU seconds go to ``CPU`` under the function."""
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    CPU[function] = time.process_time() - cpu
    return result, time.perf_counter() - start


def all_signals(prompts, responses):
    """Every chunk of signals, as the app's flags job computes them."""
    from core.scoring.heuristics import iter_signals

    return sum(len(signals.score) for _, signals in iter_signals(prompts, responses, pause_s=0))


def main() -> None:
    """Build, load, compute, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    from heuristics_v1 import compute_signals as seed_signals

    from core.loading import load
    from core.scoring.heuristics import compute_signals
    from tests.scoring.heuristics_reference import reference_signals

    path = build(args.rows)
    dataset, load_s = timed(load, path)
    prompts, responses = dataset.prompts, dataset.responses
    chars = sum(map(len, prompts)) + sum(map(len, responses))
    print(
        f"{len(dataset):,} rows of mixed real text ({path.stat().st_size / 1e6:,.0f} MB, "
        f"{chars / len(dataset):,.0f} characters a row)"
    )
    _, warm_s = timed(compute_signals, prompts[:100], responses[:100])
    print(f"first call (numba kernels from cache or compiled, class table): {warm_s:.2f} s")
    _, signals_s = timed(all_signals, prompts, responses)
    rate = len(dataset) / signals_s
    m = min(args.baseline_rows, len(dataset))
    _, seed_s = timed(seed_signals, prompts[:m], responses[:m])
    _, reference_s = timed(reference_signals, prompts[:m], responses[:m])
    cpu = {
        name: CPU[function]
        for name, function in (
            ("load", load),
            ("signals", all_signals),
            ("seed", seed_signals),
            ("reference", reference_signals),
        )
    }
    print("                                          wall s    CPU s        rows/s (wall)")
    print(f"load (core.loading.load, full validation) {load_s:7.2f}  {cpu['load']:7.2f}")
    print(
        f"all signals, vectorised                   {signals_s:7.2f}  {cpu['signals']:7.2f}"
        f"  {rate:12,.0f}"
    )
    print(
        f"seed pure Python ({m:,} rows)           {seed_s:7.2f}  {cpu['seed']:7.2f}"
        f"  {m / seed_s:12,.0f}"
    )
    print(
        f"reference of today's rules ({m:,} rows) {reference_s:7.2f}  "
        f"{cpu['reference']:7.2f}  {m / reference_s:12,.0f}"
    )
    per_row = {
        name: cpu[name] / (m if name in ("seed", "reference") else len(dataset)) for name in cpu
    }
    print(
        f"\nvectorised vs seed:        {rate / (m / seed_s):6.1f}x wall, "
        f"{per_row['seed'] / per_row['signals']:6.1f}x CPU"
    )
    print(
        f"vectorised vs reference:   {rate / (m / reference_s):6.1f}x wall, "
        f"{per_row['reference'] / per_row['signals']:6.1f}x CPU"
    )
    print(
        f"signals time / load time:  {signals_s / load_s:6.2f} wall, "
        f"{cpu['signals'] / cpu['load']:6.2f} CPU  (goal: at most 1)"
    )


if __name__ == "__main__":
    main()
