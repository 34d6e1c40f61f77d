"""sselab.memo.Bounded: values made once per key, the cache emptied past its limit."""

from __future__ import annotations

from sselab.memo import Bounded


def test_made_once_per_key_and_bounded():
    calls = []

    def make(k):
        calls.append(k)
        return k * k

    cache = Bounded(limit=3)
    assert [cache.get_or_make(k, lambda k=k: make(k)) for k in (2, 2, 3, 2)] == [4, 4, 9, 4]
    assert calls == [2, 3]
    for k in range(10):
        cache.get_or_make(k, lambda k=k: make(k))
        assert len(cache) <= cache.limit + 1
    assert cache.get_or_make(9, lambda: -1) == 81  # the newest survives the emptying


def test_none_is_not_kept():
    cache, calls = Bounded(), []
    for _ in range(2):
        cache.get_or_make("k", lambda: calls.append(1))
    assert len(calls) == 2
