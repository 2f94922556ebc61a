"""Making a file's writes, and a directory's new or renamed names, survive a crash (fsync)."""
from __future__ import annotations

import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    """The file's written bytes reach the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(path: Path) -> None:
    """A file created or renamed in `path` keeps its name after a crash only once the directory is synced."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
