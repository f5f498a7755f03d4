"""The embedding map: every record as a point in 2-D, placed by its sentence embedding.

Qt-free: :func:`core.embedding_map.run.compute_map` is a generator the app drives on a worker
thread (progress, a PCA preview, cancel by closing it) and the command line drives in a loop.
"""

from core.embedding_map.config import METHODS, MapConfig, MapSettingsError
from core.embedding_map.result import MapResult

__all__ = ["METHODS", "MapConfig", "MapResult", "MapSettingsError"]
