"""The compiled kernel (numba): circuit impedance with its analytic Jacobian, the weighted
residuals of one problem and the small dense solve; the Levenberg–Marquardt iteration built
on them is :mod:`._lm`.

Only :mod:`sselab.eis.kernel` imports this module (importing numba costs ~0.4 s and
compiling, the first time on a machine, a few seconds; the compiled code is cached beside
this file).
"""

from __future__ import annotations

import math
import os

# numba's OpenMP thread pool (its default layer here) is GNU libgomp, whose idle workers spin
# after every parallel region: on this 2-core machine that cost 25 % more CPU per fit with
# SSELAB_FIT_THREADS=2 (2,785 vs 3,326 fits per CPU-second, 1,000 eBE spectra) for no gain in
# wall time.  Passive waiting (read by libgomp when it loads, at the first parallel call) gave
# the serial kernels' CPU rate (3,770 vs 3,217).  A value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import hashlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from llvmlite import ir  # noqa: E402
from numba import njit, prange, types  # noqa: E402
from numba.extending import intrinsic  # noqa: E402


#: the modules whose compiled code inlines functions of this file
DEPENDENTS = ("_final", "_grid", "_lm", "_transform")


def _drop_stale_dependents() -> None:
    """Delete the cached machine code of :mod:`._final`, :mod:`._grid`, :mod:`._lm` and
    :mod:`._transform` when this file changed.

    numba keys a cached function by its own file's time stamp only: the kernels of _final.py,
    _grid.py, _lm.py and _transform.py, which inline ``_circuit``, ``_residuals``, ``_to_p`` and the
    solves from here, would otherwise keep the
    old versions after an edit of this file (an op code they do not know reads outside its
    arrays).  A stamp of this file's contents beside the cache decides (:func:`drop_stale_caches`)."""
    drop_stale_caches(Path(__file__), (Path(__file__),), DEPENDENTS, "sselab_kernel.stamp")


def drop_stale_caches(owner: Path, sources: tuple[Path, ...], dependents: tuple[str, ...], stamp_name: str) -> None:
    """Delete the cached machine code of the modules ``dependents`` (in ``owner``'s folder) when
    one of ``sources``, whose functions they inline, changed since the stamp ``stamp_name`` (a
    hash of their contents beside the cache) was written; races with another process only cost
    a recompilation."""
    cache = owner.with_name("__pycache__")
    stamp = cache / stamp_name
    key = hashlib.sha1(b"".join(p.read_bytes() for p in sources)).hexdigest()
    try:
        if stamp.read_text() == key:
            return
    except OSError:
        pass
    try:
        for f in [f for mod in dependents for f in cache.glob(f"{mod}.*")]:
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(key)
    except OSError:  # a read-only install: its caches were built together
        pass


_drop_stale_dependents()

from ...fitting.transforms import _BOX, _LOG, _LOG_BOX, _LOG_SHIFT, _LOWER, _OPEN, _UPPER
from .program import ARC, ELEMENT, ELEMENT_CODES, PARALLEL

_R, _C, _L, _CPE, _W, _WS, _WO, _G = (ELEMENT_CODES[k] for k in ("R", "C", "L", "CPE", "W", "Ws", "Wo", "G"))
_HALF_PI_J = 0.5j * np.pi
_HALF_PI = 0.5 * np.pi


# e^x in arithmetic the compiler vectorises (libm's exp is one call per point): x = k·ln 2 + r,
# |r| <= ln(2)/2, k an integer (rounded by adding 1.5·2^52, which leaves k in the low mantissa
# bits), e^r = 1 + r + r²·q(r) with q the Taylor series' terms r^2..r^13 (truncation < 1e-17
# relative) by Estrin's scheme (pairs, then r², r⁴, r⁸: a chain of 5 dependent steps instead of
# Horner's 13), multiply–adds fused where the CPU has them (LLVM's "contract", in these functions
# only), 2^k built from k's bits.  Within 1 ulp of libm (tests/eis_batch/test_kernel.py, 4·10^5
# points in [-700, 700]); beyond ±_EXP_LIMIT, libm.  100 points: 0.31 µs with Horner's rule and
# separate products and sums, 0.14 µs so (benchmarks/RESULTS.md, session 15).
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with trailing zero bits
_LN2_LO = 1.90821492927058770002e-10
_SHIFTER = 6755399441055744.0  # 1.5·2^52
_SHIFTER_BITS = int(np.array(_SHIFTER).view(np.int64))
_EXP_LIMIT = 700.0
_T = tuple(1.0 / math.factorial(k) for k in range(14))
_T2, _T3, _T4, _T5, _T6, _T7, _T8, _T9, _T10, _T11, _T12, _T13 = _T[2:]
#: the exponential's flags: fused multiply–adds (numba's inlining gives an inlined function its
#: caller's flags, so :func:`_exp` and :func:`_exp_into`, which inline :func:`_exp_raw`, carry
#: them and are themselves called, not inlined, from code without them)
_CONTRACT = {"contract"}


