"""Thresher's entry point: the desktop app, or a command-line subcommand.

``python main.py [FILE]`` opens the app; ``python main.py --screenshot PNG [FILE]`` renders the
main window offscreen and exits; ``python main.py inspect FILE`` (and the other subcommands)
run headless without importing Qt.
"""

from __future__ import annotations

import os
import sys

# Offline by default: the Hugging Face libraries read these at import time, so set them before
# anything can import them. Downloading a model is an explicit action that lifts them.
# ``download`` and ``score --download`` are those actions.
if not (sys.argv[1:2] == ["download"] or "--download" in sys.argv[1:]):
    for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(_name, "1")


def main(argv: list[str]) -> int:
    """Dispatch to the command line or the GUI."""
    from core.cli import SUBCOMMANDS

    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version")):
        from core.cli import main as cli_main

        return cli_main(argv)
    from gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
