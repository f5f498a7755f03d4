"""A reference edited or removed after the check: every user of the check says it is stale.

The curator checked a training file against an evaluation set, then the evaluation set grew
(a prompt appended) or was deleted. The saved check proves nothing about the new version, so
``curate --drop-overlap`` refuses in one line, ``overlap --status`` says which file and exits
1, and an export's manifest records that the check is stale.
"""

from __future__ import annotations

import shutil

import orjson

from cli import main as cli_main
from core.overlap.references import ReferenceInfo
from core.overlap.staleness import (
    CHANGED,
    CURRENT,
    MISSING,
    file_sha256,
    reference_states,
    stale_reason,
)


def _checked(injected, tmp_path):
    reference = tmp_path / "vicuna_copy.jsonl"
    shutil.copy(injected.vicuna, reference)
    project = tmp_path / "p.thresher"
    assert (
        cli_main(
            [
                "overlap",
                str(injected.path),
                "--against",
                str(reference),
                "--exact",
                "-o",
                str(tmp_path / "o.csv"),
                "--project",
                str(project),
            ]
        )
        == 0
    )
    return reference, project


def _curate(injected, tmp_path, project, *extra):
    out = tmp_path / "curated.jsonl"
    code = cli_main(
        [
            "curate",
            str(injected.path),
            "--keep-all",
            "--keep-duplicates",
            "-o",
            str(out),
            "--project",
            str(project),
            *extra,
        ]
    )
    return code, out


def test_reference_states_say_unchanged_changed_and_missing(tmp_path):
    same, edited, gone = (tmp_path / name for name in ("same.jsonl", "edited.jsonl", "gone"))
    for path in (same, edited):
        path.write_text('{"prompt": "What is two plus two?"}\n')
    infos = [ReferenceInfo(str(path), file_sha256(path), 1, 0) for path in (same, edited)]
    infos.append(ReferenceInfo(str(gone), "b" * 64, 1, 0))
    assert stale_reason(reference_states(infos[:2])) is None
    edited.write_text('{"prompt": "What is two plus two?"}\n{"prompt": "And three?"}\n')
    states = reference_states(infos)
    assert [s.state for s in states] == [CURRENT, CHANGED, MISSING]
    reason = stale_reason(states)
    assert "\n" not in reason and str(edited) in reason and str(gone) in reason
    assert str(same) not in reason


def test_status_is_clean_until_the_reference_is_edited(injected, tmp_path, capsys):
    reference, project = _checked(injected, tmp_path)
    capsys.readouterr()
    status = ["overlap", str(injected.path), "--status", "--project", str(project)]
    assert cli_main(status) == 0
    out = capsys.readouterr().out
    assert f"{reference}:" in out and "unchanged" in out
    with open(reference, "ab") as handle:
        handle.write(b'{"question_id": 81, "text": "Write a haiku about leaked benchmarks."}\n')
    assert cli_main(status) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "stale" in err[0] and f"{reference} changed since the check" in err[0]
    assert cli_main([*status, "--json"]) == 1
    summary = orjson.loads(capsys.readouterr().out)
    assert summary["references"][0]["unchanged_since_check"] is False
    assert summary["stale"].startswith("the last overlap check is stale")


def test_curate_refuses_to_drop_on_a_stale_check_in_one_line(injected, tmp_path, capsys):
    reference, project = _checked(injected, tmp_path)
    reference.write_bytes(reference.read_bytes().replace(b"?", b"!"))  # edited in place
    capsys.readouterr()
    code, out = _curate(injected, tmp_path, project, "--drop-overlap", "exact")
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert f"{reference} changed since the check" in err[0] and "re-run" in err[0]
    assert not out.exists()
    reference.unlink()
    assert _curate(injected, tmp_path, project, "--drop-overlap", "exact")[0] == 1
    assert "is missing (moved or deleted)" in capsys.readouterr().err


def test_the_manifest_records_a_stale_check(injected, tmp_path, capsys):
    reference, project = _checked(injected, tmp_path)
    code, _ = _curate(injected, tmp_path, project)  # not relying on the check: exports
    assert code == 0
    manifest = orjson.loads((tmp_path / "curated.manifest.json").read_bytes())
    assert manifest["overlap"]["stale"] is None
    assert manifest["overlap"]["references"][0]["unchanged_since_check"] is True
    reference.unlink()
    assert _curate(injected, tmp_path, project)[0] == 0
    manifest = orjson.loads((tmp_path / "curated.manifest.json").read_bytes())
    assert "missing" in manifest["overlap"]["stale"]
    assert manifest["overlap"]["references"][0]["unchanged_since_check"] is False
    capsys.readouterr()


def _export(injected, tmp_path, project):
    out = tmp_path / "exported.jsonl"
    code = cli_main(["export", str(injected.path), "-o", str(out), "--project", str(project)])
    return code, out


def _saved_rule(tmp_path):
    manifest = orjson.loads((tmp_path / "exported.manifest.json").read_bytes())
    return manifest["rule"]["drop_overlap"]


def test_a_refused_curate_leaves_the_projects_rule_as_it_was(injected, tmp_path, capsys):
    reference, project = _checked(injected, tmp_path)
    assert _curate(injected, tmp_path, project)[0] == 0  # no overlap dropped
    # The check looked at exact only: a rule dropping semantic overlap is refused, unsaved.
    assert _curate(injected, tmp_path, project, "--drop-overlap", "semantic")[0] == 1
    assert _export(injected, tmp_path, project)[0] == 0
    assert _saved_rule(tmp_path) == []
    # A stale check: a rule dropping exact overlap is refused, unsaved.
    with open(reference, "ab") as handle:
        handle.write(b'{"question_id": 81, "text": "Write a haiku about leaked benchmarks."}\n')
    assert _curate(injected, tmp_path, project, "--drop-overlap", "exact")[0] == 1
    assert _export(injected, tmp_path, project)[0] == 0
    assert _saved_rule(tmp_path) == []
    capsys.readouterr()


def test_export_refuses_a_rule_relying_on_a_stale_check(injected, tmp_path, capsys):
    reference, project = _checked(injected, tmp_path)
    original = reference.read_bytes()
    assert _curate(injected, tmp_path, project, "--drop-overlap", "exact")[0] == 0
    reference.write_bytes(original + b'{"question_id": 81, "text": "A new question?"}\n')
    capsys.readouterr()
    code, out = _export(injected, tmp_path, project)
    assert code == 1 and not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert f"{reference} changed since the check" in err[0]
    assert err[0].count("re-run") == 1  # said once, not twice
    reference.write_bytes(original)  # the very version the check read: trusted again
    assert _export(injected, tmp_path, project)[0] == 0
    assert _saved_rule(tmp_path) == ["exact"]
    capsys.readouterr()
