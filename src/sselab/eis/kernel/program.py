"""A circuit as a flat program for the compiled kernel: the circuit tree in postfix order.

Every circuit the language accepts becomes rows ``(op, a, b, c)`` of an int64 array:

========  =====================================================================
op        meaning
========  =====================================================================
ELEMENT   push element ``a`` (its code in :data:`ELEMENT_CODES`) whose parameters
          start at index ``b`` and number ``c``
SERIES    pop ``a`` impedances, push their sum
PARALLEL  pop ``a`` impedances, push 1/Σ(1/Zᵢ); the derivatives below each branch are
          multiplied by ∂Z/∂Zᵢ = (Z/Zᵢ)²
ARC       push a two-branch p(R, CPE) (either order) as one step: R's parameter at ``a``,
          the CPE's Q, n at ``b``, ``b`` + 1; Z = 1/(1/R + Q(jω)^n) and its derivatives in
          closed form (one inversion per point instead of three, no derivative rescaling)
========  =====================================================================

A sub-circuit's parameters are contiguous (parameters follow the order of the labels in the
string), so the kernel keeps one derivative row per parameter and a (first, last) range per
stack entry: a series costs nothing for the derivatives and a parallel block scales its
branches' rows in place.  The element formulas are the registry's
(:mod:`sselab.eis.elements`), compiled one by one in :mod:`sselab.eis.kernel._numba`; a
circuit with an element that has no compiled formula is fitted by the numpy path.

Examples
--------
>>> from sselab.eis.circuit import Circuit
>>> program(Circuit("R0-p(R1,CPE1)")).tolist()
[[0, 0, 0, 1], [3, 1, 2, 0], [1, 2, 0, 0]]
>>> program(Circuit("R0-p(R1,CPE1)"), fuse=False).tolist()
[[0, 0, 0, 1], [0, 0, 1, 1], [0, 3, 2, 2], [2, 2, 0, 0], [1, 2, 0, 0]]
"""

from __future__ import annotations

import numpy as np

from ..circuit import Circuit
from ..language import Element, Node, Parallel
from ...memo import Bounded

ELEMENT, SERIES, PARALLEL, ARC = 0, 1, 2, 3

#: element type -> code of its compiled formula in :mod:`sselab.eis.kernel._numba`
ELEMENT_CODES = {"R": 0, "C": 1, "L": 2, "CPE": 3, "W": 4, "Ws": 5, "Wo": 6, "G": 7}


def supported(circuit: Circuit) -> bool:
    """Whether every element of ``circuit`` has a compiled formula."""
    return _SUPPORTED.get_or_make((circuit.text, len(ELEMENT_CODES)),
                                  lambda: all(el.type in ELEMENT_CODES for el in circuit.tree.elements()))


_SUPPORTED = Bounded()  # (circuit text, number of element codes) → bool


def program(circuit: Circuit, fuse: bool = True) -> np.ndarray:
    """The postfix program (n_ops, 4) of ``circuit`` (see the module docs); ``fuse=False``
    spells every p(R, CPE) out as two elements and a PARALLEL (the generic path)."""
    rows: list[tuple[int, int, int, int]] = []
    start: dict[str, int] = {}
    offset = 0
    for el in circuit.tree.elements():
        start[el.label] = offset
        offset += circuit._slots[el.label].type.n_params

    def visit(node: Node) -> None:
        if isinstance(node, Element):
            etype = circuit._slots[node.label].type
            rows.append((ELEMENT, ELEMENT_CODES[node.type], start[node.label], etype.n_params))
            return
        kids = node.children
        if (fuse and isinstance(node, Parallel) and len(kids) == 2 and all(isinstance(k, Element) for k in kids)
                and sorted(k.type for k in kids) == ["CPE", "R"]):
            r, q = (kids[0], kids[1]) if kids[0].type == "R" else (kids[1], kids[0])
            rows.append((ARC, start[r.label], start[q.label], 0))
            return
        for child in node.children:
            visit(child)
        rows.append((PARALLEL if isinstance(node, Parallel) else SERIES, len(node.children), 0, 0))

    visit(circuit.tree)
    return np.array(rows, dtype=np.int64).reshape(-1, 4)


_COMPILED = Bounded()  # circuit text → (program, stack depth)


def compiled(circuit: Circuit) -> tuple[np.ndarray, int]:
    """``(program(circuit), stack_depth(...))``, kept per circuit text (read-only)."""
    def make() -> tuple[np.ndarray, int]:
        ops = program(circuit)
        ops.setflags(write=False)
        return ops, stack_depth(ops)

    return _COMPILED.get_or_make(circuit.text, make)


def stack_depth(ops: np.ndarray) -> int:
    """The deepest the impedance stack gets while running ``ops``."""
    depth = best = 0
    for op, a, _, _ in ops.tolist():
        depth = depth + 1 if op in (ELEMENT, ARC) else depth - a + 1
        best = max(best, depth)
    return best
