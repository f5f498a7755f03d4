"""IFD: the ratio against plain transformers logits, batching, flags, cache and resume."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.project import ProjectStore
from core.review.rule import Rule
from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset
from core.scoring.causal_lm import locate_causal_lm
from core.scoring.encoding import chat_messages
from core.scoring.ifd import ABOVE_1, IFDScorer, from_losses
from core.scoring.ifd_model import IFDModel
from core.scoring.scored_batch import ScoredBatch


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The sample's first 40 records (a run over them takes seconds)."""
    from core.loading import load as load_file
    from tests.conftest import SAMPLE

    path = tmp_path_factory.mktemp("ifd-small") / "small.jsonl"
    path.write_bytes(b"".join(SAMPLE.read_bytes().splitlines(keepends=True)[:40]))
    return load_file(path)


def load(folder) -> IFDModel:
    return IFDModel.load(locate_causal_lm(str(folder)), "cpu", "float32")


def run(scorer, dataset, rows) -> ScoreTable:
    table = ScoreTable(len(dataset))
    for batch in scorer.score(dataset, np.asarray(rows, dtype=np.int64)):
        table.apply(batch)
    return table


def hand_losses(folder, dataset, i) -> tuple[float, float]:
    """Both mean losses from plain ``model(ids).logits``, one unpadded row at a time."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    encode = lambda text: tokenizer(text, add_special_tokens=False)["input_ids"]  # noqa: E731
    if tokenizer.chat_template:
        chat = chat_messages(dataset.conversation(i), dataset.prompts[i], dataset.responses[i])
        full = tokenizer.apply_chat_template(chat, tokenize=False)
        head = tokenizer.apply_chat_template(chat[:-1], tokenize=False, add_generation_prompt=True)
        head_ids, tail_ids = encode(head), encode(full[len(head) :])
        alone_ids = encode(
            tokenizer.apply_chat_template(
                [{"role": "user", "content": ""}], tokenize=False, add_generation_prompt=True
            )
        )
    else:
        start = [tokenizer.eos_token_id]
        head_ids = start + encode(dataset.prompts[i] + "\n\n")
        tail_ids, alone_ids = encode(dataset.responses[i]), start

    def loss(context):
        ids = torch.tensor([context + tail_ids])
        with torch.no_grad():
            logits = model(ids).logits[0]
        return torch.nn.functional.cross_entropy(
            logits[len(context) - 1 : -1].double(), torch.tensor(tail_ids)
        ).item()

    return loss(head_ids), loss(alone_ids)


@pytest.mark.parametrize("which", ["tiny_llama", "tiny_gpt2"])
def test_ifd_is_the_ratio_of_response_losses_under_plain_transformers_logits(
    which, request, sample
):
    folder = request.getfixturevalue(which)
    scorer = IFDScorer(load(folder))
    rows = [i for i in range(12) if sample.responses[i].strip()][:5]
    table = run(scorer, sample, rows)
    for i in rows:
        given, alone = hand_losses(folder, sample, i)
        assert table.extra["loss_given_prompt"][i] == pytest.approx(given, rel=1e-4)
        assert table.extra["loss_alone"][i] == pytest.approx(alone, rel=1e-4)
        assert table.extra["ifd"][i] == pytest.approx(given / alone, rel=1e-4)
        assert table.extra[ABOVE_1][i] == (given / alone > 1)
        assert np.isnan(table.scores[i]) == (given / alone > 1)


def test_the_description_says_which_context_the_model_reads(tiny_llama, tiny_gpt2):
    assert "chat template" in IFDScorer(load(tiny_llama)).description["input"]
    assert "no chat template" in IFDScorer(load(tiny_gpt2)).description["input"]


def test_batched_scores_equal_one_row_at_a_time(tiny_llama, sample):
    scorer = IFDScorer(load(tiny_llama), token_budget=2048)
    rows = np.arange(16)
    batched = run(scorer, sample, rows)
    assert max(scorer.runner.batch_sizes) > 2
    for i in rows:
        alone = run(scorer, sample, [i])
        for name in ("ifd", "loss_given_prompt", "loss_alone"):
            assert alone.extra[name][i] == pytest.approx(
                batched.extra[name][i], rel=1e-4, nan_ok=True
            )


def test_a_long_row_keeps_its_response_start_and_fits_the_model(tiny_llama, sample):
    full = IFDScorer(load(tiny_llama))
    rows = np.arange(len(sample))
    complete = full._encode(sample, rows)
    scorer = IFDScorer(full.model, max_length=48)  # the same model, a shorter reach
    encoded = scorer._encode(sample, rows)
    assert encoded.truncated.any()
    for k in range(len(rows)):
        if encoded.errors[k] is not None:
            continue
        assert len(encoded.ids[k]) <= 48
        tail = [t for t, y in zip(encoded.ids[k], encoded.type_ids[k], strict=True) if y == 1]
        whole = [t for t, y in zip(complete.ids[k], complete.type_ids[k], strict=True) if y == 1]
        assert whole[: len(tail)] == tail and tail
        assert encoded.truncated[k] == (encoded.ids[k] != complete.ids[k])


def test_an_empty_response_is_unscorable_with_its_reason(tiny_llama, sample):
    empty = [i for i in range(len(sample)) if not sample.responses[i].strip()]
    assert empty
    table = run(IFDScorer(load(tiny_llama)), sample, empty)
    assert table.unscorable[empty].all() and np.isnan(table.extra["ifd"][empty]).all()
    assert all(table.reasons[i] == "unscorable: the response is empty" for i in empty)


losses = st.one_of(st.floats(0.0, 20.0, width=32), st.just(float("nan")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(losses, losses), min_size=1, max_size=40), st.floats(0.01, 1.0))
def test_rows_above_1_are_flagged_and_no_top_rule_keeps_them(pairs, fraction):
    given_, alone = (np.array(p, dtype=np.float32) for p in zip(*pairs, strict=True))
    n = len(pairs)
    batch = from_losses(
        ScoredBatch(
            np.arange(n), np.zeros((n, 3), np.float32), np.zeros(n, bool), np.zeros(n, bool)
        ),
        given_,
        alone,
    )
    with np.errstate(all="ignore"):
        ratio = given_ / alone
    ok = np.isfinite(ratio)
    assert np.array_equal(batch.extra[ABOVE_1], ok & (ratio > 1))
    ranked = ok & (ratio <= 1)
    assert np.array_equal(np.isfinite(batch.scores), ranked)
    assert np.allclose(batch.scores[ranked], ratio[ranked])
    assert set(batch.reasons) == set(np.flatnonzero(~ranked).tolist())
    assert all(
        batch.reasons[r].startswith(ABOVE_1) for r in np.flatnonzero(batch.extra[ABOVE_1]).tolist()
    )
    decided = Rule(mode="top_fraction", keep_fraction=fraction).decide(batch.scores)
    assert not (decided[batch.extra[ABOVE_1]] == 1).any()


def test_a_rerun_reads_scores_losses_flags_and_reasons_from_the_cache(tiny_llama, small, tmp_path):
    settings_ = ScoreConfig(model=str(tiny_llama), device="cpu", ifd=True)
    rows = small
    with ProjectStore(tmp_path / "p.thresher") as store:
        scorer = make_scorer(settings_)
        first = ScoreTable(len(rows))
        for update in score_dataset(rows, scorer, store):
            first.apply(update.batch)
        again = ScoreTable(len(rows))
        generator = score_dataset(rows, make_scorer(settings_, scorer.model), store)
        try:
            while True:
                again.apply(next(generator).batch)
        except StopIteration as stop:
            summary = stop.value
        assert make_scorer(settings_, scorer.model).model is scorer.model
    assert summary.computed == 0 and summary.cached == len(rows)
    assert first.extra[ABOVE_1].any() and (~first.extra[ABOVE_1]).any()
    for name in ("ifd", "loss_given_prompt", "loss_alone", ABOVE_1):
        assert np.array_equal(first.extra[name], again.extra[name], equal_nan=True)
    assert np.array_equal(first.scores, again.scores, equal_nan=True)
    assert first.reasons == again.reasons


def test_a_cancelled_run_resumes_where_it_stopped(tiny_llama, small, tmp_path):
    model = load(tiny_llama)
    with ProjectStore(tmp_path / "p.thresher") as store:
        generator = score_dataset(small, IFDScorer(model, token_budget=600), store)
        first = next(generator)
        generator.close()  # the curator pressed Cancel
        done = len(first.batch.rows)
        assert 0 < done < len(small)
        updates = list(score_dataset(small, IFDScorer(model, token_budget=600), store))
    assert updates[0].cached and len(updates[0].batch.rows) == done
    assert sum(len(u.batch.rows) for u in updates[1:]) == len(small) - done


def test_ifd_without_a_model_is_refused(tmp_path):
    from core.errors import ThresherError

    with pytest.raises(ThresherError, match="causal language model"):
        make_scorer(ScoreConfig(model="heuristic", ifd=True))
    with pytest.raises(ThresherError, match="does not exist"):
        make_scorer(ScoreConfig(model=str(tmp_path / "none.gguf"), ifd=True))
