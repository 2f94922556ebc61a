"""Ageing backups out: data backups after months, key store copies after days (crypto-shredding's window).

An erased learner's key survives only in key store copies taken before the erasure: once those are pruned, their
values in every data backup stay unreadable. The newest of each is never pruned, so a restore is always possible.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.core.backups.taking import KEY_STORE, MANIFEST


@dataclass
class Pruned:
    backups: list[str] = field(default_factory=list)
    key_copies: list[str] = field(default_factory=list)


def _taken_at(manifest: Path) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(manifest.read_text())["taken_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not a whole Braid backup: never ours to remove


def prune(data_dir: Path, keys_dir: Path, keep: timedelta, keep_keys: timedelta,
          now: datetime | None = None) -> Pruned:
    """Remove data backups older than `keep` and key store copies older than `keep_keys`, keeping the newest each."""
    now = now or datetime.now(UTC)
    pruned = Pruned()
    backups = sorted((taken, path) for path in Path(data_dir).glob("braid-*")
                     if path.is_dir() and (taken := _taken_at(path / MANIFEST)) is not None)
    for taken, path in backups[:-1]:
        if now - taken > keep:
            shutil.rmtree(path)
            pruned.backups.append(path.name)
    # A key store copy's age is its file's: written once, renamed into place, never touched again.
    copies = sorted((path.stat().st_mtime, path) for path in Path(keys_dir).glob(f"braid-*-{KEY_STORE}*")
                    if path.is_file())
    for modified, path in copies[:-1]:
        if now - datetime.fromtimestamp(modified, UTC) > keep_keys:
            path.unlink()
            pruned.key_copies.append(path.name)
    return pruned
