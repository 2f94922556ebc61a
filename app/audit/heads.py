"""The heads file: every signed head of the audit chain appended as one JSON line, outside the database.

The database's users can rewrite the chain and its checkpoint rows together; they cannot rewrite a
file they have no access to, least of all once it is append-only (`chattr +a`) or shipped off the
machine. Verification compares the chain with the newest line, read from the end of the file.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.files import fsync_directory

TAIL_BLOCK = 4096  # a line is about 300 bytes: one read from the end finds it
LONGEST_LINE = 64 * 1024  # past this, the end of the file is not a head
_HEX64 = re.compile(r"[0-9a-f]{64}")


class HeadsFileError(Exception):
    """The newest line of the heads file is not a signed head: the file was cut or edited."""


@dataclass(frozen=True)
class Head:
    checkpoint: int
    seal: int
    events: int
    hash: str
    at: str  # UTC, ISO 8601 with a Z
    mac: str

    def line(self) -> bytes:
        return (json.dumps(asdict(self), separators=(",", ":")) + "\n").encode()

    def __str__(self) -> str:
        return f"checkpoint {self.checkpoint} ({self.at})"


def append(path: Path, head: Head) -> None:
    """Append `head` as one line and fsync it; makes the directory (0700) and the file (0600) if need be.

    :raise OSError: when the file cannot be written (the caller decides whether that is fatal).
    """
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    new = not path.exists()
    # O_APPEND: every writer's line lands whole at the end, and a file made append-only (chattr +a) still opens.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        data = memoryview(head.line())
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        fsync_directory(path.parent)  # the new file's name survives a crash too


def newest(path: Path) -> Head | None:
    """The last line of the file, read from its end (the file grows for years); None if there is none yet.

    :raise HeadsFileError: when that line is not a complete signed head.
    :raise OSError: when the file exists but cannot be read.
    """
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return None
    with handle:
        end = handle.seek(0, os.SEEK_END)
        if end == 0:
            return None
        tail, position = b"", end
        while position > 0 and b"\n" not in tail[:-1] and len(tail) <= LONGEST_LINE:
            step = min(TAIL_BLOCK, position)
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
    if not tail.endswith(b"\n"):
        raise HeadsFileError("its newest line is incomplete")
    return parse(tail[:-1].rpartition(b"\n")[2])


def parse(line: bytes) -> Head:
    """One line of the file as a Head. :raise HeadsFileError: for anything else."""
    try:
        values = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise HeadsFileError("its newest line is not a signed head") from None
    names = {"checkpoint": int, "seal": int, "events": int, "hash": str, "at": str, "mac": str}
    if not isinstance(values, dict) or set(values) != set(names) \
            or not all(type(values[name]) is kind for name, kind in names.items()) \
            or not (_HEX64.fullmatch(values["hash"]) and _HEX64.fullmatch(values["mac"])):
        raise HeadsFileError("its newest line is not a signed head")
    return Head(**values)
