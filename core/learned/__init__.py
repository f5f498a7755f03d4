"""Learning from the curator's decisions: a keep-probability scorer trained on manual decisions.

A curator's manual keeps and drops (never the rule's automatic decisions) label rows; a linear
classifier over sentence embeddings of prompt and response, lengths and the other scores learns
from them and scores the rest. See :mod:`core.learned.model` for the classifier and why it was
chosen, :mod:`core.learned.train` for the run, :mod:`core.learned.storage` for how it is kept.
"""
