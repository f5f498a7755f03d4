"""The quality-vs-quantity model: estimated OOD performance from size, noise and duplication.

The seed's simulator lost its formulas; this is the model Thresher puts behind it. It is a
neural scaling law with a noise term, written as an *error* that adds up three parts:

    E(D, η, ρ) = −ln P = E_data(D_eff) + E_noise(η) + E_dup(ρ)

    E_data  = −ln(1 − (1 + D_eff/D_c)^−α)  →  A·D_eff^−α  for D_eff ≫ D_c  (A = D_c^α)
    E_noise = −κ·ln(1 − η)                 →  κ·η         for small η     (B = κ, β = 1)
    E_dup   = −ln(m(ρ) / max m),   m(ρ) = 1 + b·ρ − c·ρ³

so P = e^−E lies in 0..1: 1 is what clean, unlimited, duplicate-free data would give. For
large sets and low noise E reduces to the seed's quiz-5 form E ≈ A·D^−α + B·η^β, and the
trade-off elasticity is the quiz's answer (see :func:`elasticity`).

Inputs:

- ``size`` D: rows in the SFT set, copies included.
- ``noise`` η: the share of rows whose response is wrong, off-topic or low quality.
- ``duplication`` ρ: the share of rows that have at least one copy in the set (what
  Thresher's duplicate finder marks as clustered); ``copies`` k: rows per duplicated example.

Where each part comes from:

- *Data.* A saturating power law (Hestness et al. 2017, "Deep learning scaling is predictable,
  empirically"; Kaplan et al. 2020). Alignment saturates early: LIMA (Zhou et al. 2023) found
  that 1,000 curated examples align a 65B model and that more data of the same kind adds little,
  so α and D_c put most of the gain below ~10k examples.
- *Effective size.* Repeated examples are worth less than new ones. D_eff follows the
  data-constrained scaling law of Muennighoff et al. 2023 ("Scaling Data-Constrained Language
  Models"): U unique examples seen R times are worth U·(1 + R*·(1 − e^−(R−1)/R*)), R* ≈ 15.
- *Noise.* A model imitates its training distribution, so wrong answers are learned as well as
  right ones: noise caps what any amount of data can reach, and the cap multiplies the data
  term. That is why 10x more data gains much less when noise is high (the seed's "diminishing
  returns if the noise level is high"), and why AlpaGasus (Chen et al. 2023: 9k GPT-4-filtered
  Alpaca examples beat all 52k) comes out ahead. κ > 1 because noisy examples do not merely
  dilute the signal, they contradict it (the seed's "conflicting gradient updates").
- *Duplication.* A little duplication acts as an importance weight (the seed's ~25% sweet
  spot); heavy duplication makes the model memorise copies (Hernandez et al. 2022, "Scaling
  Laws and Interpretability of Learning from Repeated Data"; Lee et al. 2022, "Deduplicating
  Training Data Makes Language Models Better"). m(ρ) is the simplest shape with both: a
  first-order gain b·ρ and a loss growing with the cube of the duplicated share.

The constants are calibrated to the seed's stated effects and the two papers' headline
results (each one is a test in ``tests/simulator``), not fitted to training runs: the model
is for reasoning about trade-offs, and the panel says so.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from core.errors import ThresherError

#: Data term: D_c (examples) and α. Most of the gain lies below ~10k examples (LIMA).
DATA_SCALE = 50.0
DATA_EXPONENT = 0.7
#: Noise term: κ in (1 − η)^κ.
NOISE_EXPONENT = 1.5
#: Duplication term: m(ρ) = 1 + b·ρ − c·ρ³ with m(1)/m(0) = 1 − COLLAPSE.
DUP_GAIN = 0.08
COLLAPSE = 0.40
DUP_LOSS = DUP_GAIN + COLLAPSE
#: Muennighoff et al.'s R*: after ~R* repetitions further copies add almost nothing.
REPEAT_DECAY = 15.0
#: Rows per duplicated example when only the duplicated share is known.
DEFAULT_COPIES = 2.0

_SWEET_SPOT = math.sqrt(DUP_GAIN / (3 * DUP_LOSS))
_PEAK = 1 + DUP_GAIN * _SWEET_SPOT - DUP_LOSS * _SWEET_SPOT**3


class SimulatorError(ThresherError, ValueError):
    """An input is outside the model's domain."""


@dataclass(frozen=True)
class Point:
    """A dataset as the model sees it."""

    size: float
    noise: float
    duplication: float = 0.0
    copies: float = DEFAULT_COPIES

    def __post_init__(self) -> None:
        if not (math.isfinite(self.size) and self.size >= 1):
            raise SimulatorError(f"size must be at least 1 row, not {self.size}")
        if not 0.0 <= self.noise <= 1.0:
            raise SimulatorError(f"noise must be within 0–1, not {self.noise}")
        if not 0.0 <= self.duplication <= 1.0:
            raise SimulatorError(f"duplication must be within 0–1, not {self.duplication}")
        if not (math.isfinite(self.copies) and self.copies >= 2):
            raise SimulatorError(
                f"copies per duplicated example must be at least 2, not {self.copies}"
            )


