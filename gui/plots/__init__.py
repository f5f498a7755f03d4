"""The plots dock: the score histogram with its draggable cutoff and the length plot."""
