"""Fast candidates, MiniLM verifies: MiniLM's pairs, at MiniLM's threshold, for less MiniLM.

On real prompts (HH-RLHF first turns, GSM8K questions, self-instruct seeds) with planted
paraphrases, the verified run is compared with the exhaustive MiniLM run over the same file:
every pair it reports is one MiniLM reports, with MiniLM's own cosine; it finds nearly all of
MiniLM's pairs; and MiniLM embedded only the texts the fast embedder proposed.
"""

from __future__ import annotations

import gzip
import random
import re

import orjson
import pytest

from core.dedup.calibration import thresholds_to_try
from core.dedup.config import DedupConfig
from core.dedup.edges import SEMANTIC
from core.dedup.embedder_choice import BUNDLED, FAST, VERIFIED, default_threshold
from core.dedup.keep import DUPLICATE
from core.dedup.outcome import build_table
from core.dedup.run import find_duplicates
from core.generators import run_to_end
from core.loading import load
from tests.conftest import fast_embedder_in
from tests.dedup.paraphrase import paraphrase

THRESHOLD = default_threshold(VERIFIED)


@pytest.fixture
def fast_cache(fast_embedder_build, tmp_path):
    built, _ = fast_embedder_build
    return fast_embedder_in(tmp_path / "data", built)


def _planted(shared_data, tmp_path):
    rng = random.Random(5)
    with gzip.open(shared_data / "hh_rlhf_harmless_base_test.jsonl.gz") as handle:
        hh = [
            orjson.loads(line)["chosen"].split("\n\nAssistant:")[0].split("Human: ", 1)[-1]
            for line in handle
        ]
    gsm = [r["instruction"] for r in orjson.loads((shared_data / "gsm_8k_train.json").read_bytes())]
    seeds = [
        orjson.loads(line)["instruction"]
        for line in (shared_data / "seed_tasks.jsonl").read_bytes().splitlines()
    ]
    originals = list(
        dict.fromkeys(rng.sample(hh, 50) + rng.sample(gsm, 30) + rng.sample(seeds, 20))
    )
    copies = [paraphrase(originals[i], rng) for i in rng.sample(range(len(originals)), 25)]
    path = tmp_path / "planted.jsonl"
    path.write_bytes(
        b"".join(orjson.dumps({"prompt": t, "response": "ok"}) + b"\n" for t in originals + copies)
    )
    return load(path)


def _run(dataset, embedder):
    settings = DedupConfig(
        exact=False, near=None, semantic=THRESHOLD, embedder=embedder, device="cpu"
    )
    return run_to_end(find_duplicates(dataset, settings))


def _pairs(result) -> dict[tuple[int, int], float]:
    edges = result.edges[SEMANTIC].at_least(THRESHOLD)
    return {
        (a, b): s
        for a, b, s in zip(
            edges.first.tolist(), edges.second.tolist(), edges.similarity.tolist(), strict=True
        )
    }


def test_verified_pairs_are_minilms_pairs_at_minilms_threshold(fast_cache, shared_data, tmp_path):
    dataset = _planted(shared_data, tmp_path)
    verified, exhaustive = _run(dataset, VERIFIED), _run(dataset, BUNDLED)
    found, truth = _pairs(verified), _pairs(exhaustive)
    assert len(truth) >= 10
    # Every decision is MiniLM's: no pair MiniLM would not make, and MiniLM's own cosine.
    assert set(found) <= set(truth)
    for pair, similarity in found.items():
        assert similarity == pytest.approx(truth[pair], abs=2e-3)
    recall = len(set(found) & set(truth)) / len(truth)
    assert recall >= 0.9, f"recall {recall:.2f} of MiniLM's {len(truth)} pairs"
    # MiniLM embedded only the texts of candidate pairs, not the whole file.
    report = verified.report
    assert 0 < report["verified_texts"] < report["embedded"]
    assert report["candidate_pairs"] > 0
    # The anchored plan keeps the guarantee: a dropped row is at MiniLM's 0.90 to its copy.
    table = build_table(dataset, verified)
    dropped = table.role == DUPLICATE
    assert dropped.any()
    assert (table.similarity[dropped] >= THRESHOLD - 1e-6).all()
    assert any("MiniLM verified" in note for note in table.notes)


def test_closing_the_run_while_minilm_verifies_cancels_it(fast_cache, shared_data, tmp_path):
    """The curator's Cancel during the verify step: the run stops there, nothing is returned."""
    dataset = _planted(shared_data, tmp_path)
    settings = DedupConfig(
        exact=False, near=None, semantic=THRESHOLD, embedder=VERIFIED, device="cpu"
    )
    run = find_duplicates(dataset, settings)
    stages = []
    for step in run:
        stages.append(step.stage)
        if "MiniLM verifies" in step.stage and "loading" not in step.stage:
            break  # MiniLM is loaded and about to embed the candidate texts
    else:
        pytest.fail(f"the run never showed MiniLM verifying: {stages}")
    # The stage says how many of the distinct texts MiniLM embeds: some, not all.
    verifying, distinct = map(int, re.search(r"\((\d+) of (\d+) texts\)", stages[-1]).groups())
    assert 0 < verifying < distinct <= len(dataset)
    assert step.done < step.total
    run.close()
    with pytest.raises(StopIteration):
        next(run)


def test_a_verified_run_is_calibrated_only_from_its_threshold_up():
    # Candidates are tuned to hold MiniLM's pairs at the threshold asked for; a curve below it
    # would undercount what a lower threshold drops, so calibration does not offer it.
    verified = DedupConfig(semantic=0.9, embedder=VERIFIED)
    assert verified.floor(SEMANTIC) == 0.9
    assert thresholds_to_try(verified.floor(SEMANTIC)).min() == 0.9
    assert DedupConfig(semantic=0.9, embedder=FAST).floor(SEMANTIC) < 0.9


def test_on_a_gpu_the_default_lets_minilm_embed_every_text(monkeypatch):
    """A GPU affords MiniLM over every text, so ``verified`` proposes no candidates there."""
    import torch

    from core.dedup import run
    from core.scoring import devices

    report: dict = {}
    assert run.verifies_candidates("cpu", report) and not report
    monkeypatch.setattr(devices, "resolve_device", lambda name: torch.device("cuda"))
    assert not run.verifies_candidates("auto", report)
    assert report["minilm_everywhere"] == "cuda"


def test_the_default_without_candidates_finds_exactly_minilms_pairs(
    fast_cache, shared_data, tmp_path, monkeypatch
):
    """The GPU path (run here on the CPU): the exhaustive MiniLM run's pairs, said so."""
    from core.dedup import run

    def on_a_gpu(device: str, report: dict) -> bool:
        report["minilm_everywhere"] = "cuda"
        return False

    dataset = _planted(shared_data, tmp_path)
    monkeypatch.setattr(run, "verifies_candidates", on_a_gpu)
    everywhere = _run(dataset, VERIFIED)
    assert "candidate_pairs" not in everywhere.report
    assert any("MiniLM embedded all" in line for line in everywhere.notes())
    assert _pairs(everywhere) == pytest.approx(_pairs(_run(dataset, BUNDLED)))
    assert len(_pairs(everywhere)) >= 20  # the planted paraphrases, most of them