@dataclass(frozen=True)
class Estimate:
    """The model's answer for one :class:`Point`, with its parts."""

    performance: float  # P in 0..1
    error: float  # −ln P
    effective_size: float  # D_eff
    unique: float  # U
    data_factor: float  # 1 − (1 + D_eff/D_c)^−α
    noise_factor: float  # (1 − η)^κ
    duplication_factor: float  # m(ρ) / max m
    elasticity: float  # (dD/D) / (dη/η) at constant P

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def unique_examples(size, duplication, copies=DEFAULT_COPIES):
    """U: distinct examples when a share ``duplication`` of rows sits in groups of ``copies``."""
    size = np.asarray(size, dtype=float)
    return np.maximum(size * (1 - duplication) + size * duplication / copies, 1.0)


def effective_size(size, duplication=0.0, copies=DEFAULT_COPIES):
    """D_eff: unique examples plus the diminishing worth of their repeats (Muennighoff et al.)."""
    unique = unique_examples(size, duplication, copies)
    repeats = np.asarray(size, dtype=float) / unique - 1
    return unique * (1 + REPEAT_DECAY * (1 - np.exp(-repeats / REPEAT_DECAY)))


def data_factor(effective):
    """How far D_eff examples take the model towards what the data can teach (0..1)."""
    return 1 - (1 + np.asarray(effective, dtype=float) / DATA_SCALE) ** -DATA_EXPONENT


def noise_factor(noise):
    """The ceiling that noise puts on performance: (1 − η)^κ."""
    return (1 - np.asarray(noise, dtype=float)) ** NOISE_EXPONENT


def duplication_factor(duplication):
    """m(ρ) relative to its peak: slightly above m(0) near ρ ≈ 24%, 40% below it at ρ = 1."""
    rho = np.asarray(duplication, dtype=float)
    return (1 + DUP_GAIN * rho - DUP_LOSS * rho**3) / _PEAK


def sweet_spot() -> float:
    """The duplicated share where the model peaks."""
    return _SWEET_SPOT


def performance(size, noise, duplication=0.0, copies=DEFAULT_COPIES):
    """P(D, η, ρ) in 0..1; NumPy-broadcasting over any of the inputs."""
    return (
        data_factor(effective_size(size, duplication, copies))
        * noise_factor(noise)
        * duplication_factor(duplication)
    )


def elasticity(size, noise, duplication=0.0, copies=DEFAULT_COPIES):
    """ε = (dD/D)/(dη/η) along constant P: the relative data increase that offsets noise.

    With E = −ln P: ε = (η·∂E/∂η) / (−D·∂E/∂D). Here η·∂E/∂η = κη/(1 − η) and, since D_eff is
    proportional to D at fixed ρ, −D·∂E/∂D = α·x·(1 + x)^−α−1 / (1 − (1 + x)^−α) with
    x = D_eff/D_c. For large D and small η this is the quiz-5 answer β·B·η^β / (α·A·D^−α).
    """
    x = effective_size(size, duplication, copies) / DATA_SCALE
    noise = np.asarray(noise, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        noise_side = NOISE_EXPONENT * noise / (1 - noise)
        data_side = (
            DATA_EXPONENT * x * (1 + x) ** (-DATA_EXPONENT - 1) / (1 - (1 + x) ** -DATA_EXPONENT)
        )
        return noise_side / data_side


def estimate(point: Point) -> Estimate:
    """Everything the panel and ``simulate --json`` show for one point."""
    effective = float(effective_size(point.size, point.duplication, point.copies))
    parts = (
        float(data_factor(effective)),
        float(noise_factor(point.noise)),
        float(duplication_factor(point.duplication)),
    )
    value = parts[0] * parts[1] * parts[2]
    return Estimate(
        performance=value,
        error=-math.log(value) if value > 0 else math.inf,
        effective_size=effective,
        unique=float(unique_examples(point.size, point.duplication, point.copies)),
        data_factor=parts[0],
        noise_factor=parts[1],
        duplication_factor=parts[2],
        elasticity=float(elasticity(point.size, point.noise, point.duplication, point.copies)),
    )


def iso_noise(target: float, sizes, duplication=0.0, copies=DEFAULT_COPIES) -> np.ndarray:
    """The noise at which each size reaches ``target`` (the Pareto curve in the (D, η) plane).

    NaN where the size cannot reach ``target`` even with clean data.
    """
    reach = data_factor(effective_size(sizes, duplication, copies)) * duplication_factor(
        duplication
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = target / reach
        noise = 1 - ratio ** (1 / NOISE_EXPONENT)
    return np.where((ratio <= 1) & (reach > 0), noise, np.nan)


def size_for(
    target: float, noise: float, duplication: float = 0.0, copies: float = DEFAULT_COPIES
) -> float:
    """The smallest size that reaches ``target`` at this noise; inf if none can."""
    reach = float(noise_factor(noise) * duplication_factor(duplication))
    if not 0 < target < reach:
        return math.inf if target >= reach else 1.0
    # data_factor(D_eff) = target / reach  →  D_eff = D_c·((1 − t)^(−1/α) − 1); D ∝ D_eff.
    needed = DATA_SCALE * ((1 - target / reach) ** (-1 / DATA_EXPONENT) - 1)
    per_row = float(effective_size(1e6, duplication, copies)) / 1e6
    return max(1.0, needed / per_row)
