"""Thresher's entry point: the desktop app, a command-line subcommand, or the self-test.

``python main.py [FILE]`` opens the app; ``python main.py --screenshot PNG [FILE]`` renders the
main window offscreen and exits; ``python main.py inspect FILE`` (and the other subcommands)
run headless without importing Qt; ``python main.py --self-test`` builds a tiny model, scores
and exports the bundled sample, draws the window offscreen, and exits 0 if all went well. The
frozen build (``Thresher``) takes the same arguments.
"""

from __future__ import annotations

import os
import sys

from core.std_streams import ensure_std_streams

# A windowed build has no console: give print, tqdm and transformers' logging a log file before
# any of them is imported.
ensure_std_streams()

# Offline by default: the Hugging Face libraries read these at import time, so set them before
# anything can import them. Downloading a model is an explicit action that lifts them.
# ``download`` and ``score --download`` are those actions.
if not (sys.argv[1:2] == ["download"] or "--download" in sys.argv[1:]):
    for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(_name, "1")


def main(argv: list[str]) -> int:
    """Dispatch to the self-test, the command line or the GUI."""
    from cli import SUBCOMMANDS

    if argv[:1] == ["--self-test"]:
        from core.self_test import run_self_test
        from gui.self_test import window_step

        return run_self_test([("draw the main window offscreen", window_step)])
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version")):
        from cli import main as cli_main

        return cli_main(argv)
    if argv and not argv[0].startswith("-") and not os.path.exists(argv[0]):
        from cli import closest_command

        meant = closest_command(argv[0])
        if meant is not None:  # ``inpsect FILE`` is a typo, not a file to open
            print(
                f"error: unknown command {argv[0]!r}; did you mean {meant!r}? "
                f"(python main.py --help lists the commands)",
                file=sys.stderr,
            )
            return 2
    from gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    # A frozen build starts the loader's worker processes by running itself: let them work.
    # The map's PaCMAP fit runs in a spawned child; in the frozen build that child is this
    # executable, and freeze_support turns it into the child instead of a second app.
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main(sys.argv[1:]))
