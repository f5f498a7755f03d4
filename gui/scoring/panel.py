"""The scoring panel: choose a model and how to feed it, start, cancel, see progress.

It only collects settings and shows state; runs go through
:class:`gui.scoring.controller.ScoringController` and downloads through
:class:`gui.scoring.model_download.ModelDownload`, both wired by the main window.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.judge.prompts import PRESETS
from core.judge.report import length_bias_line
from core.scoring import DEFAULT_MODEL, FORMATS, HEURISTIC, SEED_TEMPLATE, ScoreConfig
from core.scoring.devices import DTYPE_CHOICES
from core.scoring.heuristics import DEFECTS_NOT_QUALITY, HEURISTIC_THRESHOLD
from core.scoring.model_files import looks_like_path
from core.scoring.run import ScoreSummary
from gui.scoring.judge_server_fields import JudgeServerFields
from gui.widgets.progress import ProgressCancel
from gui.widgets.text_widgets import plain_label

#: The progress bar is redrawn at most this often while a run streams batches.
PROGRESS_REDRAW_S = 0.1
HEURISTIC_LABEL = "Heuristic score (no model)"
REWARD_MODEL_LABEL = "Reward model"
CUSTOM_JUDGE = "custom"
#: The scorer choice for IFD (instruction-following difficulty, :mod:`core.scoring.ifd`).
IFD_CHOICE = "ifd"
AUTO_FORMAT = "auto"
NO_MODEL_NOTE = (
    f"No reward model was found on this machine, so Thresher scores with its "
    f"offline heuristics (0–1; below {HEURISTIC_THRESHOLD} = a defect). "
    f"{DEFECTS_NOT_QUALITY} Download {DEFAULT_MODEL} or choose a model folder to "
    f"use a reward model."
)
#: Shown whenever the heuristic score is the chosen scorer and a model could be used instead.
HEURISTIC_NOTE = DEFECTS_NOT_QUALITY


def judge_lines(judge: dict | None) -> str:
    """A judge run's length bias and mean entropy, as lines for the status (or nothing)."""
    if not judge:
        return ""
    entropy = judge.get("judge_mean_entropy")
    return (
        "\n"
        + length_bias_line(judge.get("judge_length_correlation"))
        + ("" if entropy is None else f"\nMean rating entropy: {entropy:.2f} nats")
    )