@intrinsic
def _bits(typingctx, x):
    """The IEEE-754 bits of a float64, as an int64 (a bit cast: no conversion)."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, i):
    """The float64 whose IEEE-754 bits are the int64 ``i``."""
    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@njit(cache=True, error_model="numpy", fastmath=_CONTRACT, inline="always")
def _exp_raw(x):
    """e^x for |x| <= _EXP_LIMIT (anything beyond gives a meaningless number); only ever inlined
    into :func:`_exp` and :func:`_exp_into` (see :data:`_CONTRACT`)."""
    t = x * _LOG2E + _SHIFTER
    k = t - _SHIFTER
    r = (x - k * _LN2_HI) - k * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    q = (((_T2 + _T3 * r) + (_T4 + _T5 * r) * r2) + ((_T6 + _T7 * r) + (_T8 + _T9 * r) * r2) * r4
         + ((_T10 + _T11 * r) + (_T12 + _T13 * r) * r2) * (r4 * r4))
    p = 1.0 + (r + r2 * q)
    return p * _from_bits((_bits(t) - _SHIFTER_BITS + 1023) << 52)


@njit(cache=True, error_model="numpy", fastmath=_CONTRACT)
def _exp(x):
    """e^x, the same bits as :func:`_exp_into` gives (libm beyond ±_EXP_LIMIT, and for NaN)."""
    if not abs(x) <= _EXP_LIMIT:
        return math.exp(x)
    return _exp_raw(x)


@njit(cache=True, error_model="numpy", fastmath=_CONTRACT)
def _exp_into(a, logw, z):
    """z[i] = e^(a·logw[i]) for every i, one vectorised pass.  True where some |a·logw[i]| > _EXP_LIMIT or is NaN: then
    the caller uses :func:`_exp` instead."""
    bad = False
    for i in range(logw.size):
        x = a * logw[i]
        bad |= not abs(x) <= _EXP_LIMIT
        z[i] = _exp_raw(x)
    return bad


@njit(cache=True, error_model="numpy", inline="always")
def _div(a, b):
    """a / b for complex b, inf/NaN (as numpy) where numba's complex division would raise."""
    if b.real == 0.0 and b.imag == 0.0:
        return complex(math.inf if a != 0 else math.nan, math.nan)
    return a / b


@njit(cache=True, error_model="numpy", inline="always")
def _inv(z):
    """1/z as conj(z)/|z|² (a third of the cost of a complex division); the division itself
    where |z|² under- or overflows."""
    d = z.real * z.real + z.imag * z.imag
    if d == 0.0 or d > 1e300 or d < 1e-300:
        return _div(1.0 + 0j, z)
    return complex(z.real / d, -z.imag / d)


@njit(cache=True, error_model="numpy", inline="always")
def _get(a, i, N):
    """Point i of the split complex row ``a`` (real parts a[:N], imaginary parts a[N:])."""
    return complex(a[i], a[N + i])


@njit(cache=True, error_model="numpy", inline="always")
def _put(a, i, N, v):
    """Point i of the split complex row ``a`` = v."""
    a[i] = v.real
    a[N + i] = v.imag


