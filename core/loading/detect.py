"""Tell a file's format from its content (the extension only breaks ties).

Formats: ``jsonl``, ``json`` (an array, or an object holding one list of records), ``csv``,
``tsv`` and ``parquet``; the text formats may be gzip-compressed.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson

from core.errors import LoadError
from core.loading.source import GZIP_ERRORS, GZIP_MAGIC

HEAD_BYTES = 1 << 16
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")
_EXTENSION_HINTS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_LINES_TO_TRY = 5

#: The reason a file with nothing but whitespace is refused (references skip such files).
EMPTY_FILE = "the file is empty"


def extension_hint(path: Path) -> str | None:
    """The format the file name suggests (``data.jsonl.gz`` -> ``jsonl``), if any."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _EXTENSION_HINTS.get(suffixes[-1]) if suffixes else None


def detect_format(path: Path) -> tuple[str, bool]:
    """Return ``(format, gzip_compressed)`` for the file at ``path``."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except IsADirectoryError:
        raise LoadError(path, "this is a folder, not a dataset file") from None
    except OSError as exc:
        raise LoadError(path, f"cannot open the file: {exc.strerror or exc}") from None
    compressed = head.startswith(GZIP_MAGIC)
    if compressed:
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(HEAD_BYTES)
        except GZIP_ERRORS as exc:
            raise LoadError(path, f"the gzip stream is damaged ({exc})") from None
    return sniff(head, path, compressed), compressed


def sniff(head: bytes, path: Path, compressed: bool = False) -> str:
    """The format of content that starts with ``head``."""
    hint = extension_hint(path)
    if head.startswith(PARQUET_MAGIC):
        if compressed:
            raise LoadError(
                path,
                "a gzip-compressed Parquet file is not supported; "
                "Parquet compresses its own columns, decompress it first",
            )
        return "parquet"
    text = head.removeprefix(UTF8_BOM).lstrip(b" \t\r\n")
    if not text:
        raise LoadError(path, EMPTY_FILE)
    if text[:1] == b"[":
        return "jsonl" if hint == "jsonl" else "json"
    if text[:1] == b"{":
        return _object_stream_or_document(text, hint, whole=len(head) < HEAD_BYTES)
    if _looks_binary(head):
        raise LoadError(
            path,
            "not a text dataset: expected JSONL, JSON, CSV, TSV or Parquet (the file looks binary)",
        )
    header = text.split(b"\n", 1)[0]
    tabs, commas = header.count(b"\t"), header.count(b",")
    if hint in ("csv", "tsv") and (tabs or commas):
        return hint
    if tabs and tabs >= commas:
        return "tsv"
    if commas:
        return "csv"
    if hint in ("csv", "tsv", "jsonl"):
        return hint
    raise LoadError(
        path, "not a recognised dataset format: expected JSONL, JSON, CSV, TSV or Parquet"
    )


def _object_stream_or_document(text: bytes, hint: str | None, whole: bool) -> str:
    """JSONL (one object per line) or one JSON object (an object holding a list of records)."""
    lines = text.split(b"\n")
    if not whole:
        lines = lines[:-1]  # the last line of the head may be cut short
    lines = [ln.strip() for ln in lines if ln.strip()][:_LINES_TO_TRY]
    if lines and lines[0] == b"{":
        return "json"  # a pretty-printed object
    parsed = []
    for line in lines:
        try:
            parsed.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            parsed.append(None)
    objects = [p for p in parsed if isinstance(p, dict)]
    if whole and len(lines) == 1 and objects and _is_container(objects[0]) and hint != "jsonl":
        return "json"
    if objects:
        return "jsonl"
    return hint if hint in ("json", "jsonl") else "jsonl"


def _is_container(obj: dict) -> bool:
    lists = [v for v in obj.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    return len(lists) == 1 and not {"messages", "conversations", "instances"} & obj.keys()


def _looks_binary(head: bytes) -> bool:
    """NUL bytes, or mostly undecodable bytes; a few bad bytes are bad lines, not a bad file."""
    sample = head[:4096]
    if b"\x00" in sample:
        return True
    undecodable = sample.decode("utf-8", "replace").count("\ufffd") - sample.count(
        "\ufffd".encode()
    )
    return undecodable > max(8, len(sample) // 20)
