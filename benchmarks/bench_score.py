"""Scoring benchmark: the seed's reward-model loop against Thresher's engine, same model and data.

Run by hand: ``.venv/bin/python benchmarks/bench_score.py [--shape tiny|small|deberta-v3-large]
[--rows N] [--seed-rows N] [--device auto] [--dtype auto] [--heartbeat]``.

Both sides score GSM8K pairs (``../shared/data``) with the same randomly initialised DeBERTa-v2
reward model built from a config (no download) and the same input string (the seed's
``<|prompter|>…<|assistant|>…`` template, max length 512). The seed side is ``filter_sft_data``'s
loop as written: batch of one, fp32, ``torch.no_grad``. Prints pairs/s for both, their ratio and the
engine's padding efficiency (real tokens / computed tokens). ``--heartbeat`` also scores inside
the app offscreen and reports the longest stall of the GUI thread (10 ms timer).

Goals (issue 3): on CPU with a tiny model, never slower than the seed loop and padding efficiency
at least 0.9; on one H100 with the deberta-v3-large shape, at least 30x the seed loop and at
least 1,500 pairs/s; GUI stalls under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.loading import load  # noqa: E402
from core.scoring import SEED_TEMPLATE, ScoreConfig, make_scorer, score_dataset  # noqa: E402
from core.scoring.model_factory import build_reward_model  # noqa: E402

GSM8K = ROOT.parent / "shared" / "data" / "gsm_8k_train.json"


def seed_loop(folder: Path, prompts: list[str], responses: list[str], device: str) -> float:
    """``filter_sft_data``'s loop from the seed text, timed; returns pairs per second."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch_device = torch.device(
        "cuda"
        if device == "auto" and torch.cuda.is_available()
        else ("cpu" if device == "auto" else device)
    )
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).to(torch_device)
    model.eval()
    scores = []
    _sync(torch_device)
    started = time.perf_counter()
    with torch.no_grad():
        for prompt, response in zip(prompts, responses, strict=True):
            text = f"<|prompter|>{prompt}<|endoftext|><|assistant|>{response}<|endoftext|>"
            inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=512).to(
                torch_device
            )
            outputs = model(**inputs)
            scores.append(outputs.logits[0].item())
    elapsed = time.perf_counter() - started
    del model
    return len(prompts) / elapsed


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def engine(folder: Path, dataset, device: str, dtype: str) -> dict:
    """Thresher's engine over the whole dataset; returns speed and padding figures."""
    scorer = make_scorer(
        ScoreConfig(
            model=str(folder),
            format="template",
            template=SEED_TEMPLATE,
            device=device,
            dtype=dtype,
            max_length=512,
        )
    )
    warm = score_dataset(dataset, scorer)  # first batch warms kernels and allocator
    next(warm)
    warm.close()
    run = score_dataset(dataset, scorer)
    while True:
        try:
            next(run)
        except StopIteration as stop:
            summary = stop.value
            break
    return {
        "pairs_per_second": summary.pairs_per_second,
        "padding_efficiency": summary.padding_efficiency,
        "device": str(scorer.model.device),
        "dtype": str(scorer.model.dtype),
        "batches": len(scorer.runner.batch_sizes),
        "rows": summary.computed,
    }


def heartbeat(folder: Path, path: Path) -> dict:
    """Open, flag and score a file in the app offscreen; a 10 ms timer measures GUI stalls."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from gui.app import create_application
    from gui.main_window import MainWindow

    app = create_application([])
    window = MainWindow()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(beat)
    done = {"summary": None}

    def finished(summary) -> None:
        done["summary"] = summary
        app.quit()

    state = {"opened": False, "started": False}
    window.dataset_loaded.connect(lambda _dataset: state.update(opened=True))
    dock = window.scoring

    def start_when_idle() -> None:
        # After the file is open, its flags computed and any automatic heuristic run done.
        if state["started"] or not state["opened"]:
            return
        if dock.heuristics.running or dock.controller.running or dock._score_after_flags:
            return
        state["started"] = True
        dock.scoring_finished.connect(finished)
        dock.start_scoring(ScoreConfig(model=str(folder), device="cpu", token_budget=4096))

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(start_when_idle)
    poll.start()
    window.show()
    last[0] = time.perf_counter()
    timer.start()  # from opening the file: load, heuristic flags, model load and scoring
    window.open_path(path)
    app.exec()
    timer.stop()
    window.close()
    gaps_ms = np.array(gaps) * 1000
    ends = np.cumsum(gaps_ms)
    worst = int(np.argmax(gaps_ms))
    return {
        "max_gap_ms": float(gaps_ms.max()),
        "max_gap_at_s": float(ends[worst] / 1000),
        "p99_gap_ms": float(np.percentile(gaps_ms, 99)),
        "beats": len(gaps),
        "scored": done["summary"].scored,
    }


def main() -> None:
    """Build the model, run both sides, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="tiny", choices=("tiny", "small", "deberta-v3-large"))
    parser.add_argument("--rows", type=int, default=7473, help="pairs for the engine")
    parser.add_argument("--seed-rows", type=int, default=1000, help="pairs for the seed loop")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--heartbeat", action="store_true")
    args = parser.parse_args()

    full = load(GSM8K)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = build_reward_model(
            scratch / "rm",
            full.prompts + full.responses,
            shape=args.shape,
            max_length=512,
            vocab_size=8000,
        )
        rows = min(args.rows, len(full))
        subset = scratch / "gsm8k.jsonl"
        subset.write_bytes(b"\n".join(full.originals[:rows]) + b"\n")
        dataset = load(subset)
        seed_n = min(args.seed_rows, rows)
        seed = seed_loop(folder, dataset.prompts[:seed_n], dataset.responses[:seed_n], args.device)
        ours = engine(folder, dataset, args.device, args.dtype)
        print(f"model shape      {args.shape} (DeBERTa-v2, random weights, max length 512)")
        print(
            f"device           {ours['device']}  "
            f"({torch.cuda.get_device_name() if 'cuda' in ours['device'] else 'CPU'})"
        )
        print(f"seed loop        {seed:10,.1f} pairs/s  (batch 1, fp32, {seed_n:,} pairs)")
        print(
            f"thresher engine  {ours['pairs_per_second']:10,.1f} pairs/s  "
            f"({ours['dtype']}, {ours['rows']:,} pairs, {ours['batches']} batches)"
        )
        print(f"ratio            {ours['pairs_per_second'] / seed:10.2f}x")
        print(f"padding efficiency {ours['padding_efficiency']:.3f}")
        if args.heartbeat:
            beat = heartbeat(folder, subset)
            print(
                f"GUI heartbeat    max stall {beat['max_gap_ms']:.0f} ms "
                f"(ending {beat['max_gap_at_s']:.2f} s after opening), p99 "
                f"{beat['p99_gap_ms']:.0f} ms over {beat['beats']:,} beats while opening, "
                f"flagging and scoring {beat['scored']:,} pairs in the app"
            )


if __name__ == "__main__":
    main()
