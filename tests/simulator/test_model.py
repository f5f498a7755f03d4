"""The seed's claims about quality, quantity and duplication, as properties of the model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.simulator.model import (
    Point,
    SimulatorError,
    elasticity,
    estimate,
    iso_noise,
    performance,
    size_for,
    sweet_spot,
)
from core.simulator.presets import PRESETS

SIZES = np.logspace(2, 7, 41)
NOISES = np.linspace(0, 0.9, 19)


def test_performance_is_a_fraction_everywhere() -> None:
    grid = performance(
        SIZES[:, None, None], NOISES[None, :, None], np.linspace(0, 1, 11)[None, None, :]
    )
    assert np.all((grid >= 0) & (grid <= 1))


def test_more_data_always_helps_but_with_diminishing_returns() -> None:
    for noise in (0.0, 0.1, 0.4):
        values = performance(SIZES, noise)
        gains = np.diff(values)
        assert np.all(gains > 0)
        # Equal steps in log size buy less and less.
        assert np.all(np.diff(gains) < 0)


@pytest.mark.parametrize("size", [300, 1_000, 3_000, 10_000, 100_000])
def test_ten_times_more_data_gains_much_less_when_noise_is_high(size: float) -> None:
    def gain(noise: float) -> float:
        return float(performance(10 * size, noise) - performance(size, noise))

    assert gain(0.5) < 0.5 * gain(0.05)
    assert gain(0.3) < gain(0.1) < gain(0.0)


@pytest.mark.parametrize(
    ("size", "noise"), [(1_000, 0.0), (9_000, 0.05), (50_000, 0.2), (500_000, 0.4)]
)
def test_a_little_duplication_helps_and_peaks_between_15_and_35_percent(size, noise) -> None:
    rho = np.linspace(0, 1, 1001)
    values = performance(size, noise, rho)
    peak = rho[np.argmax(values)]
    assert 0.15 <= peak <= 0.35
    assert 0.15 <= sweet_spot() <= 0.35
    gain = values.max() / values[0] - 1
    assert 0 < gain < 0.05  # slightly better, not a free lunch


@pytest.mark.parametrize(("size", "noise"), [(1_000, 0.0), (9_000, 0.05), (50_000, 0.2)])
def test_full_duplication_loses_about_forty_percent(size, noise) -> None:
    loss = 1 - float(performance(size, noise, 1.0) / performance(size, noise, 0.0))
    assert 0.35 <= loss <= 0.45


def test_alpagasus_beats_alpaca_and_lima_comes_close() -> None:
    alpaca, gasus, lima = (
        estimate(PRESETS[k].point).performance for k in ("alpaca", "alpagasus", "lima")
    )
    assert gasus > alpaca + 0.1  # 9k clean beats 52k noisy, clearly
    assert lima > alpaca
    assert lima >= 0.9 * gasus  # 1k very clean comes close to the 9k set
    assert lima < gasus


def test_repeated_copies_are_worth_less_than_new_rows() -> None:
    few_copies = estimate(Point(10_000, 0.05, 0.5, copies=2))
    many_copies = estimate(Point(10_000, 0.05, 0.5, copies=200))
    assert many_copies.unique < few_copies.unique < 10_000
    assert many_copies.effective_size < few_copies.effective_size <= 10_000
    assert many_copies.performance < few_copies.performance


def test_the_iso_curve_holds_performance_constant() -> None:
    target = float(performance(9_000, 0.05))
    sizes = np.logspace(3, 7, 30)
    noise = iso_noise(target, sizes)
    reachable = np.isfinite(noise)
    assert reachable.sum() > 20 and not reachable[0]  # 1,000 rows cannot reach it
    np.testing.assert_allclose(performance(sizes[reachable], noise[reachable]), target, rtol=1e-9)
    assert np.all(np.diff(noise[reachable]) > 0)  # more data tolerates more noise


def test_elasticity_is_the_slope_of_the_iso_curve() -> None:
    size, noise = 5_000.0, 0.1
    target = float(performance(size, noise))
    step = 1e-4
    bigger = size_for(target, noise * (1 + step))
    numeric = (bigger / size - 1) / step
    assert elasticity(size, noise) == pytest.approx(numeric, rel=1e-2)
    # Large and clean: the quiz-5 closed form β·B·η^β / (α·A·D^−α) with β = 1, B = κ.
    size, noise = 1e7, 0.01
    quiz = 1.5 * noise / (0.7 * (50 / size) ** 0.7)
    assert elasticity(size, noise) == pytest.approx(quiz, rel=0.02)


def test_size_for_round_trips_and_knows_the_unreachable() -> None:
    target = float(performance(2_000, 0.2, 0.1))
    assert size_for(target, 0.2, 0.1) == pytest.approx(2_000, rel=1e-6)
    assert math.isinf(size_for(0.99, 0.2))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(size=0, noise=0.1),
        dict(size=10, noise=1.5),
        dict(size=10, noise=0.1, duplication=-0.1),
        dict(size=10, noise=0.1, copies=1),
    ],
)
def test_out_of_range_inputs_are_refused(kwargs) -> None:
    with pytest.raises(SimulatorError):
        Point(**kwargs)
