"""The simulator dock: the AlpaGasus-style keep/drop trade-off of core.simulator."""
