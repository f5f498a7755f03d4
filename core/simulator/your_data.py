"""Place the curator's dataset on the simulator's axes: raw, curated, and a random baseline.

- D is counted: every row for the raw set, the finally kept rows for the curated selection.
- ρ comes from the duplicate run: the share of the set's rows whose cluster has another member
  *in the same set*, and k is the mean size of those clusters. Without a run, ρ is unknown and
  taken as 0 (the notes say so).
- η is estimated from the scores, without labels, the way DivideMix (Li, Socher & Hoi, ICLR
  2020) separates clean from noisy samples by their losses: a two-component Gaussian mixture is
  fitted to the scores, and each row's posterior probability of the lower component is its
  chance of being noise. A set's η is the mean of that probability over its rows, so the raw
  set's η is the low component's weight and a selection's η is what it still carries.
- The baseline is a random selection of the curated size (fixed seed), measured the same way:
  what the same budget would buy without curating.

η is only as good as the scores: the notes name the scorer it came from, and for the offline
heuristic score (which finds defects and gives every clean row 1) say that η then counts
defective rows, not low-quality ones. With heuristic scores only, the earlier length-rewarding
score read human-written Dolly as 65% noise (issue 20).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from core.simulator.model import DEFAULT_COPIES, Estimate, Point, estimate
from core.transformers_import import load_module

#: Scores used to fit the mixture (a random subset past this; the fit is 1-D).
FIT_ROWS = 50_000
#: Fewer scored rows than this cannot support a two-component fit.
MIN_SCORED = 20
BASELINE_SEED = 20231
NO_CLUSTER = -1
#: The note for heuristic scores (see the module docstring).
HEURISTIC_NOISE_NOTE = (
    "These are heuristic scores: η counts rows with defects (empty, refusal, "
    "garbage, echo, repetition), not low quality. Score with a reward model "
    "or a judge to estimate noise."
)


@dataclass(frozen=True)
class PlacedSet:
    """One set on the simulator's axes."""

    name: str
    rows: int
    point: Point | None  # None when η cannot be estimated (no scores)
    estimate: Estimate | None
    duplication_known: bool


@dataclass(frozen=True)
class YourData:
    """The raw dataset, the curated selection and a same-size random selection."""

    raw: PlacedSet
    curated: PlacedSet
    baseline: PlacedSet
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Each row's noise probability, to pass back while the scores have not changed.
    noisy: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: The scorer whose scores η was estimated from ("heuristic", a model id), when known.
    scorer: str | None = None

    def sets(self) -> tuple[PlacedSet, ...]:
        """All three, in display order."""
        return (self.raw, self.curated, self.baseline)


def noise_probability(scores: np.ndarray, seed: int = 0) -> np.ndarray | None:
    """Each row's posterior probability of belonging to the low-score component (NaN unscored).

    None when there are too few distinct scores to fit two components.
    """
    # Imported here (scikit-learn takes about a second to import and only the simulator uses
    # it), under the import lock, since it imports torch while other workers may be doing so.
    GaussianMixture = load_module("sklearn.mixture").GaussianMixture

    scores = np.asarray(scores, dtype=float)
    scored = np.isfinite(scores)
    values = scores[scored]
    if len(values) < MIN_SCORED or values.min() == values.max():  # one score: no mixture
        return None
    rng = np.random.default_rng(seed)
    fit_values = values if len(values) <= FIT_ROWS else rng.choice(values, FIT_ROWS, replace=False)
    spread = float(np.std(fit_values)) or 1.0
    mixture = GaussianMixture(n_components=2, reg_covar=1e-4, random_state=seed, max_iter=200)
    mixture.fit(((fit_values - np.mean(fit_values)) / spread).reshape(-1, 1))
    low = int(np.argmin(mixture.means_.ravel()))
    result = np.full(len(scores), np.nan)
    standard = (values - np.mean(fit_values)) / spread
    result[scored] = mixture.predict_proba(standard.reshape(-1, 1))[:, low]
    return result


