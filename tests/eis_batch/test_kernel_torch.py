"""The optional GPU path (:mod:`sselab.eis.kernel._torch`) against the numpy reference: circuit
impedance and Jacobian against Circuit, the iteration against the numpy solver row for row, and
that only ``SSELAB_FIT_KERNEL=torch`` chooses it; whole batched fits are compared in
tests/eis_batch/test_kernel.py beside the numba kernel's.  Runs on whatever device PyTorch has
(the CPU here and in CI when PyTorch is installed, the GPU on a machine with one); skipped
without PyTorch, which sselab never requires."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sselab.eis.batch import fit_circuit_batch
from sselab.eis.circuit import Circuit
from sselab.eis.fit import _Model
from sselab.eis.kernel import dispatch
from sselab.fitting import engine

from test_kernel import CIRCUITS, F, _noisy  # noqa: E402  (this folder is on sys.path: rootdir tests)

torch = pytest.importorskip("torch")
from sselab.eis.kernel import _torch  # noqa: E402

DEV = _torch.device()


@pytest.mark.parametrize("text", list(CIRCUITS))
def test_circuit_impedance_and_jacobian_match_the_numpy_circuit(text):
    c = Circuit(text)
    P = c.as_array(CIRCUITS[text])[None, :] * np.array([[1.0], [1.3], [0.7]])
    w = np.broadcast_to(2 * np.pi * F, (3, F.size))
    z_ref, J_ref = c.impedance_and_jacobian(w, P)
    from sselab.eis.kernel.program import program

    wt = torch.as_tensor(np.ascontiguousarray(w), device=DEV)
    z, dz = _torch._circuit(torch, program(c).tolist(), wt, torch.log(wt), torch.as_tensor(P, device=DEV))
    np.testing.assert_allclose(z.cpu().numpy(), z_ref, rtol=1e-12)
    assert sorted(dz) == list(range(c.n_params))  # every parameter has its derivative
    J = np.stack([dz[i].cpu().numpy() for i in range(c.n_params)], axis=-1)
    np.testing.assert_allclose(J, J_ref, rtol=1e-10, atol=1e-14 * np.abs(J_ref).max())


def test_the_iteration_is_the_numpy_solvers_row_for_row():
    """Same starts, same rules: every row ends with numpy's status after numpy's number of
    iterations, at numpy's cost to rounding (the damping, stop tests and window of
    :func:`sselab.fitting.levenberg_marquardt.solve`, on tensors)."""
    text = "R0-p(R1,CPE1)-p(R2,CPE2)"
    spectra = _noisy(text, 16, seed=5)
    c = Circuit(text)
    model = _Model(c, np.stack([2 * np.pi * s.frequency_Hz for s in spectra]),
                   np.stack([s.impedance_ohm for s in spectra]), "modulus")
    from sselab.eis.multistart import STOL, STOL_WINDOW, _template

    truth = c.as_array(CIRCUITS[text])
    rng = np.random.default_rng(0)
    starts = truth[None, :] * rng.lognormal(0, 0.6, (16, c.n_params))
    n_cols = [i for i, name in enumerate(c.parameter_names) if name.endswith(".n")]
    starts[:, n_cols] = rng.uniform(0.6, 1.0, (16, len(n_cols)))
    params = _template(c, truth, {}, None)
    clipped = params.clipped(starts)
    rows = np.arange(16)
    final, out, (res, jac) = _torch.outcome(model, params, clipped, rows, 200, 1e-10, 1e-10, STOL, STOL_WINDOW)

    def fun(P, r):
        return model(P, rows[r])

    _, ref_final, ref = engine._solve(fun, params, clipped, 200, 1e-10, 1e-10, STOL, STOL_WINDOW)
    assert (out.status != 0).all() and np.array_equal(out.status, ref.status)
    # rounding may move a stop test across its threshold by one iteration (one row in 16 here)
    assert np.abs(out.n_iter - ref.n_iter).max() <= 1 and (out.n_iter == ref.n_iter).mean() >= 0.9
    np.testing.assert_allclose(out.cost, ref.cost, rtol=1e-7)
    # where R0 did not collapse towards 0 Ω (log R0 → −∞ along a flat direction, where rounding
    # decides how far each walks: 1e-13 vs 1e-9 Ω at equal cost), the same point
    kept = ref_final[:, 0] > 1e-6
    assert kept.sum() >= 6
    np.testing.assert_allclose(out.x[kept], ref.x[kept], rtol=1e-6, atol=1e-8)
    assert np.array_equal(final[:, ~params.free_mask], ref_final[:, ~params.free_mask])
    # the state handed to the final pass: residuals and p-space Jacobian at the final values
    r_ref, J_ref = model(final, rows)
    np.testing.assert_allclose(res, r_ref, rtol=1e-9, atol=1e-12 * np.abs(r_ref).max())
    free = params.free_mask
    np.testing.assert_allclose(jac, J_ref[:, :, free].transpose(0, 2, 1), rtol=1e-8,
                               atol=1e-12 * np.abs(J_ref).max())


def test_torch_runs_when_asked_for_and_never_under_auto(monkeypatch):
    """Opt-in: ``auto`` keeps the CPU kernels even with a GPU present (slower there on the one
    GPU measured, :func:`sselab.eis.kernel.torch_chosen`); asked for without PyTorch, the CPU paths."""
    model = type("M", (), {"circuit": Circuit("R0-p(R1,CPE1)")})()
    monkeypatch.setattr(_torch, "gpu_present", lambda: True)
    for want in ("auto", "numba", "numpy"):
        monkeypatch.setenv("SSELAB_FIT_KERNEL", want)
        assert dispatch.choose(model, 10**6) != "torch"
    monkeypatch.setenv("SSELAB_FIT_KERNEL", "torch")
    assert dispatch.choose(model, 1) == "torch" and dispatch.choose(model, 10**6) == "torch"
    monkeypatch.setattr(_torch, "installed", lambda: False)
    assert dispatch.choose(model, 1) in ("numba", "numpy")


def test_without_an_nvidia_driver_torch_is_not_imported():
    code = ("import sys\nfrom sselab.eis.kernel import _torch\n_torch._NVIDIA_FILES = ('/nonexistent/nvidiactl',)\n"
            "print(_torch.gpu_present(), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_an_unusable_device_is_one_clear_error(monkeypatch):
    """Each spectrum fails with one line naming the setting (no traceback, no silent CPU)."""
    from sselab.eis.batch import FitFailure

    monkeypatch.setenv("SSELAB_FIT_KERNEL", "torch")
    for bad in ("quantum", "cuda:7" if not torch.cuda.is_available() else "cuda:999"):
        monkeypatch.setenv("SSELAB_TORCH_DEVICE", bad)
        out = list(fit_circuit_batch(_noisy("R0-p(R1,CPE1)", 2, 3), "R0-p(R1,CPE1)"))
        assert all(isinstance(f, FitFailure) and f.error.startswith(f"SSELAB_TORCH_DEVICE={bad!r}: PyTorch cannot")
                   and "\n" not in f.error for f in out), out


def test_a_cuda_error_over_several_lines_gives_its_first_line(monkeypatch):
    """CUDA's errors carry debugging hints on further lines (seen on an H200 with ``cuda:999``):
    the failure keeps the first line, the reason, and stays one line."""
    from sselab.exceptions import FitError
    from sselab.eis.kernel import _torch

    def refuse(*args, **kwargs):
        raise RuntimeError("CUDA error: invalid device ordinal\nCUDA kernel errors might be asynchronously "
                           "reported at some other API call.\nCompile with `TORCH_USE_CUDA_DSA` to enable "
                           "device-side assertions.\n")

    monkeypatch.setenv("SSELAB_TORCH_DEVICE", "cpu")
    monkeypatch.setattr(torch, "empty", refuse)
    with pytest.raises(FitError) as err:
        _torch.device()
    assert str(err.value) == "SSELAB_TORCH_DEVICE='cpu': PyTorch cannot use this device (CUDA error: invalid device ordinal)"
