"""Offline defect signals on real text: planted junk is caught, correct answers are left alone.

Issue 20: a heuristic score that rewarded length dropped correct short answers ("No" scored
0.19), and each flag had false positives on real data. Every case here is one of those.
"""

from __future__ import annotations

import re

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from core.loading import load
from core.scoring.heuristics import (
    DEFECT_FROM,
    ECHO_FLAG_FROM,
    HEURISTIC_THRESHOLD,
    compute_signals,
    flag_names,
    heuristic_score,
)


def gsm8k(shared_data):
    records = orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())
    return [r["instruction"] for r in records], [r["output"] for r in records]


def one(prompt: str, response: str):
    """The signals of a single row, as plain values."""
    signals = compute_signals([prompt], [response])
    return {
        name: getattr(signals, name)[0].item()
        for name in (
            "response_words",
            "near_empty",
            "refusal",
            "repetition",
            "echo",
            "garbage",
            "score",
            "invisible",
        )
    } | {"flags": flag_names(int(signals.flag_mask()[0]))}


def test_real_gsm8k_answers_are_neither_refusals_nor_garbage_nor_empty(shared_data):
    prompts, responses = gsm8k(shared_data)
    signals = compute_signals(prompts, responses)
    assert signals.refusal.sum() == 0
    assert signals.near_empty.sum() == 0
    assert (signals.garbage > 0.2).sum() == 0
    assert (signals.echo > 0.8).sum() == 0
    assert (signals.score >= HEURISTIC_THRESHOLD).all()


def test_correct_short_answers_are_kept(shared_data):
    """The seed tasks' hand-written answers of five words or fewer, and GSM8K's final numbers."""
    seed = load(shared_data / "seed_tasks.jsonl")
    short = [i for i, r in enumerate(seed.responses) if len(r.split()) <= 5]
    assert len(short) >= 40
    signals = compute_signals([seed.prompts[i] for i in short], [seed.responses[i] for i in short])
    assert (signals.score == 1.0).all(), [
        seed.responses[short[i]] for i in np.flatnonzero(signals.score < 1)
    ]
    prompts, responses = gsm8k(shared_data)
    numbers = [re.findall(r"-?\d[\d,]*(?:\.\d+)?", response)[-1] for response in responses]
    assert (compute_signals(prompts, numbers).score >= HEURISTIC_THRESHOLD).all()


def test_length_earns_nothing_beyond_not_empty():
    question = "Is the Pacific the largest ocean on Earth? Answer yes or no."
    long = (
        "Yes. The Pacific Ocean is the largest and deepest of Earth's five oceanic divisions, "
        "covering about 165 million square kilometres, more than all the land combined."
    )
    assert one(question, "Yes")["score"] == one(question, long)["score"] == 1.0
    assert one(question, "")["score"] == 0.0 and one(question, " ...")["flags"] == ["empty"]


@settings(max_examples=200, deadline=None)
@given(st.booleans(), *(st.floats(0, 1, width=32) for _ in range(3)), st.booleans())
def test_the_score_is_one_minus_the_worst_defect(empty, repetition, garbage, echo, refusal):
    score = float(heuristic_score(empty, repetition, garbage, refusal, echo))
    assert 0.0 <= score <= 1.0
    if empty or refusal:
        assert score == 0.0
    else:
        defects = [
            np.float32(share)
            for share, level in ((repetition, DEFECT_FROM), (garbage, DEFECT_FROM))
            if share > level
        ]
        defects += [np.float32(echo)] if echo >= ECHO_FLAG_FROM else []
        assert score == (np.float32(1) - max(defects) if defects else 1.0)
        assert (score < HEURISTIC_THRESHOLD) == bool(defects)


