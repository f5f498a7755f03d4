"""Published reference points for the simulator: Alpaca, AlpaGasus and LIMA.

Sizes are the papers'. Noise levels are illustrative readings of what the papers report, not
measurements: AlpaGasus rated a large share of Alpaca's 52k responses below its bar (wrong,
irrelevant or low quality), kept 9k rated highly, and LIMA's 1,000 examples were written or
edited by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.simulator.model import Point


@dataclass(frozen=True)
class Preset:
    """A named point with where it comes from."""

    key: str
    label: str
    point: Point
    source: str


PRESETS = {
    preset.key: preset
    for preset in (
        Preset(
            "alpaca",
            "Alpaca 52k",
            Point(52_002, 0.25, 0.0),
            "Taori et al. 2023: 52k self-instruct pairs from text-davinci-003, unfiltered",
        ),
        Preset(
            "alpagasus",
            "AlpaGasus 9k",
            Point(9_229, 0.05, 0.0),
            "Chen et al. 2023: Alpaca filtered by a GPT-4 judge (score ≥ 4.5); beat all 52k",
        ),
        Preset(
            "lima",
            "LIMA 1k",
            Point(1_000, 0.01, 0.0),
            "Zhou et al. 2023: 1,000 curated pairs; competitive with far larger SFT sets",
        ),
    )
}
