"""The endpoint judge against a real OpenAI-compatible server (llama.cpp serving SmolLM2).

Failures are injected by :mod:`tests.judge.fault_proxy` in front of the real server; nothing
stands in for the server itself.
"""

from __future__ import annotations

import math
import time

import numpy as np
import orjson
import pytest

from core.errors import ThresherError
from core.judge.endpoint import EndpointJudgeScorer
from core.judge.endpoint_client import JudgeServer, JudgeServerError
from core.judge.model import JudgeModel, locate_judge
from core.judge.prompts import JudgePrompt
from core.judge.scorer import JudgeScorer
from core.loading import load
from core.project import ProjectStore
from core.scoring import ScoreTable, score_dataset
from tests.conftest import SAMPLE
from tests.judge.fault_proxy import FaultProxy
from tests.judge.judge_server import MODEL_NAME

#: A short rubric, so that a CPU server shared with other work rates a row in seconds: the
#: mechanics tested here do not depend on the wording (the presets are tested locally).
SHORT = JudgePrompt(
    "short-rubric",
    "Short rubric",
    "Rate the answer from 1 (bad) to 5 (good)."
    "\nQuestion: {prompt}\nAnswer: {response}\n\nReply with the rating alone, "
    "a single digit from 1 to 5.",
    1,
    5,
)
SHORT_TEXT = SHORT.template


def short_rows(n: int) -> bytes:
    """The sample's ``n`` shortest real records (a loaded CPU server rates each in seconds).

    Real: whole JSON, a question and an answer of some length, no two alike (the sample also
    holds junk and broken lines on purpose).
    """
    chosen, seen = [], set()
    for line in sorted(SAMPLE.read_bytes().splitlines(), key=len):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        text = (str(record.get("instruction", "")), str(record.get("output", "")))
        if len(text[0]) >= 20 and len(text[1].strip()) >= 20 and text not in seen:
            seen.add(text)
            chosen.append(line)
        if len(chosen) == n:
            break
    return b"\n".join(chosen) + b"\n"


@pytest.fixture
def rows_file(tmp_path):
    """The sample's shortest rows, as their own file."""

    def make(n: int):
        path = tmp_path / f"rows{n}.jsonl"
        path.write_bytes(short_rows(n))
        return load(path)

    return make


@pytest.fixture
def proxy(llama_server):
    proxy = FaultProxy(llama_server.root)
    yield proxy
    proxy.close()


def endpoint_scorer(url, concurrency=2, timeout=300.0, retries=3, prompt=SHORT, **kw):
    """A scorer with a long timeout: a CPU shared with other work can take tens of seconds."""
    server = JudgeServer(
        url,
        MODEL_NAME,
        prompt.low,
        prompt.high,
        timeout=timeout,
        retries=retries,
        backoff=0.05,
        **kw,
    )
    return EndpointJudgeScorer(server, prompt, concurrency)


def run(dataset, scorer, store=None):
    table = ScoreTable(len(dataset))
    generator = score_dataset(dataset, scorer, store)
    while True:
        try:
            table.apply(next(generator).batch)
        except StopIteration as stop:
            return table, stop.value


def test_endpoint_ratings_match_the_local_judge_row_by_row(llama_server, smollm2_gguf, rows_file):
    data = rows_file(4)
    remote, _ = run(data, endpoint_scorer(llama_server.url))
    local_scorer = JudgeScorer(
        JudgeModel.load(locate_judge(str(smollm2_gguf)), "cpu", "float32"), SHORT
    )
    local, _ = run(data, local_scorer)
    both = np.isfinite(remote.scores) & np.isfinite(local.scores)
    assert both.sum() >= 2, (remote.reasons, local.reasons)
    # Rated and unscorable rows agree (both read the same digit share against the same 5%).
    assert (np.isfinite(remote.scores) == np.isfinite(local.scores)).mean() >= 0.75
    gap = np.abs(remote.scores[both] - local.scores[both])
    # llama.cpp rates with the Q4_1 weights and 8-bit activations, transformers with the weights
    # dequantised to float32, and a server lists only its top 20 tokens. Seen on 4 short rows:
    # gaps of 0.065, 0.001, 0.0006 and 0.44 (a row whose digits are nearly tied).
    assert np.median(gap) < 0.1 and gap.max() < 0.6, gap
    assert np.median(np.abs(remote.entropy[both] - local.entropy[both])) < 0.1


