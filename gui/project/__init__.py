"""Views of the project store (core.project): restoring from a backup."""
