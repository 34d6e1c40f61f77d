"""The default number of local workers: one rule (sselab.study.jobs.default_jobs) for `sselab run`
and `sselab demo`."""

import inspect
import os

import pytest

from sselab.study import jobs


@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 2), (3, 3), (4, 4), (16, 4)])
def test_default_jobs_is_the_cpus_this_process_may_use_at_most_four(monkeypatch, cpus, expected):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)), raising=False)
    assert jobs.default_jobs() == expected


def test_default_jobs_without_affinity_counts_the_machines_cpus(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: one
    assert jobs.default_jobs() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert jobs.default_jobs() == 4


def test_run_and_demo_share_the_default():
    from sselab.cli.demo import demo
    from sselab.cli.run import run

    defaults = [inspect.signature(f).parameters["jobs"].default.default for f in (run, demo)]
    assert defaults == [jobs.default_jobs()] * 2
