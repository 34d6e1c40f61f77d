"""How a run's tasks go to the worker processes: DC holds first in equal chunks (their decay
fits batched), then the circuit fits in shrinking chunks, every task exactly once; and the
workers' warm-up (imports, compiled decay kernels) changes nothing but when the work is done."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np

from sselab.study import executors
from sselab.study.executors import Outcome
from sselab.study.tasks import make_task


class _Recorder:
    """A pool that records what is submitted and answers at once (no processes)."""

    _max_workers = 2

    def __init__(self) -> None:
        self.submitted: list[tuple[str, list]] = []

    def submit(self, fn, arg=None, *rest):
        self.submitted.append((fn.__name__, arg))
        fut: Future = Future()
        fut.set_result([Outcome({"n": 1}, None, 0.0) for _ in arg] if isinstance(arg, list) else Outcome({}, None, 0.0))
        return fut


def _tasks(kind: str, n: int) -> list:
    return [make_task(id=f"{kind}/{i}", kind=kind, sample="s", technique="dc" if kind == "dc_transient" else "eis",
                      files=(), settings={"i": i}, context={}) for i in range(n)]


def test_dc_chunks_first_then_shrinking_circuit_fit_chunks(monkeypatch):
    dc, eis = _tasks("dc_transient", 1000), _tasks("eis_fit", 1100)
    monkeypatch.setattr(executors, "_batchable_eis", lambda tasks: [t for t in tasks if t.kind == "eis_fit"])
    pool = _Recorder()
    got = dict(executors._on_pool(pool, dc + eis, settle=True))
    names = [name for name, _ in pool.submitted]
    sizes = [len(arg) for _, arg in pool.submitted]
    assert names == ["run_dc_chunk"] * 4 + ["run_eis_chunk"] * (len(names) - 4)
    assert sizes[:4] == [250] * 4  # ≥ COMPILED_MIN_RECORDS each: the compiled decay kernels, as a serial run
    eis_sizes = sizes[4:]
    assert eis_sizes[0] == 275 and eis_sizes == sorted(eis_sizes, reverse=True)
    assert min(eis_sizes[:-1]) >= executors.EIS_MIN_CHUNK and sum(eis_sizes) == 1100
    assert [t.id for _, arg in pool.submitted for t in arg] == [t.id for t in dc + eis]  # each once, in order
    assert len(got) == 2100


def test_worker_warm_up_loads_the_decay_kernels_with_the_same_values(monkeypatch):
    from sselab.dc import _decay_kernel as k
    from sselab.dc import decay

    monkeypatch.delenv("SSELAB_FIT_KERNEL", raising=False)
    assert executors.dc_chunk_size(1000, 2) == 250 and decay._compiled(250) and not decay._compiled(100)
    executors._warm_up(("dc_transient", "eis_fit"))  # in this process: nothing raised
    executors._warm_kernels()
    assert k._rows_into.signatures and k.lm_rows.signatures  # loaded for the types residuals, iterate pass
    pool = _Recorder()
    executors.warm_pool(pool, {"eis_fit": 1100, "dc_transient": 1000})  # DC chunks of 250: compiled
    assert [name for name, _ in pool.submitted] == ["_warm_kernels"] * 2
    pool = _Recorder()
    executors.warm_pool(pool, {"eis_fit": 1100, "dc_transient": 300})  # chunks of 75: numpy, nothing to load
    assert pool.submitted == []
    t = np.linspace(0.0, 600.0, 601)
    T = t.reshape(1, -1)
    Y = (1e-6 + 2e-6 * np.exp(-t / 50.0)).reshape(1, -1)
    P = np.array([[1e-6, 2e-6, 50.0]])
    r, J = k.residuals("exp1", T, Y)(P, np.zeros(1, np.int64))
    assert np.abs(r).max() < 1e-20  # the exact parameters: zero residual
    assert np.allclose(J[0, :, 1], np.exp(-t / 50.0), rtol=1e-15, atol=0)


def test_a_small_study_still_splits_its_circuit_fits_between_the_workers(monkeypatch):
    eis = _tasks("eis_fit", 40)
    monkeypatch.setattr(executors, "_batchable_eis", lambda tasks: [t for t in tasks if t.kind == "eis_fit"])
    pool = _Recorder()
    dict(executors._on_pool(pool, eis, settle=False))
    assert [len(arg) for _, arg in pool.submitted] == [10, 10, 10, 10]  # not one chunk of 40 for one worker


def test_a_settled_outcome_holds_the_text_the_store_writes_and_the_copy_the_pipeline_keeps():
    """settled (in a worker): ``stored`` is the engine's own encoding of the result (NaN/inf →
    null, numpy → plain), ``values`` its key numbers with units, ``result`` that text read back
    less the curves: the same as kept_result of the result, the writing process's rule."""
    import json
    import math

    from sselab.store.jsonio import dumps
    from sselab.store.records import extract_values

    result = {"status": "ok", "reasons": [], "Ea_eV": np.float64(0.31), "sigma_S_per_cm": np.float32(2.5),
              "parameters": {"R1": {"value": 12.5, "stderr": math.inf, "unit": "ohm"}},
              "n": np.int64(3), "curves": {"x": np.array([1.0, math.nan])}}
    out = executors.settled(Outcome(result, None, 0.5))
    assert out.stored == ('{"status":"ok","reasons":[],"Ea_eV":0.31,"sigma_S_per_cm":2.5,'
                          '"parameters":{"R1":{"value":12.5,"stderr":null,"unit":"ohm"}},"n":3,'
                          '"curves":{"x":[1.0,null]}}')
    assert out.stored == dumps(result)
    assert out.result == executors.kept_result(result) == {k: v for k, v in json.loads(out.stored).items()
                                                           if k != "curves"}
    assert out.values == extract_values(result) and out.duration_s == 0.5
    assert executors.settled(out) is out  # settled once
    failed = Outcome(None, "ValueError: bad", 0.1)
    assert executors.settled(failed) is failed
    odd = Outcome({"status": "ok", "x": {1, 2}}, None, 0.1)  # not JSON: left for the store to name the task
    assert executors.settled(odd) is odd and odd.stored is None


def test_a_pool_broken_before_the_stage_is_one_error_line_not_a_traceback(monkeypatch):
    """A worker that died before a stage's tasks are submitted (warming up, say) breaks the pool:
    the stage says so in one line (SselabError), as for a worker dying mid-task."""
    import os
    from concurrent.futures.process import BrokenProcessPool

    import pytest

    from sselab.exceptions import SselabError

    pool = executors.local_pool(2)
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 1).result(timeout=60)  # a worker ends abruptly
        monkeypatch.delenv("SSELAB_FIT_KERNEL", raising=False)
        executors.warm_pool(pool, {"dc_transient": 1000})  # only speed depends on it: nothing raised
        with pytest.raises(SselabError, match=r"worker process died .* before eis_fit/0 started; run again"):
            list(executors._on_pool(pool, _tasks("eis_fit", 3)))
    finally:
        executors.stop_pool(pool, now=True)
