"""Benchmark and real-data check of the learned scorer.

Timing (default): 100,000 rows with 1,000 manual decisions, once embeddings exist. The rows are
real GSM8K pairs embedded with the fast embedder and resampled to 100k; 500 originals are
decided keep and 500 copies whose final answer (``#### N``) was altered are decided drop.
Thresher's run (5-fold cross-validation + fit + predicting the 99,000 undecided rows) is timed
against a baseline measured in the same run: scikit-learn's defaults
(``cross_val_score(LogisticRegression())`` on the unscaled concatenated features, then
``fit`` and ``predict_proba`` over one concatenated 100k-row matrix).

``--quality``: what it learns on real data, as a curator would see it (held-out AUC).
- GSM8K: 2,000 records, half with their final answer number altered; 200 labelled rows
  (originals keep, altered drop), AUC on the other 1,800.
- HH-RLHF harmless-base: chosen answers keep, rejected answers drop; 200 or 500 labelled
  pairs, AUC and pairwise accuracy (chosen scored above rejected) on the other pairs;
  logistic regression at several strengths against histogram gradient boosting.

    python benchmarks/bench_learned.py [--rows 100000] [--decisions 1000] [--quality]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.generators import run_to_end
from core.learned import model as learned_model
from core.learned.features import PairFeatures, concat, pair_features
from core.learned.train import learn
from core.learned.vectors import DEFAULT_EMBEDDER, embed_pairs
from core.loading import load
from core.review import DROP, KEEP

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def features_of(prompts, responses, embedder=DEFAULT_EMBEDDER) -> PairFeatures:
    p, r, _ = run_to_end(embed_pairs(prompts, responses, embedder))
    return pair_features(prompts, responses, p, r)


def altered_gsm8k(m: int, rng) -> tuple[list[str], list[str], np.ndarray]:
    """``m`` GSM8K pairs; the second half with the final answer number changed by 1-9."""
    g = load(DATA / "gsm_8k_train.json")
    idx = rng.permutation(len(g))[:m]
    prompts = [g.prompts[i] for i in idx]
    responses = [g.responses[i] for i in idx]
    keep = np.ones(m, bool)
    keep[m // 2 :] = False
    for i in np.flatnonzero(~keep):
        head, _, number = responses[i].rpartition("#### ")
        try:
            value = int(number.replace(",", ""))
            delta = int(rng.integers(1, 10)) * int(rng.choice([-1, 1]))
            responses[i] = f"{head}#### {value + delta}"
        except ValueError:
            responses[i] = f"{head}#### {number}1"
    return prompts, responses, keep


def timing(rows: int, decisions: int) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score  # noqa: F401  (imported before either is timed)
    from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: F401

    rng = np.random.default_rng(0)
    prompts, responses, keep = altered_gsm8k(4000, rng)
    base = features_of(prompts, responses)
    pick = rng.integers(0, len(base), rows)
    features = base.take(pick)
    truth = keep[pick]
    manual = np.zeros(rows, dtype=np.int8)
    manual[rng.choice(np.flatnonzero(truth), decisions // 2, replace=False)] = KEEP
    manual[rng.choice(np.flatnonzero(~truth), decisions // 2, replace=False)] = DROP
    started = time.perf_counter()
    result = run_to_end(learn(features, manual, DEFAULT_EMBEDDER))
    ours = time.perf_counter() - started
    started = time.perf_counter()
    result.model.predict(features)
    predict = time.perf_counter() - started

    started = time.perf_counter()
    labelled = np.flatnonzero(manual != 0)
    x = features.take(labelled).matrix()
    y = (manual[labelled] == KEEP).astype(int)
    cross_val_score(LogisticRegression(), x, y, cv=5, scoring="roc_auc")
    baseline_model = LogisticRegression().fit(x, y)
    baseline_model.predict_proba(features.matrix())
    baseline = time.perf_counter() - started
    print(f"rows {rows:,}, decisions {decisions:,}, features {x.shape[1]}")
    print(
        f"thresher: cross-validate + fit + predict {len(result.rows):,} undecided rows: "
        f"{ours:.2f} s (goal < 5 s); AUC {result.model.auc:.3f} ± {result.model.auc_std:.3f}"
    )
    print(f"thresher: predict {rows:,} rows: {predict:.3f} s")
    print(f"baseline (sklearn defaults, concatenated matrix): {baseline:.2f} s")
    print(f"ratio baseline / thresher: {baseline / ours:.2f}x")


def quality() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score

    def predict(train: PairFeatures, y, test: PairFeatures, kind: str, c: float):
        if kind == "lr":
            learned_model.C = c
            weights, intercept = learned_model._fit_arrays(train.matrix(), y.astype(int))
            return test.matrix() @ weights + intercept
        model = HistGradientBoostingClassifier(random_state=0).fit(train.matrix(), y)
        return model.predict_proba(test.matrix())[:, 1]

    chosen = learned_model.C
    kinds = [("lr", 0.01), ("lr", chosen), ("lr", 1.0), ("hgb", 0.0)]
    rng = np.random.default_rng(0)
    prompts, responses, keep = altered_gsm8k(2000, rng)
    f = features_of(prompts, responses)
    order = rng.permutation(len(f))
    train, test = order[:200], order[200:]
    for kind, c in kinds:
        s = predict(f.take(train), keep[train], f.take(test), kind, c)
        print(
            f"gsm8k altered answers, 200 labelled: {kind} C={c:g}: held-out AUC "
            f"{roc_auc_score(keep[test], s):.3f}"
        )
    with gzip.open(DATA / "hh_rlhf_harmless_base_test.jsonl.gz", "rt") as handle:
        pairs = [json.loads(line) for line in handle]

    def split(d):
        at = d.rfind("\n\nAssistant:")
        return d[:at].strip(), d[at + len("\n\nAssistant:") :].strip()

    chosen_pairs = [split(p["chosen"]) for p in pairs]
    rejected_pairs = [split(p["rejected"]) for p in pairs]
    fc = features_of([p for p, _ in chosen_pairs], [r for _, r in chosen_pairs])
    fr = features_of([p for p, _ in rejected_pairs], [r for _, r in rejected_pairs])
    order = rng.permutation(len(pairs))
    for labelled in (200, 500):
        tr, te = order[: labelled // 2], order[labelled // 2 :]
        train = concat([fc.take(tr), fr.take(tr)])
        y = np.r_[np.ones(len(tr), bool), np.zeros(len(tr), bool)]
        for kind, c in kinds:
            sc = predict(train, y, fc.take(te), kind, c)
            sr = predict(train, y, fr.take(te), kind, c)
            auc = roc_auc_score(np.r_[np.ones(len(te)), np.zeros(len(te))], np.r_[sc, sr])
            print(
                f"hh-rlhf chosen vs rejected, {labelled} labelled rows: {kind} C={c:g}: "
                f"held-out AUC {auc:.3f}, pairwise accuracy {np.mean(sc > sr):.3f}"
            )
    learned_model.C = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=1000)
    parser.add_argument("--quality", action="store_true")
    args = parser.parse_args()
    if args.quality:
        quality()
    else:
        timing(args.rows, args.decisions)


if __name__ == "__main__":
    main()
