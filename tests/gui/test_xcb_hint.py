"""On Linux without Qt's xcb libraries the app says what to install, in one line."""

from __future__ import annotations

import pytest

from gui import xcb_check
from gui.app import run_app


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"DISPLAY": ":0"}, "darwin", False),
        ({}, "linux", False),
    ],
)
def test_the_check_applies_only_where_qt_picks_xcb(environ, platform, expected):
    assert xcb_check.uses_xcb(environ, platform) is expected


def test_missing_libraries_give_one_line_naming_the_packages(monkeypatch, capsys):
    monkeypatch.setattr(xcb_check.sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(xcb_check, "_loadable", lambda soname: "cursor" not in soname)
    assert run_app([]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "libxcb-cursor0" in err and "sudo apt install libxcb-cursor0" in err
    assert "libxcb-icccm4" not in err


def test_nothing_is_said_when_the_libraries_load(monkeypatch):
    monkeypatch.setattr(xcb_check.sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(xcb_check, "_loadable", lambda soname: True)
    assert xcb_check.xcb_hint() is None
