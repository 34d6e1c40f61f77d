"""An equivalent circuit: parsed string → vectorised impedance with analytic Jacobian.

Examples
--------
>>> import numpy as np
>>> c = Circuit("R0-p(R1,C1)")
>>> c.parameter_names
('R0', 'R1', 'C1')
>>> z = c.impedance(np.array([1e-9, 1e9]), {"R0": 10.0, "R1": 100.0, "C1": 1e-6})
>>> np.round(z.real, 3).tolist()
[110.0, 10.0]
"""

from __future__ import annotations

import math
from functools import cached_property, lru_cache
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..exceptions import ParameterError
from ..fitting import Parameter, Parameters
from .elements import ELEMENTS, ElementType
from .language import Element, Node, Parallel, Series, parse


@dataclass(frozen=True)
class _Slot:
    element: Element
    type: ElementType
    start: int

    @property
    def indices(self) -> range:
        return range(self.start, self.start + self.type.n_params)


class Circuit:
    """A circuit from the circuit language (see :mod:`sselab.eis.language`).

    Parameters are ordered as the elements appear in the string; the model holds no values.
    """

    def __init__(self, text: str) -> None:
        self.tree: Node = parse(text)
        self.text = str(self.tree)
        self._slots: dict[str, _Slot] = {}
        names: list[str] = []
        units: list[str] = []
        bounds: list[tuple[float, float]] = []
        for el in self.tree.elements():
            etype = ELEMENTS[el.type]
            self._slots[el.label] = _Slot(el, etype, len(names))
            names.extend(etype.parameter_names(el.label))
            units.extend(etype.units)
            bounds.extend(etype.bounds)
        self.parameter_names: tuple[str, ...] = tuple(names)
        self.units: tuple[str, ...] = tuple(units)
        self.bounds: tuple[tuple[float, float], ...] = tuple(bounds)

    def __repr__(self) -> str:
        return f"Circuit({self.text!r})"

    def __str__(self) -> str:
        return self.text

    @property
    def n_params(self) -> int:
        return len(self.parameter_names)

    @property
    def element_labels(self) -> tuple[str, ...]:
        return tuple(self._slots)

    def element_type(self, label: str) -> str:
        return self._slots[label].type.name

    def parameter_index(self, name: str) -> int:
        try:
            return self.parameter_names.index(name)
        except ValueError:
            raise ParameterError(
                f"circuit {self.text} has no parameter {name!r}; its parameters are {', '.join(self.parameter_names)}"
            ) from None

    # -- values ------------------------------------------------------------------
    def as_array(self, values: Mapping[str, float] | np.ndarray) -> np.ndarray:
        """Parameter values as an array (..., n) from a mapping (all names needed) or array."""
        if isinstance(values, Mapping):
            unknown = set(values) - set(self.parameter_names)
            if unknown:
                raise ParameterError(f"unknown parameter(s) {', '.join(sorted(unknown))} for circuit {self.text}")
            missing = [n for n in self.parameter_names if n not in values]
            if missing:
                raise ParameterError(f"missing value(s) for {', '.join(missing)} in circuit {self.text}")
            return np.array([float(values[n]) for n in self.parameter_names])
        arr = np.asarray(values, dtype=float)
        if arr.shape[-1] != self.n_params:
            raise ParameterError(f"circuit {self.text} has {self.n_params} parameters, got {arr.shape[-1]} values")
        return arr

    def parameters(
        self,
        initial: Mapping[str, float] | np.ndarray,
        fixed: Mapping[str, float] | None = None,
        bounds: Mapping[str, tuple[float, float]] | None = None,
    ) -> Parameters:
        """Fit parameters with each element's default bounds and units.

        ``fixed`` maps names to values held constant; ``bounds`` overrides (min, max).
        """
        values = self.as_array(initial).copy()
        fixed = dict(fixed or {})
        bounds = dict(bounds or {})
        for name in list(fixed) + list(bounds):
            self.parameter_index(name)
        out = []
        for i, name in enumerate(self.parameter_names):
            lo, hi = bounds.get(name, self.bounds[i])
            is_fixed = name in fixed
            v = float(fixed[name]) if is_fixed else float(values[i])
            if not is_fixed:
                span = hi - lo if math.isfinite(hi - lo) else abs(v) + 1.0
                v = min(max(v, lo + 1e-9 * span if lo == 0 else lo), hi)
                if v <= 0 and lo == 0:
                    v = 1e-12
            out.append(Parameter(name, v, min=lo, max=hi, fixed=is_fixed, unit=self.units[i]))
        return Parameters(out)

    # -- evaluation --------------------------------------------------------------
    def _eval(self, node: Node, w: np.ndarray, P: np.ndarray, grads: list | None) -> np.ndarray:
        """Z of ``node``; with ``grads`` a list, append (parameter index, ∂Z_node/∂p, [chain
        factors]) for every parameter below it.  Chain factors (∂Z_parent/∂Z_child of each
        enclosing parallel block) are collected and multiplied once per derivative at the end."""
        if isinstance(node, Element):
            slot = self._slots[node.label]
            z, dz = slot.type.evaluate(w, P[:, slot.start : slot.start + slot.type.n_params])
            if grads is not None:
                grads.extend((slot.start + i, d, []) for i, d in enumerate(dz))
            return z
        if isinstance(node, Series):
            z = self._eval(node.children[0], w, P, grads)
            for child in node.children[1:]:
                z = z + self._eval(child, w, P, grads)
            return z
        # parallel: Z = 1/Σ(1/Z_i), ∂Z/∂Z_i = (Z/Z_i)²
        parts = []
        for child in node.children:
            mine = [] if grads is not None else None
            parts.append((1.0 / self._eval(child, w, P, mine), mine))
        y = parts[0][0]
        for yi, _ in parts[1:]:
            y = y + yi
        z = 1.0 / y
        if grads is not None:
            for yi, mine in parts:
                factor = (z * yi) ** 2
                for _, _, chain in mine:
                    chain.append(factor)
                grads.extend(mine)
        return z

    def impedance_and_jacobian(self, w: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Z (b, N) and ∂Z/∂p (b, N, n) at angular frequencies ``w`` [rad/s].

        ``P`` is (b, n) (or (n,)); ``w`` is (N,) or (b, N).
        """
        P = np.asarray(P, dtype=float)
        P2 = P.reshape(-1, self.n_params)
        grads: list = []
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = self._eval(self.tree, w, P2, grads)
            shape = (P2.shape[0], np.shape(w)[-1])
            z = np.broadcast_to(z, shape)
            J = np.empty(shape + (self.n_params,), dtype=complex)
            for k, d, chain in grads:
                for factor in chain:
                    d = d * factor
                J[..., k] = d
        return z.reshape(P.shape[:-1] + shape[1:]), J.reshape(P.shape[:-1] + shape[1:] + (self.n_params,))

    def impedance(self, frequency_Hz: np.ndarray, values: Mapping[str, float] | np.ndarray) -> np.ndarray:
        """Complex impedance [Ω] at ``frequency_Hz`` for parameter ``values``."""
        w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
        P = self.as_array(values)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = self._eval(self.tree, w, P.reshape(-1, self.n_params), None)
        return np.broadcast_to(z, P.reshape(-1, self.n_params).shape[:1] + w.shape[-1:]).reshape(
            P.shape[:-1] + w.shape[-1:]).copy()

    # -- structure ---------------------------------------------------------------
    def signature(self, node: Node) -> str:
        """The shape of a sub-circuit with labels replaced by types, e.g. ``p(R,CPE)``."""
        if isinstance(node, Element):
            return node.type
        inner = ",".join(self.signature(c) for c in node.children)
        return ("p(" + inner + ")") if isinstance(node, Parallel) else ("s(" + inner + ")")

    def subcircuit_indices(self, node: Node) -> list[int]:
        return [i for el in node.elements() for i in self._slots[el.label].indices]

    def _characteristic_frequency(self, node: Node, values: np.ndarray) -> float:
        pair = self._rc_pair(node)
        if pair is not None:  # analytic apex of p(R, C|CPE): f = 1/(2π (R Q)^(1/n))
            r, cap = pair
            R = values[self._slots[r].start]
            start = self._slots[cap].start
            Q, n = (values[start], values[start + 1]) if self._slots[cap].type.name == "CPE" else (values[start], 1.0)
            if R <= 0 or Q <= 0:
                return float("inf")
            if n <= 0:
                return float("nan")
            with np.errstate(all="ignore"):
                return float(1 / (2 * np.pi * np.exp(np.log(R * Q) / n)))
        f = np.logspace(-8, 10, 361)
        w = 2 * np.pi * f
        with np.errstate(all="ignore"):
            z = self._eval(node, w, np.asarray(values, float).reshape(1, -1), None)
        z = np.broadcast_to(z, (1,) + w.shape)[0]
        if not np.all(np.isfinite(z)):
            return float("nan")
        return float(f[np.argmax(-z.imag)])

    def _interchangeable(self) -> list[tuple[list[Node], list[list[int]]]]:
        """Groups of structurally identical siblings in series (not plain resistors), innermost
        first, each with its members' parameter indices: the circuit's structure, found once."""
        found = self.__dict__.get("_groups")
        if found is not None:
            return found
        groups_out: list[tuple[list[Node], list[list[int]]]] = []

        def visit(node: Node) -> None:
            if isinstance(node, Element):
                return
            for c in node.children:
                visit(c)
            if not isinstance(node, Series):
                return
            groups: dict[str, list[Node]] = {}
            for c in node.children:
                groups.setdefault(self.signature(c), []).append(c)
            for sig, members in groups.items():
                kinds = [t for t in sig.replace("p(", ",").replace("s(", ",").replace(")", "").split(",") if t]
                if len(members) >= 2 and not all(t == "R" for t in kinds):
                    groups_out.append((members, [list(self.subcircuit_indices(m)) for m in members]))

        visit(self.tree)
        self.__dict__["_groups"] = groups_out
        return groups_out

    def canonical_permutation(self, values: np.ndarray) -> np.ndarray:
        """Index array ``perm`` so that ``values[perm]`` lists interchangeable sub-circuits
        (structurally identical siblings in series, e.g. the arcs of
        ``p(R1,CPE1)-p(R2,CPE2)``) by characteristic frequency, highest first."""
        perm = np.arange(self.n_params)
        values = np.asarray(values, dtype=float)
        for members, slots in self._interchangeable():
            freqs = [self._characteristic_frequency(m, values) for m in members]
            if not all(np.isfinite(freqs)):
                continue
            order = np.argsort(freqs)[::-1]
            snapshot = perm.copy()
            for target, source in enumerate(order):
                perm[slots[target]] = snapshot[slots[source]]
        return perm

    def canonical_permutations(self, values: np.ndarray) -> np.ndarray:
        """:meth:`canonical_permutation` of every row of ``values`` (S, n), vectorised over the
        rows for p(R, C|CPE) arcs (the apex formula), row by row for other sub-circuits."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        S = values.shape[0]
        perm = np.tile(np.arange(self.n_params), (S, 1))
        for members, slots in self._interchangeable():
            if all(self._rc_pair(m) is not None for m in members):
                freqs = np.stack([self._apex_frequencies(m, values) for m in members], axis=1)
            else:
                freqs = np.array([[self._characteristic_frequency(m, v) for m in members] for v in values])
            ok = np.isfinite(freqs).all(axis=1)
            order = np.argsort(freqs, axis=1)[:, ::-1]
            slot = np.array(slots)  # (members, parameters per member)
            snapshot = perm.copy()
            for target in range(len(members)):
                src = slot[order[:, target]]  # (S, L)
                moved = np.take_along_axis(snapshot, src, 1)
                perm[np.ix_(ok, slot[target])] = moved[ok]
        return perm

    def _apex_frequencies(self, node: Node, values: np.ndarray) -> np.ndarray:
        """:meth:`_characteristic_frequency` of a p(R, C|CPE) ``node`` for every row of ``values``."""
        r, cap = self._rc_pair(node)
        R = values[:, self._slots[r].start]
        start = self._slots[cap].start
        cpe = self._slots[cap].type.name == "CPE"
        Q = values[:, start]
        n = values[:, start + 1] if cpe else np.ones_like(R)
        with np.errstate(all="ignore"):
            f = 1 / (2 * np.pi * np.exp(np.log(R * Q) / n))
        f = np.where(n <= 0, np.nan, f)
        return np.where((R <= 0) | (Q <= 0), np.inf, f)

    @staticmethod
    def _rc_pair(node: Node) -> tuple[str, str] | None:
        if not isinstance(node, Parallel) or len(node.children) != 2:
            return None
        a, b = node.children
        if not (isinstance(a, Element) and isinstance(b, Element)):
            return None
        types = {a.type: a.label, b.type: b.label}
        if "R" in types and len(types) == 2 and ("CPE" in types or "C" in types):
            return types["R"], types.get("CPE") or types["C"]
        return None

    def rc_pairs(self) -> tuple[tuple[str, str], ...]:
        """(resistor, capacitive element) labels of every two-branch p(R, C|CPE) block, found once
        per circuit (every fit's capacitances and verdict ask)."""
        return self._rc_pairs

    @cached_property
    def _rc_pairs(self) -> tuple[tuple[str, str], ...]:
        pairs = []

        def visit(node: Node) -> None:
            if isinstance(node, Element):
                return
            pair = self._rc_pair(node)
            if pair is not None:
                pairs.append(pair)
            for c in node.children:
                visit(c)

        visit(self.tree)
        return tuple(pairs)


@lru_cache(maxsize=128)
def _parsed(text: str) -> Circuit:
    return Circuit(text)


def circuit_of(circuit: "str | Circuit") -> Circuit:
    """``circuit`` itself, or the parsed circuit of a string (parsed once per distinct string in
    a process: a :class:`Circuit` holds no values and is never changed)."""
    return circuit if isinstance(circuit, Circuit) else _parsed(circuit)
