"""Uncaught exceptions are logged and shown, never allowed to end the app silently."""

from __future__ import annotations

import sys
import threading
import traceback

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.widgets.text_widgets import plain_message


class _Relay(QObject):
    """Carries an error report from any thread to the GUI thread."""

    raised = Signal(str)


def install_error_hook(parent: QWidget | None = None) -> None:
    """Route uncaught exceptions (any thread) to stderr and a non-modal message box."""
    relay = _Relay()
    relay.raised.connect(lambda text: _show(parent, text))

    def hook(exc_type, exc, tb) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        print(text, file=sys.stderr)
        relay.raised.emit(f"{exc_type.__name__}: {exc}")

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)
    install_error_hook.relay = relay  # keep the relay alive as long as the hook


def _show(parent: QWidget | None, text: str) -> None:
    box = plain_message(parent, "Thresher: unexpected error",
                        "Something went wrong; your work on disk is unaffected.\n\n" + text,
                        QMessageBox.Icon.Critical)
    box.setModal(False)
    QTimer.singleShot(0, box.show)
