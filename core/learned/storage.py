"""Keeping the learned scorer in the project file: its weights as JSON, its scores in the cache.

The weights go into the project's ``meta`` table as JSON (numbers only, never a pickle). Its
keep-probabilities go into the same score cache every scorer uses, under a scorer key of their
own (a digest of the weights and what they were learned from), so the learned scorer is one
more column when scorers are shown side by side. Only the newest learned scorer is kept: a
retrain replaces the older one's cached scores instead of piling them up every 20 decisions.
"""

from __future__ import annotations

import hashlib

import numpy as np
import orjson

from core.dataset import Dataset
from core.learned.model import LearnedModel
from core.project.store import ProjectStore

META_MODEL = "learned.model"
META_SCORER = "learned.scorer"
MODEL_NAME = "learned keep-probability"


def description(model: LearnedModel, source: str) -> dict:
    """The scorer's description in the cache: what it is and what it learned from."""
    weights = hashlib.sha256(orjson.dumps(model.to_dict(), option=orjson.OPT_SORT_KEYS))
    return {
        "kind": "learned",
        "model": MODEL_NAME,
        "embedder": model.embedder,
        "source": source,
        "keep": model.keep,
        "drop": model.drop,
        "auc": round(model.auc, 4),
        "auc_std": round(model.auc_std, 4),
        "features": list(model.names),
        "weights_sha256": weights.hexdigest(),
    }


#: The learned scorer's one key: each run replaces the last one's scores (and description), so
#: it is one score column that keeps its name, place and the rule's reference across retrains.
LEARNED_KEY = "learned"


def scorer_key(desc: dict) -> str:
    """The score-cache key of a learned scorer (the same for every run; see LEARNED_KEY)."""
    return LEARNED_KEY


def save(
    store: ProjectStore,
    dataset: Dataset,
    model: LearnedModel,
    source: str,
    rows: np.ndarray,
    scores: np.ndarray,
) -> int:
    """Keep ``model`` and its scores of ``rows``, replacing the previous learned scorer.

    After a crash the project holds either the old scorer or the new one (the swap is one
    transaction); the rows are written in short ones, so decisions committed meanwhile on
    the GUI thread never wait for all of them. Returns the new scorer's id.
    """
    desc = description(model, source)
    key = scorer_key(desc)
    fingerprints = [bytes(dataset.fingerprints[r]) for r in rows.tolist()]
    old = store.get_meta(META_SCORER)
    # Short transactions (see ProjectStore.replace_scores): at 1M rows one transaction held
    # the write lock ~10 s, and every key pressed meanwhile waited for it on the GUI thread.
    return store.replace_scores(
        key,
        desc,
        list(zip(fingerprints, scores.astype(float).tolist(), strict=True)),
        {META_MODEL: orjson.dumps(model.to_dict() | {"source": source}).decode()},
        id_meta=META_SCORER,
        retire=(int(old),) if old is not None and old.isdigit() else (),
    )


def load_model(store: ProjectStore) -> tuple[LearnedModel, str] | None:
    """The project's learned scorer and what it learned from, or None (damaged = none)."""
    raw = store.get_meta(META_MODEL)
    if raw is None:
        return None
    try:
        data = orjson.loads(raw)
        return LearnedModel.from_dict(data), str(data.get("source", "decisions"))
    except (orjson.JSONDecodeError, ValueError):
        return None


def cached_predictions(store: ProjectStore, dataset: Dataset) -> np.ndarray | None:
    """The learned scorer's cached keep-probabilities per row (NaN where none), or None."""
    raw = store.get_meta(META_SCORER)
    if raw is None or not raw.isdigit():
        return None
    found, scores, _ = store.cached_scores(int(raw), dataset.fingerprints)
    return scores if found.any() else None
