"""What a map was made from: which text, which embedder, which projection and its sample size.

The settings are the map's cache key in the project: a saved map is reused only for the same
settings and the same version of the source file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import orjson

from core.dedup.embedder_choice import BUNDLED
from core.dedup.normalize import FIELDS
from core.errors import ThresherError

#: ``pca`` is instant but crowds topics together; ``pacmap`` keeps local neighbourhoods and
#: global layout (chosen over UMAP: faster on 2 cores, see the README's numbers).
METHODS = ("pacmap", "pca")
#: Past this many rows the projection is fitted on a sample and the rest placed out of sample.
FIT_SAMPLE = 200_000


class MapSettingsError(ThresherError):
    """A map setting is unusable."""


@dataclass(frozen=True)
class MapConfig:
    """How to build a map."""

    on: str = "prompt"
    method: str = "pacmap"
    embedder: str = BUNDLED
    fit_sample: int = FIT_SAMPLE
    seed: int = 0

    def __post_init__(self) -> None:
        if self.on not in FIELDS:
            raise MapSettingsError(f"unknown text {self.on!r}: choose {', '.join(FIELDS)}")
        if self.method not in METHODS:
            raise MapSettingsError(f"unknown method {self.method!r}: choose {', '.join(METHODS)}")
        if self.fit_sample < 1000:
            raise MapSettingsError(
                f"the fit sample must be at least 1000 rows, not {self.fit_sample}"
            )

    def to_dict(self) -> dict:
        """A JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MapConfig:
        """The settings saved by :meth:`to_dict` (unknown keys ignored)."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def key(self) -> str:
        """A stable text key: the map's row in the project's cache."""
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS).decode()

    def describe(self) -> str:
        """A short phrase for status lines."""
        return (
            f"{self.method.upper() if self.method == 'pca' else 'PaCMAP'} of {self.on} embeddings"
        )
