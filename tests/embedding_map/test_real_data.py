"""On real data, the map separates GSM8K math prompts from the self-instruct seed tasks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from core.embedding_map import MapConfig
from core.embedding_map.run import compute_map
from core.loading import load

#: Words any reader would call arithmetic-word-problem words.
MATH_WORDS = {
    "age",
    "apples",
    "average",
    "bought",
    "buy",
    "cookies",
    "cost",
    "costs",
    "day",
    "days",
    "dollars",
    "each",
    "earns",
    "feet",
    "half",
    "hours",
    "inches",
    "left",
    "many",
    "miles",
    "minutes",
    "money",
    "number",
    "paid",
    "pay",
    "percent",
    "pounds",
    "price",
    "sold",
    "spent",
    "students",
    "times",
    "total",
    "twice",
    "week",
    "weeks",
    "year",
    "years",
}


@pytest.fixture(scope="module")
def mapped(mixed):
    path, is_gsm8k = mixed
    dataset = load(path)
    progress = []
    generator = compute_map(dataset, MapConfig(method="pacmap"), device="cpu")
    try:
        while True:
            progress.append(next(generator))
    except StopIteration as done:
        return dataset, is_gsm8k, done.value, progress


def test_knn_on_the_map_recovers_the_source(mapped):
    _, is_gsm8k, result, _ = mapped
    assert result.method == "pacmap" and result.xy.shape == (len(is_gsm8k), 2)
    predicted = cross_val_predict(KNeighborsClassifier(10), result.xy, is_gsm8k, cv=5)
    # Balanced: the seed tasks are 13% of the rows, so plain accuracy would flatter the map.
    assert balanced_accuracy_score(is_gsm8k, predicted) >= 0.95


def test_the_gsm8k_region_is_named_with_math_words(mapped):
    _, is_gsm8k, result, _ = mapped
    gsm8k_topics = [
        t for t in range(len(result.labels)) if is_gsm8k[result.topics == t].mean() > 0.9
    ]
    other_topics = [
        t for t in range(len(result.labels)) if is_gsm8k[result.topics == t].mean() < 0.1
    ]
    assert gsm8k_topics and other_topics
    for topic in gsm8k_topics:
        words = set(result.labels[topic].split(" · "))
        assert words & MATH_WORDS, result.labels[topic]
    for topic in other_topics:
        assert not set(result.labels[topic].split(" · ")) & MATH_WORDS, result.labels[topic]


def test_a_pca_preview_comes_before_the_real_map(mapped):
    dataset, _, result, progress = mapped
    previews = [p for p in progress if p.preview is not None]
    assert len(previews) == 1 and previews[0].preview.method == "pca"
    assert previews[0].preview.xy.shape == result.xy.shape
    stages = [p.stage for p in progress]
    assert stages.index("map: PCA") < stages.index("map: naming topics")
    assert len(dataset) == result.rows


def test_closing_the_generator_stops_the_work(mixed):
    dataset = load(mixed[0])
    generator = compute_map(
        dataset,
        MapConfig(),
        device="cpu",
        vectors=np.random.default_rng(0).standard_normal((len(dataset), 8)).astype(np.float32),
    )
    first = next(generator)
    generator.close()
    assert first.stage == "map: PCA"
    with pytest.raises(StopIteration):
        next(generator)
