"""Thresher's command line: ``python main.py SUBCOMMAND ...``.

Every subcommand lives in its own module, listed in :data:`SUBCOMMANDS` and imported only when it
runs; errors the core raises on purpose are printed as one line on stderr with a non-zero exit
code, never as a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from types import ModuleType

from cli.input_file import forget_unusable, say_unusable
from core.errors import ThresherError
from core.version import APP_NAME, APP_VERSION

#: name -> one-line help. Each subcommand lives in ``cli.<name>_command`` (with
#: ``configure(parser)`` and ``run(args) -> int``) and is imported only when it runs, so
#: ``--help``, ``inspect`` or ``simulate`` never pay for torch or transformers.
SUBCOMMANDS = {
    "inspect": "describe a dataset file and list its unusable lines",
    "score": "score every pair with a reward model and write the scores",
    "dedup": "find exact, near and semantic duplicates; write clusters per record",
    "curate": "score, apply a keep rule and export the curated JSONL in one go",
    "export": "export the kept records of a dataset's project, with a manifest",
    "download": "fetch a reward model (safetensors only) into the local Hugging Face cache",
    "simulate": "estimate OOD performance from size, noise and duplication",
    "overlap": "find records that overlap reference files (eval sets, earlier training data)",
    "map": "2-D map of the records' embeddings with topic labels; write row, x, y, topic",
}

EXIT_FAILED = 1
EXIT_USAGE = 2


def command_module(name: str) -> ModuleType:
    """The module that implements subcommand ``name`` (imported on first use)."""
    return importlib.import_module(f"cli.{name}_command")


def closest_command(word: str) -> str | None:
    """The subcommand ``word`` was probably meant to be (``inpsect`` -> ``inspect``), if any."""
    matches = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.6)
    return matches[0] if matches else None


def build_parser(
    command: str | None = None,
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and its sub-parsers; only ``command``'s module is imported."""
    parser = argparse.ArgumentParser(
        prog="main.py", description=f"{APP_NAME}: curate supervised fine-tuning datasets."
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {APP_VERSION}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    children = {}
    for name, help_text in SUBCOMMANDS.items():
        if name == command:
            module = command_module(name)
            summary = (module.__doc__ or help_text).strip().splitlines()[0]
            child = subparsers.add_parser(name, help=help_text, description=summary)
            module.configure(child)
        else:
            child = subparsers.add_parser(name, help=help_text, description=help_text)
        children[name] = child
    return parser, children


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    parser, children = build_parser(command)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the subcommand's own usage, not the top-level one (exits 2)
        children[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    forget_unusable()
    try:
        code = command_module(args.command).run(args)
    except ThresherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    if code == 0:
        say_unusable()
    return code
