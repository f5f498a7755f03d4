"""The overlap dock: checks against reference files (core.overlap) and their per-level summary."""
