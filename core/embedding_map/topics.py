"""Topics: regions of the map, each named by its most distinctive words (class-based TF-IDF).

The map is clustered with k-means in 2-D (the regions a curator sees are what get names), and a
topic's words are those frequent in it and rare elsewhere: c-TF-IDF as in BERTopic,
``tf(t, c) * log(1 + A / f(t))`` with ``A`` the average words per topic and ``f(t)`` the term's
frequency over all topics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Rows k-means is fitted on; the rest are assigned to the nearest centre.
KMEANS_SAMPLE = 100_000
#: Texts per topic read to find its words.
WORDS_SAMPLE = 2_000
LABEL_WORDS = 3


def topic_count(rows: int) -> int:
    """About one topic per 200 rows, between 2 and 24: enough islands, few enough to read."""
    return int(np.clip(round(rows / 200), 2, 24)) if rows >= 2 else 1


def cluster_map(xy: np.ndarray, seed: int = 0, k: int | None = None) -> np.ndarray:
    """A topic number per row (int32), by k-means on the 2-D coordinates."""
    n = len(xy)
    rng = np.random.default_rng(seed)
    sample = xy if n <= KMEANS_SAMPLE else xy[rng.choice(n, KMEANS_SAMPLE, replace=False)]
    # Never more topics than distinct places (copies of one text share a point).
    k = min(k or topic_count(n), len(np.unique(sample, axis=0)))
    if k <= 1:
        return np.zeros(n, np.int32)
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(sample)
    # Numbered 0.. without gaps, whatever centres ended up empty.
    return np.unique(model.predict(xy), return_inverse=True)[1].astype(np.int32)


def topic_labels(texts: Sequence[str], topics: np.ndarray, seed: int = 0) -> tuple[str, ...]:
    """Each topic's most distinctive words, joined (``"money · many · total"``)."""
    count = int(topics.max()) + 1 if len(topics) else 0
    if count == 0:
        return ()
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(seed)
    documents, owners = [], []
    for topic in range(count):
        rows = np.flatnonzero(topics == topic)
        if len(rows) > WORDS_SAMPLE:
            rows = rng.choice(rows, WORDS_SAMPLE, replace=False)
        documents.append(" ".join(texts[int(r)] for r in rows))
        owners.append(topic)
    vectorizer = CountVectorizer(
        stop_words="english",
        lowercase=True,
        token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
        max_features=50_000,
    )
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(np.float64)
    except ValueError:  # no words at all (numbers, symbols, empty prompts)
        return tuple(f"topic {t + 1}" for t in range(count))
    words = vectorizer.get_feature_names_out()
    per_topic = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(per_topic, 1)
    average = per_topic.mean()
    idf = np.log1p(average / np.maximum(counts.sum(axis=0), 1))
    weights = tf * idf
    labels = []
    for topic in range(count):
        best = np.argsort(-weights[topic], kind="stable")[:LABEL_WORDS]
        chosen = [str(words[i]) for i in best if weights[topic, i] > 0]
        labels.append(" · ".join(chosen) or f"topic {topic + 1}")
    return tuple(labels)
