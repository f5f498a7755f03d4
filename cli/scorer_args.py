"""The scorer flags shared by ``score`` and ``curate``, and the progress-bar driver for a run."""

from __future__ import annotations

import argparse
import sys

import numpy as np
from tqdm.auto import tqdm

from core.errors import ThresherError
from core.judge.prompts import DEFAULT_PRESET, PRESETS, resolve_prompt
from core.scoring import DEFAULT_MODEL, FORMATS, HEURISTIC, ScoreConfig, ScoreTable
from core.scoring.devices import DTYPE_CHOICES
from core.scoring.download import download_model
from core.scoring.model_files import looks_like_path


class _GivenModel(argparse.Action):
    """Store ``--model`` and remember it was typed: an explicit model outranks a saved scorer."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        namespace.model_given = True


def scorer_named(args: argparse.Namespace) -> bool:
    """Whether the command line names a scorer (``--model``, ``--judge``, ``--ifd`` …)."""
    return bool(
        getattr(args, "model_given", False)
        or getattr(args, "judge", None)
        or getattr(args, "ifd", None)
        or getattr(args, "judge_endpoint", None)
    )


def add_scorer_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--model`` and the flags that shape how it reads a pair."""
    parser.set_defaults(model_given=False)
    parser.add_argument(
        "--model",
        action=_GivenModel,
        default=DEFAULT_MODEL,
        help=f"hub id, model folder, or '{HEURISTIC}' for the offline "
        f"heuristics (default: {DEFAULT_MODEL})",
    )
    parser.add_argument("--revision", help="hub revision (branch, tag or commit)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="model input: text pair, chat template, or --template "
        "(default: chat if the tokenizer has a template, else pair)",
    )
    parser.add_argument(
        "--template", help="for --format template: a string with {prompt} and {response}"
    )
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.add_argument(
        "--dtype",
        default="auto",
        choices=DTYPE_CHOICES,
        help="auto: bfloat16/float16 on a GPU, float32 on the CPU",
    )
    parser.add_argument("--max-length", type=int, help="tokens per pair (default: the model's)")
    parser.add_argument(
        "--output-index", type=int, default=0, help="which model output is the reward (default 0)"
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="fetch the model from the Hugging Face hub if it is not cached",
    )
    judge = parser.add_argument_group("LLM judge (AlpaGasus): a causal LM rates each pair")
    judge.add_argument(
        "--judge",
        metavar="MODEL|FOLDER|FILE.gguf",
        help="score with this instruct model as a judge instead of --model",
    )
    judge.add_argument(
        "--judge-preset",
        choices=tuple(PRESETS),
        help=f"the judge's prompt and scale (default: {DEFAULT_PRESET})",
    )
    judge.add_argument(
        "--judge-prompt",
        metavar="FILE",
        help="your own judge prompt (UTF-8 text with {instruction} {input} "
        "{prompt} {response} {conversation}); needs --judge-scale",
    )
    judge.add_argument(
        "--judge-scale",
        metavar="LO-HI",
        help="the rating scale of --judge-prompt, single digits (e.g. 1-5)",
    )
    ifd = parser.add_argument_group(
        "IFD (instruction-following difficulty, Cherry LLM): a small causal LM's loss on the "
        "response given the prompt / alone; higher = harder = keep (e.g. --keep-top 5%%); "
        "rows with IFD > 1 are flagged ifd_above_1 and never kept by the score"
    )
    ifd.add_argument(
        "--ifd",
        metavar="MODEL|FOLDER|FILE.gguf",
        help="score with IFD from this causal LM instead of --model",
    )
    judge.add_argument(
        "--judge-endpoint",
        metavar="URL",
        help="rate with an OpenAI-compatible server instead (base URL, e.g. "
        "http://127.0.0.1:8080/v1); the API key comes from "
        "$THRESHER_JUDGE_API_KEY, $OPENAI_API_KEY or the OS keyring",
    )
    judge.add_argument(
        "--judge-model",
        metavar="NAME",
        help="the model name the --judge-endpoint server rates with",
    )
    judge.add_argument(
        "--concurrency",
        type=int,
        default=4,
        help="requests in flight at once to the judge server (default 4)",
    )
    judge.add_argument(
        "--max-requests-per-minute",
        type=int,
        metavar="N",
        help="pace requests to the judge server (default: no limit)",
    )
    judge.add_argument(
        "--judge-timeout",
        type=float,
        metavar="SECONDS",
        help="seconds to wait for one answer from the judge server (default 60)",
    )
    judge.add_argument(
        "--judge-price-in",
        type=float,
        metavar="USD",
        help="the server's price per million input tokens, for the estimate",
    )
    judge.add_argument(
        "--judge-price-out",
        type=float,
        metavar="USD",
        help="the server's price per million output tokens, for the estimate",
    )


