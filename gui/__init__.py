"""Thresher's Qt front end: a thin layer that runs core work in workers and shows results."""