def format_eta(seconds: float) -> str:
    """``1:05:03`` / ``4:07`` / ``?``."""
    if seconds < 0 or math.isinf(seconds):
        return "?"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ScoringPanel(QWidget):
    """Model, format, device, dtype and length choices, with Score/Cancel and progress."""

    score_requested = Signal(object)  # ScoreConfig
    cancel_requested = Signal()
    download_requested = Signal(str)
    download_cancel_requested = Signal()
    judge_changed = Signal()

    def __init__(self, recent_models: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._can_score = False  # no dataset yet, or one without responses
        self._running = False
        self._counts: tuple[int, int] | None = None  # the last progress shown
        self._progress_drawn = 0.0  # when the bar was last redrawn
        self.model_combo = QComboBox(self)
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setToolTip(
            "A Hugging Face model id (looked up in the local cache) or a model folder"
        )
        self.set_models(recent_models)
        self.browse_button = QPushButton("Folder…", self)
        self.download_button = QPushButton("Download", self)
        self.download_button.setToolTip(
            "Fetch the model id from the Hugging Face hub into the "
            "local cache (the only time Thresher goes online)"
        )
        # The buttons go under the combo so the model's name gets the whole width of the dock.
        model_buttons = QHBoxLayout()
        model_buttons.addWidget(self.browse_button)
        model_buttons.addWidget(self.download_button)
        model_buttons.addStretch(1)
        model_row = QVBoxLayout()
        model_row.addWidget(self.model_combo)
        model_row.addLayout(model_buttons)

        self.format_combo = QComboBox(self)
        self.format_combo.addItem(AUTO_FORMAT, None)
        self.format_combo.setToolTip(
            "pair: tokenizer(prompt, response) as DeBERTa/BERT reward "
            "models expect; chat: the tokenizer's chat template; "
            "template: your own string. auto: chat if the tokenizer "
            "has a template, else pair"
        )
        for fmt in FORMATS:
            self.format_combo.addItem(fmt, fmt)
        self.template_edit = QLineEdit(SEED_TEMPLATE, self)
        self.template_edit.setToolTip(
            "For the template format: {prompt} and {response} are replaced by the record's text"
        )
        self.device_combo = QComboBox(self)
        self.device_combo.addItems(["auto", "cpu", "cuda", "mps"])
        self.device_combo.setEditable(True)
        self.dtype_combo = QComboBox(self)
        self.dtype_combo.addItems(list(DTYPE_CHOICES))
        self.max_length_spin = QSpinBox(self)
        self.max_length_spin.setRange(0, 32_768)
        self.max_length_spin.setSpecialValueText("model's limit")
        self.output_spin = QSpinBox(self)
        self.output_spin.setRange(0, 64)

        self._build_judge_widgets()
        form = self._form = QFormLayout()
        form.addRow(plain_label("Scorer", self), self.judge_combo)
        form.addRow(plain_label("Judge runs on", self), self.judge_where.where_combo)
        form.addRow(self.judge_where.server_box)
        form.addRow(plain_label("Model", self), model_row)
        self._model_row = model_row
        form.addRow(plain_label("Judge prompt", self), self.judge_prompt_row)
        form.addRow(plain_label("Input format", self), self.format_combo)
        form.addRow(plain_label("Template", self), self.template_edit)
        form.addRow(plain_label("Device", self), self.device_combo)
        form.addRow(plain_label("Precision", self), self.dtype_combo)
        form.addRow(plain_label("Max length", self), self.max_length_spin)
        form.addRow(plain_label("Output index", self), self.output_spin)

        self.score_button = QPushButton("Score", self)
        self.score_button.setDefault(True)
        self.score_button.setToolTip(
            "Score every pair; rows scored before with the same model "
            "and settings come from the cache, so a stopped run resumes"
        )
        self.score_button.setEnabled(False)  # until a dataset is open
        buttons = QHBoxLayout()
        buttons.addWidget(self.score_button)
        buttons.addStretch(1)
        # Stays in view between runs (the dock must not jump), with the last run's count.
        self.progress_cancel = ProgressCancel(self, hide_when_idle=False)
        #: The bar, whose text says rows done, speed and ETA (or files downloaded).
        self.progress = self.progress_cancel.bar
        self.cancel_button = self.progress_cancel.cancel_button
        self.progress.setFormat("")
        self._download_fraction = 0.0
        self.status = plain_label("", self)
        self.status.setWordWrap(True)
        self.note = plain_label("", self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #7a5b00;")

        for combo in (self.model_combo, self.format_combo, self.device_combo, self.dtype_combo):
            # Long model ids must not widen the dock: size to a few characters and elide.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.model_combo.setMinimumContentsLength(len(HEURISTIC_LABEL))
        self.template_edit.setMinimumWidth(120)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.prompt_preview)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_cancel)
        layout.addWidget(self.status)
        layout.addWidget(self.note)
        layout.addStretch(1)

        self.browse_button.clicked.connect(self.choose_folder)
        self.download_button.clicked.connect(self._on_download_clicked)
        self.score_button.clicked.connect(lambda: self.score_requested.emit(self.settings()))
        self.progress_cancel.cancel_requested.connect(self.cancel_requested)
        self.format_combo.currentIndexChanged.connect(self._update_enabled)
        self.model_combo.currentTextChanged.connect(self._update_enabled)
        self.model_combo.currentIndexChanged.connect(self._show_model_start)
        self.judge_combo.currentIndexChanged.connect(self._on_judge_changed)
        self.judge_prompt_edit.editingFinished.connect(self.judge_changed)
        self.judge_scale_edit.editingFinished.connect(self.judge_changed)
        self.judge_browse_button.clicked.connect(self.choose_judge_prompt)
        self.judge_where.changed.connect(self._on_judge_changed)
        self._downloading = False
        self._update_enabled()
        self._show_model_start()
        self._on_judge_changed()

    def _build_judge_widgets(self) -> None:
        """The LLM-judge choices: the scorer kind, a prompt file and scale, the prompt preview."""
        self.judge_combo = QComboBox(self)
        self.judge_combo.setToolTip(
            "Reward model: the model's own score. An LLM judge (AlpaGasus): an instruct model "
            "(hub id, folder or .gguf file) rates each pair; the rating is read from one "
            "forward pass as the expected digit"
        )
        self.judge_combo.addItem(REWARD_MODEL_LABEL, None)
        for name, preset in PRESETS.items():
            self.judge_combo.addItem(f"LLM judge: {preset.label}", name)
        self.judge_combo.addItem("LLM judge: my prompt file…", CUSTOM_JUDGE)
        self.judge_combo.addItem("IFD: instruction-following difficulty", IFD_CHOICE)
        self.judge_combo.setItemData(
            self.judge_combo.count() - 1,
            "A small causal LM (hub id, folder or .gguf) reads each response with and without "
            "its prompt; IFD = loss with / loss without. Higher = harder = more valuable: keep "
            "the top few percent. Rows with IFD > 1 (the prompt does not help) are flagged and "
            "left unranked, so a top-N rule never keeps them.",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.judge_prompt_edit = QLineEdit(self)
        self.judge_prompt_edit.setPlaceholderText("prompt file with {prompt} {response} …")
        self.judge_scale_edit = QLineEdit("1-5", self)
        self.judge_scale_edit.setMaximumWidth(48)
        self.judge_scale_edit.setToolTip("The rating scale, single digits: LOW-HIGH")
        self.judge_browse_button = QPushButton("File…", self)
        self.judge_prompt_row = QWidget(self)
        row = QHBoxLayout(self.judge_prompt_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.judge_prompt_edit, 1)
        row.addWidget(self.judge_scale_edit)
        row.addWidget(self.judge_browse_button)
        self.prompt_preview = QPlainTextEdit(self)
        self.prompt_preview.setReadOnly(True)
        self.prompt_preview.setMaximumHeight(150)
        self.prompt_preview.setToolTip(
            "What the judge reads for the current row (before the model's chat template is applied)"
        )
        self.judge_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.judge_combo.setMinimumContentsLength(8)
        self.judge_where = JudgeServerFields(self)

    def judge_choice(self) -> str | None:
        """The chosen judge preset, ``custom`` for a prompt file, or None for a reward model."""
        return self.judge_combo.currentData()

    def show_prompt_preview(self, text: str) -> None:
        """The rendered judge prompt for the current row (plain text)."""
        self.prompt_preview.setPlainText(text)

    def choose_judge_prompt(self) -> None:
        """Pick a judge prompt file."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a judge prompt file", "", "Text files (*.txt *.md);;All files (*)"
        )
        if path:
            self.judge_prompt_edit.setText(path)
            self.judge_changed.emit()

    def _on_judge_changed(self) -> None:
        choice = self.judge_choice()
        self._form.setRowVisible(self.judge_prompt_row, choice == CUSTOM_JUDGE)
        self.prompt_preview.setVisible(choice not in (None, IFD_CHOICE))
        for widget in (self.format_combo, self.template_edit, self.output_spin):
            # A judge reads its own prompt and one digit: format and output index do not apply.
            self._form.setRowVisible(widget, choice is None)
        server = choice is not None and self.judge_where.on_server()
        self._form.setRowVisible(self.judge_where.where_combo, choice is not None)
        self._form.setRowVisible(self.judge_where.server_box, server)
        self._form.setRowVisible(self._model_row, not server)
        for widget in (self.device_combo, self.dtype_combo, self.max_length_spin):
            self._form.setRowVisible(widget, not server)  # the server decides these
        self.judge_changed.emit()

    # -- settings ------------------------------------------------------------------------------

    def set_models(self, recent: list[str]) -> None:
        """Offer the heuristics, the default model and the recent models."""
        current = self.model_value() if self.model_combo.count() else None
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItem(HEURISTIC_LABEL, HEURISTIC)
        for name in [DEFAULT_MODEL, *[m for m in recent if m != DEFAULT_MODEL]]:
            self.model_combo.addItem(name, name)
        self.model_combo.blockSignals(False)
        if current:
            self.select_model(current)

    def model_value(self) -> str:
        """The chosen model: ``heuristic``, a hub id or a folder."""
        text = self.model_combo.currentText().strip()
        index = self.model_combo.findText(text)
        return self.model_combo.itemData(index) if index >= 0 else text

    def _show_model_start(self) -> None:
        """Show the model's name from its start, and in full in the tooltip.

        An editable combo otherwise scrolls to the end of a long text ("c score (no model)").
        """
        self.model_combo.lineEdit().setCursorPosition(0)
        self.model_combo.setToolTip(
            f"{self.model_combo.currentText()}\n\nA Hugging Face "
            "model id (looked up in the local cache) or a model folder"
        )

    def select_model(self, name: str) -> None:
        """Show ``name`` as the chosen model (adding it when new)."""
        index = self.model_combo.findData(name)
        if index < 0:
            self.model_combo.addItem(name, name)
            index = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(index)

    def settings(self) -> ScoreConfig:
        """The settings the panel shows."""
        fmt = self.format_combo.currentData()
        judge = self.judge_choice()
        if judge == IFD_CHOICE:
            return ScoreConfig(
                model=self.model_value(),
                device=self.device_combo.currentText().strip() or "auto",
                dtype=self.dtype_combo.currentText(),
                max_length=self.max_length_spin.value() or None,
                ifd=True,
            )
        if judge is not None and self.judge_where.on_server():
            custom = judge == CUSTOM_JUDGE
            return ScoreConfig(
                model=self.judge_where.model_edit.text().strip(),
                judge_preset=None if custom else judge,
                judge_prompt=self.judge_prompt_edit.text().strip() if custom else None,
                judge_scale=self.judge_scale_edit.text().strip() if custom else None,
                **self.judge_where.values(),
            )
        if judge is not None:
            custom = judge == CUSTOM_JUDGE
            return ScoreConfig(
                model=self.model_value(),
                device=self.device_combo.currentText().strip() or "auto",
                dtype=self.dtype_combo.currentText(),
                max_length=self.max_length_spin.value() or None,
                judge_preset=None if custom else judge,
                judge_prompt=self.judge_prompt_edit.text().strip() if custom else None,
                judge_scale=self.judge_scale_edit.text().strip() if custom else None,
            )
        return ScoreConfig(
            model=self.model_value(),
            format=fmt,
            template=self.template_edit.text() if fmt == "template" else None,
            device=self.device_combo.currentText().strip() or "auto",
            dtype=self.dtype_combo.currentText(),
            max_length=self.max_length_spin.value() or None,
            output_index=self.output_spin.value(),
        )

    def set_settings(self, settings: ScoreConfig) -> None:
        """Show ``settings`` (restored from a dataset's project)."""
        if not settings.judge_endpoint:  # a server's model name is not a local model
            self.select_model(settings.model)
        self.judge_where.show_settings(settings)
        judge = CUSTOM_JUDGE if settings.judge_prompt else settings.judge_preset
        judge = IFD_CHOICE if settings.ifd else judge
        self.judge_combo.setCurrentIndex(max(0, self.judge_combo.findData(judge)))
        if settings.judge_prompt:
            self.judge_prompt_edit.setText(settings.judge_prompt)
            self.judge_scale_edit.setText(settings.judge_scale or "")
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(settings.format)))
        if settings.template:
            self.template_edit.setText(settings.template)
        self.device_combo.setCurrentText(settings.device)
        self.dtype_combo.setCurrentText(settings.dtype)
        self.max_length_spin.setValue(settings.max_length or 0)
        self.output_spin.setValue(settings.output_index)

    def choose_folder(self) -> None:
        """Pick a local model folder (or, for a judge, a GGUF file)."""
        if self.judge_choice() is not None:
            what = "an IFD model" if self.judge_choice() == IFD_CHOICE else "a judge model"
            path, _ = QFileDialog.getOpenFileName(
                self, f"Choose {what} (GGUF file)", "", "GGUF models (*.gguf)"
            )
            if path:
                self.select_model(path)
                return
        folder = QFileDialog.getExistingDirectory(self, "Choose a reward model folder")
        if folder:
            self.select_model(folder)

    # -- state ---------------------------------------------------------------------------------

    def set_running(self, running: bool) -> None:
        """Enable Cancel while a run is in progress, Score otherwise (with something to score)."""
        self._running = running
        self.score_button.setEnabled(self._can_score and not running)
        if running:
            self._counts = None
            self._progress_drawn = 0.0
            self.progress_cancel.start()
            self.progress.setFormat("starting…")
            return
        self.progress_cancel.finish()
        if self.progress.format() == "starting…":
            self.progress.setFormat("")

    def clear_progress(self) -> None:
        """Another file was opened: the bar and its count belonged to the previous one."""
        self._counts = None
        self.progress_cancel.set_fraction(0.0)
        self.progress.setFormat("")

    def show_stopped(self) -> None:
        """A cancelled or failed run keeps its count, not its speed and ETA (now meaningless)."""
        self.progress.setFormat(
            "" if self._counts is None else f"{self._counts[0]:,} / {self._counts[1]:,}"
        )

    def set_can_score(self, can_score: bool) -> None:
        """Whether there is a dataset with responses to score."""
        self._can_score = can_score
        self.score_button.setEnabled(can_score and not self._running)

    def set_downloading(self, downloading: bool) -> None:
        """Turn the Download button into a Cancel-download button and back."""
        self._downloading = downloading
        self.download_button.setText("Stop download" if downloading else "Download")
        if downloading:
            self._download_fraction = 0.0
            self.progress_cancel.set_fraction(None)  # busy until the file count is known
            self.status.setText(f"Downloading {self.model_value()}…")
        else:
            self.progress_cancel.set_fraction(self._download_fraction)
        self._update_enabled()

    def show_download_progress(self, done: int, total: int) -> None:
        """Files fetched so far."""
        self._download_fraction = done / total if total else 0.0
        self.progress_cancel.set_fraction(self._download_fraction if total else None)
        self.progress.setFormat(f"{done} of {total} files")

    def show_progress(self, done: int, total: int, rate: float, eta: float) -> None:
        """Rows done, pairs per second and the time left (redrawn at most every 100 ms).

        ``QProgressBar.setValue`` repaints at once, on the GUI thread: the heuristic score of
        1M rows streams hundreds of batches, and a repaint each froze the window for seconds.
        """
        self._counts = (done, total)
        now = time.monotonic()
        if done < total and now - self._progress_drawn < PROGRESS_REDRAW_S:
            return
        self._progress_drawn = now
        self.progress_cancel.set_fraction(done / total if total else 1.0)
        # Speed and ETA describe a model; the heuristic score is ready almost at once.
        with_speed = rate and self.model_value() != HEURISTIC
        speed = f" · {rate:,.0f} pairs/s · ETA {format_eta(eta)}" if with_speed else ""
        self.progress.setFormat(f"{done:,} / {total:,}{speed}")

    def show_status(self, text: str) -> None:
        """A line about what is happening."""
        self.status.setText(text)

    def show_summary(self, summary: ScoreSummary, judge: dict | None = None) -> None:
        """How the finished run went (``judge``: a judge's length bias and mean entropy)."""
        parts = [f"Scored {summary.scored:,} of {summary.total:,} pairs"]
        if summary.cached:
            parts.append(f"{summary.cached:,} from the cache")
        if summary.truncated:
            cut = (
                "response end cut"
                if summary.scorer.get("kind") == "judge"
                else ("prompt start cut")
            )
            parts.append(f"{summary.truncated:,} truncated ({cut})")
        if summary.unscorable:
            above = (
                f", {summary.ifd_above_1:,} of them IFD > 1 (flagged ifd_above_1, left unranked)"
                if summary.ifd_above_1
                else ""
            )
            parts.append(f"{summary.unscorable:,} unscorable{above}")
        if summary.computed and summary.scorer.get("model") != HEURISTIC:
            parts.append(f"{summary.pairs_per_second:,.0f} pairs/s")
        scorer = summary.scorer
        if scorer.get("kind") == "ifd":
            self.status.setText(
                "; ".join(parts) + f".\nIFD: {scorer.get('model')}, "
                f"{scorer.get('dtype')}, max {scorer.get('max_length')}; "
                "higher = harder to predict from the prompt = keep the top"
            )
            self.progress_cancel.set_fraction(1.0)
            return
        if scorer.get("kind") in ("judge", "judge-endpoint"):
            prompt = scorer.get("prompt", {})
            where = (
                f"{scorer.get('dtype')}, max {scorer.get('max_length')}"
                if scorer.get("kind") == "judge"
                else f"at {scorer.get('endpoint')}"
            )
            self.status.setText(
                "; ".join(parts) + f".\nJudge: {scorer.get('model')}, prompt "
                f"{prompt.get('name')} ({prompt.get('low')}–{prompt.get('high')}"
                f"), {where}" + judge_lines(judge)
            )
            self.progress_cancel.set_fraction(1.0)
            return
        model = (
            "heuristic score"
            if scorer.get("model") == HEURISTIC
            else (
                f"{scorer.get('model')} @ {str(scorer.get('revision', ''))[:12]}, "
                f"{scorer.get('format')}, {scorer.get('dtype')}, max {scorer.get('max_length')}"
            )
        )
        self.status.setText("; ".join(parts) + f".\nScorer: {model}")
        self.progress_cancel.set_fraction(1.0)

    def show_note(self, text: str) -> None:
        """A standing note (e.g. that the heuristics are in use because no model was found)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _on_download_clicked(self) -> None:
        if self._downloading:
            self.download_cancel_requested.emit()
        else:
            self.download_requested.emit(self.model_value())

    def _update_enabled(self) -> None:
        uses_model = self.model_value() != HEURISTIC
        for widget in (
            self.format_combo,
            self.device_combo,
            self.dtype_combo,
            self.max_length_spin,
            self.output_spin,
        ):
            widget.setEnabled(uses_model)
        self.template_edit.setEnabled(uses_model and self.format_combo.currentData() == "template")
        value = self.model_value()
        self.download_button.setEnabled(
            self._downloading or (uses_model and bool(value) and not looks_like_path(value))
        )
