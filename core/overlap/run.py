"""An overlap run: every chosen level against every reference, as one cancellable generator.

The app drives it on a worker thread and the command line in a loop; both get
:class:`~core.dedup.progress.DedupProgress` records and, at the end, an
:class:`~core.overlap.result.OverlapResult`. Closing the generator cancels the run.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence

from core.dataset import Dataset
from core.dedup.normalize import normalised_texts
from core.dedup.progress import DedupProgress
from core.overlap.config import OverlapConfig
from core.overlap.exact import exact_matches
from core.overlap.matches import LevelMatches
from core.overlap.near import near_matches
from core.overlap.ngrams import build_index, match
from core.overlap.references import ReferenceInfo, check_reference
from core.overlap.result import OverlapResult
from core.overlap.spaceless import spaceless_note, spaceless_share
from core.overlap.texts import field_texts


def find_overlap(
    dataset: Dataset,
    references: Sequence[Dataset],
    settings: OverlapConfig,
    notes: Sequence[str] = (),
) -> Generator[DedupProgress, None, OverlapResult]:
    """Compare ``dataset`` with each of ``references`` at the levels ``settings`` asks for.

    ``notes`` (e.g. the references skipped as empty) go into the result's notes, with one about
    text written without spaces when the word-based levels ran on a real share of it.
    """
    started = time.perf_counter()
    for reference in references:
        check_reference(reference, dataset, settings)
    embedder = None
    if settings.semantic is not None:
        # Find the embedding model first: a missing one fails the run before minutes of work.
        from core.dedup.embedder import sentence_files

        files = sentence_files(settings.embedder)
    n = len(dataset)
    levels = {level: LevelMatches.none(n) for level in settings.levels()}
    texts: dict[tuple[str, bool], Sequence[str]] = {}
    own_vectors = None

    def own_texts(field: str, normalised: bool) -> Sequence[str]:
        if (field, normalised) not in texts:
            raw = field_texts(dataset, field)
            texts[field, normalised] = normalised_texts(raw) if normalised else raw
        return texts[field, normalised]

    for index, reference in enumerate(references):
        found: dict[str, LevelMatches] = {}
        if settings.exact:
            rows, ref_rows = yield from exact_matches(dataset, reference, settings.exact_on)
            found["exact"] = LevelMatches.found(n, index, rows, ref_rows, 1.0)
        if settings.ngram:
            ngram_index = yield from build_index(
                field_texts(reference, settings.ngram_on), settings.ngram_words, settings.min_words
            )
            hits = yield from match(own_texts(settings.ngram_on, False), ngram_index)
            found["ngram"] = LevelMatches.found(
                n, index, hits.rows, hits.ref_rows, hits.coverage, hits.shared, hits.span
            )
        if settings.near is not None:
            rows, ref_rows, similarity = yield from near_matches(
                own_texts(settings.near_on, True),
                normalised_texts(field_texts(reference, settings.near_on)),
                settings.near,
                settings.shingle_words,
            )
            found["near"] = LevelMatches.found(n, index, rows, ref_rows, similarity)
        if settings.semantic is not None:
            if embedder is None:
                # The embedder the name means, as for duplicates: 'fast' is the static model
                # (built on first use), 'bundled' and 'verified' are MiniLM deciding every pair.
                from core.dedup.embedder import open_embedder

                embedder = yield from open_embedder(settings.embedder, files, settings.device)
            from core.overlap.semantic import embed_distinct, semantic_matches

            if own_vectors is None:
                own_vectors = yield from embed_distinct(
                    embedder, own_texts(settings.semantic_on, False)
                )
            rows, ref_rows, cosine = yield from semantic_matches(
                embedder,
                own_vectors,
                field_texts(reference, settings.semantic_on),
                settings.semantic,
            )
            found["semantic"] = LevelMatches.found(n, index, rows, ref_rows, cosine)
        for level, matches in found.items():
            levels[level] = levels[level].better(matches)
    return OverlapResult(
        settings,
        n,
        dataset.source_sha256,
        [ReferenceInfo.of(r) for r in references],
        levels,
        time.perf_counter() - started,
        [r.locations for r in references],
        (*notes, *_spaceless_notes(dataset, references, settings)),
    )


def _spaceless_notes(
    dataset: Dataset, references: Sequence[Dataset], settings: OverlapConfig
) -> list[str]:
    """The note on text without spaces, when word-based levels ran and semantic did not."""
    words = [level for level in ("exact", "ngram", "near") if level in settings.levels()]
    if not words or settings.semantic is not None:
        return []
    field = settings.field(words[0])
    ref_texts = [text for reference in references for text in field_texts(reference, field)]
    note = spaceless_note(spaceless_share(field_texts(dataset, field)), spaceless_share(ref_texts))
    return [note] if note else []