def test_a_rerun_sends_zero_requests_and_restores_entropies(proxy, rows_file, tmp_path):
    data = rows_file(4)
    with ProjectStore(tmp_path / "p.thresher") as store:
        first, summary = run(data, endpoint_scorer(proxy.url), store)
        sent = proxy.requests
        assert 4 <= sent <= 5  # the rows, and the probe if not yet probed
        assert summary.computed == 4 and summary.scored + summary.unscorable == 4
        again, summary = run(data, endpoint_scorer(proxy.url), store)
        assert proxy.requests == sent and summary.cached == 4
        np.testing.assert_array_equal(again.scores, first.scores)
        np.testing.assert_array_equal(again.entropy, first.entropy)
        # The per-request cache alone (no score cache) also answers without a request.
        scorer = endpoint_scorer(proxy.url)
        scorer.use_store(store)
        table = ScoreTable(len(data))
        for batch in scorer.score(data, np.arange(len(data))):
            table.apply(batch)
        assert proxy.requests == sent
        np.testing.assert_array_equal(table.scores, first.scores)


def test_retries_honour_retry_after_and_outlast_500s_timeouts_and_garbage(llama_server, rows_file):
    # The timeout must exceed a real answer's time on a loaded CPU, so the hang is long.
    proxy = FaultProxy(llama_server.root, hang_seconds=65.0)
    data = rows_file(2)
    scorer = endpoint_scorer(proxy.url, concurrency=1, timeout=60.0, retries=4)
    scorer.server.probe(__import__("threading").Event())
    before = proxy.requests
    proxy.inject("429", "500", "timeout", "garbage")
    started = time.monotonic()
    try:
        table, _ = run(data, scorer)
    finally:
        proxy.close()
    assert time.monotonic() - started >= 1.0 + 60.0  # Retry-After: 1, and the timeout
    # Every row got the judge's own answer: a rating, or "does not start with a rating".
    assert all("does not start with a rating" in why for why in table.reasons.values())
    assert proxy.requests - before == 2 + 4


def test_failed_requests_are_unscorable_with_the_reason_and_asked_again(proxy, rows_file, tmp_path):
    data = rows_file(3)
    scorer = endpoint_scorer(proxy.url, concurrency=1, retries=1)
    scorer.server.probe(__import__("threading").Event())
    proxy.inject("no-logprobs", "500", "500")
    with ProjectStore(tmp_path / "p.thresher") as store:
        table, summary = run(data, scorer, store)
        reasons = sorted(table.reasons.values())
        assert any("HTTP 500" in r and "after 2 tries" in r for r in reasons), reasons
        assert any("no log-probabilities" in r for r in reasons), reasons
        sent = proxy.requests
        again, summary = run(data, endpoint_scorer(proxy.url), store)
        assert proxy.requests - sent == 2 and summary.cached == 1
        assert not any(
            "usable reply" in w or "log-probabilities" in w for w in again.reasons.values()
        )


def test_text_mode_reads_the_first_number_strictly_and_keeps_the_answer(llama_server, rows_file):
    proxy = FaultProxy(llama_server.root, always="no-logprobs")
    try:
        data = rows_file(4)
        scorer = endpoint_scorer(proxy.url, concurrency=1)
        scorer.server.probe(__import__("threading").Event())
        assert scorer.server.mode == "text"
        proxy.inject(
            "text:4\nThe answer is right.",
            "text:I cannot rate this.",
            "text:Score: 7",
            "text:Rating follows.\nScore: 2",
        )
        table, _ = run(data, scorer)
    finally:
        proxy.close()
    got = {
        data.prompts[r]: (s, table.texts.get(r), table.reasons.get(r))
        for r, s in enumerate(table.scores)
    }
    scores = sorted(float(s) for s, _, _ in got.values() if math.isfinite(s))
    assert scores == [2.0, 4.0]
    assert sorted(t for _, t, _ in got.values())[0].startswith("4\n")
    reasons = sorted(r for _, _, r in got.values() if r)
    assert "no number on its first line" in reasons[1] and "I cannot rate" in reasons[1]
    assert "first number, 7, is outside the scale" in reasons[0]


