"""Downloading a model in a child process (``main.py download --json``), with progress and cancel.

A child process keeps the network out of the app process (which stays offline, with
``HF_HUB_OFFLINE`` set before any Hugging Face import) and makes cancelling a download as simple
and safe as ending the process; the hub cache tolerates interrupted downloads.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from core.scoring.download import DownloadError

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def download_command(model: str) -> tuple[str, list[str]]:
    """The program and arguments that download ``model`` (frozen app or source checkout)."""
    if getattr(sys, "frozen", False):
        return sys.executable, ["download", model, "--json"]
    main = Path(__file__).resolve().parent.parent / "main.py"
    return sys.executable, [str(main), "download", model, "--json"]


class ModelDownload(QObject):
    """One download at a time; reports file progress, success or a readable failure."""

    progressed = Signal(int, int)  # files done, files total
    succeeded = Signal(str, str)  # model, folder
    failed = Signal(object)  # the exception: a DownloadError, or the child's crash

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._model = ""
        self._buffer = b""
        self._result: dict | None = None

    @property
    def running(self) -> bool:
        """Whether a download is in progress."""
        return self._process is not None

    def start(self, model: str) -> None:
        """Download ``model`` into the Hugging Face cache."""
        self.cancel()
        self._model, self._buffer, self._result = model, b"", None
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        for name in OFFLINE_VARIABLES:
            environment.remove(name)
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_output)
        process.finished.connect(self._on_finished)
        program, arguments = download_command(model)
        self._process = process
        process.start(program, arguments)

    def cancel(self) -> None:
        """Stop the download in progress (what was fetched so far stays in the cache)."""
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect(self._on_finished)
            process.kill()
            process.waitForFinished(5000)
            process.deleteLater()

    def _read_output(self) -> None:
        if self._process is None:
            return
        self._buffer += bytes(self._process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                message = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if "result" in message:
                self._result = message["result"]
            elif message.get("total"):
                self.progressed.emit(int(message["done"]), int(message["total"]))

    def _on_finished(self, exit_code: int, _status) -> None:
        if self._process is None:
            return
        self._read_output()
        process, self._process = self._process, None
        errors = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
        process.deleteLater()
        if exit_code == 0 and self._result is not None:
            self.succeeded.emit(self._model, self._result["path"])
        else:
            self.failed.emit(child_failure(exit_code, errors))


def child_failure(exit_code: int, errors: str) -> Exception:
    """The exception a failed download child stands for, from its exit code and stderr.

    The child ends a refusal it knows (offline, no such model, no network) with one
    ``error: …`` line: a :class:`DownloadError`, shown plainly. Anything else is a crash in the
    child: a ``RuntimeError`` naming its last line, with the child's whole stderr (its
    traceback) attached as a note, so the log has it.
    """
    last = errors.splitlines()[-1] if errors else f"exit code {exit_code}"
    if last.startswith("error: "):
        return DownloadError(last.removeprefix("error: "))
    crash = RuntimeError(f"the download process failed ({last})")
    if errors:
        crash.add_note(f"the download process's output:\n{errors}")
    return crash
