"""Report files are written atomically: a failure mid-write leaves the old file, no debris."""

from __future__ import annotations

import os

import pytest

from sselab import atomic
from sselab.atomic import write_bytes_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "figure.png"
    write_bytes_atomic(target, b"old figure")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_bytes_atomic(target, b"new figure that never lands")
    assert target.read_bytes() == b"old figure"
    assert sorted(os.listdir(tmp_path)) == ["figure.png"]


def test_the_new_content_replaces_the_old(tmp_path):
    target = tmp_path / "report.html"
    write_bytes_atomic(target, b"a" * 10)
    write_bytes_atomic(target, b"b" * 3)
    assert target.read_bytes() == b"bbb" and oct(target.stat().st_mode & 0o777) == "0o644"
