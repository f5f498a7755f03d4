"""Bundled resources (sample dataset, icons), read through ``importlib.resources``."""