@njit(cache=True, error_model="numpy")
def _element(code, w, logw, P, s, z, dz):
    """Z of one element into ``z`` and ∂Z/∂p into rows s, s+1 of ``dz`` (the registry's
    formulas); complex rows split: real parts [:N], imaginary parts [N:] (see :func:`_circuit`)."""
    N = w.size
    if code == _R:
        for i in range(N):
            z[i] = P[s]
            z[N + i] = 0.0
            dz[s, i] = 1.0
            dz[s, N + i] = 0.0
    elif code == _C:
        c = P[s]
        for i in range(N):
            zz = complex(0.0, -1.0 / (w[i] * c))  # 1/(jωC)
            _put(z, i, N, zz)
            _put(dz[s], i, N, complex(0.0, -zz.imag / c))
    elif code == _L:
        for i in range(N):
            _put(z, i, N, 1j * w[i] * P[s])
            _put(dz[s], i, N, 1j * w[i])
    elif code == _CPE:
        q, n = P[s], P[s + 1]
        phase = _div(np.exp(-0.5j * np.pi * n), q + 0j)
        pr, pi = phase.real, phase.imag
        if _exp_into(-n, logw, z[:N]):
            for i in range(N):
                z[i] = _exp(-n * logw[i])
        for i in range(N):
            e = z[i]
            zr, zi = e * pr, e * pi  # (jω)^−n / Q
            z[i], z[N + i] = zr, zi
            dz[s, i], dz[s, N + i] = -zr / q, -zi / q
            ar, ai = -zr, -zi
            lw = logw[i]
            dz[s + 1, i], dz[s + 1, N + i] = ar * lw - ai * _HALF_PI, ar * _HALF_PI + ai * lw
    elif code == _W:
        for i in range(N):
            base = (1 - 1j) / math.sqrt(w[i])
            _put(z, i, N, P[s] * base)
            _put(dz[s], i, N, base)
    elif code == _WS or code == _WO:
        r, tau = P[s], P[s + 1]
        for i in range(N):
            sq = np.sqrt(1j * w[i] * tau)
            e = np.exp(-2 * sq)  # Re(sq) > 0 so |e| <= 1
            if code == _WS:
                t = _div(1 - e, 1 + e)
                d2 = _div(4 * e, (1 + e) ** 2)
                df_ds = _div(d2 * sq - t, sq**2)
            else:
                t = _div(1 + e, 1 - e)
                d2 = _div(4 * e, (1 - e) ** 2)
                df_ds = _div(-d2 * sq - t, sq**2)
            f = _div(t, sq)
            _put(z, i, N, r * f)
            _put(dz[s], i, N, f)
            _put(dz[s + 1], i, N, _div(r * df_ds * sq, 2 * tau + 0j))
    elif code == _G:
        r, tau = P[s], P[s + 1]
        for i in range(N):
            base = _div(1.0 + 0j, np.sqrt(1 + 1j * w[i] * tau))
            _put(z, i, N, r * base)
            _put(dz[s], i, N, base)
            _put(dz[s + 1], i, N, -0.5 * r * base**3 * 1j * w[i])


@njit(cache=True, error_model="numpy")
def _arc(sr, sq, w, logw, P, z, dz):
    """A p(R, CPE): Z = 1/Y, Y = 1/R + Q(jω)^n, into ``z``; ∂Z/∂R = Z²/R², ∂Z/∂Q = −Z²(jω)^n,
    ∂Z/∂n = −Z²Q(jω)^n(ln ω + jπ/2) into rows sr, sq, sq + 1 of ``dz`` (what the element
    formulas and the PARALLEL rule give, to rounding); rows split as in :func:`_circuit`.

    Two passes, both vectorised: the exponentials ωⁿ (:func:`_exp_into`) into z's real parts,
    then the complex arithmetic in real numbers without branches, the operations of
    :func:`_arc_checked` one for one (bit for bit the same numbers).  (With complex rows, real
    and imaginary parts interleaved at every store, the arithmetic took 1.2 µs per 100 points
    instead of 0.4, vectorised or not.)  Where 1/|Y|² is not a normal number at some point
    (|Y|² zero, under- or overflowing), or n·ln ω leaves ±700, the row is redone by
    :func:`_arc_checked`."""
    N = w.size
    r, q, n = P[sr], P[sq], P[sq + 1]
    inv_r = 1.0 / r
    phase = np.exp(0.5j * np.pi * n)
    pr, pi = phase.real, phase.imag
    rr = inv_r * inv_r
    if _exp_into(n, logw, z[:N]):
        _arc_checked(sr, sq, w, logw, P, z, dz)
        return
    bad = False
    for i in range(N):
        e = z[i]
        pwr, pwi = e * pr, e * pi  # (jω)^n
        yr = inv_r + q * pwr
        yi = q * pwi
        d = yr * yr + yi * yi
        bad |= (d == 0.0) | (d > 1e300) | (d < 1e-300)
        zr, zi = yr / d, -yi / d  # Z = 1/Y (_inv)
        z2r, z2i = zr * zr - zi * zi, zr * zi + zi * zr
        z[i], z[N + i] = zr, zi
        dz[sr, i], dz[sr, N + i] = z2r * rr, z2i * rr
        ar, ai = -z2r, -z2i
        dz[sq, i], dz[sq, N + i] = ar * pwr - ai * pwi, ar * pwi + ai * pwr
        ar, ai = ar * q, ai * q
        br, bi = ar * pwr - ai * pwi, ar * pwi + ai * pwr
        lw = logw[i]
        dz[sq + 1, i], dz[sq + 1, N + i] = br * lw - bi * _HALF_PI, br * _HALF_PI + bi * lw
    if bad:
        _arc_checked(sr, sq, w, logw, P, z, dz)


