"""Qt's X11 (xcb) plugin needs a few libraries a fresh Linux box may lack: say which, in a line.

Without them Qt prints a generic "could not load the Qt platform plugin" message and aborts
the process, which Python cannot catch. Checking first lets Thresher name the packages to
install instead.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: Libraries Qt 6's xcb plugin loads that desktop installs usually have but minimal ones lack,
#: with the Debian/Ubuntu package that provides each.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
}


def _loadable(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: dict | None = None, platform: str | None = None) -> bool:
    """Whether Qt will pick its X11 plugin here (Linux, an X display, no other platform set)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or chosen not in ("", "xcb"):
        return False
    return chosen == "xcb" or (bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY"))


def missing_xcb_packages() -> list[str]:
    """The packages to install for Qt's xcb plugin (empty when everything loads)."""
    return [package for soname, package in XCB_LIBRARIES.items() if not _loadable(soname)]


def xcb_hint() -> str | None:
    """One line saying what to install, or None when the window can open."""
    if not uses_xcb():
        return None
    missing = missing_xcb_packages()
    if not missing:
        return None
    return (
        f"error: Qt's X11 plugin needs {', '.join(missing)}: install with "
        f"'sudo apt install {' '.join(missing)}' (or your system's equivalent), "
        "or run 'python main.py --screenshot shot.png' / 'python main.py inspect FILE'"
    )
