"""What the live plots show, computed without Qt: histogram counts, threshold curves, samples.

The app draws these with pyqtgraph; keeping the numbers here makes them testable headless and
keeps the GUI thread to drawing.
"""
