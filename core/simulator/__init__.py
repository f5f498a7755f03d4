"""The quality-vs-quantity simulator: a documented model of estimated OOD performance.

:mod:`core.simulator.model` is the model, :mod:`core.simulator.presets` the published
reference points, :mod:`core.simulator.your_data` places a real dataset and its curated
selection on the same axes.
"""

from core.simulator.model import Estimate, Point, SimulatorError, estimate, performance

__all__ = ["Estimate", "Point", "SimulatorError", "estimate", "performance"]
