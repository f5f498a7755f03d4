"""Talking to an OpenAI-compatible judge server: probing, pacing, retrying, reading replies.

One :class:`JudgeServer` per run. It probes the server once (per process) for ``top_logprobs``:
with them a rating is read from one output token exactly as the local judge reads it
(:func:`core.judge.rating.rate_digits`); without them the judge writes a short answer that
:func:`core.judge.answer_text.read_rating` reads strictly. Requests are paced to a per-minute
limit and retried with exponential back-off that honours ``Retry-After`` on 429 and 5xx
replies, timeouts and refused connections. A :class:`Reply` is *lasting* when it is the judge's
own answer (cached, never asked again) and not when the server failed to give one (retried by
the next run). The API key reaches the client only; every message is scrubbed of it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import numpy as np

from core.errors import ThresherError
from core.judge.answer_text import read_rating
from core.judge.endpoint_key import api_key, scrub
from core.judge.rating import rate_digits

#: Log-probabilities asked for at the first output position (OpenAI allows up to 20).
TOP_LOGPROBS = 20
#: Tokens a judge may write in text mode (the rating is on its first line).
TEXT_TOKENS = 48
#: Below this share of the first token's probability on the scale's digits, the judge is not
#: answering with a rating (as for the local judge).
MIN_RATING_SHARE = 0.05
DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 5
BACKOFF_FIRST = 0.5
BACKOFF_MOST = 30.0
#: A Retry-After longer than this is cut to it (a run should not sleep for an hour unasked).
RETRY_AFTER_MOST = 120.0
#: Requests/s is measured over this many recent seconds.
RATE_WINDOW = 5.0
#: Retries of the probe: a wrong URL should fail in a second, not after the full back-off.
PROBE_RETRIES = 1
PROBE_MESSAGES = [{"role": "user", "content": "Reply with the single digit 1."}]

#: (base URL, model) -> "logprobs" or "text": each server is probed once per process.
_MODES: dict[tuple[str, str], str] = {}
_MODES_LOCK = threading.Lock()


class JudgeServerError(ThresherError):
    """The judge server cannot be used for this run (unreachable, refuses the key, no model)."""


class Cancelled(Exception):
    """The run was cancelled while a request waited."""


@dataclass(frozen=True)
class Reply:
    """What the judge said about one row, or why there is no rating."""

    score: float | None
    entropy: float | None = None
    text: str | None = None
    reason: str | None = None
    lasting: bool = True  # the judge's own answer (cache it), not a failure to get one


class RateLimiter:
    """Spaces request starts so that at most ``per_minute`` begin in any minute."""

    def __init__(self, per_minute: int | None):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, stop: threading.Event) -> None:
        """Block until the next request may start (or ``stop`` is set)."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next)
            self._next = at + self.interval
        if at > now:
            stop.wait(at - now)


def retry_after(headers) -> float | None:
    """Seconds a server asked us to wait (``Retry-After`` in seconds or as a date), if any."""
    if headers is None:
        return None
    raw = headers.get("retry-after-ms")
    if raw:
        try:
            return min(RETRY_AFTER_MOST, max(0.0, float(raw) / 1000))
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return min(RETRY_AFTER_MOST, max(0.0, float(raw)))
    except ValueError:
        try:
            return min(
                RETRY_AFTER_MOST, max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
            )
        except (TypeError, ValueError):
            return None