def test_the_real_model_in_text_mode_gives_ratings_or_reasons(llama_server, rows_file):
    proxy = FaultProxy(llama_server.root, always="no-logprobs")
    try:
        data = rows_file(2)
        table, _ = run(data, endpoint_scorer(proxy.url))
    finally:
        proxy.close()
    assert len(table.texts) == 2
    for r in range(2):
        assert (np.isfinite(table.scores[r]) and 1 <= table.scores[r] <= 5) or table.reasons[
            r
        ].startswith("unscorable: the judge's answer")


def test_cancel_then_resume_asks_only_the_rest(proxy, rows_file, tmp_path):
    data = rows_file(3)
    with ProjectStore(tmp_path / "p.thresher") as store:
        scorer = endpoint_scorer(proxy.url, concurrency=1)
        generator = score_dataset(data, scorer, store)
        first = next(generator).batch
        generator.close()  # the curator cancels
        time.sleep(0.5)
        sent = proxy.requests
        _, summary = run(data, endpoint_scorer(proxy.url, concurrency=2), store)
        assert summary.cached == len(first.rows) and summary.computed == 3 - len(first.rows)
        # No row answered before the cancel is asked again (a request in flight at the cancel
        # may be, its answer having been dropped).
        done = [orjson.dumps(data.responses[r])[1:-1] for r in first.rows.tolist()]
        assert not any(text in body for text in done for body in proxy.bodies[sent:])


def test_a_server_dying_mid_run_stops_it_in_one_line_and_a_new_run_resumes(
    llama_server_installed, rows_file, tmp_path
):
    from tests.judge.judge_server import LlamaServer

    smollm2_gguf = llama_server_installed
    data = rows_file(4)
    server = LlamaServer(smollm2_gguf, tmp_path / "dying.log")
    proxy = FaultProxy(server.root)
    store = ProjectStore(tmp_path / "p.thresher")
    try:
        generator = score_dataset(data, endpoint_scorer(proxy.url, concurrency=1, retries=1), store)
        done = len(next(generator).batch.rows)
        server.stop()  # the server dies mid-run
        with pytest.raises(ThresherError) as stopped:
            for update in generator:
                done += len(update.batch.rows)
        message = str(stopped.value)
        assert "stopped answering" in message and "\n" not in message
        assert "HTTP 502" in message
        server = LlamaServer(smollm2_gguf, tmp_path / "again.log", port=server.port)
        _, summary = run(data, endpoint_scorer(proxy.url), store)
        assert summary.cached >= done - 3 and summary.cached + summary.computed == 4
    finally:
        store.close()
        proxy.close()
        server.stop()


def test_an_unknown_model_or_refused_key_stops_the_run_without_the_key(
    proxy, rows_file, monkeypatch
):
    key = "sk-thresher-test-0123456789abcdef"
    monkeypatch.setenv("THRESHER_JUDGE_API_KEY", key)
    scorer = endpoint_scorer(proxy.url)
    proxy.inject("401-echo")
    with pytest.raises(JudgeServerError) as refused:
        run(rows_file(2), scorer)
    assert "refused the API key" in str(refused.value) and key not in str(refused.value)
    assert proxy.seen_headers[-1]["authorization"] == f"Bearer {key}"


def test_pacing_keeps_to_the_requests_per_minute(proxy, rows_file):
    data = rows_file(2)
    scorer = endpoint_scorer(proxy.url, concurrency=2, per_minute=60)  # one each second
    scorer.server.probe(__import__("threading").Event())
    started = time.monotonic()
    run(data, scorer)
    assert time.monotonic() - started >= 1.0


def test_estimate_counts_only_requests_not_yet_answered(proxy, rows_file, tmp_path):
    data = rows_file(2)
    with ProjectStore(tmp_path / "p.thresher") as store:
        scorer = endpoint_scorer(proxy.url)
        scorer.use_store(store)
        before = scorer.estimate(data, np.arange(2), price_in=1.0, price_out=2.0)
        assert before.requests == 2 and before.input_tokens > 2 * 30
        assert before.cost_usd == pytest.approx(
            (before.input_tokens + 2 * before.output_tokens) / 1e6
        )
        run(data, endpoint_scorer(proxy.url), store)
        after = scorer.estimate(data, np.arange(2))
        assert after.requests == 0 and after.from_cache == 2 and after.cost_usd is None
        assert orjson.dumps(after.to_dict())


