"""Replacing a file keeps what the curator set up around it: its link and its permissions."""

from __future__ import annotations

import os
import stat

from core.atomic import atomic_write


def write_text(text: str):
    return lambda handle: handle.write(text.encode())


def test_a_linked_output_updates_the_file_the_link_names(tmp_path):
    real = tmp_path / "exports" / "2026-12-02.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    atomic_write(link, write_text("new\n"))
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() == "new\n"
    assert [p.name for p in real.parent.iterdir()] == [real.name]  # no temporary file left


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    target.chmod(0o640)
    atomic_write(target, write_text("new\n"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text() == "new\n"


def test_a_new_file_gets_ordinary_permissions(tmp_path):
    target = tmp_path / "new.jsonl"
    mask = os.umask(0o022)
    try:
        atomic_write(target, write_text("x\n"))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
