"""The classifier: standardised logistic regression, kept as plain weight arrays.

Why logistic regression: on real data (``benchmarks/bench_learned.py --choose``; README,
"Learning from your decisions") it matched or beat histogram gradient boosting in
cross-validated AUC with a few hundred decisions, trains in well under a second, and its whole
learned state is one weight per feature plus an intercept: JSON, never a pickle. Standardising
first and folding the scaler into the weights keeps prediction a matrix-vector product.

Honesty rules: no model is fitted, no AUC reported and no prediction made with fewer than
:data:`MIN_EACH` decisions of either kind.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from core.errors import ThresherError
from core.learned.features import PairFeatures

#: Decisions of each kind (keep and drop) needed before anything is learned. With 5-fold
#: cross-validation 20 of each leaves 4 of each in every held-out fold, and the AUC's own
#: standard error (Hanley & McNeil) at 20 + 20 examples and AUC 0.8 is already ±0.07: fewer,
#: and "AUC 0.8" could as well be 0.65 or 0.95, a number not worth showing.
MIN_EACH = 20
FOLDS = 5
#: Inverse regularisation strength, chosen by cross-validated AUC on hh-rlhf and GSM8K
#: (benchmarks/bench_learned.py --choose): a few hundred examples and ~500 features need a
#: strong prior; 0.05 was best or within noise of best on both.
C = 0.05
PREDICT_CHUNK = 8192
VERSION = 1


class TooFewDecisions(ThresherError):
    """Not enough keep and drop examples to learn from (or to judge what was learned)."""

    def __init__(self, keep: int, drop: int, source: str = "decisions"):
        self.keep, self.drop = keep, drop
        super().__init__(
            f"too few {source} to learn from: {keep} keep and {drop} drop; at least "
            f"{MIN_EACH} of each are needed (fewer cannot be cross-validated honestly)"
        )


@dataclass(frozen=True)
class LearnedModel:
    """A fitted scorer: weights per feature block, already divided by the scaler."""

    names: tuple[str, ...]
    prompt_weights: np.ndarray
    response_weights: np.ndarray
    dense_weights: np.ndarray
    intercept: float
    embedder: str
    keep: int
    drop: int
    auc: float
    auc_std: float

    @property
    def examples(self) -> int:
        """How many labelled examples it learned from."""
        return self.keep + self.drop

    def describe(self, source: str = "your decisions") -> str:
        """The model in one phrase: "learned from 240 of your decisions, AUC 0.81 ± 0.03"."""
        return (
            f"learned from {self.examples:,} of {source}, AUC {self.auc:.2f} ± {self.auc_std:.2f}"
        )

    def predict(self, features: PairFeatures) -> np.ndarray:
        """Keep-probability of every pair (float32), a chunk of rows at a time."""
        if features.names != self.names:
            raise ValueError(f"features {features.names} do not match the model's {self.names}")
        out = np.empty(len(features), dtype=np.float32)
        for start in range(0, len(features), PREDICT_CHUNK):
            end = start + PREDICT_CHUNK
            z = (
                features.prompt[start:end] @ self.prompt_weights
                + features.response[start:end] @ self.response_weights
                + features.dense[start:end] @ self.dense_weights
                + self.intercept
            )
            out[start:end] = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return out

    def to_dict(self) -> dict:
        """JSON-ready state (the project file keeps it; no pickle anywhere)."""
        return {
            "version": VERSION,
            "names": list(self.names),
            "embedder": self.embedder,
            "prompt_weights": self.prompt_weights.tolist(),
            "response_weights": self.response_weights.tolist(),
            "dense_weights": self.dense_weights.tolist(),
            "intercept": self.intercept,
            "keep": self.keep,
            "drop": self.drop,
            "auc": self.auc,
            "auc_std": self.auc_std,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LearnedModel:
        """Read back :meth:`to_dict`; ``ValueError`` for anything else."""
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("not a learned scorer of this version")
        try:
            return cls(
                tuple(data["names"]),
                np.asarray(data["prompt_weights"], dtype=np.float32),
                np.asarray(data["response_weights"], dtype=np.float32),
                np.asarray(data["dense_weights"], dtype=np.float32),
                float(data["intercept"]),
                str(data["embedder"]),
                int(data["keep"]),
                int(data["drop"]),
                float(data["auc"]),
                float(data["auc_std"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"damaged learned scorer: {exc}") from None


def check_counts(labels: np.ndarray, source: str = "decisions") -> None:
    """Raise :class:`TooFewDecisions` unless both kinds have :data:`MIN_EACH` examples."""
    keep = int(labels.sum())
    drop = len(labels) - keep
    if keep < MIN_EACH or drop < MIN_EACH:
        raise TooFewDecisions(keep, drop, source)


def _fit_arrays(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights on the raw features (scaler folded in) and the intercept."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=1000)
    # One thread: a fit over a few thousand rows takes milliseconds, and OpenMP/BLAS threads
    # made it 70x slower on a busy 2-core machine (2 s instead of 0.03 s per fit).
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")  # a rare non-converged fit is still a fine scorer
        classifier.fit((x - mean) / scale, y)
    weights = classifier.coef_[0] / scale
    return weights.astype(np.float32), float(classifier.intercept_[0] - weights @ mean)


def cross_validated_auc(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray | None = None,
    folds: int = FOLDS,
    seed: int = 0,
) -> np.ndarray:
    """Held-out AUC of each of ``folds`` stratified folds; a group never spans two folds.

    ``groups``: rows sharing a prompt. Without them, a prompt kept once and dropped once (two
    answers to one question, as in preference data) leaks across folds: on HH-RLHF the AUC read
    0.44 (worse than chance) because the fold learned the prompt with the other label.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    if groups is None:
        groups = np.arange(len(y))
    aucs = []
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    if len(np.unique(groups)) < 2 * folds:  # a few prompts only: folds by row
        groups = np.arange(len(y))
    for train, test in splitter.split(x, y, groups):
        if len(np.unique(y[test])) < 2 or len(np.unique(y[train])) < 2:
            continue  # a fold one big group filled: no AUC
        weights, intercept = _fit_arrays(x[train], y[train])
        aucs.append(roc_auc_score(y[test], x[test] @ weights + intercept))
    if not aucs:
        return cross_validated_auc(x, y, None, folds, seed)
    return np.asarray(aucs)


def fit(
    features: PairFeatures, labels: np.ndarray, embedder: str, source: str = "decisions"
) -> LearnedModel:
    """Cross-validate, then fit on every example. ``labels``: True = keep."""
    labels = np.asarray(labels, dtype=bool)
    check_counts(labels, source)
    x = features.matrix()
    y = labels.astype(np.int64)
    # Identical prompts have identical vectors: one group each (see cross_validated_auc).
    _, groups = np.unique(features.prompt, axis=0, return_inverse=True)
    aucs = cross_validated_auc(x, y, groups.ravel())
    weights, intercept = _fit_arrays(x, y)
    d = features.prompt.shape[1]
    return LearnedModel(
        features.names,
        weights[:d],
        weights[d : 2 * d],
        weights[2 * d :],
        intercept,
        embedder,
        int(labels.sum()),
        int((~labels).sum()),
        float(aucs.mean()),
        float(aucs.std()),
    )