def _cli(*args, env):
    import subprocess
    import sys

    from tests.conftest import ROOT

    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        env=env,
    )


def test_cli_scores_and_curates_with_a_server_and_the_key_is_written_nowhere(proxy, tmp_path):
    import os

    import pandas as pd

    key = "sk-cli-secret-9f8e7d6c5b4a3210"
    env = {
        **os.environ,
        "THRESHER_JUDGE_API_KEY": key,
        "OPENAI_LOG": "debug",
        "THRESHER_DATA_DIR": str(tmp_path / "data"),
    }
    data = tmp_path / "rows.jsonl"
    data.write_bytes(short_rows(10))
    out, project = tmp_path / "out.csv", tmp_path / "p.thresher"
    prompt = tmp_path / "short.txt"
    prompt.write_text(SHORT_TEXT)
    flags = [
        "--judge-endpoint",
        proxy.url,
        "--judge-model",
        MODEL_NAME,
        "--judge-prompt",
        prompt,
        "--judge-scale",
        "1-5",
        "--concurrency",
        "2",
        "--max-requests-per-minute",
        "6000",
        "--project",
        project,
    ]
    first = _cli(
        "score",
        data,
        "-o",
        out,
        *flags,
        "--json",
        "--judge-price-in",
        "0.5",
        "--judge-price-out",
        "1.5",
        env=env,
    )
    assert first.returncode == 0, first.stderr[-3000:]
    report = orjson.loads(first.stdout)
    assert report["judge_estimate"]["requests"] == 10
    assert report["judge_estimate"]["cost_usd_at_most"] > 0
    assert "Judge server: 10 requests for 10 rows" in first.stderr
    assert report["scorer"]["kind"] == "judge-endpoint"
    assert report["scored"] + report["unscorable"] == 10 and report["scored"] >= 3
    assert "judge_length_correlation" in report and "judge_mean_entropy" in report
    frame = pd.read_csv(out)
    rated = frame["score"].notna()
    assert frame.loc[rated, "score"].between(1, 5).all()
    assert frame.loc[rated, "judge_entropy"].notna().all()
    assert frame.loc[~rated, "unscorable_reason"].str.startswith("unscorable").all()
    sent = proxy.requests
    again = _cli("score", data, "-o", out, *flags, "--json", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert orjson.loads(again.stdout)["judge_estimate"]["requests"] == 0
    assert proxy.requests == sent  # a re-run sends no request at all
    kept = tmp_path / "kept.jsonl"
    curated = _cli(
        "curate", data, "-o", kept, *flags, "--min-score", "2.5", "--keep-duplicates", env=env
    )
    assert curated.returncode == 0, curated.stderr[-3000:]
    assert "Length bias: " in curated.stdout
    assert proxy.requests == sent
    assert proxy.seen_headers[0]["authorization"] == f"Bearer {key}"  # it reached the server
    for text in (first.stdout, first.stderr, again.stderr, curated.stdout, curated.stderr):
        assert key not in text
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in written)  # the curate manifest is among them
    for path in written:
        assert key.encode() not in path.read_bytes(), path


def test_cli_text_mode_writes_the_judges_answers(llama_server, tmp_path):
    import os

    import pandas as pd

    proxy = FaultProxy(llama_server.root, always="no-logprobs")
    try:
        data = tmp_path / "rows.jsonl"
        data.write_bytes(short_rows(2))
        out = tmp_path / "out.parquet"
        prompt = tmp_path / "short.txt"
        prompt.write_text(SHORT_TEXT)
        result = _cli(
            "score",
            data,
            "-o",
            out,
            "--judge-endpoint",
            proxy.url,
            "--judge-model",
            MODEL_NAME,
            "--judge-prompt",
            prompt,
            "--judge-scale",
            "1-5",
            "--no-cache",
            env={**os.environ, "THRESHER_DATA_DIR": str(tmp_path / "data")},
        )
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr[-3000:]
    frame = pd.read_parquet(out)
    assert frame["judge_text"].notna().all() and frame["judge_entropy"].isna().all()
    for _, row in frame.iterrows():
        assert pd.notna(row["score"]) or row["unscorable_reason"].startswith("unscorable")
