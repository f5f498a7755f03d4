"""What the learned scorer looks at for one pair: two embeddings and a few plain numbers.

The embeddings carry topic and style (what kind of prompt, what kind of answer); the plain
numbers carry what embeddings are blind to: how long the texts are, whether the answer is about
the prompt at all (the cosine of the two vectors), the heuristic defect flags, and the score of
whatever other scorer the project holds. Kept as separate blocks so 100k rows never need one
big concatenated matrix: prediction is a sum of three matrix-vector products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.scoring.heuristics import compute_signals

#: Names of the plain-number features, in column order (an extra score is appended as "score").
BASE_NAMES = (
    "log_prompt_chars",
    "log_response_chars",
    "prompt_response_cosine",
    "heuristic_score",
    *(f"flag_{bit}" for bit in range(8)),
)
#: The extra score is used only when it is known for at least this share of the training rows:
#: a column that is mostly filled-in would teach the classifier the filling, not the score.
EXTRA_SCORE_COVERAGE = 0.9


@dataclass(frozen=True)
class PairFeatures:
    """Per-pair features, aligned with the pairs they were computed for."""

    prompt: np.ndarray  # (n, d) float32, unit-length
    response: np.ndarray  # (n, d) float32, unit-length
    dense: np.ndarray  # (n, k) float32, see BASE_NAMES
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.dense)

    def take(self, rows: np.ndarray) -> PairFeatures:
        """The features of ``rows`` only."""
        return PairFeatures(self.prompt[rows], self.response[rows], self.dense[rows], self.names)

    def matrix(self) -> np.ndarray:
        """All blocks side by side (for training, which sees only labelled rows)."""
        return np.hstack([self.prompt, self.response, self.dense]).astype(np.float32)


def dense_features(
    prompts: Sequence[str],
    responses: Sequence[str],
    prompt_vectors: np.ndarray,
    response_vectors: np.ndarray,
) -> np.ndarray:
    """The plain-number block (:data:`BASE_NAMES`) for these pairs."""
    n = len(prompts)
    signals = compute_signals(prompts, responses)
    out = np.zeros((n, len(BASE_NAMES)), dtype=np.float32)
    out[:, 0] = np.log1p(np.fromiter(map(len, prompts), dtype=np.float64, count=n))
    out[:, 1] = np.log1p(np.fromiter(map(len, responses), dtype=np.float64, count=n))
    out[:, 2] = np.einsum("ij,ij->i", prompt_vectors, response_vectors)
    out[:, 3] = np.nan_to_num(signals.score, nan=0.0)
    out[:, 4:12] = np.unpackbits(
        signals.flag_mask().astype(np.uint8)[:, None], axis=1, bitorder="little"
    )
    return out


def pair_features(
    prompts: Sequence[str],
    responses: Sequence[str],
    prompt_vectors: np.ndarray,
    response_vectors: np.ndarray,
) -> PairFeatures:
    """Features of pairs whose embeddings are known."""
    return PairFeatures(
        prompt_vectors,
        response_vectors,
        dense_features(prompts, responses, prompt_vectors, response_vectors),
        BASE_NAMES,
    )


def with_extra_score(
    features: PairFeatures, score: np.ndarray | None, training_rows: np.ndarray
) -> PairFeatures:
    """Append ``score`` as a feature when the training rows mostly have it; else unchanged.

    Missing values are filled with the training rows' median (never a made-up extreme).
    """
    if score is None or not len(training_rows):
        return features
    known = np.isfinite(score[training_rows])
    if known.mean() < EXTRA_SCORE_COVERAGE:
        return features
    filled = np.where(np.isfinite(score), score, np.median(score[training_rows][known])).astype(
        np.float32
    )
    return PairFeatures(
        features.prompt,
        features.response,
        np.hstack([features.dense, filled[:, None]]),
        (*features.names, "score"),
    )


def concat(parts: Sequence[PairFeatures]) -> PairFeatures:
    """Several feature sets (with the same columns) one after the other."""
    names = parts[0].names
    if any(p.names != names for p in parts):
        raise ValueError("feature sets with different columns cannot be joined")
    return PairFeatures(
        np.vstack([p.prompt for p in parts]),
        np.vstack([p.response for p in parts]),
        np.vstack([p.dense for p in parts]),
        names,
    )
