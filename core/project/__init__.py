"""The project store: one SQLite file per dataset holding everything a curator's work produced."""

from core.project.paths import project_path_for
from core.project.store import ProjectStore

__all__ = ["ProjectStore", "project_path_for"]
