"""Shards: ``sumbench run --shard I/N`` runs only the items of part I of N.

An item's shard follows from its id alone, by sha256 (not Python's ``hash``, which is
seeded per process): every machine splits a suite the same way whatever the item
order, and adding items never moves an existing one to another shard, so N machines
can each run one shard and ``sumbench merge`` joins their run folders into one.
"""

from __future__ import annotations

import argparse
import hashlib

Shard = tuple[int, int]  # (I, N) with 1 <= I <= N


def shard_of(item_id: str, n: int) -> int:
    """The shard (1..n) that item ``item_id`` belongs to."""
    return int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big") % n + 1


def in_shard(item_id: str, shard: Shard | None) -> bool:
    """True for every item when there is no shard."""
    return shard is None or shard_of(item_id, shard[1]) == shard[0]


def shard_label(shard: Shard) -> str:
    """'I/N', as the command line takes it and manifests record it."""
    return f"{shard[0]}/{shard[1]}"


def parse_shard(text: str) -> Shard:
    """'I/N' with 1 <= I <= N, e.g. 2/4: the second of four shards (also argparse's type for --shard)."""
    i, sep, n = str(text).partition("/")
    try:
        pair = (int(i), int(n)) if sep else None
    except ValueError:
        pair = None
    if pair is None or not 1 <= pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N (e.g. 1/4), got {text!r}")
    return pair
