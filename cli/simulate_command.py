"""Estimate OOD performance from dataset size, noise and duplication (the simulator's model)."""

from __future__ import annotations

import argparse
import math

from cli.report import print_json
from core.simulator.model import DEFAULT_COPIES, Point, SimulatorError, estimate, size_for
from core.simulator.presets import PRESETS


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="start from a published point (the other options override it)",
    )
    parser.add_argument("--size", type=float, metavar="N", help="rows in the SFT set")
    parser.add_argument(
        "--noise",
        type=_fraction,
        metavar="F",
        help="share of noisy rows, 0–1 (or a percentage such as 20%%)",
    )
    parser.add_argument(
        "--dup",
        type=_fraction,
        metavar="F",
        help="share of rows that have a copy in the set, 0–1 (default 0)",
    )
    parser.add_argument(
        "--copies",
        type=float,
        metavar="K",
        help=f"rows per duplicated example (default {DEFAULT_COPIES:g})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _fraction(text: str) -> float:
    """0–1, or a percentage with a % sign."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be within 0–1 (or 0–100%), not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    """Print the estimate; exit 0."""
    base = PRESETS[args.preset].point if args.preset else None
    if base is None and (args.size is None or args.noise is None):
        raise SimulatorError("give --size and --noise (or a --preset)")

    def pick(value, fallback):
        return fallback if value is None else value

    try:
        point = Point(
            size=pick(args.size, base.size if base else None),
            noise=pick(args.noise, base.noise if base else None),
            duplication=pick(args.dup, base.duplication if base else 0.0),
            copies=pick(args.copies, base.copies if base else DEFAULT_COPIES),
        )
    except SimulatorError as exc:
        raise SimulatorError(f"simulate: {exc}") from None
    result = estimate(point)
    # The size that holds this performance if noise rose by one point: the quiz-5 trade-off
    # as a concrete number.
    step = min(point.noise + 0.01, 1.0)
    needed = size_for(result.performance, step, point.duplication, point.copies)
    if args.json:
        payload = {
            "input": {
                "size": point.size,
                "noise": point.noise,
                "duplication": point.duplication,
                "copies": point.copies,
            },
            **result.to_dict(),
            "size_for_one_more_point_of_noise": None if math.isinf(needed) else needed,
        }
        print_json(payload)
        return 0
    print(
        f"size {point.size:,.0f} rows, noise {point.noise:.1%}, duplication "
        f"{point.duplication:.1%} (copies {point.copies:g})"
    )
    print(
        f"estimated OOD performance: {result.performance:.3f} "
        "(1 = clean, unlimited, duplicate-free data)"
    )
    print(
        f"  data {result.data_factor:.3f} (effective size {result.effective_size:,.0f})"
        f" × noise {result.noise_factor:.3f} × duplication {result.duplication_factor:.3f}"
    )
    print(
        f"elasticity: {result.elasticity:.3g} (noise 1% higher, e.g. 10% → 10.1%, needs "
        f"{result.elasticity:.3g}% more data for the same performance)"
    )
    print(
        "one more point of noise needs "
        + (
            "more data than any size gives"
            if math.isinf(needed)
            else f"{needed:,.0f} rows ({needed / point.size - 1:+.0%}) to hold it"
        )
    )
    return 0
