"""The folder of per-block result shards that makes a cluster run resumable.

Each finished block is written as ``block-NNNNNN.parquet`` (atomically: a shard is whole or
absent) with the block's key in the file's metadata. Besides the columns every scorer has, a
judge's shard holds each row's rating entropy (``entropy``) and an IFD shard its own columns
(``extra.ifd``, ``extra.loss_given_prompt``, …: :attr:`ScoredBatch.extra`), so a block read back
from its shard is the batch the worker scored. A re-run reads back every shard whose key
and rows match and scores only the other blocks; a shard that is unreadable, truncated, or was
written for other data or another model is scored again and replaced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from core.atomic import atomic_write
from core.cluster.blocks import Block
from core.scoring.engine import ScoredBatch

KEY_FIELD = b"thresher.block_key"
SHARD_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("score", pa.float32()),
        ("truncated", pa.bool_()),
        ("unscorable", pa.bool_()),
        ("reason", pa.large_string()),
        ("tokens", pa.int32()),
        ("padded_tokens", pa.int32()),
    ]
)


#: The judge's entropy column, and the prefix of a scorer's own columns, after the fixed ones.
ENTROPY = "entropy"
EXTRA_PREFIX = "extra."


def shard_folder_for(output: str | Path) -> Path:
    """The default shard folder of a results file: ``out.parquet`` -> ``out.parquet.shards``."""
    output = Path(output)
    return output.with_name(output.name + ".shards")


def batch_table(batch: ScoredBatch, tokens: np.ndarray, padded: np.ndarray) -> pa.Table:
    """One block's results as a shard table, rows in ascending order."""
    order = np.argsort(batch.rows, kind="stable")
    reasons = [batch.reasons.get(int(r)) for r in batch.rows[order]]
    table = pa.table(
        {
            "row": pa.array(batch.rows[order], pa.int64()),
            "score": pa.array(batch.scores[order], pa.float32()),
            "truncated": pa.array(batch.truncated[order]),
            "unscorable": pa.array(batch.unscorable[order]),
            "reason": pa.array(reasons, pa.large_string()),
            "tokens": pa.array(tokens[order], pa.int32()),
            "padded_tokens": pa.array(padded[order], pa.int32()),
        },
        schema=SHARD_SCHEMA,
    )
    if batch.entropy is not None:
        table = table.append_column(ENTROPY, pa.array(batch.entropy[order], pa.float32()))
    for name, values in sorted(batch.extra.items()):
        table = table.append_column(EXTRA_PREFIX + name, pa.array(values[order]))
    return table


def table_batch(table: pa.Table) -> ScoredBatch:
    """A shard table back as a :class:`ScoredBatch` (with its token counts)."""
    rows = table.column("row").to_numpy()
    unscorable = table.column("unscorable").to_numpy(zero_copy_only=False)
    reasons = table.column("reason").to_pylist()
    return ScoredBatch(
        rows,
        table.column("score").to_numpy(zero_copy_only=False).astype(np.float32),
        table.column("truncated").to_numpy(zero_copy_only=False),
        unscorable,
        {
            int(r): why
            for r, why, bad in zip(rows.tolist(), reasons, unscorable, strict=True)
            if bad and why
        },
        real_tokens=int(pa.compute.sum(table.column("tokens")).as_py() or 0),
        computed_tokens=int(pa.compute.sum(table.column("padded_tokens")).as_py() or 0),
        entropy=(
            table.column(ENTROPY).to_numpy(zero_copy_only=False).astype(np.float32)
            if ENTROPY in table.column_names
            else None
        ),
        extra={
            name.removeprefix(EXTRA_PREFIX): table.column(name).to_numpy(zero_copy_only=False)
            for name in table.column_names
            if name.startswith(EXTRA_PREFIX)
        },
    )


def _holds_fixed_columns(schema: pa.Schema) -> bool:
    """The shard starts with the columns every scorer writes; the rest are a scorer's own."""
    fixed = pa.schema(list(schema)[: len(SHARD_SCHEMA)])
    rest = schema.names[len(SHARD_SCHEMA) :]
    return fixed == SHARD_SCHEMA and all(
        name == ENTROPY or name.startswith(EXTRA_PREFIX) for name in rest
    )


class ShardFolder:
    """Where a run's block shards live (a local folder, or shared storage on a cluster)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, block: Block) -> Path:
        """The shard file of ``block``."""
        return self.folder / f"block-{block.index:06d}.parquet"

    def write(self, block: Block, key: str, table: pa.Table) -> None:
        """Write ``block``'s results atomically, checking they cover exactly its rows."""
        rows = table.column("row").to_numpy()
        if not np.array_equal(rows, block.rows):
            raise ValueError(f"block {block.index}: results cover other rows than the block's")
        self.folder.mkdir(parents=True, exist_ok=True)
        stamped = table.replace_schema_metadata({KEY_FIELD: key.encode()})
        atomic_write(self.path(block), lambda handle: pq.write_table(stamped, handle))

    def read(self, block: Block, key: str) -> tuple[ScoredBatch | None, str | None]:
        """``block``'s results if a matching shard is there, else why not (None if absent)."""
        path = self.path(block)
        if not path.exists():
            return None, None
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            return None, f"{path.name} is unreadable ({exc}); scoring block {block.index} again"
        stored = (table.schema.metadata or {}).get(KEY_FIELD, b"").decode()
        if stored != key:
            return None, (
                f"{path.name} was written for other data or another model; scoring "
                f"block {block.index} again"
            )
        if not _holds_fixed_columns(table.schema.remove_metadata()) or not np.array_equal(
            table.column("row").to_numpy(), block.rows
        ):
            return None, f"{path.name} does not hold block {block.index}'s rows; scoring it again"
        return table_batch(table), None
