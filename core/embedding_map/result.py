"""A finished map: one (x, y) and one topic per row, the topics' labels, what made it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.embedding_map.config import MapConfig


@dataclass(frozen=True, eq=False)
class MapResult:
    """``xy`` is float32 (rows, 2); ``topics`` int32 per row, indexing ``labels``."""

    settings: MapConfig
    source_sha256: str
    xy: np.ndarray
    topics: np.ndarray
    labels: tuple[str, ...]
    method: str  # what placed the points: "pca" for a preview or a tiny file
    fitted_rows: int  # rows the projection was fitted on (the rest placed out of sample)
    reused_vectors: int  # rows whose embedding came from the project's semantic run
    seconds: float

    @property
    def rows(self) -> int:
        """How many rows the map places."""
        return len(self.xy)

    def frame(self) -> pd.DataFrame:
        """The per-row table the command line writes: row, x, y, topic, topic_label."""
        labels = np.array(self.labels, dtype=object) if self.labels else np.array([""], object)
        return pd.DataFrame(
            {
                "row": np.arange(self.rows, dtype=np.int64),
                "x": self.xy[:, 0],
                "y": self.xy[:, 1],
                "topic": self.topics.astype(np.int32),
                "topic_label": labels[np.clip(self.topics, 0, len(labels) - 1)],
            }
        )

    def summary(self) -> dict:
        """The ``--json`` form: sizes, method and each topic's label and size."""
        counts: np.ndarray | list[int] = (
            np.bincount(self.topics, minlength=len(self.labels)) if self.rows else []
        )
        return {
            "records": self.rows,
            "method": self.method,
            "on": self.settings.on,
            "fitted_rows": self.fitted_rows,
            "reused_vectors": self.reused_vectors,
            "seconds": round(self.seconds, 3),
            "topics": [
                {"topic": i, "label": label, "rows": int(counts[i])}
                for i, label in enumerate(self.labels)
            ],
        }
