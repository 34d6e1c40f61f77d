"""One study-manifest entry for a file the virtual study writes (see :mod:`sselab.study.manifest`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def manifest_entry(root: Path, path: Path, technique: str, cell: str | None, sample: str, temperature: str,
                   **extra: Any) -> dict[str, Any]:
    """``{"file", "technique", ["cell"], "sample", "temperature", **extra}`` with ``file`` relative to ``root``."""
    e: dict[str, Any] = {"file": path.relative_to(root).as_posix(), "technique": technique}
    if cell:
        e["cell"] = cell
    e.update(sample=sample, temperature=temperature, **extra)
    return e
