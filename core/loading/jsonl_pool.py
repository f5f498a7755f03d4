"""Parse a big JSONL file on several cores: runs of lines go to worker processes, in order.

Parsing, normalising and fingerprinting a record is CPU work that holds the GIL, so threads do
not help; processes do. The parent keeps reading the file (it hashes every byte and reports
progress), cuts it into runs of complete lines, and hands each run with its first line number to
a worker, which parses it exactly as a single pass would (same screens, same bad-line reasons)
into a builder set to the schema the parent already detected. A worker sends back the rows'
text but not their original bytes: the parent keeps the run it sent and the offsets of each
row's line in it. Results are merged strictly in file order, so row order and line numbers
are those of a single pass. Workers are started with ``spawn`` (never ``fork``: the GUI process
has threads), and a cancelled load shuts them down.

``spawn`` re-imports the main script in each worker, so a script that calls the loader must do
so under ``if __name__ == "__main__":`` (main.py, the benchmarks and pytest do; a frozen build
calls ``freeze_support``). Where workers cannot start or die, the runs they held are parsed in
this process instead: the load is slower, never wrong.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from core import schemas
from core.loading.builder import DatasetBuilder
from core.loading.source import Source

#: Files smaller than this load in one process: starting workers costs more than it saves.
MIN_POOL_BYTES = 48 << 20
#: At most this many workers, however many cores: merging in the parent becomes the limit.
MAX_WORKERS = 8
#: Runs in flight per worker: enough to keep them busy, few enough to bound memory.
RUNS_AHEAD = 2


def pool_workers(source: Source) -> int:
    """How many worker processes to parse ``source`` with (1: parse in this process)."""
    if source.size < MIN_POOL_BYTES:
        return 1
    override = os.environ.get("THRESHER_LOAD_WORKERS")
    if override is not None and override.isdigit():
        return max(1, min(int(override), MAX_WORKERS))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def parse_run(
    blob: bytes,
    first_line: int,
    path: Path,
    fmt: str,
    compressed: bool,
    mapping: schemas.ColumnMapping | None,
    spec: schemas.SchemaSpec,
) -> tuple:
    """Worker: parse one run of lines with ``spec``; returns the builder's part and blanks."""
    from core.loading.jsonl import take_lines  # here: jsonl imports this module

    builder = DatasetBuilder(path, fmt, compressed, mapping)
    builder.preset(spec)
    blank = take_lines(blob, first_line, builder)  # the run becomes the worker's chunk 0
    return builder.part(sent=0), blank


def _warm() -> None:
    """Worker: import the parser now, while the parent still detects the schema."""
    from core.loading import jsonl  # noqa: F401


class RunPool:
    """Worker processes parsing runs of one file, with their results kept in file order.

    The workers start (and import the parser) as soon as the pool exists; :meth:`start` gives
    them the schema once the parent has detected it.
    """

    def __init__(self, workers: int):
        self._executor = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        self._args: tuple = ()
        self.started = False
        self._pending: deque[tuple[Future, bytes, int]] = deque()
        self._broken = False
        self._limit = workers * RUNS_AHEAD
        try:
            for _ in range(workers):
                self._executor.submit(_warm)
        except (BrokenProcessPool, RuntimeError):
            self._broken = True

    def start(self, builder: DatasetBuilder) -> None:
        """Parse from now on with the schema ``builder`` settled on."""
        self._args = (
            builder.path,
            builder.format,
            builder.compressed,
            builder.mapping,
            builder.spec,
        )
        self.started = True

    def submit(self, blob: bytes, first_line: int) -> None:
        """Queue a run (parsed here at once when the workers are gone)."""
        future: Future = Future()
        if self._broken:
            future.set_result(parse_run(blob, first_line, *self._args))
        else:
            try:
                future = self._executor.submit(parse_run, blob, first_line, *self._args)
            except (BrokenProcessPool, RuntimeError):
                self._broken = True
                future.set_result(parse_run(blob, first_line, *self._args))
        self._pending.append((future, blob, first_line))

    def collect(self, builder: DatasetBuilder, wait: bool) -> int:
        """Merge finished runs into ``builder`` in order; returns their blank lines.

        Waits for the oldest run while too many are in flight, or for all when ``wait``.
        """
        blank = 0
        while self._pending and (
            wait or len(self._pending) > self._limit or self._pending[0][0].done()
        ):
            future, blob, first_line = self._pending.popleft()
            try:
                part, run_blank = future.result()
            except BrokenProcessPool:
                self._broken = True
                part, run_blank = parse_run(blob, first_line, *self._args)
            builder.merge(part, blob)
            blank += run_blank
        return blank

    def close(self) -> None:
        """Stop the workers, dropping runs not started (a cancelled or failed load)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