@njit(cache=True, error_model="numpy")
def _arc_checked(sr, sq, w, logw, P, z, dz):
    """:func:`_arc` in complex arithmetic, 1/Y by :func:`_inv` (its guarded division)."""
    N = w.size
    r, q, n = P[sr], P[sq], P[sq + 1]
    inv_r = 1.0 / r
    phase = np.exp(0.5j * np.pi * n)
    for i in range(N):
        pw = _exp(n * logw[i]) * phase  # (jω)^n
        y = inv_r + q * pw
        zz = _inv(y)
        z2 = zz * zz
        _put(z, i, N, zz)
        _put(dz[sr], i, N, z2 * (inv_r * inv_r))
        _put(dz[sq], i, N, -z2 * pw)
        _put(dz[sq + 1], i, N, -z2 * q * pw * (logw[i] + _HALF_PI_J))


@njit(cache=True, error_model="numpy")
def _circuit(ops, w, logw, P, zs, lo, hi, dz):
    """Run the postfix program: Z is left in zs[0], ∂Z/∂p in dz (n, 2N).  Complex rows are
    split, real parts [:N] and imaginary parts [N:] (as the residuals r and the Jacobian rows;
    the stores then vectorise)."""
    N = w.size
    sp = 0
    for o in range(ops.shape[0]):
        op, a = ops[o, 0], ops[o, 1]
        if op == ELEMENT:
            _element(a, w, logw, P, ops[o, 2], zs[sp], dz)
            lo[sp] = ops[o, 2]
            hi[sp] = ops[o, 2] + ops[o, 3]
            sp += 1
            continue
        if op == ARC:
            _arc(a, ops[o, 2], w, logw, P, zs[sp], dz)
            lo[sp] = min(a, ops[o, 2])
            hi[sp] = lo[sp] + 3
            sp += 1
            continue
        base = sp - a
        if op == PARALLEL:
            for i in range(N):
                for c in range(base, sp):  # admittances, kept for the chain factors
                    _put(zs[c], i, N, _inv(_get(zs[c], i, N)))
                y = _get(zs[base], i, N)
                for c in range(base + 1, sp):
                    y = y + _get(zs[c], i, N)
                zz = _inv(y)
                for c in range(base, sp):
                    f = zz * _get(zs[c], i, N)  # ∂Z/∂Zᵢ = (Z/Zᵢ)² = (Z·Yᵢ)²
                    f = f * f
                    for j in range(lo[c], hi[c]):
                        _put(dz[j], i, N, _get(dz[j], i, N) * f)
                _put(zs[base], i, N, zz)
        else:
            for c in range(base + 1, sp):
                for i in range(2 * N):
                    zs[base, i] = zs[base, i] + zs[c, i]
        hi[base] = hi[sp - 1]
        sp = base + 1