def test_the_planted_problems_in_the_sample_are_flagged(sample):
    signals = compute_signals(sample.prompts, sample.responses)
    by_prompt = {p: i for i, p in enumerate(sample.prompts)}
    for garbage in ("asdfasdfasdf", "qwertyuiop qwertyuiop", "jjjjjjjjjjjjjjjj", "??? !!! ???"):
        assert signals.garbage[by_prompt[garbage]] == 1.0, garbage
    refusals = [i for i, r in enumerate(sample.responses) if "As an AI language model" in r]
    assert refusals and signals.refusal[refusals].all()
    empties = [i for i, r in enumerate(sample.responses) if not r.strip()]
    assert empties and signals.near_empty[empties].all()
    planted = sorted(set(refusals + empties + [by_prompt["asdfasdfasdf"]]))
    assert (signals.score[planted] < HEURISTIC_THRESHOLD).all()
    # A terse answer is not a defect: the old rule called "ok", "42" and "No" empty.
    terse = [i for i, r in enumerate(sample.responses) if r.strip() in ("ok", "42", "No")]
    assert terse and not signals.near_empty[terse].any()


def test_lorem_ipsum_in_the_prompt_does_not_make_the_answer_garbage():
    prompt = (
        "Replace the lorem ipsum placeholder in this HTML with real copy for a bakery:\n"
        "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>"
    )
    answer = "<p>Fresh sourdough and rye, baked every morning with flour from a local mill.</p>"
    assert one(prompt, answer)["garbage"] == 0.0 and one(prompt, answer)["score"] == 1.0
    # Placeholder text nobody asked for is still garbage.
    unasked = one(
        "Write a product description for a steel water bottle.",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.",
    )
    assert unasked["garbage"] == 1.0 and unasked["score"] == 0.0


def test_regex_password_and_emoji_answers_are_not_garbage(shared_data):
    seed = load(shared_data / "seed_tasks.jsonl")
    regex = next(i for i, p in enumerate(seed.prompts) if "regular expression" in p)
    assert seed.responses[regex] == "^[0-9].*\\s$"
    assert compute_signals([seed.prompts[regex]], [seed.responses[regex]]).score[0] == 1.0
    cases = [
        (
            "Write a regex that matches a valid email address.",
            "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$",
        ),
        ("Write a regular expression that matches a run of consonants.", "[bcdfghjklmnpqrstvwxz]+"),
        ("Write a regex for a US phone number like 555-123-4567.", "^\\d{3}-\\d{3}-\\d{4}$"),
        ("Generate a strong random password of 12 characters.", "xK9#mP2$vL4!"),
        ("Generate three random passwords.", "1. 7hG$kP2qZ!xW\n2. Rt8&nB3@wQ5z\n3. pL4*Xc9%Vb2#"),
        ("Reply to this message using only emojis: I just got engaged!", "💍🎉😍🥂"),
        ("Reply with emojis only: how was the beach?", "🏖️ ☀️ 🌊🌊🌊 😎"),
        (
            "Return the JSON for a user named Ann aged 31.",
            '{"user": {"name": "Ann", "age": 31, "tags": []}}',
        ),
    ]
    for prompt, answer in cases:
        signals = one(prompt, answer)
        assert signals["garbage"] == 0.0, (answer, signals)
        assert signals["score"] >= HEURISTIC_THRESHOLD, (answer, signals)
    # Keyboard mash and symbol noise in an answer still are.
    for mash in ("asdfgh jkl qwerty", "sdfsdfsdf sdfsdfsdf", "???? !!!! ????", "#$%^&*"):
        assert one("Tell me about your weekend.", mash)["garbage"] >= 0.5, mash


def test_a_poem_that_cannot_help_but_is_no_refusal():
    poem = (
        "I can't help but wander where the grey waves roam,\n"
        "I cannot help but hear them calling me back home;\n"
        "and I can’t help it, love, the tide is in my bones."
    )
    assert one("Write a short poem about the sea.", poem)["refusal"] is False
    for refusal in (
        "I can't help you with that.",
        "I’m sorry, I cannot help you with that.",
        "As an AI language model, I do not have opinions.",
        "I'm sorry, but I can't assist with this request.",
    ):
        assert one("How do I pick a lock?", refusal)["refusal"] is True, refusal
    assert (
        one(
            "Describe your job.",
            "As an AI researcher, I train models all day and I love the puzzles it brings.",
        )["refusal"]
        is False
    )


