"""Where an LLM judge runs: on this machine, or on an OpenAI-compatible server.

For a server the curator gives its base URL and model name, how many requests may be in flight
and a per-minute limit. The API key is never typed into settings: it comes from the
environment or the OS keyring, and the "Keep key…" button only ever writes to the keyring.
The fields hold no state of their own beyond what they show; the panel reads them.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.errors import ThresherError
from core.judge.endpoint_key import key_source, store_key
from gui.error_hook import log_failure
from gui.widgets.text_widgets import plain_label

ON_THIS_MACHINE = "local"
ON_A_SERVER = "server"
DEFAULT_URL = "http://127.0.0.1:8080/v1"


class JudgeServerFields(QWidget):
    """The "runs on" choice and, for a server, its URL, model, concurrency and pace."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.where_combo = QComboBox(self)
        self.where_combo.addItem("This machine (local model)", ON_THIS_MACHINE)
        self.where_combo.addItem("Judge (server): OpenAI-compatible", ON_A_SERVER)
        self.where_combo.setToolTip(
            "A local causal LM (hub id, folder or .gguf file), or a server speaking the OpenAI "
            "API (vLLM, llama.cpp, Ollama, TGI, OpenAI) by base URL and model name"
        )
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText(DEFAULT_URL)
        self.url_edit.setToolTip("The server's base URL, ending in /v1")
        self.model_edit = QLineEdit(self)
        self.model_edit.setPlaceholderText("model name on the server")
        self.concurrency_spin = QSpinBox(self)
        self.concurrency_spin.setRange(1, 256)
        self.concurrency_spin.setValue(4)
        self.concurrency_spin.setToolTip("Requests in flight at once")
        self.rpm_spin = QSpinBox(self)
        self.rpm_spin.setRange(0, 100_000)
        self.rpm_spin.setSpecialValueText("no limit")
        self.rpm_spin.setToolTip("At most this many requests a minute")
        self.key_label = plain_label("", self)
        self.key_label.setWordWrap(True)
        self.key_button = QPushButton("Keep key…", self)
        self.key_button.setToolTip(
            "Store the server's API key in the OS keyring (never in "
            "Thresher's settings or project files)"
        )
        self.server_box = QWidget(self)
        form = QFormLayout(self.server_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(plain_label("URL", self), self.url_edit)
        form.addRow(plain_label("Model", self), self.model_edit)
        pace = QHBoxLayout()
        pace.addWidget(self.concurrency_spin)
        pace.addWidget(plain_label("per minute", self))
        pace.addWidget(self.rpm_spin)
        form.addRow(plain_label("In flight", self), pace)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_label, 1)
        key_row.addWidget(self.key_button)
        form.addRow(plain_label("Key", self), key_row)
        self.where_combo.currentIndexChanged.connect(self._on_where)
        self.url_edit.editingFinished.connect(self._show_key_source)
        self.url_edit.editingFinished.connect(self.changed)
        self.model_edit.editingFinished.connect(self.changed)
        self.key_button.clicked.connect(self.keep_key)
        self._on_where()

    # -- reading and showing -------------------------------------------------------------------

    def on_server(self) -> bool:
        """Whether the judge runs on a server."""
        return self.where_combo.currentData() == ON_A_SERVER

    def url(self) -> str:
        """The server's base URL as typed (or the placeholder's)."""
        return self.url_edit.text().strip() or DEFAULT_URL

    def values(self) -> dict:
        """The :class:`~core.scoring.ScoreConfig` fields for a server judge."""
        return {
            "judge_endpoint": self.url(),
            "judge_concurrency": self.concurrency_spin.value(),
            "judge_rpm": self.rpm_spin.value() or None,
        }

    def show_settings(self, settings) -> None:
        """Show restored settings (a project's last run): where, URL, model, pace."""
        server = bool(settings.judge_endpoint)
        self.where_combo.setCurrentIndex(
            self.where_combo.findData(ON_A_SERVER if server else ON_THIS_MACHINE)
        )
        if server:
            self.url_edit.setText(settings.judge_endpoint)
            self.model_edit.setText(settings.model)
            self.concurrency_spin.setValue(settings.judge_concurrency)
            self.rpm_spin.setValue(settings.judge_rpm or 0)
        self._show_key_source()

    def keep_key(self) -> None:
        """Ask for the key (masked) and store it in the OS keyring."""
        key, ok = QInputDialog.getText(
            self, "API key", f"API key for {self.url()}", QLineEdit.EchoMode.Password
        )
        if not ok or not key.strip():
            return
        try:
            store_key(self.url(), key.strip())
        except ThresherError as exc:
            self.key_label.setText(log_failure("keep the judge server's API key", exc))
            return
        self._show_key_source()

    def _show_key_source(self) -> None:
        self.key_label.setText(key_source(self.url()))

    def _on_where(self) -> None:
        self.server_box.setVisible(self.on_server())
        if self.on_server():
            self._show_key_source()
        self.changed.emit()