@njit(cache=True, error_model="numpy")
def _to_p(kind, a, b, x):
    """p(u) and dp/du of one free parameter (as :class:`sselab.fitting.transforms.Transform`)."""
    if kind == _OPEN:
        return a * x, a
    if kind == _LOG_BOX or kind == _BOX:
        sg = 0.5 * (1.0 + math.tanh(0.5 * x))
        if kind == _BOX:
            return a + (b - a) * sg, (b - a) * sg * (1 - sg)
        p = math.exp(a + (b - a) * sg)
        return p, p * (b - a) * sg * (1 - sg)
    e = math.exp(min(max(x, -700.0), 700.0))
    if kind == _LOG:
        return e, e
    if kind == _UPPER:
        return b - e, -e
    return a + e, e  # _LOG_SHIFT, _LOWER


@njit(cache=True, error_model="numpy")
def _copy(dst, src):
    """dst[:] = src for 1-D arrays, as a loop: numba's slice assignment is generic (broadcasting,
    and error messages built from strings) and costs ~0.5–1 s to compile in every kernel using it."""
    for i in range(src.size):
        dst[i] = src[i]


@njit(cache=True, error_model="numpy")
def _residuals(ops, w, logw, zr, zi, wr, wi, base, free, kind, ta, tb, x, zs, lo, hi, dz, P, dpdu, r, JT):
    """Weighted residuals r (2N,) and their Jacobian ∂r/∂u, transposed: JT (k, 2N), at u = x."""
    N = w.size
    _copy(P, base)
    for j in range(free.size):
        P[free[j]], dpdu[j] = _to_p(kind[j], ta[j], tb[j], x[j])
    _circuit(ops, w, logw, P, zs, lo, hi, dz)
    z = zs[0]
    for i in range(N):
        r[i] = (z[i] - zr[i]) * wr[i]
    for i in range(N):
        r[N + i] = (z[N + i] - zi[i]) * wi[i]
    for j in range(free.size):
        row = dz[free[j]]
        g = dpdu[j]
        for i in range(N):
            JT[j, i] = row[i] * wr[i] * g
        for i in range(N):
            JT[j, N + i] = row[N + i] * wi[i] * g


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _dot(a, b):
    """a·b of two contiguous 1-d arrays, the sum reassociated (vectorised: a rounding-level change
    of the summation order; the LM's normal equations and the final pass's Gram matrices)."""
    s = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
    return s


@njit(cache=True, error_model="numpy")
def _solve_overwriting(A, g, out):
    """out = A⁻¹ g by LU with partial pivoting (as LAPACK gesv), factoring ``A`` in place (its
    callers build it for the one solve); NaN where A is singular."""
    k = g.size
    _copy(out, g)
    for c in range(k):
        piv = c
        for i in range(c + 1, k):
            if abs(A[i, c]) > abs(A[piv, c]):
                piv = i
        if A[piv, c] == 0.0 or not math.isfinite(A[piv, c]):
            for i in range(k):
                out[i] = np.nan
            return
        if piv != c:
            for j in range(k):
                A[c, j], A[piv, j] = A[piv, j], A[c, j]
            out[c], out[piv] = out[piv], out[c]
        for i in range(c + 1, k):
            f = A[i, c] / A[c, c]
            for j in range(c, k):
                A[i, j] -= f * A[c, j]
            out[i] -= f * out[c]
    for c in range(k - 1, -1, -1):
        acc = out[c]
        for j in range(c + 1, k):
            acc -= A[c, j] * out[j]
        out[c] = acc / A[c, c]


@njit(cache=True, parallel=True, error_model="numpy")
def impedance_batch(ops, depth, w, data_row, P, z, dz):
    """Z (B, N) and ∂Z/∂p (B, n, N) of parameter rows ``P`` (B, n) at w[data_row[b]]."""
    logw = np.log(w)
    N = w.shape[1]
    n = P.shape[1]
    for b in prange(P.shape[0]):
        zs = np.empty((depth, 2 * N))
        lo = np.empty(depth, np.int64)
        hi = np.empty(depth, np.int64)
        ds = np.zeros((n, 2 * N))
        d = data_row[b]
        _circuit(ops, w[d], logw[d], P[b], zs, lo, hi, ds)
        for i in range(N):
            z[b, i] = _get(zs[0], i, N)
        for j in range(n):
            for i in range(N):
                dz[b, j, i] = _get(ds[j], i, N)
