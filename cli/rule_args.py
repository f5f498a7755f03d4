"""The ``curate`` flags for a rule over several scorers (``--keep``, ``--rank-average`` …).

Scorers are named the way the app's score columns are: ``heuristic``, ``reward:<model>``,
``judge:<preset>`` (a unique prefix such as ``reward`` or ``judge`` is enough). Examples::

    --keep "reward>=0.5" --keep "judge:alpagasus-accuracy>=4.5" --combine all
    --keep "judge top 20%" --keep "heuristic>=0.3"
    --rank-average reward=2,judge=1 --keep-fraction 0.3
"""

from __future__ import annotations

import argparse
import re

from core.errors import ThresherError
from core.review.conditions import Condition, RuleMode
from core.review.rule import Rule, RuleError
from core.review.score_columns import HEURISTIC_KEY, ColumnError
from core.review.session import ReviewSession
from core.scoring.heuristics import SCORER_DESCRIPTION

_TOP = re.compile(r"^(?P<name>.+?)\s+top\s+(?P<count>\S+)$", re.IGNORECASE)


def add_rule_arguments(rule: argparse._ArgumentGroup, criterion) -> None:
    """Add the flags to the ``rule`` group (``criterion``: its mutually exclusive part)."""
    criterion.add_argument(
        "--keep-fraction",
        type=float,
        metavar="F",
        help="keep the best fraction F (0–1) of the rows",
    )
    rule.add_argument(
        "--keep",
        action="append",
        metavar="SPEC",
        help="a condition on one scorer's column (repeatable): 'NAME>=X', "
        "'NAME top N', 'NAME top 20%%' or 'NAME top 0.2'; NAME as the app "
        "names columns (heuristic, reward:<model>, judge:<preset>, or a "
        "unique prefix such as reward)",
    )
    rule.add_argument(
        "--combine",
        choices=("all", "any"),
        help="with several --keep: keep rows every condition keeps (all, the "
        "default) or that any condition keeps",
    )
    rule.add_argument(
        "--rank-average",
        metavar="NAME=W,…",
        help="rank each named scorer's scores, average the ranks with weights W "
        "(default 1) and keep by --keep-fraction, --keep-top or --min-score "
        "on the average (0 worst … 1 best)",
    )


def several_scorers(args: argparse.Namespace) -> bool:
    """Whether the flags describe a rule over named scorers."""
    return bool(
        getattr(args, "keep", None)
        or getattr(args, "rank_average", None)
        or getattr(args, "combine", None)
    )


def rule_over_scorers(args: argparse.Namespace, saved: Rule, session: ReviewSession) -> Rule:
    """``saved`` with the score criteria the ``--keep``/``--rank-average`` flags describe."""
    if args.keep and args.rank_average:
        raise ThresherError("--keep and --rank-average are two different rules: give one")
    if args.keep and (
        args.min_score is not None
        or args.keep_top is not None
        or args.keep_all
        or args.keep_fraction is not None
    ):
        raise ThresherError(
            "--keep already says what to keep: leave out --min-score, "
            "--keep-top, --keep-fraction and --keep-all"
        )
    if args.combine and not args.keep:
        raise ThresherError("--combine joins several --keep conditions; give them too")
    try:
        if args.keep:
            conditions = [_condition(spec, session) for spec in args.keep]
            names = [c.scorer for c in conditions]
            if len(set(names)) != len(names):
                raise ThresherError("--keep names the same scorer twice: one condition each")
            first = conditions[0]
            return saved.with_changes(
                scorer=first.scorer,
                mode=first.mode,
                min_score=first.min_score,
                keep_top=first.keep_top,
                keep_fraction=first.keep_fraction,
                conditions=tuple(conditions[1:]),
                combine=args.combine or "all",
                rank_weights=(),
            )
        weights = tuple(
            _weight(item, session) for item in args.rank_average.split(",") if item.strip()
        )
        if not weights:
            raise ThresherError(
                f"--rank-average {args.rank_average}: name the scorers, e.g. reward=2,judge=1"
            )
        criterion = _criterion_flags(args) or {"mode": saved.mode}
        if criterion["mode"] == "all":
            raise ThresherError(
                "--rank-average needs --keep-fraction, --keep-top or "
                "--min-score to say how many rows to keep"
            )
        return saved.with_changes(
            scorer="", conditions=(), combine="all", rank_weights=weights, **criterion
        )
    except RuleError as exc:
        raise ThresherError(f"invalid rule: {exc}") from exc


