"""The optional GPU path (PyTorch): the batched Levenberg–Marquardt of
:func:`sselab.fitting.levenberg_marquardt.solve`, step for step, with the circuit's impedance and
analytic Jacobian run from the same postfix program as the numba kernel (:mod:`.program`), every
spectrum of a batched solve advanced together as tensors on the GPU.

Nothing requires it, and it is opt-in: it runs when ``SSELAB_FIT_KERNEL=torch`` asks and PyTorch
is installed, on the first CUDA device PyTorch sees (:func:`gpu_present`), else the CPU, or on
``SSELAB_TORCH_DEVICE`` (how CI and the tests check it against the numpy reference where no GPU
is).  Only the iteration runs here; the starts, their clipping and transform, the choice of the
start kept per problem and the final pass (residuals, χ², covariance) are the CPU engine's
(:mod:`.dispatch`), so a result differs from the numpy path's only by the rounding of the
iteration's arithmetic (float64 throughout; the element formulas are those of :mod:`._numba`,
written for tensors).

Measured on an H200 beside 16 CPU cores (``benchmarks/bench_gpu.py``, benchmarks/RESULTS.md):
every iteration costs 4–6 ms whatever the rows (one kernel launch per array operation, a few
hundred per iteration), so a 2,048-spectrum chunk gains nothing, and a 50,000-spectrum solve runs
its 146 iterations in 1.8 s (12.5 ms each): 5,935 fits/s end to end against numba's 7,591 on the
16 cores, the same χ².  ``auto`` therefore never chooses it; a fused per-spectrum kernel (as the
numba one, compiled for the GPU) would be the way to a faster GPU path.

The loop keeps numpy's per-problem rules: Nielsen's damping, the stop tests with their status codes
(:attr:`~sselab.fitting.levenberg_marquardt.Outcome.MESSAGES`), and the converged problems leave
the batch (the active rows are gathered each iteration, as numpy does).  One difference: a
singular damped system is solved by the pseudo-inverse for its own row only (numpy switches the
whole batch to it).
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

import numpy as np

from ...exceptions import FitError
from ...fitting import levenberg_marquardt as lm
from ...fitting.transforms import _BOX, _LOG, _LOG_BOX, _LOG_SHIFT, _LOWER, _UPPER, transform_for
from .program import ARC, ELEMENT, ELEMENT_CODES, SERIES, compiled

_R, _C, _L, _CPE, _W, _WS, _WO, _G = (ELEMENT_CODES[k] for k in ("R", "C", "L", "CPE", "W", "Ws", "Wo", "G"))

#: files that exist where an NVIDIA driver is loaded: without one, :func:`gpu_present` does not
#: import torch (~1–2 s) only to learn there is no GPU
_NVIDIA_FILES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version")


@lru_cache(maxsize=1)
def installed() -> bool:
    """Whether PyTorch can be imported (without importing it)."""
    from importlib.util import find_spec

    return find_spec("torch") is not None


@lru_cache(maxsize=1)
def gpu_present() -> bool:
    """Whether PyTorch is installed and sees a CUDA device (torch is imported only where an
    NVIDIA driver's files exist)."""
    if not installed() or not any(os.path.exists(f) for f in _NVIDIA_FILES):
        return False
    import torch

    return bool(torch.cuda.is_available())


def device():
    """The device the torch path runs on: ``SSELAB_TORCH_DEVICE`` when set (``cuda:1``, ``cpu``),
    else the first CUDA device, else the CPU."""
    import torch

    asked = os.environ.get("SSELAB_TORCH_DEVICE", "").strip()
    if asked:
        try:
            dev = torch.device(asked)
            torch.empty(0, device=dev)  # a device PyTorch knows but cannot use fails here, not mid-fit
        except (RuntimeError, ValueError, AssertionError) as exc:
            # CUDA's messages run over several lines (hints on debugging kernels): the first says why
            why = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            raise FitError(f"SSELAB_TORCH_DEVICE={asked!r}: PyTorch cannot use this device ({why})") from None
        return dev
    return torch.device("cuda") if gpu_present() else torch.device("cpu")


class _Problem:
    """A circuit model's data and parameter transform as tensors on one device."""

    def __init__(self, torch, model, template, base: np.ndarray, data_rows: np.ndarray, dev) -> None:
        self.torch = torch
        t = lambda a: torch.as_tensor(np.ascontiguousarray(a, float), device=dev)  # noqa: E731
        rows = torch.as_tensor(np.asarray(data_rows, np.int64), device=dev)
        z = model.z
        full = lambda a: a if a.shape == z.shape else np.broadcast_to(a, z.shape)  # noqa: E731
        # the spectra of the batch's rows, gathered once: (B, N)
        self.w = t(full(model.w))[rows]
        self.logw = torch.log(self.w)
        self.z = torch.complex(t(z.real), t(z.imag))[rows]
        self.wr, self.wi = t(full(model.wr))[rows], t(full(model.wi))[rows]
        self.ops = compiled(model.circuit)[0].tolist()
        self.transform = transform = transform_for(template)
        self.free = np.flatnonzero(template.free_mask)
        self.free_t = torch.as_tensor(self.free, device=dev)
        self.groups = [(k, torch.as_tensor(cols, device=dev), t(transform.a[cols])[None, :],
                        t(transform.b[cols])[None, :])
                       for k in np.unique(transform.kind).tolist() for cols in [np.flatnonzero(transform.kind == k)]]
        self.base = t(base)

    # -- parameter transforms (sselab.fitting.transforms, a few tensor operations per kind present) --
    def to_p(self, x):
        """p(u) of the free columns and dp/du, both (b, k)."""
        torch = self.torch
        p, d = torch.empty_like(x), torch.empty_like(x)
        for k, cols, a, b in self.groups:
            u = x[:, cols]
            if k in (_LOG, _LOG_SHIFT, _LOWER, _UPPER):
                e = torch.exp(torch.clamp(u, -700.0, 700.0))
                p[:, cols] = e if k == _LOG else (a + e if k != _UPPER else b - e)
                d[:, cols] = -e if k == _UPPER else e
            elif k in (_LOG_BOX, _BOX):
                s = 0.5 * (1.0 + torch.tanh(0.5 * u))
                ds = (b - a) * s * (1 - s)
                if k == _LOG_BOX:
                    pk = torch.exp(a + (b - a) * s)
                    p[:, cols], d[:, cols] = pk, pk * ds
                else:
                    p[:, cols], d[:, cols] = a + (b - a) * s, ds
            else:  # _OPEN
                p[:, cols], d[:, cols] = a * u, a.expand_as(u)
        return p, d

    def to_u(self, P: np.ndarray) -> np.ndarray:
        """u(p) of the free columns of ``P`` (numpy, the engine's own map)."""
        return self.transform.to_u(P[:, self.free])

    # -- the circuit ---------------------------------------------------------------------------
    def __call__(self, x, rows):
        """Weighted residuals (b, 2N), their Jacobian in u (b, 2N, k) and in p (b, 2N, k) at ``x``
        for the batch rows ``rows``."""
        torch = self.torch
        p_free, dp_du = self.to_p(x)
        P = self.base[rows].clone()
        P[:, self.free_t] = p_free
        w, logw = self.w[rows], self.logw[rows]
        zc, dz = _circuit(torch, self.ops, w, logw, P)
        d = zc - self.z[rows]
        wr, wi = self.wr[rows], self.wi[rows]
        r = torch.cat([d.real * wr, d.imag * wi], 1)
        cols = [dz[int(i)] for i in self.free]
        D = torch.stack(cols, 2)  # (b, N, k) complex
        Jp = torch.cat([D.real * wr[..., None], D.imag * wi[..., None]], 1)
        return r, Jp * dp_du[:, None, :], Jp


def _element(torch, code: int, s: int, w, logw, P) -> tuple:
    """Z (b, N) of one element and {parameter index: ∂Z/∂p} (the formulas of :mod:`._numba`)."""
    one = torch.ones_like(w)
    zero = torch.zeros_like(w)
    c = lambda re, im: torch.complex(re, im)  # noqa: E731
    if code == _R:
        return c(P[:, s : s + 1] * one, zero), {s: c(one, zero)}
    if code == _C:
        cap = P[:, s : s + 1]
        z = c(zero, -1.0 / (w * cap))
        return z, {s: -z / cap}
    if code == _L:
        return c(zero, w * P[:, s : s + 1]), {s: c(zero, w)}
    if code == _CPE:
        q, n = P[:, s : s + 1], P[:, s + 1 : s + 2]
        z = _unit(torch, -0.5 * math.pi * n * one) * (torch.exp(-n * logw) / q)
        return z, {s: -z / q, s + 1: -z * c(logw, 0.5 * math.pi * one)}
    if code == _W:
        base = c(1.0 / torch.sqrt(w), -1.0 / torch.sqrt(w))
        return P[:, s : s + 1] * base, {s: base}
    if code in (_WS, _WO):
        r, tau = P[:, s : s + 1], P[:, s + 1 : s + 2]
        sq = torch.sqrt(c(zero, w * tau))
        e = torch.exp(-2 * sq)
        if code == _WS:
            t = (1 - e) / (1 + e)
            df_ds = (4 * e / (1 + e) ** 2 * sq - t) / sq**2
        else:
            t = (1 + e) / (1 - e)
            df_ds = (-4 * e / (1 - e) ** 2 * sq - t) / sq**2
        f = t / sq
        return r * f, {s: f, s + 1: r * df_ds * sq / (2 * tau)}
    if code == _G:
        r, tau = P[:, s : s + 1], P[:, s + 1 : s + 2]
        jw = c(zero, w)
        base = 1.0 / torch.sqrt(1 + jw * tau)
        return r * base, {s: base, s + 1: -0.5 * r * base**3 * jw}
    raise ValueError(f"element code {code} has no tensor formula")


def _unit(torch, angle):
    """exp(j·angle) for a real tensor."""
    return torch.complex(torch.cos(angle), torch.sin(angle))


def _arc(torch, sr: int, sq: int, w, logw, P) -> tuple:
    """p(R, CPE) as one step: Z = 1/Y, Y = 1/R + Q(jω)^n (the formulas of :func:`._numba._arc`)."""
    r, q, n = P[:, sr : sr + 1], P[:, sq : sq + 1], P[:, sq + 1 : sq + 2]
    pw = _unit(torch, 0.5 * math.pi * n * torch.ones_like(w)) * torch.exp(n * logw)  # (jω)^n
    z = 1.0 / (1.0 / r + q * pw)
    z2 = z * z
    return z, {sr: z2 / (r * r), sq: -z2 * pw,
               sq + 1: -z2 * q * pw * torch.complex(logw, torch.full_like(w, 0.5 * math.pi))}


def _circuit(torch, ops, w, logw, P) -> tuple:
    """Z (b, N) and {parameter index: ∂Z/∂p (b, N)} of the postfix program ``ops``."""
    stack: list[tuple] = []
    for op, a, b, _ in ops:
        if op == ELEMENT:
            stack.append(_element(torch, a, b, w, logw, P))
        elif op == ARC:
            stack.append(_arc(torch, a, b, w, logw, P))
        else:
            parts = stack[-a:]
            del stack[-a:]
            deriv: dict = {}
            if op == SERIES:
                z = parts[0][0]
                for zi, _ in parts[1:]:
                    z = z + zi
                for _, d in parts:
                    deriv.update(d)
            else:  # PARALLEL: ∂Z/∂Zᵢ = (Z/Zᵢ)²
                inv = [1.0 / zi for zi, _ in parts]
                y = inv[0]
                for v in inv[1:]:
                    y = y + v
                z = 1.0 / y
                for (_, d), v in zip(parts, inv):
                    f = (z * v) ** 2
                    deriv.update({key: f * dv for key, dv in d.items()})
            stack.append((z, deriv))
    return stack[0]


def outcome(model, template, starts: np.ndarray, data_rows: np.ndarray, max_iter: int, ftol: float, xtol: float,
            stol: float, window: int = 0, gtol: float = 1e-12,
            lam0: float = 1e-3) -> tuple[np.ndarray, lm.Outcome, tuple[np.ndarray, np.ndarray]]:
    """:func:`sselab.eis.kernel.dispatch._compiled_outcome` on the torch device: the final
    parameters (B, n), the :class:`~sselab.fitting.levenberg_marquardt.Outcome` and each row's
    residuals (B, 2N) and p-space Jacobian (B, k, 2N) at its last accepted point."""
    import torch

    dev = device()
    base = np.ascontiguousarray(starts, float)
    prob = _Problem(torch, model, template, base, data_rows, dev)
    x0 = prob.to_u(base)
    with torch.no_grad():
        x, cost, r_all, Jp_all, status, n_iter = _solve(torch, prob, torch.as_tensor(x0, device=dev), max_iter, ftol,
                                                        xtol, gtol, stol, lam0, window)
        final = base.copy()
        final[:, prob.free] = prob.to_p(x)[0].cpu().numpy()
        x_np = x.cpu().numpy()
        out = lm.Outcome(x_np, cost.cpu().numpy(), np.empty((len(base), 0)), np.empty((len(base), 0, 0)),
                         status.cpu().numpy(), n_iter.cpu().numpy(), int(n_iter.max().item()) + 1 if len(base) else 1)
        state = (r_all.cpu().numpy(), np.ascontiguousarray(Jp_all.transpose(1, 2).cpu().numpy()))
    return final, out, state


def _solve(torch, fun: _Problem, x, max_iter, ftol, xtol, gtol, stol, lam0, window):
    """:func:`sselab.fitting.levenberg_marquardt.solve` on tensors (the same rules, in the same order)."""
    B, k = x.shape
    dev = x.device
    every_row = torch.arange(B, device=dev)
    r_all, J_all, Jp_all = fun(x, every_row)
    m = r_all.shape[1]
    dof = max(m - k, 1)
    cost = 0.5 * (r_all * r_all).sum(1)
    bad = ~torch.isfinite(cost) | ~torch.isfinite(J_all.sum((1, 2)))
    status = torch.zeros(B, dtype=torch.int64, device=dev)
    status[bad] = -2
    n_iter = torch.zeros(B, dtype=torch.int64, device=dev)
    lam = torch.full((B,), lam0, dtype=x.dtype, device=dev)
    nu = torch.full((B,), 2.0, dtype=x.dtype, device=dev)
    active = ~bad
    use_window = stol > 0 and window > 0
    ring = torch.full((B, max(window, 1)), math.inf, dtype=x.dtype, device=dev)
    n_acc = torch.zeros(B, dtype=torch.int64, device=dev)
    calm = torch.zeros(B, dtype=torch.int64, device=dev)
    # per problem: r(x + d) − r(x) − Jd of its last accepted calm step d, and d (the geodesic
    # acceleration of lm.solve, on with the window)
    curv = torch.zeros((B, m if use_window else 0), dtype=x.dtype, device=dev)
    d_last = torch.zeros((B, k), dtype=x.dtype, device=dev)
    bent = torch.zeros(B, dtype=torch.bool, device=dev)
    eye = torch.eye(k, dtype=x.dtype, device=dev)
    for _ in range(max_iter):
        idx = torch.nonzero(active).squeeze(1)
        b = idx.numel()
        if b == 0:
            break
        Ja, ra, xa, cost_a, lam_a = J_all[idx], r_all[idx], x[idx], cost[idx], lam[idx]
        JT = Ja.transpose(1, 2)
        A = JT @ Ja
        g = (JT @ ra[:, :, None])[:, :, 0]
        conv_g = g.abs().amax(1) <= gtol * torch.clamp(cost_a, min=1e-300)
        diag = torch.diagonal(A, dim1=1, dim2=2)
        diag = torch.maximum(diag, 1e-12 * torch.clamp(diag.amax(1, keepdim=True), min=1e-300))
        M = A + (lam_a[:, None] * diag)[:, :, None] * eye
        if stol > 0:  # the undamped Gauss–Newton step too (used where λ ≤ 1e-2), in one batched solve
            systems = torch.cat([M, A + (1e-12 * diag)[:, :, None] * eye])
            rhs = torch.cat([g, g])[:, :, None]
        else:
            systems, rhs = M, g[:, :, None]
        sol = _solve_rows(torch, systems, rhs)[:, :, 0]
        step = -sol[:b]
        conv_s = torch.zeros(b, dtype=torch.bool, device=dev)
        if stol > 0:
            gain = 0.5 * (g * sol[b:]).sum(1)
            conv_s = (lam_a <= 1e-2) & (gain >= 0) & (gain * dof <= stol * cost_a)
        taken = _accelerate(torch, step, Ja, M, diag, curv, d_last, idx, bent[idx] & (lam_a <= 1e-2)) \
            if use_window else step
        x_new = xa + taken
        r_new, J_new, Jp_new = fun(x_new, idx)
        cost_new = 0.5 * (r_new * r_new).sum(1)
        accept = (cost_new < cost_a) & torch.isfinite(cost_new) & torch.isfinite(J_new.sum((1, 2)))
        n_iter[idx] += 1
        reduction = torch.where(accept, cost_a - cost_new, torch.zeros_like(cost_a))
        conv_f = accept & (reduction <= ftol * cost_a)
        step2 = step * step
        conv_x = (taken * taken).sum(1) <= (xtol * (torch.sqrt((xa * xa).sum(1)) + xtol)) ** 2
        pred = 0.5 * (lam_a * (diag * step2).sum(1) - (g * step).sum(1))
        safe = torch.where(pred > 0, pred, torch.ones_like(pred))
        rho = torch.where(accept & (pred > 0), reduction / safe, torch.zeros_like(pred))
        nu_a = nu[idx]
        gain_factor = torch.clamp(1 - (2 * torch.clamp(rho, 0.0, 1.0) - 1) ** 3, min=1 / 3)
        factor = torch.where(accept, gain_factor, nu_a)
        nu[idx] = torch.where(accept, torch.full_like(nu_a, 2.0), 2 * nu_a)
        lam_new = torch.clamp(lam_a * factor, 1e-12, 1e300)
        if use_window:  # the curvature along each accepted calm step (before the state moves on)
            calm_a = calm[idx]
            calm_new = torch.where(accept, torch.where(lam_a <= 1e-2, calm_a + 1, torch.zeros_like(calm_a)), calm_a)
            now_bent = accept & (calm_new >= lm.GEODESIC_CALM)
            nb = idx[now_bent]
            curv[nb] = r_new[now_bent] - ra[now_bent] - (Ja[now_bent] @ taken[now_bent][:, :, None])[:, :, 0]
            d_last[nb] = taken[now_bent]
            bent[idx] = torch.where(accept, now_bent, bent[idx])
        acc = idx[accept]
        x[acc] = x_new[accept]
        cost[acc] = cost_new[accept]
        r_all[acc] = r_new[accept]
        J_all[acc] = J_new[accept]
        Jp_all[acc] = Jp_new[accept]
        lam[idx] = lam_new
        conv_w = torch.zeros(b, dtype=torch.bool, device=dev)
        if use_window:
            ring[acc, n_acc[acc] % window] = cost_a[accept]
            n_acc[acc] += 1
            calm[idx] = calm_new
            oldest = ring[idx, n_acc[idx] % window]
            cost_now = cost[idx]
            conv_w = accept & (calm[idx] >= window) & ((oldest - cost_now) * dof <= stol * cost_now)
        zero = torch.zeros(b, dtype=torch.int64, device=dev)
        done = torch.where(conv_g, 3, torch.where(conv_s, 4, torch.where(conv_x, 2, torch.where(
            conv_f, 1, torch.where(conv_w, 5, zero)))))
        done = torch.where((done == 0) & ~accept & (lam[idx] > 1e16), -1, done)
        finished = done != 0
        status[idx[finished]] = done[finished]
        active[idx[finished]] = False
    return x, cost, r_all, Jp_all, status, n_iter


def _accelerate(torch, v, Ja, M, diag, curv, d_last, idx, on):
    """The step of the active rows: the velocity ``v``, plus half its geodesic acceleration where
    ``on`` (:func:`sselab.fitting.levenberg_marquardt._accelerate`, the same rules)."""
    if not bool(on.any()):
        return v
    rows = torch.nonzero(on).squeeze(1)
    d, vr, D = d_last[idx[rows]], v[rows], diag[rows]
    vd, dd, vv = (D * vr * d).sum(1), (D * d * d).sum(1), (D * vr * vr).sum(1)
    par = (vd * vd >= lm.GEODESIC_COS**2 * dd * vv) & (dd > 0)
    rows, vr, D, vv, t = rows[par], vr[par], D[par], vv[par], vd[par] / dd[par]
    if rows.numel() == 0:
        return v
    rhs = (2.0 * t * t)[:, None] * (Ja[rows].transpose(1, 2) @ curv[idx[rows]][:, :, None])[:, :, 0]
    a = -_solve_rows(torch, M[rows], rhs[:, :, None])[:, :, 0]
    ok = 4.0 * (D * a * a).sum(1) <= lm.GEODESIC_ALPHA**2 * vv
    taken = v.clone()
    taken[rows[ok]] = vr[ok] + 0.5 * a[ok]
    return taken


def _solve_rows(torch, systems, rhs):
    """``systems⁻¹ rhs`` per row by LU; a singular row by its pseudo-inverse (numpy's solver takes
    the pseudo-inverse for the whole batch then: the same solution for the regular rows, to
    rounding)."""
    sol, info = torch.linalg.solve_ex(systems, rhs)
    singular = info != 0
    if bool(singular.any()):
        sol[singular] = torch.linalg.pinv(systems[singular]) @ rhs[singular]
    return sol
