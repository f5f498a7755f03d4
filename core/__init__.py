"""Thresher's headless core: loading, scoring, deduplication, curation and export.

Nothing under ``core`` imports Qt; the GUI and the command line are thin layers over it.
"""
