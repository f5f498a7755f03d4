"""A check is remembered in the project, drops rows through the rule, and is in the manifest."""

from __future__ import annotations

import numpy as np
import orjson

from core.export import ExportOptions, export_session
from core.generators import run_to_end
from core.loading import load
from core.overlap.config import OverlapConfig
from core.overlap.run import find_overlap
from core.overlap.storage import load_overlap, restore_overlap, save_overlap
from core.project import ProjectStore
from core.review import ReviewSession, Rule
from core.review.decisions import DROP, KEEP
from core.review.filters import RowFilter


def test_drop_overlap_rule_export_and_manifest(injected, tmp_path):
    dataset = load(injected.path)
    references = [load(injected.koala), load(injected.vicuna)]
    result = run_to_end(find_overlap(dataset, references, OverlapConfig()))
    with ProjectStore(tmp_path / "p.thresher") as store:
        save_overlap(store, result)
        restored = load_overlap(store, dataset.source_sha256, len(dataset))
        assert np.array_equal(restored.level_bits(), result.level_bits())
        assert restored.match_of(next(iter(injected.verbatim))) == result.match_of(
            next(iter(injected.verbatim))
        )
        assert load_overlap(store, "0" * 64, len(dataset)) is None  # another file version

        session = ReviewSession(dataset, store, Rule(mode="all", drop_duplicates=False))
        restore_overlap(session)
        session.set_rule(Rule(mode="all", drop_duplicates=False, drop_overlap=("exact",)))
        exact_rows = result.levels["exact"].matched
        assert (session.final[exact_rows] == DROP).all()
        assert (session.final[~exact_rows] == KEEP).all()
        session.set_rule(session.rule.with_changes(drop_overlap=("exact", "ngram")))
        leaked = list(injected.verbatim) + [
            r for r, (n, line, _) in injected.edited.items() if injected.words[n, line] >= 6
        ]
        assert (session.final[leaked] == DROP).all()
        assert (session.final[injected.background] == KEEP).all()
        shown = RowFilter(overlap="overlapping").mask(session.filter_inputs())
        assert shown.sum() == (result.level_bits() != 0).sum()
        assert not RowFilter(overlap="clean").mask(session.filter_inputs())[leaked].any()

        export_session(session, ExportOptions(tmp_path / "curated.jsonl"))
    manifest = orjson.loads((tmp_path / "curated.manifest.json").read_bytes())
    overlap = manifest["overlap"]
    assert [r["sha256"] for r in overlap["references"]] == [r.source_sha256 for r in references]
    assert overlap["references"][0]["rows"]["exact"] >= 180
    assert overlap["settings"]["ngram_words"] == 13
    assert manifest["rule"]["drop_overlap"] == ["exact", "ngram"]
    kept = (tmp_path / "curated.jsonl").read_bytes().splitlines()
    assert len(kept) == len(dataset) - int((session.final == DROP).sum())


def test_a_project_without_a_check_says_so_in_the_manifest(tmp_path, sample):
    with ProjectStore(tmp_path / "p.thresher") as store:
        session = ReviewSession(sample, store, Rule(mode="all"))
        export_session(session, ExportOptions(tmp_path / "out.jsonl"))
    assert orjson.loads((tmp_path / "out.manifest.json").read_bytes())["overlap"] is None
