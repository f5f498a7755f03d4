"""Download a reward model into the local Hugging Face cache (the only networked command)."""

from __future__ import annotations

import argparse
import sys

import orjson
from tqdm.auto import tqdm

from core.scoring.download import download_model
from core.scoring.model_files import locate_model


class _JsonLinesProgress(tqdm):
    """Progress as JSON lines on stdout, for the app's download dialog."""

    def __init__(self, *args, **kwargs):
        kwargs["disable"] = True
        super().__init__(*args, **kwargs)

    def update(self, n: float | None = 1) -> bool | None:
        result = super().update(n)
        sys.stdout.write(orjson.dumps({"done": self.n, "total": self.total}).decode() + "\n")
        sys.stdout.flush()
        return result


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument(
        "model", help="Hugging Face model id, e.g. OpenAssistant/reward-model-deberta-v3-large-v2"
    )
    parser.add_argument("--revision", help="branch, tag or commit (default: main)")
    parser.add_argument(
        "--json", action="store_true", help="report progress and the result as JSON lines on stdout"
    )


def run(args: argparse.Namespace) -> int:
    """Download, then check the files load safely; 0 on success."""
    folder = download_model(
        args.model, args.revision, tqdm_class=_JsonLinesProgress if args.json else None
    )
    files = locate_model(str(folder))
    result = {
        "model": args.model,
        "path": str(folder),
        "revision": folder.name,
        "weights_sha256": files.weights,
    }
    if args.json:
        print(orjson.dumps({"result": result}).decode())
    else:
        print(f"{args.model} is ready in {folder}")
    return 0
