"""From the judge's log-probabilities of the scale's digits to a rating and how sure it was.

One function for both judges: the local model reads the digit log-probs from its own logits, an
OpenAI-compatible server returns them as ``top_logprobs``; either way the digits are softmaxed
among themselves, the rating is Σ k·p_k (DEITA's trick) and the entropy (nats) says how sure the
judge was. The digits' share of the whole next-token distribution says whether the judge was
answering with a rating at all. Plain numpy: no torch, so the endpoint judge never loads it.
"""

from __future__ import annotations

import numpy as np


def expected_rating(probs: np.ndarray, low: int) -> tuple[np.ndarray, np.ndarray]:
    """Σ k·p_k over the scale ``low..`` and the distribution's entropy (nats), per row."""
    scale = np.arange(low, low + probs.shape[1], dtype=np.float64)
    p = probs.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return (p @ scale).astype(np.float32), entropy.astype(np.float32)


def rate_digits(digit_logprobs: np.ndarray, low: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rating, entropy and the digits' probability share, per row.

    ``digit_logprobs`` (rows × digits): each digit's log-probability among *all* next tokens,
    ``-inf`` where a digit was not returned (a server lists only its top tokens). A row whose
    digits all have probability 0 gets NaN (never a made-up rating).
    """
    lp = np.asarray(digit_logprobs, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        top = lp.max(axis=1, keepdims=True)
        shifted = np.exp(lp - np.where(np.isfinite(top), top, 0.0))
        total = shifted.sum(axis=1, keepdims=True)
        probs = np.where(total > 0, shifted / np.where(total > 0, total, 1.0), np.nan)
        share = np.exp(lp).sum(axis=1)
    scores, entropy = expected_rating(probs, low)
    return scores, entropy, share.astype(np.float32)
