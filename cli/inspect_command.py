"""Show a dataset file's format, schema, record count, lengths and every bad line."""

from __future__ import annotations

import argparse

from cli.mapping_args import add_mapping_arguments, mapping_from_arguments
from cli.report import print_report
from core.dataset import Dataset
from core.loading import load
from core.stats import length_summary


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommand's arguments."""
    parser.add_argument("file", help="JSONL, JSON, CSV, TSV or Parquet file (optionally .gz)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_mapping_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Load the file and print the report; 0 whenever the file could be read."""
    dataset = load(args.file, mapping_from_arguments(args))
    report = inspect_report(dataset)
    print_report(report, args.json, format_report)
    return 0


def inspect_report(dataset: Dataset) -> dict:
    """Everything ``inspect`` says about a dataset, as plain data."""
    return {
        "path": str(dataset.path),
        "format": dataset.format,
        "compressed": dataset.compressed,
        "schema": dataset.schema,
        "schema_detail": dataset.spec.describe(),
        "schemas": dataset.schema_counts(),
        "prompt_only": dataset.prompt_only,
        "records": len(dataset),
        "bad_lines": [bad.to_dict() for bad in dataset.bad_lines],
        "bad_line_unit": dataset.location_kind,
        "blank_lines": dataset.blank_lines,
        "sha256": dataset.source_sha256,
        "size_bytes": dataset.source_size,
        "lengths": length_summary(dataset),
        "notes": dataset.notes,
    }


def format_report(report: dict) -> str:
    """The human-readable form of :func:`inspect_report`."""
    fmt = report["format"] + (" (gzip)" if report["compressed"] else "")
    lines = [
        f"File:     {report['path']}",
        f"Format:   {fmt}",
        f"Schema:   {report['schema_detail']}",
        f"Records:  {report['records']:,} usable, {len(report['bad_lines']):,} unusable"
        + (f", {report['blank_lines']:,} blank lines skipped" if report["blank_lines"] else ""),
    ]
    if len(report["schemas"]) > 1:
        lines.append("Mixed:    " + ", ".join(f"{k} {v:,}" for k, v in report["schemas"].items()))
    lines += [f"Note:     {note}" for note in report["notes"]]
    lines += ["", *length_table(report["lengths"])]
    if report["bad_lines"]:
        unit = report["bad_line_unit"]
        lines += ["", f"Unusable {unit}s:"]
        lines += [f"  {unit} {b['line']}: {b['reason']}" for b in report["bad_lines"]]
    return "\n".join(lines)


#: The length table's columns: heading and how a value is written.
_LENGTH_COLUMNS = (
    ("min", "{:,}"),
    ("median", "{:,.0f}"),
    ("mean", "{:,.1f}"),
    ("p95", "{:,.0f}"),
    ("max", "{:,}"),
)


def length_table(lengths: dict) -> list[str]:
    """The length summary as aligned rows; columns widen so long records never run together."""
    labels = [name.replace("_", " ").replace("tokens", "tokens~") for name in lengths]
    cells = [[fmt.format(stats[key]) for key, fmt in _LENGTH_COLUMNS] for stats in lengths.values()]
    widths = [
        max([len(key), *(len(row[i]) for row in cells)]) + 2
        for i, (key, _) in enumerate(_LENGTH_COLUMNS)
    ]
    label_width = max([len("Lengths"), *map(len, labels)]) + 2
    header = "Lengths".ljust(label_width) + "".join(
        key.rjust(width) for (key, _), width in zip(_LENGTH_COLUMNS, widths, strict=True)
    )
    return [header] + [
        label.ljust(label_width)
        + "".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for label, row in zip(labels, cells, strict=True)
    ]
