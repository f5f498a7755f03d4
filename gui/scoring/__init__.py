"""The scoring dock: choosing a scorer, running it off the GUI thread and downloading models."""
