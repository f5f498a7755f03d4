"""The map cache in the project and the topic invariants, as properties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.embedding_map import MapConfig, MapResult
from core.embedding_map.storage import load_map, save_map
from core.embedding_map.topics import cluster_map, topic_labels
from core.loading import load
from core.project import ProjectStore


def _result(dataset, xy, topics, labels):
    return MapResult(
        MapConfig(), dataset.source_sha256, xy, topics, labels, "pacmap", len(xy), 0, 1.5
    )


def test_a_saved_map_comes_back_only_for_its_settings_and_file(tmp_path):
    source = tmp_path / "d.jsonl"
    source.write_text('{"prompt": "a", "response": "b"}\n{"prompt": "c", "response": "d"}\n')
    dataset = load(source)
    xy = np.array([[0.5, 1.0], [2.0, -3.0]], np.float32)
    with ProjectStore(tmp_path / "p.thresher") as store:
        save_map(store, _result(dataset, xy, np.array([0, 1], np.int32), ("x y", "z")))
        back = load_map(store, dataset, MapConfig())
        assert back is not None and np.array_equal(back.xy, xy)
        assert back.labels == ("x y", "z") and back.topics.tolist() == [0, 1]
        assert load_map(store, dataset, MapConfig(on="response")) is None
        assert load_map(store, dataset).settings == MapConfig()  # newest, any settings
    source.write_text('{"prompt": "a", "response": "b"}\n{"prompt": "c", "response": "e"}\n')
    with ProjectStore(tmp_path / "p.thresher") as store:
        assert load_map(store, load(source), MapConfig()) is None


words = st.sampled_from(["apple", "river", "code", "python", "money", "sum", "poem", "rhyme"])


@settings(max_examples=25, deadline=None)
@given(
    points=st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=1, max_size=60),
    texts=st.lists(st.lists(words, min_size=0, max_size=5).map(" ".join), min_size=60, max_size=60),
)
def test_every_row_gets_a_topic_and_every_topic_a_label(points, texts):
    xy = np.array(points, np.float32)
    topics = cluster_map(xy, k=min(4, len(xy)))
    assert topics.shape == (len(xy),) and topics.min() >= 0
    labels = topic_labels(texts[: len(xy)], topics)
    assert len(labels) == topics.max() + 1
    for topic, label in enumerate(labels):
        rows = np.flatnonzero(topics == topic)
        present = set(" ".join(texts[r] for r in rows).split())
        # A label names words of its own rows, or says it has none.
        assert set(label.split(" · ")) <= present or label == f"topic {topic + 1}"


def test_settings_reject_unknown_text_and_method():
    import pytest

    from core.embedding_map import MapSettingsError

    with pytest.raises(MapSettingsError, match="unknown text"):
        MapConfig(on="title")
    with pytest.raises(MapSettingsError, match="unknown method"):
        MapConfig(method="tsne")
    assert MapConfig.from_dict(MapConfig(on="pair").to_dict()) == MapConfig(on="pair")
