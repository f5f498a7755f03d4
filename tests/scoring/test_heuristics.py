"""Offline signals on real text: planted junk is caught, real answers are left alone."""

from __future__ import annotations

import numpy as np
import orjson

from core.scoring.heuristics import (
    HEURISTIC_THRESHOLD,
    compute_signals,
    echo_ratio,
    garbage_ratio,
    heuristic_score,
    repetition_ratio,
)


def gsm8k(shared_data):
    records = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())
    return [r["instruction"] for r in records], [r["output"] for r in records]


def test_real_gsm8k_answers_are_neither_refusals_nor_garbage_nor_empty(shared_data):
    prompts, responses = gsm8k(shared_data)
    signals = compute_signals(prompts, responses)
    assert signals.refusal.sum() == 0
    assert signals.near_empty.sum() == 0
    assert (signals.garbage > 0.2).sum() == 0
    assert (signals.echo > 0.8).sum() == 0
    assert np.median(signals.score) > 0.75
    assert (signals.score >= HEURISTIC_THRESHOLD).mean() > 0.97


def test_the_planted_problems_in_the_sample_are_flagged(sample):
    signals = compute_signals(sample.prompts, sample.responses)
    by_prompt = {p: i for i, p in enumerate(sample.prompts)}
    for garbage in ("asdfasdfasdf", "qwertyuiop qwertyuiop", "jjjjjjjjjjjjjjjj", "??? !!! ???"):
        assert signals.garbage[by_prompt[garbage]] == 1.0, garbage
    refusals = [i for i, r in enumerate(sample.responses) if "As an AI language model" in r]
    assert refusals and signals.refusal[refusals].all()
    empties = [i for i, r in enumerate(sample.responses) if r.strip() in ("", "ok", "42", "No")]
    assert empties and signals.near_empty[empties].all()
    planted = sorted(set(refusals + empties + [by_prompt["asdfasdfasdf"]]))
    assert (signals.score[planted] < HEURISTIC_THRESHOLD).all()


def test_the_seed_examples_rank_as_the_seed_expects():
    prompts = ["Explain the concept of backpropagation.",
               "Write a python script to reverse a string.", "asdfasdfasdf"]
    responses = [
        "Backpropagation computes the gradient of the loss with respect to every weight by "
        "applying the chain rule backwards through the network, layer by layer, so that "
        "gradient descent can update the weights to reduce the error on the training data.",
        "You can reverse a string in Python with slicing: def reverse(s): return s[::-1] "
        "which walks the string from the end to the start and builds the reversed copy.",
        "qwerty"]
    scores = compute_signals(prompts, responses).score
    assert scores[0] >= HEURISTIC_THRESHOLD and scores[1] >= HEURISTIC_THRESHOLD
    assert scores[2] < 0.1


def test_each_signal_measures_what_its_name_says():
    assert repetition_ratio(["the", "cat", "sat", "the", "cat", "sat", "the", "cat", "sat"]) > 0.5
    assert repetition_ratio(["one", "two", "three", "four", "five", "six"]) == 0.0
    question = ["what", "is", "the", "capital", "city", "of", "france"]
    assert echo_ratio(question, question) == 1.0
    answer = ["paris", "has", "been", "the", "capital", "city", "of", "france", "since", "the",
              "middle", "ages"]
    assert echo_ratio(question, answer) < 0.5
    assert echo_ratio(["is", "it", "positive", "or", "negative"], ["negative"]) == 0.0
    assert garbage_ratio("property and liberty in rhythm") == 0.0
    assert garbage_ratio("lorem ipsum dolor sit amet") == 1.0


def test_the_heuristic_score_is_bounded_and_penalises_each_problem():
    good = heuristic_score(60, 0.0, 0.0, False, 0.0)
    assert good == 1.0 and heuristic_score(0, 0.0, 0.0, False, 0.0) == 0.0
    for worse in (heuristic_score(60, 0.5, 0.0, False, 0.0), heuristic_score(60, 0.0, 0.5, False,
                  0.0), heuristic_score(60, 0.0, 0.0, True, 0.0),
                  heuristic_score(60, 0.0, 0.0, False, 1.0), heuristic_score(5, 0, 0, False, 0)):
        assert 0.0 <= worse < good


def test_precomputed_heuristic_scores_are_the_scores_the_scorer_would_compute(sample):
    import numpy as np

    from core.scoring import HeuristicScorer

    rows = np.arange(len(sample))
    fresh = np.concatenate([b.scores for b in HeuristicScorer().score(sample, rows)])
    known = compute_signals(sample.prompts, sample.responses).score
    reused = np.concatenate([b.scores for b in HeuristicScorer(known).score(sample, rows)])
    np.testing.assert_array_equal(fresh, reused)
