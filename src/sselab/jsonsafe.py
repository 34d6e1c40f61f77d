"""One JSON-safe conversion for everything sselab prints, serves or stores.

NaN and ±inf become ``None`` (JSON has no such numbers), numpy arrays and scalars become
plain Python, tuples become lists, dict keys become strings.  The CLI's ``--json``, the web
workbench's responses and the results database's JSON columns all use it; the store asks
for ``strict=True`` so that a value it could not read back (a ``Path``, an object) is an
error rather than silently passed on.

Examples
--------
>>> import numpy as np
>>> json_safe({"x": (1, float("inf")), "a": np.array([1.5, np.nan]), 2: np.int64(3)})
{'x': [1, None], 'a': [1.5, None], '2': 3}
"""

from __future__ import annotations

import math
from typing import Any


def json_safe(obj: Any, strict: bool = False) -> Any:
    """A copy of ``obj`` that ``json.dumps(..., allow_nan=False)`` accepts.

    With ``strict``, a value that is not a dict, list, tuple, numpy value, str, int, float,
    bool or None raises :class:`TypeError`; otherwise it is returned unchanged.
    """
    if isinstance(obj, dict):
        return {str(k): json_safe(v, strict) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v, strict) for v in obj]
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars
        return json_safe(obj.tolist(), strict)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if strict and not (obj is None or isinstance(obj, (str, int))):
        raise TypeError(f"not a JSON value: {type(obj).__name__} {obj!r}")
    return obj