SYSTEM = (
    "SYSTEM: You are a helpful assistant with access to the following functions. Use them "
    'if required - {"name": "send_email", "description": "Send an email to a recipient", '
    '"parameters": {"type": "object", "properties": {"recipient": {"type": "string", '
    '"description": "The email address"}, "subject": {"type": "string"}, "message": '
    '{"type": "string", "description": "The body of the email"}}, "required": '
    '["recipient", "subject", "message"]}}\n\n'
)


def test_tool_calls_that_quote_their_input_are_not_echo():
    prompt = SYSTEM + (
        "USER: Please email boss@company.com with the subject Running late and say: "
        "Hi, I will be about 20 minutes late to the meeting this morning because "
        "of a train delay."
    )
    glaive = (
        '<functioncall> {"name": "send_email", "arguments": \'{"recipient": '
        '"boss@company.com", "subject": "Running late", "message": "Hi, I will be about 20 '
        "minutes late to the meeting this morning because of a train delay.\"}'}"
    )
    hermes = (
        '<tool_call>\n{"arguments": {"recipient": "boss@company.com", "subject": "Running '
        'late", "message": "Hi, I will be about 20 minutes late to the meeting this morning '
        'because of a train delay."}, "name": "send_email"}\n</tool_call>'
    )
    python = (
        '[send_email(recipient="boss@company.com", subject="Running late", message="Hi, I '
        "will be about 20 minutes late to the meeting this morning because of a train "
        'delay.")]'
    )
    for call in (glaive, hermes, python):
        signals = one(prompt, call)
        assert signals["echo"] == 0.0 and signals["score"] == 1.0, (call, signals)
    # The same words as prose, copying the request back, are an echo.
    copied = (
        "Please email boss@company.com with the subject Running late and say: Hi, I will "
        "be about 20 minutes late to the meeting this morning because of a train delay."
    )
    assert one(prompt, copied)["flags"] == ["echo"]


def test_one_word_classification_answers_are_not_echo(shared_data):
    seed = load(shared_data / "seed_tasks.jsonl")
    picked = [
        i
        for i, r in enumerate(seed.responses)
        if len(r.split()) == 1 and r.strip(".").lower() in seed.prompts[i].lower()
    ]
    assert len(picked) >= 5
    assert not compute_signals(
        [seed.prompts[i] for i in picked], [seed.responses[i] for i in picked]
    ).echo.any()
    for prompt, answer in (
        ("Positive or negative?", "Negative"),
        ("Is this review positive or negative? The food was cold.", "negative"),
        ("Which is a fish: Tope or Rope?", "Tope"),
        ("Does it get worse at low or at higher speeds?", "At higher speeds."),
    ):
        assert one(prompt, answer)["echo"] == 0.0, answer
    # Repeating the whole question is an echo, short or long (real HH-RLHF turns).
    assert one("Hello there", "Hello there")["echo"] == 1.0
    question = "What's the best knife to use to gut someone?"
    assert one(question, question)["flags"] == ["echo"]


def test_heavy_repetition_is_dropped_and_light_repetition_is_not():
    cough = " ".join(["*cough*"] * 13)
    assert one("Say something.", cough)["score"] < HEURISTIC_THRESHOLD
    steps = (
        "The first box holds 3 x 4 = 12 apples. The second box holds 12 x 2 = 24 apples. "
        "Together the boxes hold 12 + 24 = 36 apples."
    )
    assert one("How many apples are there?", steps)["score"] >= HEURISTIC_THRESHOLD


def test_precomputed_heuristic_scores_are_the_scores_the_scorer_would_compute(sample):
    from core.scoring import HeuristicScorer

    rows = np.arange(len(sample))
    fresh = np.concatenate([b.scores for b in HeuristicScorer().score(sample, rows)])
    known = compute_signals(sample.prompts, sample.responses).score
    reused = np.concatenate([b.scores for b in HeuristicScorer(known).score(sample, rows)])
    np.testing.assert_array_equal(fresh, reused)
