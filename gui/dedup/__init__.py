"""The duplicates dock: run settings, cluster view, calibration and Find similar over core.dedup."""
