"""sselab.collector: the garbage collector paused and resumed as it was; the demo's tuning undone."""

from __future__ import annotations

import gc

import pytest

from sselab.collector import paused, restored


def test_paused_resumes_as_it_was_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with paused():
            assert not gc.isenabled()
            raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()  # off before: stays off
    finally:
        gc.enable()


def test_restored_undoes_a_freeze_and_new_thresholds():
    before = gc.get_threshold()
    with restored():
        gc.freeze()
        gc.set_threshold(12345, 3, 4)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
