"""The endpoint judge's pure parts: reading answers, the shared rating formula, keys, pacing."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.judge.answer_text import read_rating
from core.judge.endpoint_client import RateLimiter, retry_after
from core.judge.endpoint_key import HIDDEN, api_key, key_source, scrub, store_key
from core.judge.rating import expected_rating, rate_digits


@given(st.text(max_size=200), st.integers(0, 4), st.integers(1, 5))
def test_a_read_rating_is_on_the_scale_or_comes_with_a_reason(text, low, span):
    high = low + span
    rating, reason = read_rating(text, low, high)
    assert (rating is None) != (reason is None)
    if rating is not None:
        assert low <= rating <= high
    else:
        assert reason.startswith("unscorable: ")


@given(
    st.integers(1, 5),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=40).filter(
        lambda t: "\n" not in t
    ),
)
def test_the_first_number_on_the_first_line_is_the_rating(k, rest):
    assert read_rating(f"{k}{' ' + rest if rest else ''}\nbecause 9 reasons", 1, 5) == (k, None)


def test_answers_are_read_strictly():
    assert read_rating("4.5\nThe response is accurate.", 0, 5) == (4.5, None)
    assert read_rating("Evaluation below.\nScore: 3", 1, 5) == (3.0, None)
    assert read_rating("  \n\nScore = 2", 1, 5) == (2.0, None)
    rating, reason = read_rating("I would rate this 9 out of 10.", 1, 5)
    assert rating is None and "outside the scale" in reason and "9 out of 10" in reason
    rating, reason = read_rating("Great answer!", 1, 5)
    assert rating is None and "no number on its first line" in reason
    assert read_rating("", 1, 5)[1] == "unscorable: the judge's answer was empty"
    assert read_rating("v2.0 of the answer\nScore: 4", 1, 5) == (4.0, None)


@given(st.lists(st.floats(-30, 0), min_size=2, max_size=9), st.integers(0, 1))
def test_rate_digits_is_the_expected_digit_of_the_softmax_over_digits(logprobs, low):
    lp = np.array([logprobs])
    scores, entropy, share = rate_digits(lp, low)
    p = np.exp(lp - lp.max())
    p /= p.sum()
    want, want_entropy = expected_rating(p, low)
    assert scores[0] == pytest.approx(want[0], abs=1e-4)
    assert entropy[0] == pytest.approx(want_entropy[0], abs=1e-4)
    assert share[0] == pytest.approx(np.exp(lp).sum(), rel=1e-4)
    assert low <= scores[0] <= low + len(logprobs) - 1 + 1e-5


def test_digits_a_server_did_not_list_count_as_zero_and_none_listed_is_no_rating():
    scores, _, share = rate_digits(
        np.array([[-np.inf, np.log(0.6), np.log(0.2)], [-np.inf, -np.inf, -np.inf]]), 1
    )
    assert scores[0] == pytest.approx(2 * 0.75 + 3 * 0.25)
    assert share[0] == pytest.approx(0.8)
    assert np.isnan(scores[1]) and share[1] == 0


def test_retry_after_reads_seconds_milliseconds_and_dates():
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after-ms": "1500"}) == 1.5
    assert retry_after({"retry-after": "100000"}) == 120.0
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= retry_after({"retry-after": later}) <= 31
    assert retry_after({"retry-after": "soon"}) is None and retry_after({}) is None


def test_the_key_comes_from_the_environment_and_is_scrubbed(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("THRESHER_JUDGE_API_KEY", "sk-from-env-123456")
    assert api_key("http://h/v1") == "sk-from-env-123456"
    assert key_source("http://h/v1") == "key from $THRESHER_JUDGE_API_KEY"
    assert scrub("Incorrect API key sk-from-env-123456 given", "sk-from-env-123456") == (
        f"Incorrect API key {HIDDEN} given"
    )


def test_no_keyring_backend_means_no_key_not_a_crash(monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    for name in ("THRESHER_JUDGE_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        assert api_key("http://h/v1") is None
        assert key_source("http://h/v1").startswith("no key")
        with pytest.raises(Exception, match="no usable OS keyring"):
            store_key("http://h/v1", "sk-x-123456")
    finally:
        keyring.set_keyring(before)


def test_the_rate_limiter_spaces_request_starts():
    limiter = RateLimiter(600)  # one each 0.1 s
    stop = threading.Event()
    starts = []
    for _ in range(4):
        limiter.wait(stop)
        starts.append(time.monotonic())
    # The k-th start comes k intervals after the first at the earliest (a late start does not
    # let the next ones bunch up past the limit).
    for k, at in enumerate(starts):
        assert at - starts[0] >= k * 0.1 - 0.005
    assert RateLimiter(None).interval == 0


def test_a_url_carrying_a_secret_is_refused_without_echoing_it():
    from core.judge.endpoint_client import JudgeServer, JudgeServerError

    for url in ("http://user:sk-secret-77@host:8080/v1", "http://host/v1?api_key=sk-secret-77"):
        with pytest.raises(JudgeServerError) as refused:
            JudgeServer(url, "m", 1, 5)
        assert "sk-secret-77" not in str(refused.value)
