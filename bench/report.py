"""How benches report: a figure beside its target (PASS/FAIL), and one JSON file of results to compare runs."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path


def met(value: float, target: float, *, at_most: bool = False) -> bool:
    return value <= target if at_most else value >= target


def show(name: str, value: float, target: float | None = None, *, unit: str = "", at_most: bool = False,
         extra: str = "") -> bool | None:
    """Print `name: value unit (target >= t) PASS|FAIL extra`; return whether the target was met (None: no target)."""
    verdict = None if target is None else met(value, target, at_most=at_most)
    aim = ""
    if target is not None:
        aim = f"  target {'<=' if at_most else '>='} {target:g}{unit}  {'PASS' if verdict else 'FAIL'}"
    print(f"  {name:28s} {value:10.3f}{unit}{aim}{('  ' + extra) if extra else ''}", flush=True)
    return verdict


def append(path: Path | str, record: dict) -> None:
    """Add `record` (stamped with the time) to the JSON list in `path`, creating the file and its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else []
    records.append({"at": datetime.now(UTC).isoformat(timespec="seconds"), **record})
    path.write_text(json.dumps(records, indent=2, default=str) + "\n")
