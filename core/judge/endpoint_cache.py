"""The endpoint judge's per-request cache in the project file.

Keyed by the request itself (rendered messages, server, model, parameters), so a re-run, a
re-loaded file or a duplicate row sends no request whose answer is already known. Only the
judge's own answers are kept (:attr:`Reply.lasting`); a timeout or a server error is asked
again next time. A table of its own, created on first use.
"""

from __future__ import annotations

import hashlib

import orjson

from core.judge.endpoint_client import Reply

_TABLE = """CREATE TABLE IF NOT EXISTS judge_requests (
    key     BLOB PRIMARY KEY,
    score   REAL,
    entropy REAL,
    text    TEXT,
    reason  TEXT
) WITHOUT ROWID"""


def request_key(messages: list[dict], base_url: str, model: str, parameters: dict) -> bytes:
    """The cache key of one request (sha256 of everything that decides its answer)."""
    return hashlib.sha256(
        orjson.dumps(
            {"messages": messages, "server": base_url, "model": model, "parameters": parameters},
            option=orjson.OPT_SORT_KEYS,
        )
    ).digest()


class RequestCache:
    """Judge answers by request key, read and written on the run's own thread."""

    def __init__(self, store):
        self.store = store
        with store.transaction() as db:
            db.execute(_TABLE)

    def get_many(self, keys: list[bytes]) -> dict[bytes, Reply]:
        """The cached answers among ``keys``."""
        found: dict[bytes, Reply] = {}
        with self.store.transaction() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, score, entropy, text, reason in db.execute(
                    f"SELECT key, score, entropy, text, reason FROM judge_requests "
                    f"WHERE key IN ({marks})",
                    chunk,
                ):
                    found[bytes(key)] = Reply(score, entropy, text, reason)
        return found

    def put_many(self, answers: list[tuple[bytes, Reply]]) -> None:
        """Keep the judge's own answers (one committed transaction)."""
        rows = [(key, r.score, r.entropy, r.text, r.reason) for key, r in answers if r.lasting]
        if rows:
            with self.store.transaction() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO judge_requests "
                    "(key, score, entropy, text, reason) VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
