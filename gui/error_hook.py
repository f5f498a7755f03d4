"""The one error boundary: every failure is logged and shown, never allowed to pass silently.

Two ways in. Background jobs hand their exception to :func:`report_failure` (through their
``failed`` signal); anything uncaught, on any thread, goes through the hook that
:func:`install_error_hook` installs. Either way a :class:`~core.errors.ThresherError` (a bad
file, a model that cannot load, an invalid rule) is shown as its own message, plainly, while
anything else is shown with its type, so an unexpected bug is never dressed up as advice, and
is logged with its traceback.
"""

from __future__ import annotations

import logging
import sys
import threading

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from core.errors import ThresherError
from gui.widgets.text_widgets import plain_message

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries an error report from any thread to the GUI thread."""

    raised = Signal(str)


def install_error_hook(parent: QWidget | None = None) -> None:
    """Route uncaught exceptions (any thread) to the log and a non-modal message box."""
    relay = _Relay()
    relay.raised.connect(lambda text: _show(parent, text))

    def hook(exc_type, exc, tb) -> None:
        log.error("uncaught exception", exc_info=(exc_type, exc, tb))
        relay.raised.emit(f"{exc_type.__name__}: {exc}")

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(args.exc_type, args.exc_value, args.exc_traceback)
    install_error_hook.relay = relay  # keep the relay alive as long as the hook


def _show(parent: QWidget | None, text: str) -> None:
    QTimer.singleShot(
        0,
        lambda: _show_once(
            parent,
            "Thresher: unexpected error",
            "Something went wrong; your work on disk is unaffected.\n\n" + text,
            QMessageBox.Icon.Critical,
        ),
    )


def log_failure(what: str, exc: BaseException) -> str:
    """Log ``exc`` (with its traceback unless it is a ThresherError); the text to show for it.

    For failures a dock shows in its own status line rather than in a box.
    """
    text = failure_text(exc)
    if isinstance(exc, ThresherError):
        log.warning("%s: %s", what, text)
    else:
        log.error("%s: %s", what, text, exc_info=(type(exc), exc, exc.__traceback__))
    return text


def failure_text(exc: BaseException) -> str:
    """What the curator reads: a ThresherError's message, or the type and message of a bug."""
    if isinstance(exc, ThresherError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


#: Non-modal boxes still open, by what they say: the same failure again raises the open box
#: (with a count) instead of stacking one more on top of it. It also keeps boxes shown without a
#: parent alive until they are closed.
_open: dict[tuple[int, str, str], tuple[QMessageBox, list[int]]] = {}


def _show_once(
    parent: QWidget | None, title: str, text: str, icon: QMessageBox.Icon
) -> QMessageBox:
    """Show a non-modal box, or bring back the open one that says the same and count it."""
    key = (id(parent), title, text)
    if key in _open:
        box, seen = _open[key]
        seen[0] += 1
        box.setText(f"{text}\n\n(This happened {seen[0]} times.)")
        box.raise_()
        box.activateWindow()
        return box
    box = plain_message(parent, title, text, icon)
    box.setModal(False)
    _open[key] = (box, [1])
    box.finished.connect(lambda _result: _open.pop(key, None))
    box.destroyed.connect(lambda *_: _open.pop(key, None))
    box.show()
    return box


def report_failure(
    parent: QWidget | None, title: str, exc: BaseException, note: str = "", modal: bool = False
) -> QMessageBox:
    """Log ``exc`` and show it in a box titled ``title``; returns the box.

    ``note`` follows the message (e.g. "Your decisions on disk are unaffected."). The box is
    non-modal unless ``modal`` (a file that cannot be opened leaves nothing else to do: the
    curator answers the box before choosing another); a modal box has been closed on return.
    The same failure again brings back its open non-modal box with a count, so a retried job
    never stacks identical boxes.
    """
    text = log_failure(title, exc)
    icon = QMessageBox.Icon.Warning if isinstance(exc, ThresherError) else QMessageBox.Icon.Critical
    message = text + (f"\n\n{note}" if note else "")
    if modal:
        box = plain_message(parent, f"Thresher: {title}", message, icon)
        box.exec()
        return box
    return _show_once(parent, f"Thresher: {title}", message, icon)