def duplication_of(rows: np.ndarray, cluster: np.ndarray | None) -> tuple[float, float]:
    """(ρ, k) of the set ``rows``: share of its rows with a copy inside it, mean cluster size."""
    if cluster is None or not len(rows):
        return 0.0, DEFAULT_COPIES
    ids = cluster[rows]
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    duplicated = counts[inverse] > 1
    share = float(np.count_nonzero(duplicated)) / len(rows)
    groups = counts[counts > 1]
    copies = float(groups.mean()) if len(groups) else DEFAULT_COPIES
    return share, max(copies, DEFAULT_COPIES)


def _place(
    name: str, rows: np.ndarray, noisy: np.ndarray | None, cluster: np.ndarray | None
) -> PlacedSet:
    duplication, copies = duplication_of(rows, cluster)
    if noisy is None or not len(rows):
        return PlacedSet(name, len(rows), None, None, cluster is not None)
    probabilities = noisy[rows]
    probabilities = probabilities[np.isfinite(probabilities)]
    if not len(probabilities):
        return PlacedSet(name, len(rows), None, None, cluster is not None)
    point = Point(
        size=max(1, len(rows)),
        noise=float(np.clip(probabilities.mean(), 0, 1)),
        duplication=duplication,
        copies=copies,
    )
    return PlacedSet(name, len(rows), point, estimate(point), cluster is not None)


def place_your_data(
    scores: np.ndarray,
    kept: np.ndarray,
    cluster: np.ndarray | None = None,
    seed: int = BASELINE_SEED,
    noisy: np.ndarray | None = None,
    scorer: str | None = None,
) -> Generator[None, None, YourData]:
    """Place raw, curated (``kept`` mask) and a random same-size selection; yields between steps.

    ``cluster`` is each row's duplicate cluster id (the row itself when unique), or None when
    no duplicate run exists. ``noisy`` is an earlier result's noise probabilities for the same
    scores (the mixture fit is the slow part; decisions change far more often than scores).
    ``scorer`` names what produced the scores; the notes say it.
    """
    n = len(scores)
    notes = []
    if noisy is None or len(noisy) != n:
        noisy = noise_probability(scores)
    yield
    scored = int(np.count_nonzero(np.isfinite(scores)))
    if noisy is None and scored >= MIN_SCORED:
        notes.extend(scorer_notes(scorer))
        why = ": no row has a defect" if scorer == "heuristic" else ""
        notes.append(
            f"The {scored:,} scores are all equal{why}, so noise cannot be estimated from them."
        )
    elif noisy is None:
        notes.append("Score the dataset to place it: noise is estimated from the scores.")
    else:
        notes.extend(scorer_notes(scorer))
        unscored = int(np.count_nonzero(~np.isfinite(scores)))
        if unscored:
            notes.append(f"{unscored:,} unscored rows are left out of the noise estimate.")
    if cluster is None:
        notes.append("No duplicate run yet: duplication is taken as 0%.")
    all_rows = np.arange(n)
    kept_rows = np.flatnonzero(kept)
    rng = np.random.default_rng(seed)
    random_rows = np.sort(rng.choice(n, size=len(kept_rows), replace=False)) if n else all_rows
    raw = _place("Raw dataset", all_rows, noisy, cluster)
    yield
    curated = _place("Curated selection", kept_rows, noisy, cluster)
    baseline = _place("Random selection (same size)", random_rows, noisy, cluster)
    return YourData(raw, curated, baseline, tuple(notes), noisy, scorer)


def scorer_notes(scorer: str | None) -> list[str]:
    """What the noise estimate came from, and what that means for heuristic scores."""
    if scorer is None:
        return []
    notes = [f"η is estimated from the {scorer} scores."]
    if scorer == "heuristic":
        notes.append(HEURISTIC_NOISE_NOTE)
    return notes
