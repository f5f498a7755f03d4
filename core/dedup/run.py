"""A duplicate run over a dataset: each chosen detector in turn, as one cancellable generator.

The app drives it on a worker thread and the command line in a loop; both get
:class:`~core.dedup.progress.DedupProgress` records and, at the end, a
:class:`~core.dedup.result.DuplicateResult`. Closing the generator cancels the run.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence

import numpy as np

from core.dataset import Dataset
from core.dedup.boilerplate import Boilerplate, find_boilerplate, strip_texts
from core.dedup.config import DedupConfig, DedupSettingsError
from core.dedup.edges import (
    EXACT,
    KINDS,
    NEAR,
    SEMANTIC,
    Edges,
    concatenate,
    copy_edges,
    first_rows,
)
from core.dedup.embedder_choice import VERIFIED
from core.dedup.exact import exact_keys
from core.dedup.near import near_edges
from core.dedup.normalize import field_texts
from core.dedup.progress import DedupProgress
from core.dedup.result import DuplicateResult
from core.scoring.model_files import ModelFiles
from core.unique import factorize_texts

#: Distinct texts up to which a CPU compares every pair; past it, nearby partitions only
#: (:mod:`core.dedup.partitioned`): 100k texts in seconds instead of minutes.
CPU_EXACT_LIMIT = 20_000


def find_duplicates(
    dataset: Dataset, settings: DedupConfig
) -> Generator[DedupProgress, None, DuplicateResult]:
    """Run the detectors ``settings`` asks for over ``dataset``."""
    check_fields(dataset, settings)
    started = time.perf_counter()
    embedder = None
    if settings.semantic is not None:
        # Find the embedding model first: a missing one fails the run before minutes of work.
        from core.dedup.embedder import embedder_files

        embedder = embedder_files(settings.embedder)
    edges: dict[int, Edges] = {}
    keys = None
    report: dict = {"boilerplate": {}}
    if settings.exact:
        keys = yield from exact_keys(dataset, settings.exact_on)
        edges[EXACT] = copy_edges(EXACT, keys)
    if settings.near is not None:
        texts = yield from _compared_texts(dataset, settings, NEAR, report)
        edges[NEAR] = yield from near_edges(texts, settings.floor(NEAR), settings.shingle_words)
    vector_rows = np.zeros(0, np.int64)
    vectors = np.zeros((0, 0), np.float16)
    if settings.semantic is not None:
        texts = yield from _compared_texts(dataset, settings, SEMANTIC, report)
        edges[SEMANTIC], vector_rows, vectors = yield from _semantic(
            texts, settings, embedder, report
        )
    floors = {kind: settings.floor(kind) for kind in edges}
    return DuplicateResult(
        settings,
        len(dataset),
        dataset.source_sha256,
        edges,
        floors,
        keys,
        vector_rows,
        vectors,
        time.perf_counter() - started,
        report,
    )


def check_fields(dataset: Dataset, settings: DedupConfig) -> None:
    """Refuse comparing responses of a prompt-only file: every empty response is the same."""
    if not dataset.prompt_only:
        return
    on_response = [KINDS[kind] for kind in settings.kinds() if settings.field(kind) == "response"]
    if on_response:
        raise DedupSettingsError(
            f"{dataset.path}: the file has prompts only, so "
            f"{on_response[0]} matching on responses has nothing to compare; "
            "compare on prompt or pair"
        )


def _compared_texts(
    dataset: Dataset, settings: DedupConfig, kind: int, report: dict
) -> Generator[DedupProgress, None, Sequence[str]]:
    """The field ``kind`` compares; its shared boilerplate is noted, and removed if asked."""
    field = settings.field(kind)
    texts = field_texts(dataset, field)
    found = report["boilerplate"].get(field)
    if found is None:
        yield DedupProgress("looking for shared boilerplate", 0, 1)
        boilerplate = find_boilerplate(texts, field)
        report["boilerplate"][field] = boilerplate.to_dict()
    else:
        boilerplate = Boilerplate.from_dict(found)
    return strip_texts(texts, boilerplate) if settings.strip_boilerplate else texts


def _semantic(
    texts: Sequence[str], settings: DedupConfig, files: ModelFiles | None, report: dict
) -> Generator[DedupProgress, None, tuple[Edges, np.ndarray, np.ndarray]]:
    """Embed each distinct text once, then compare; keep every row's vector (Find similar)."""
    from core.dedup.embedder import open_embedder
    from core.dedup.neighbours import cosine_edges

    codes, uniques = factorize_texts(texts)
    report["embedded"] = len(uniques)
    if settings.embedder == VERIFIED and verifies_candidates(settings.device, report):
        from core.dedup.verified import verified_edges

        assert files is not None  # embedder_files(VERIFIED) always locates MiniLM
        found, unique_vectors = yield from verified_edges(
            list(uniques),
            settings.floor(SEMANTIC),
            files,
            settings.device,
            report,
            settings.threshold(SEMANTIC),
        )
        return _semantic_edges(codes, len(uniques), found, unique_vectors)
    embedder = yield from open_embedder(settings.embedder, files, settings.device)
    unique_vectors = yield from embedder.embed(list(uniques))
    report["truncated"] = int(getattr(embedder, "truncated", 0))
    report["max_tokens"] = getattr(embedder, "max_length", None)
    report["max_chars"] = getattr(embedder, "max_chars", None)
    if embedder.device.type == "cpu" and len(unique_vectors) > CPU_EXACT_LIMIT:
        from core.dedup.partitioned import partitioned_edges

        found = yield from partitioned_edges(unique_vectors, settings.floor(SEMANTIC))
    else:
        found = yield from cosine_edges(unique_vectors, settings.floor(SEMANTIC), embedder.device)
    return _semantic_edges(codes, len(uniques), found, unique_vectors)


def verifies_candidates(device: str, report: dict) -> bool:
    """Whether a ``verified`` run proposes candidates with the fast embedder on ``device``.

    On a CPU it does: MiniLM over every text costs minutes per 10k prompts there. A GPU embeds
    100k prompts with MiniLM in seconds, so there MiniLM embeds every text and compares them
    all: the same judge at the same threshold, without the candidates' small loss of recall.
    """
    from core.scoring.devices import resolve_device

    kind = resolve_device(device).type
    if kind == "cpu":
        return True
    report["minilm_everywhere"] = kind
    return False


def _semantic_edges(
    codes: np.ndarray, groups: int, found: Edges, unique_vectors: np.ndarray
) -> tuple[Edges, np.ndarray, np.ndarray]:
    """Pairs between distinct texts, mapped to rows, plus copies of one text; row vectors."""
    representatives = first_rows(codes, groups)
    edges = concatenate(SEMANTIC, [copy_edges(SEMANTIC, codes), found.mapped(representatives)])
    # Every row's vector (for Find similar and the Similarity column), as float16.
    return edges, np.arange(len(codes), dtype=np.int64), unique_vectors[codes].astype(np.float16)
