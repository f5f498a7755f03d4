"""The endpoint judge: an OpenAI-compatible server rates each row, many requests in flight.

It plugs into :func:`core.scoring.run.score_dataset` like the local judge (score cache under
its own key, entropies and raw answers kept beside it, streaming, cancel by closing the
generator, resume from the cache), and adds what a remote server needs: a per-request cache
(:mod:`core.judge.endpoint_cache`), a concurrency limit, a requests-per-minute limit, a token
and cost estimate before a run, and the live request rate. Rows whose request failed (the
server did not answer after the retries) are unscorable with the reason but not cached, so the
next run asks again; when several rows in a row fail that way the server is taken to be down and
the run stops with one line, keeping every answer it had.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import numpy as np

from core.dataset import Dataset
from core.judge import details
from core.judge.endpoint_cache import RequestCache, request_key
from core.judge.endpoint_client import (
    DEFAULT_TIMEOUT,
    TEXT_TOKENS,
    Cancelled,
    JudgeServer,
    JudgeServerError,
    Reply,
)
from core.judge.prompts import JudgePrompt, messages, render, resolve_prompt, row_text
from core.scoring.scored_batch import ScoredBatch

METHOD = (
    "server: first output token's top_logprobs, softmax over the scale's digits, "
    "expected value; or without logprobs the first number of a short answer (v1)"
)
#: Rows a streamed batch holds at most, and the seconds between streamed batches.
FLUSH_ROWS = 64
FLUSH_SECONDS = 0.5
#: Rows in a row whose request failed after all retries: the server is taken to be down.
DOWN_AFTER = 3
#: Characters per token in the estimate (a server's tokenizer is not at hand).
CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4


@dataclass(frozen=True)
class RunEstimate:
    """What a run will send, before it starts: requests, tokens and (with prices) cost."""

    rows: int
    from_cache: int
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None

    def to_dict(self) -> dict:
        """For ``--json``."""
        return {
            "rows": self.rows,
            "from_cache": self.from_cache,
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens_at_most": self.output_tokens,
            "cost_usd_at_most": None if self.cost_usd is None else round(self.cost_usd, 4),
        }

    def line(self) -> str:
        """One line for the terminal or the dock."""
        cost = "no prices given" if self.cost_usd is None else f"at most ${self.cost_usd:,.2f}"
        return (
            f"Judge server: {self.requests:,} requests for {self.rows:,} rows "
            f"({self.from_cache:,} answered from the cache), about {self.input_tokens:,} "
            f"input and at most {self.output_tokens:,} output tokens; cost {cost}"
        )


def estimate_tokens(chat: list[dict]) -> int:
    """Prompt tokens of one request, estimated from its characters."""
    return sum(math.ceil(len(m["content"]) / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE for m in chat)


class EndpointJudgeScorer:
    """Rates rows through a :class:`JudgeServer` with a :class:`JudgePrompt`."""

    cacheable = True

    def __init__(self, server: JudgeServer, prompt: JudgePrompt, concurrency: int = 4):
        if concurrency < 1:
            raise JudgeServerError(f"concurrency {concurrency}: give at least 1")
        self.server = server
        self.prompt = prompt
        self.concurrency = concurrency
        self.description = {
            "kind": "judge-endpoint",
            "model": server.model,
            "endpoint": server.base_url,
            "method": METHOD,
            "prompt": prompt.describe(),
            "parameters": server.parameters(),
        }
        from core.scoring.scorers import description_key

        self.key = description_key(self.description)
        self.cache: RequestCache | None = None
        #: Set by a front end to stop a run that is waiting on the server (checked every 0.2 s;
        #: closing the generator only works between the batches it yields).
        self.cancel_event: threading.Event | None = None
        self._passing: set[int] = set()  # rows whose failure is not the judge's answer

    # -- plumbing for score_dataset --------------------------------------------------------------

    def use_store(self, store) -> None:
        """Read and keep answers in ``store``'s per-request cache."""
        self.cache = RequestCache(store)

    def lasting(self, batch: ScoredBatch) -> ScoredBatch:
        """``batch`` without the rows whose request failed (those are asked again next run)."""
        keep = np.array([int(r) not in self._passing for r in batch.rows], dtype=bool)
        if keep.all():
            return batch
        rows = batch.rows[keep]
        kept = set(rows.tolist())
        return replace(
            batch,
            rows=rows,
            scores=batch.scores[keep],
            truncated=batch.truncated[keep],
            unscorable=batch.unscorable[keep],
            reasons={r: w for r, w in batch.reasons.items() if r in kept},
            entropy=None if batch.entropy is None else batch.entropy[keep],
            texts=None
            if batch.texts is None
            else {r: t for r, t in batch.texts.items() if r in kept},
        )

    def cache_details(self, store, scorer_id: int, dataset: Dataset, batch: ScoredBatch) -> None:
        """Keep each row's entropy, reason and raw answer beside its cached score."""
        details.put(store, scorer_id, dataset, batch)

    def cached_details(
        self, store, scorer_id: int, dataset: Dataset, batch: ScoredBatch
    ) -> ScoredBatch:
        """A cached batch with its entropies, reasons and raw answers read back."""
        return details.restore(store, scorer_id, dataset, batch)

    def connect(self) -> None:
        """Probe the server now (once per process), so a wrong URL fails before a run starts."""
        self.server.probe(self.cancel_event or threading.Event())

    def requests_per_second(self) -> float:
        """The live request rate (for progress displays)."""
        return self.server.requests_per_second()

    # -- requests --------------------------------------------------------------------------------

    def chat(self, dataset: Dataset, i: int) -> list[dict]:
        """The messages sent for row ``i`` (the server applies its own chat template)."""
        piece = row_text(dataset.conversation(i), dataset.prompts[i], dataset.responses[i])
        return messages(self.prompt, render(self.prompt, piece))

    def _key(self, chat: list[dict]) -> bytes:
        return request_key(chat, self.server.base_url, self.server.model, self.server.parameters())

    def estimate(
        self,
        dataset: Dataset,
        rows: np.ndarray,
        price_in: float | None = None,
        price_out: float | None = None,
    ) -> RunEstimate:
        """Requests, tokens and cost for ``rows`` (those the score cache lacks), sending none.

        Prices are dollars per million tokens; output tokens are an upper bound (one token per
        request with log-probabilities, :data:`TEXT_TOKENS` without, and the server's mode may
        not be known yet).
        """
        chats: dict[bytes, list[dict]] = {}
        count: dict[bytes, int] = {}
        for i in rows.tolist():
            chat = self.chat(dataset, i)
            key = self._key(chat)
            chats.setdefault(key, chat)
            count[key] = count.get(key, 0) + 1
        known = self.cache.get_many(list(chats)) if self.cache is not None else {}
        todo = [chat for key, chat in chats.items() if key not in known]
        input_tokens = sum(estimate_tokens(c) for c in todo)
        output_tokens = len(todo) * (1 if self.server.mode == "logprobs" else TEXT_TOKENS)
        cost = (
            None
            if price_in is None or price_out is None
            else (input_tokens * price_in + output_tokens * price_out) / 1e6
        )
        return RunEstimate(
            len(dataset),
            len(dataset) - len(rows) + sum(count[k] for k in known),
            len(todo),
            input_tokens,
            output_tokens,
            cost,
        )

    def score(self, dataset: Dataset, rows: np.ndarray) -> Generator[ScoredBatch, None, None]:
        """Ratings as they arrive: cached answers first, then the server's, in small batches."""
        by_key: dict[bytes, list[int]] = {}
        chats: dict[bytes, list[dict]] = {}
        for i in rows.tolist():
            chat = self.chat(dataset, i)
            key = self._key(chat)
            by_key.setdefault(key, []).append(i)
            chats.setdefault(key, chat)
        known = self.cache.get_many(list(by_key)) if self.cache is not None else {}
        answered = [(i, reply) for key, reply in known.items() for i in by_key[key]]
        for start in range(0, len(answered), 4096):
            yield self._batch(answered[start : start + 4096])
        todo = [key for key in by_key if key not in known]
        if todo:
            yield from self._ask(todo, by_key, chats)

    def _ask(
        self, todo: list[bytes], by_key: dict[bytes, list[int]], chats: dict[bytes, list[dict]]
    ) -> Iterator[ScoredBatch]:
        stop = threading.Event()
        self.server.probe(stop)
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="judge-request")
        flying: dict = {}
        waiting = iter(todo)
        buffer: list[tuple[bytes, Reply]] = []
        flushed = time.monotonic()
        down = 0
        try:
            more = True
            while more or flying:
                if self.cancel_event is not None and self.cancel_event.is_set():
                    return
                while more and len(flying) < 2 * self.concurrency:
                    key = next(waiting, None)
                    if key is None:
                        more = False
                        break
                    flying[pool.submit(self.server.rate, chats[key], stop)] = key
                done, _ = wait(list(flying), timeout=0.2, return_when=FIRST_COMPLETED)
                fatal = None
                for future in done:
                    key = flying.pop(future)
                    try:
                        reply = future.result()
                    except JudgeServerError as exc:  # the key refused, no such model
                        fatal = exc
                        continue
                    buffer.append((key, reply))
                    down = 0 if reply.lasting else down + 1
                if fatal is not None:
                    if buffer:
                        yield self._flush(buffer, by_key)
                    raise fatal
                if down >= DOWN_AFTER:
                    last = buffer[-1][1].reason or ""
                    yield self._flush(buffer, by_key)
                    raise JudgeServerError(
                        f"the judge server {self.server.base_url} stopped answering "
                        f"({last.removeprefix('unscorable: ')}); every answer so far is kept "
                        "and a new run resumes from there"
                    )
                if buffer and (
                    len(buffer) >= FLUSH_ROWS
                    or not (more or flying)
                    or time.monotonic() - flushed >= FLUSH_SECONDS
                ):
                    yield self._flush(buffer, by_key)
                    buffer = []
                    flushed = time.monotonic()
        except Cancelled:
            return
        finally:
            stop.set()
            for future in flying:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _flush(self, buffer: list[tuple[bytes, Reply]], by_key) -> ScoredBatch:
        if self.cache is not None:
            self.cache.put_many(buffer)
        return self._batch([(i, reply) for key, reply in buffer for i in by_key[key]])

    def _batch(self, answered: list[tuple[int, Reply]]) -> ScoredBatch:
        rows = np.array([i for i, _ in answered], dtype=np.int64)
        scores = np.array(
            [np.nan if r.score is None else r.score for _, r in answered], dtype=np.float32
        )
        entropy = np.array(
            [np.nan if r.entropy is None else r.entropy for _, r in answered], dtype=np.float32
        )
        unscorable = ~np.isfinite(scores)
        reasons = {
            i: r.reason or "unscorable: no rating"
            for (i, r), bad in zip(answered, unscorable, strict=True)
            if bad
        }
        entropy[unscorable] = np.nan
        for i, r in answered:
            if r.lasting:
                self._passing.discard(i)
            else:
                self._passing.add(i)
        texts = {i: r.text for i, r in answered if r.text is not None}
        return ScoredBatch(
            rows,
            scores,
            np.zeros(len(rows), dtype=bool),
            unscorable,
            reasons,
            entropy=entropy,
            texts=texts or None,
        )


def make_endpoint_scorer(settings, timeout: float | None = None) -> EndpointJudgeScorer:
    """The endpoint judge the settings describe (``model`` is the server's model name)."""
    prompt = resolve_prompt(settings.judge_preset, settings.judge_prompt, settings.judge_scale)
    if not settings.model or settings.model == "heuristic":
        raise JudgeServerError("a judge server needs the model name it serves (--judge-model NAME)")
    server = JudgeServer(
        settings.judge_endpoint,
        settings.model,
        prompt.low,
        prompt.high,
        per_minute=settings.judge_rpm,
        timeout=timeout or settings.judge_timeout or DEFAULT_TIMEOUT,
    )
    return EndpointJudgeScorer(server, prompt, settings.judge_concurrency)