def _criterion_flags(args: argparse.Namespace) -> dict:
    """What ``--min-score``/``--keep-top``/``--keep-fraction``/``--keep-all`` set, if given."""
    if args.min_score is not None:
        return {"mode": "threshold", "min_score": args.min_score}
    if args.keep_top is not None:
        return keep_top_changes(args.keep_top)
    if args.keep_fraction is not None:
        if not 0.0 < args.keep_fraction <= 1.0:
            raise ThresherError(
                f"--keep-fraction {args.keep_fraction}: give a fraction between 0 and 1"
            )
        return {"mode": "top_fraction", "keep_fraction": args.keep_fraction}
    if args.keep_all:
        return {"mode": "all"}
    return {}


def scorer_key(name: str, session: ReviewSession, flag: str) -> str:
    """The column key ``name`` means; the heuristic score is always there to be named."""
    try:
        return session.resolve_scorer(name)
    except ColumnError as exc:
        if name.strip() == HEURISTIC_KEY:
            return session.add_column(HEURISTIC_KEY, dict(SCORER_DESCRIPTION)).key
        raise ThresherError(f"{flag}: {exc}") from exc


def _condition(spec: str, session: ReviewSession) -> Condition:
    text = spec.strip()
    name, op, value = text.rpartition(">=")
    if op and name.strip():
        key = scorer_key(name, session, f"--keep {spec}")
        try:
            return Condition(key, RuleMode.THRESHOLD, min_score=float(value))
        except ValueError:
            raise ThresherError(f"--keep {spec}: {value.strip()!r} is not a number") from None
    match = _TOP.match(text)
    if match:
        key = scorer_key(match["name"], session, f"--keep {spec}")
        try:
            changes = keep_top_changes(match["count"])
        except ThresherError:
            raise ThresherError(
                f"--keep {spec}: after 'top' give a number of rows, a fraction "
                "between 0 and 1 or a percentage"
            ) from None
        return Condition(key, **changes)
    raise ThresherError(f"--keep {spec}: write 'NAME>=X', 'NAME top N' or 'NAME top 20%'")


def keep_top_changes(text: str) -> dict:
    """The rule settings ``--keep-top N|FRACTION|P%`` means."""
    value = text.strip()
    try:
        if value.endswith("%"):
            return {"mode": "top_fraction", "keep_fraction": float(value[:-1]) / 100}
        if value.isdigit():
            return {"mode": "top_n", "keep_top": int(value)}
        fraction = float(value)
    except ValueError:
        fraction = -1.0
    # "1" is a whole number (one row); "1.0" is a fraction: everything.
    if not 0.0 < fraction <= 1.0:
        raise ThresherError(
            f"--keep-top {text}: give a whole number of rows, a fraction "
            "between 0 and 1, or a percentage"
        )
    return {"mode": "top_fraction", "keep_fraction": fraction}


def _weight(item: str, session: ReviewSession) -> tuple[str, float]:
    name, equals, weight = item.strip().rpartition("=")
    if not equals:
        name, weight = item.strip(), "1"
    try:
        value = float(weight)
    except ValueError:
        raise ThresherError(
            f"--rank-average {item.strip()}: the weight {weight!r} is not a number"
        ) from None
    return scorer_key(name, session, f"--rank-average {item.strip()}"), value
