"""Cluster fixtures: the causal LMs the judge and IFD tests build, for their Ray runs."""

from __future__ import annotations

from tests.ifd.conftest import tiny_llama  # noqa: F401  (a tiny causal LM with a chat template)
from tests.judge.conftest import rating_judge, smollm2_gguf  # noqa: F401
