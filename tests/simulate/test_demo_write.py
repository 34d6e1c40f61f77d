"""The demo writes its virtual study in a forked process while it imports what the pipeline needs
(sselab.demo._written_study): the files must be those a serial write gives, byte for byte."""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing

import pytest

from sselab import demo
from sselab.simulate.virtual_study import write_virtual_study


def _digests(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes().replace(str(root).encode(), b"ROOT")).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_study_written_aside_equals_the_serial_write(tmp_path):
    aside = demo._written_study(tmp_path / "a" / "study", jobs=2)
    serial = write_virtual_study(tmp_path / "b" / "study")
    assert aside == tmp_path / "a" / "study" / serial.name
    a, b = _digests(tmp_path / "a" / "study"), _digests(tmp_path / "b" / "study")
    assert len(a) > 50 and a == b


def test_every_module_warmed_exists():
    missing = [m for m in demo.WARM_MODULES if importlib.util.find_spec(m) is None]
    assert missing == []