def settings_from_arguments(args: argparse.Namespace) -> ScoreConfig:
    """The scoring settings the flags describe, downloading the model first if asked to."""
    if args.max_length is not None and args.max_length < 1:
        raise ThresherError(
            f"--max-length {args.max_length}: give a positive number of tokens "
            "(leave it out for the model's own limit)"
        )
    if args.judge_endpoint is not None:
        return _endpoint_settings(args)
    if args.judge_model is not None:
        raise ThresherError(
            "--judge-model names the model of a --judge-endpoint server; "
            "for a local judge use --judge MODEL"
        )
    if args.judge is None and (args.judge_preset or args.judge_prompt or args.judge_scale):
        raise ThresherError("--judge-preset, --judge-prompt and --judge-scale need --judge MODEL")
    if getattr(args, "ifd", None) is not None:
        if args.judge is not None:
            raise ThresherError("--ifd and --judge are two different scorers: choose one")
        return ScoreConfig(
            model=args.ifd,
            revision=args.revision,
            device=args.device,
            dtype=args.dtype,
            max_length=args.max_length,
            ifd=True,
        )
    if args.judge is not None:
        # The prompt is checked before any model is found or loaded.
        resolve_prompt(args.judge_preset, args.judge_prompt, args.judge_scale)
        return ScoreConfig(
            model=args.judge,
            revision=args.revision,
            device=args.device,
            dtype=args.dtype,
            max_length=args.max_length,
            judge_preset=None if args.judge_prompt else (args.judge_preset or DEFAULT_PRESET),
            judge_prompt=args.judge_prompt,
            judge_scale=args.judge_scale,
        )
    if args.download and args.model != HEURISTIC and not looks_like_path(args.model):
        download_model(args.model, args.revision)
    return ScoreConfig(
        model=args.model,
        revision=args.revision,
        format=args.format,
        template=args.template,
        device=args.device,
        dtype=args.dtype,
        max_length=args.max_length,
        output_index=args.output_index,
    )


def _endpoint_settings(args: argparse.Namespace) -> ScoreConfig:
    if args.judge is not None:
        raise ThresherError(
            "--judge (a local model) and --judge-endpoint (a server) exclude "
            "each other: choose one judge"
        )
    if not args.judge_model:
        raise ThresherError(
            "--judge-endpoint needs --judge-model NAME (the model the server rates with)"
        )
    if args.concurrency < 1:
        raise ThresherError(f"--concurrency {args.concurrency}: give at least 1")
    if args.max_requests_per_minute is not None and args.max_requests_per_minute < 1:
        raise ThresherError(
            f"--max-requests-per-minute {args.max_requests_per_minute}: give at "
            "least 1 (leave it out for no limit)"
        )
    if args.judge_timeout is not None and not args.judge_timeout > 0:
        raise ThresherError(
            f"--judge-timeout {args.judge_timeout}: give a positive number of seconds"
        )
    resolve_prompt(args.judge_preset, args.judge_prompt, args.judge_scale)
    return ScoreConfig(
        model=args.judge_model,
        judge_preset=None if args.judge_prompt else (args.judge_preset or DEFAULT_PRESET),
        judge_prompt=args.judge_prompt,
        judge_scale=args.judge_scale,
        judge_endpoint=args.judge_endpoint,
        judge_concurrency=args.concurrency,
        judge_rpm=args.max_requests_per_minute,
        judge_timeout=args.judge_timeout,
    )


def announce_estimate(scorer, dataset, store, args: argparse.Namespace) -> dict | None:
    """An endpoint judge's token and cost estimate, printed on stderr before the run starts."""
    if not hasattr(scorer, "estimate"):
        return None
    rows = np.arange(len(dataset), dtype=np.int64)
    if store is not None:
        scorer.use_store(store)
        found, _, _ = store.cached_scores(
            store.scorer_id(scorer.key, scorer.description), dataset.fingerprints
        )
        rows = np.flatnonzero(~found)
    estimate = scorer.estimate(dataset, rows, args.judge_price_in, args.judge_price_out)
    print(estimate.line(), file=sys.stderr)
    return estimate.to_dict()


def drive(run_generator, table: ScoreTable, total: int, scorer=None):
    """Run a scoring generator with a progress bar on stderr; return its summary.

    With an endpoint judge (``scorer`` has a live request rate) the bar shows requests/s.
    """
    live = getattr(scorer, "requests_per_second", None)
    with tqdm(total=total, unit="pair", file=sys.stderr, disable=None, desc="scoring") as bar:
        while True:
            try:
                update = next(run_generator)
            except StopIteration as stop:
                return stop.value
            table.apply(update.batch)
            bar.update(len(update.batch.rows))
            if live is not None:
                bar.set_postfix_str(f"{live():.1f} requests/s", refresh=False)
