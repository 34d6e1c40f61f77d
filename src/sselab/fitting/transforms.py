"""Maps between bounded physical parameters p and the unbounded variables u the engine moves.

========================  ==========================================
parameter                 transform p(u)
========================  ==========================================
log, [0, inf)             p = exp(u)
log, [a>0, inf)           p = a + exp(u)
log, [a, b] finite        p = exp(ln a' + (ln b - ln a') σ(u)), a' = max(a, tiny)
linear, [a, b] finite     p = a + (b - a) σ(u)
linear, [a, inf)          p = a + exp(u)
linear, (-inf, b]         p = b - exp(u)
linear, open              p = s u  (s = |p0| or 1)
========================  ==========================================

σ is the logistic function.  Working in u makes the fit scale-free (the issue of a 1e6 Ω
pellet with a 1e-11 F CPE vs a 1 Ω film) and keeps every step inside the bounds.
"""

from __future__ import annotations

import numpy as np

from ..memo import Bounded
from .parameters import Parameters

_TINY = 1e-300
_LOG, _LOG_SHIFT, _LOG_BOX, _BOX, _LOWER, _UPPER, _OPEN = range(7)


def _sigmoid(u: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * u))


class Transform:
    """Vectorised p(u), u(p) and dp/du for the free parameters of a :class:`Parameters`."""

    def __init__(self, params: Parameters) -> None:
        free = [p for p in params.values() if not p.fixed]
        self.kind = np.empty(len(free), dtype=int)
        self.a = np.zeros(len(free))
        self.b = np.zeros(len(free))
        for i, p in enumerate(free):
            finite_lo, finite_hi = np.isfinite(p.min), np.isfinite(p.max)
            if p.scale == "log":
                if finite_hi:
                    self.kind[i] = _LOG_BOX
                    self.a[i], self.b[i] = np.log(max(p.min, p.max * 1e-30, _TINY)), np.log(p.max)
                elif p.min > 0:
                    self.kind[i], self.a[i] = _LOG_SHIFT, p.min
                else:
                    self.kind[i] = _LOG
            elif finite_lo and finite_hi:
                self.kind[i], self.a[i], self.b[i] = _BOX, p.min, p.max
            elif finite_lo:
                self.kind[i], self.a[i] = _LOWER, p.min
            elif finite_hi:
                self.kind[i], self.b[i] = _UPPER, p.max
            else:
                self.kind[i], self.a[i] = _OPEN, max(abs(p.value), 1.0)
        # (kind, columns, a, b) per kind present: p(u) and dp/du then cost a few array
        # operations per kind rather than one masked pass per possible kind
        self._groups = [(k, np.flatnonzero(self.kind == k), self.a[self.kind == k], self.b[self.kind == k])
                        for k in np.unique(self.kind).tolist()]

    def to_p(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, float)
        out = np.empty_like(u)
        with np.errstate(over="ignore"):
            for k, idx, a, b in self._groups:
                x = u[..., idx]
                if k == _LOG:
                    out[..., idx] = np.exp(np.minimum(np.maximum(x, -700.0), 700.0))
                elif k in (_LOG_SHIFT, _LOWER):
                    out[..., idx] = a + np.exp(np.minimum(np.maximum(x, -700.0), 700.0))
                elif k == _UPPER:
                    out[..., idx] = b - np.exp(np.minimum(np.maximum(x, -700.0), 700.0))
                elif k == _LOG_BOX:
                    out[..., idx] = np.exp(a + (b - a) * _sigmoid(x))
                elif k == _BOX:
                    out[..., idx] = a + (b - a) * _sigmoid(x)
                else:  # _OPEN
                    out[..., idx] = a * x
        return out

    def dp_du(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, float)
        out = np.empty_like(u)
        with np.errstate(over="ignore"):
            for k, idx, a, b in self._groups:
                x = u[..., idx]
                if k in (_LOG, _LOG_SHIFT, _LOWER):
                    out[..., idx] = np.exp(np.minimum(np.maximum(x, -700.0), 700.0))
                elif k == _UPPER:
                    out[..., idx] = -np.exp(np.minimum(np.maximum(x, -700.0), 700.0))
                elif k == _LOG_BOX:
                    s = _sigmoid(x)
                    out[..., idx] = np.exp(a + (b - a) * s) * (b - a) * s * (1 - s)
                elif k == _BOX:
                    s = _sigmoid(x)
                    out[..., idx] = (b - a) * s * (1 - s)
                else:  # _OPEN
                    out[..., idx] = np.broadcast_to(a, x.shape)
        return out

    def to_u(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, float)
        out = np.empty_like(p)

        def logit(x: np.ndarray) -> np.ndarray:
            x = np.minimum(np.maximum(x, 1e-12), 1 - 1e-12)  # np.clip, without its dispatch cost
            return np.log(x / (1 - x))

        with np.errstate(divide="ignore", invalid="ignore"):
            for k, idx, a, b in self._groups:  # the kinds present only (as to_p)
                x = p[..., idx]
                if k == _LOG:
                    out[..., idx] = np.log(np.maximum(x, _TINY))
                elif k in (_LOG_SHIFT, _LOWER):
                    out[..., idx] = np.log(np.maximum(x - a, _TINY))
                elif k == _UPPER:
                    out[..., idx] = np.log(np.maximum(b - x, _TINY))
                elif k == _LOG_BOX:
                    out[..., idx] = logit((np.log(np.maximum(x, _TINY)) - a) / (b - a))
                elif k == _BOX:
                    out[..., idx] = logit((x - a) / (b - a))
                else:  # _OPEN
                    out[..., idx] = x / a
        return out


_TRANSFORMS = Bounded()  # bounds/scales/fixed of a parameter set → Transform


def transform_for(params: Parameters) -> Transform:
    """``Transform(params)``, shared by parameter sets with the same bounds, scales and fixed
    flags (and values, for unbounded linear parameters, whose scale is their value): a fit
    builds its parameters afresh, and making a Transform costs more than a compiled fit of a
    spectrum's few iterations.  Treat the result as read-only."""
    derived = params.__dict__.setdefault("_derived", {})  # one Parameters reused (a fit template): once
    found = derived.get("transform")
    if found is not None:
        return found
    key = tuple((p.min, p.max, p.scale, p.fixed,
                 p.value if p.scale != "log" and not (np.isfinite(p.min) or np.isfinite(p.max)) else None)
                for p in params.values())
    found = _TRANSFORMS.get_or_make(key, lambda: Transform(params))
    derived["transform"] = found
    return found