class JudgeServer:
    """An OpenAI-compatible server and model that rates rows on a scale."""

    def __init__(
        self,
        base_url: str,
        model: str,
        low: int,
        high: int,
        per_minute: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = BACKOFF_FIRST,
    ):
        from openai import OpenAI

        if not base_url.startswith(("http://", "https://")):
            raise JudgeServerError(
                f"judge server {base_url!r}: give its base URL, e.g. http://127.0.0.1:8080/v1"
            )
        parts = urlsplit(base_url)
        if parts.username or parts.password or parts.query:
            # The URL is written to the project and manifests: a secret must not ride in it.
            raise JudgeServerError(
                "the judge server's URL holds credentials or a query; give "
                "the plain base URL and the key in $THRESHER_JUDGE_API_KEY "
                "(or the OS keyring)"
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.low, self.high = low, high
        self.digits = [str(k) for k in range(low, high + 1)]
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._key = api_key(self.base_url)
        self.client = OpenAI(
            base_url=self.base_url, api_key=self._key or "no-key", max_retries=0, timeout=timeout
        )
        self.limiter = RateLimiter(per_minute)
        self._lock = threading.Lock()
        self._starts: deque[float] = deque()
        self.requests_sent = 0

    # -- what is sent ----------------------------------------------------------------------------

    def parameters(self) -> dict:
        """The request parameters that decide a rating (part of every cache key)."""
        return {
            "temperature": 0.0,
            "top_logprobs": TOP_LOGPROBS,
            "text_tokens": TEXT_TOKENS,
            "min_rating_share": MIN_RATING_SHARE,
        }

    @property
    def mode(self) -> str | None:
        """The server's mode once probed ("logprobs" or "text"), else None."""
        return _MODES.get((self.base_url, self.model))

    def probe(self, stop: threading.Event) -> str:
        """Ask once (per process) whether the server returns ``top_logprobs``."""
        with _MODES_LOCK:
            known = _MODES.get((self.base_url, self.model))
        if known:
            return known
        reply, failure = self._call(
            stop,
            messages=PROBE_MESSAGES,
            max_tokens=1,
            logprobs=True,
            top_logprobs=TOP_LOGPROBS,
            temperature=0.0,
            retries=min(self.retries, PROBE_RETRIES),
        )
        if reply is None and failure.startswith("refused"):
            mode = "text"  # a server that rejects the logprobs parameters
        elif reply is None:
            raise JudgeServerError(f"the judge server {self.base_url} did not answer: {failure}")
        else:
            mode = "logprobs" if _top_logprobs(reply) else "text"
        with _MODES_LOCK:
            _MODES[(self.base_url, self.model)] = mode
        return mode

    def rate(self, messages: list[dict], stop: threading.Event) -> Reply:
        """The judge's rating of one rendered prompt (call :meth:`probe` first)."""
        if self.mode == "logprobs":
            reply, failure = self._call(
                stop,
                messages=messages,
                max_tokens=1,
                logprobs=True,
                top_logprobs=TOP_LOGPROBS,
                temperature=0.0,
            )
            if reply is None:
                return Reply(None, reason=f"unscorable: {failure}", lasting=False)
            return self._from_logprobs(reply)
        reply, failure = self._call(
            stop, messages=messages, max_tokens=TEXT_TOKENS, temperature=0.0
        )
        if reply is None:
            return Reply(None, reason=f"unscorable: {failure}", lasting=False)
        text = _content(reply)
        if text is None:
            return Reply(
                None, reason="unscorable: the server's reply held no answer", lasting=False
            )
        score, why = read_rating(text, self.low, self.high)
        return Reply(score, text=text, reason=why)

    def _from_logprobs(self, reply) -> Reply:
        top = _top_logprobs(reply)
        if not top:
            return Reply(
                None,
                reason="unscorable: the server's reply had no log-probabilities",
                lasting=False,
            )
        digit_lp = np.full((1, len(self.digits)), -np.inf)
        for token, logprob in top:
            word = token.strip()
            if word in self.digits and logprob is not None:
                k = self.digits.index(word)
                digit_lp[0, k] = np.logaddexp(digit_lp[0, k], float(logprob))
        score, entropy, share = rate_digits(digit_lp, self.low)
        if not share[0] >= MIN_RATING_SHARE or not np.isfinite(score[0]):
            first = max(top, key=lambda t: t[1] if t[1] is not None else -np.inf)[0]
            return Reply(
                None,
                reason=(
                    f"unscorable: the judge's answer does not start with a rating "
                    f"{self.low}-{self.high} (the digits get {float(share[0]):.1%}; most likely "
                    f"first token {first!r})"
                ),
            )
        return Reply(float(score[0]), float(entropy[0]))

    # -- transport -------------------------------------------------------------------------------

    def _call(self, stop: threading.Event, retries: int | None = None, **request):
        """(completion, None), or (None, why) after the retries; raises on a fatal refusal."""
        import openai

        retries = self.retries if retries is None else retries
        attempt = 0
        while True:
            self.limiter.wait(stop)
            if stop.is_set():
                raise Cancelled
            self._count()
            wait = None
            try:
                reply = self.client.chat.completions.create(model=self.model, **request)
                if isinstance(getattr(reply, "choices", None), list) and reply.choices:
                    return reply, None
                why = "unreadable reply (no choices in it)"
            except openai.APIStatusError as exc:
                status = exc.status_code
                message = scrub(_message(exc), self._key)
                if status in (401, 403):
                    raise JudgeServerError(
                        f"the judge server {self.base_url} refused the API "
                        f"key (HTTP {status}): {message}"
                    ) from None
                if status == 404:
                    raise JudgeServerError(
                        f"the judge server {self.base_url} has no model "
                        f"{self.model!r} (HTTP 404): {message}"
                    ) from None
                if status != 429 and status < 500:
                    return None, f"refused by the server (HTTP {status}): {message}"
                why = f"HTTP {status} ({message})"
                wait = retry_after(exc.response.headers)
            except openai.APITimeoutError:
                why = f"no answer within {self.timeout:g} s"
            except openai.APIConnectionError as exc:
                why = f"cannot connect to {self.base_url} ({scrub(_cause(exc), self._key)})"
            except (openai.OpenAIError, ValueError, TypeError, KeyError) as exc:
                # A reply that is not a completion (broken JSON, wrong shape): untrusted input.
                why = f"unreadable reply ({scrub(type(exc).__name__, self._key)})"
            attempt += 1
            if attempt > retries:
                return None, f"the server gave no usable reply: {why} (after {attempt} tries)"
            delay = (
                wait if wait is not None else min(BACKOFF_MOST, self.backoff * 2 ** (attempt - 1))
            )
            if stop.wait(delay):
                raise Cancelled

    def _count(self) -> None:
        now = time.monotonic()
        with self._lock:
            self.requests_sent += 1
            self._starts.append(now)
            while self._starts and self._starts[0] < now - RATE_WINDOW:
                self._starts.popleft()

    def requests_per_second(self) -> float:
        """Requests started per second over the last few seconds (live, for progress)."""
        now = time.monotonic()
        with self._lock:
            while self._starts and self._starts[0] < now - RATE_WINDOW:
                self._starts.popleft()
            return len(self._starts) / RATE_WINDOW


def _content(reply) -> str | None:
    try:
        return reply.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None


def _top_logprobs(reply) -> list[tuple[str, float]]:
    """The first output position's (token, log-prob) pairs, or [] when there are none."""
    try:
        first = reply.choices[0].logprobs.content[0]
        return [(str(t.token), t.logprob) for t in (first.top_logprobs or [])]
    except (AttributeError, IndexError, TypeError):
        return []


def _message(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        text = inner.get("message") if isinstance(inner, dict) else inner
        if text:
            return str(text)[:200]
    return str(getattr(exc, "message", exc))[:200]


def _cause(exc) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}" if cause is not None else "connection failed"
