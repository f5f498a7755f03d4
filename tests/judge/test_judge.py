"""The local judge: the rating formula, batching, the cache, cancel/resume, unscorable rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.judge.model import JudgeModel, JudgeSetupError, locate_judge, to_left_padding
from core.judge.prompts import (
    PRESETS,
    JudgePromptError,
    load_prompt_file,
    parse_scale,
    render,
    resolve_prompt,
    row_text,
)
from core.judge.rating import expected_rating
from core.judge.scorer import JudgeScorer
from core.project import ProjectStore
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset

RUBRIC = PRESETS["rubric-1-5"]


def load_judge(folder):
    return JudgeModel.load(locate_judge(str(folder)), "cpu", "float32")


def rate(scorer, dataset, rows):
    table = ScoreTable(len(dataset))
    for batch in scorer.score(dataset, np.asarray(rows, dtype=np.int64)):
        table.apply(batch)
    return table


@pytest.fixture(scope="module")
def llama(tiny_judge):
    return load_judge(tiny_judge)


@pytest.mark.parametrize("which", ["tiny_judge", "tiny_qwen_judge"])
def test_rating_is_the_expected_digit_under_plain_transformers_logits(which, request, sample):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = request.getfixturevalue(which)
    scorer = JudgeScorer(load_judge(folder), RUBRIC, min_share=0.0)
    table = rate(scorer, sample, range(6))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    digit_ids = [tokenizer.encode(str(k), add_special_tokens=False)[0] for k in range(1, 6)]
    for i in range(6):
        chat = [
            {
                "role": "user",
                "content": render(
                    RUBRIC, row_text(sample.conversation(i), sample.prompts[i], sample.responses[i])
                ),
            }
        ]
        ids = tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, tokenize=True, return_tensors="pt", return_dict=True
        )["input_ids"]
        with torch.no_grad():
            logits = model(ids).logits[0, -1]
        p = torch.softmax(logits[digit_ids].double(), dim=0).numpy()
        assert table.scores[i] == pytest.approx(float(p @ np.arange(1, 6)), abs=1e-4)
        assert table.entropy[i] == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-4)


def test_batched_ratings_equal_one_row_at_a_time(llama, sample):
    rows = np.arange(24)
    scorer = JudgeScorer(llama, RUBRIC, min_share=0.0)
    batched = rate(scorer, sample, rows)
    assert max(scorer.runner.batch_sizes) > 4
    for i in rows:
        alone = rate(scorer, sample, [i])
        assert alone.scores[i] == pytest.approx(batched.scores[i], abs=1e-4)
        assert alone.entropy[i] == pytest.approx(batched.entropy[i], abs=1e-4)


def test_a_judge_that_does_not_answer_with_a_digit_leaves_rows_unscored_with_the_reason(
    llama, sample
):
    # A random model spreads its next token over ~600 tokens: digits get ~1%, not a rating.
    table = rate(JudgeScorer(llama, RUBRIC), sample, range(5))
    assert table.unscorable[:5].all() and np.isnan(table.scores[:5]).all()
    assert all("does not start with a rating 1-5" in table.reasons[r] for r in range(5))


def test_a_prompt_longer_than_the_judge_reads_is_cut_in_the_response_or_unscorable(llama, sample):
    scorer = JudgeScorer(llama, RUBRIC, max_length=120, min_share=0.0)
    lengths = [
        len(llama.tokenizer(scorer.rendered(scorer.row(sample, i)))["input_ids"])
        for i in range(len(sample))
    ]
    table = rate(scorer, sample, range(len(sample)))
    too_long = np.array(lengths) > 120
    assert too_long.any()
    assert not (table.truncated & table.unscorable).any()
    assert (table.truncated | table.unscorable)[too_long].all()
    assert not (table.truncated | table.unscorable)[~too_long].any()
    for r in np.flatnonzero(table.unscorable):
        assert "judge reads 120" in table.reasons[int(r)]


def test_a_rerun_computes_nothing_and_restores_entropies_and_reasons(tiny_judge, sample, tmp_path):
    settings = ScoreConfig(model=str(tiny_judge), device="cpu", judge_preset="rubric-1-5")
    with ProjectStore(tmp_path / "p.thresher") as store:
        scorer = make_scorer(settings)
        first = ScoreTable(len(sample))
        run = score_dataset(sample, scorer, store)
        for update in run:
            first.apply(update.batch)
        again = ScoreTable(len(sample))
        run = score_dataset(sample, make_scorer(settings, scorer.model), store)
        try:
            while True:
                again.apply(next(run).batch)
        except StopIteration as stop:
            summary = stop.value
    assert summary.computed == 0 and summary.cached == len(sample)
    assert np.array_equal(first.unscorable, again.unscorable)
    assert first.reasons == again.reasons and len(first.reasons) == len(sample)


def test_cancelled_run_resumes_where_it_stopped(tiny_judge, sample, tmp_path):
    judge = load_judge(tiny_judge)
    with ProjectStore(tmp_path / "p.thresher") as store:
        scorer = JudgeScorer(judge, RUBRIC, min_share=0.0, token_budget=600)
        run = score_dataset(sample, scorer, store)
        first = next(run)
        run.close()  # the curator pressed Cancel
        done = len(first.batch.rows)
        assert 0 < done < len(sample)
        table = ScoreTable(len(sample))
        run = score_dataset(
            sample, JudgeScorer(judge, RUBRIC, min_share=0.0, token_budget=600), store
        )
        updates = list(run)
    for update in updates:
        table.apply(update.batch)
    assert updates[0].cached and len(updates[0].batch.rows) == done
    assert sum(len(u.batch.rows) for u in updates[1:]) == len(sample) - done
    fresh = rate(JudgeScorer(judge, RUBRIC, min_share=0.0), sample, range(len(sample)))
    assert np.allclose(table.scores, fresh.scores, atol=1e-4, equal_nan=True)
    assert np.allclose(table.entropy, fresh.entropy, atol=1e-4, equal_nan=True)


def test_each_prompt_and_scale_has_its_own_cache_key(llama):
    keys = {JudgeScorer(llama, p, min_share=0.0).key for p in PRESETS.values()}
    assert len(keys) == len(PRESETS)


def test_a_scale_whose_ratings_are_not_one_token_is_refused(llama, write):
    with pytest.raises(JudgePromptError, match="single digits"):
        parse_scale("1-10")
    prompt = load_prompt_file(write("p.txt", "{prompt}\n{response}\nScore 0-9:"), "0-9")
    assert JudgeScorer(llama, prompt, min_share=0.0).prompt.digits[-1] == "9"
    with pytest.raises(JudgeSetupError, match="no chat template"):
        llama.tokenizer.chat_template, saved = None, llama.tokenizer.chat_template
        try:
            JudgeScorer(llama, RUBRIC)
        finally:
            llama.tokenizer.chat_template = saved


def test_custom_prompts_fill_placeholders_literally_and_need_the_answer(write, sample):
    prompt = load_prompt_file(
        write("p.txt", "I: {instruction}\nIn: {input}\nR: {response}\n{not_a_placeholder} {0}"),
        "1-5",
    )
    text = render(prompt, row_text([], "Use {braces}?", "yes {0} {response}"))
    assert text == "I: Use {braces}?\nIn: \nR: yes {0} {response}\n{not_a_placeholder} {0}"
    with pytest.raises(JudgePromptError, match="never shows the answer"):
        load_prompt_file(write("q.txt", "Rate {prompt}"), "1-5")
    with pytest.raises(JudgePromptError, match="needs its scale"):
        load_prompt_file(write("r.txt", "{response}"), None)
    with pytest.raises(JudgePromptError, match="unknown judge preset"):
        resolve_prompt("gpt-judge", None, None)


def test_alpaca_rows_split_into_instruction_and_input(shared_data):
    from core.loading import load

    dataset = load(shared_data / "seed_tasks.jsonl")
    with_input = next(
        i for i in range(len(dataset)) if any(t.role == "input" for t in dataset.conversation(i))
    )
    text = row_text(
        dataset.conversation(with_input), dataset.prompts[with_input], dataset.responses[with_input]
    )
    assert text.input and text.instruction and text.input not in text.instruction
    rendered = render(PRESETS["alpagasus-accuracy"], text)
    assert f"### Input:\n{text.input}" in rendered


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(2, 10)), elements=st.floats(0, 1)),
    st.integers(0, 5),
)
def test_expected_rating_lies_in_the_scale_and_entropy_in_its_bounds(raw, low):
    probs = raw + 1e-6
    probs = probs / probs.sum(axis=1, keepdims=True)
    score, entropy = expected_rating(probs, low)
    k = probs.shape[1]
    assert (score >= low - 1e-4).all() and (score <= low + k - 1 + 1e-4).all()
    assert (entropy >= -1e-5).all() and (entropy <= math.log(k) + 1e-4).all()


@given(st.lists(st.integers(1, 12), min_size=1, max_size=6))
def test_left_padding_keeps_each_row_and_puts_its_end_last(lengths):
    width = max(lengths)
    ids = np.zeros((len(lengths), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for r, n in enumerate(lengths):
        ids[r, :n] = np.arange(1, n + 1) + 100 * r
        mask[r, :n] = 1
    left, left_mask = to_left_padding(ids, mask, 0)
    for r, n in enumerate(lengths):
        assert left[r, -n:].tolist() == ids[r, :n].tolist()
        assert left_mask[r].sum() == n and left_mask[r, -1] == 1


def test_choosing_a_judge_without_a_model_is_refused_not_scored_with_heuristics():
    settings = ScoreConfig(model="heuristic", judge_preset="alpagasus-accuracy")
    assert not settings.heuristic
    with pytest.raises(JudgeSetupError, match="needs a model"):
        make_scorer(settings)
