"""``sselab.jsonsafe.dumps_json`` (orjson, then Python's float spellings and ASCII escapes)
writes exactly the text of ``json.dumps(json_safe(obj), indent=2, allow_nan=False)``: floats of
every magnitude, every ASCII character and non-ASCII ones in keys and values, numpy values,
empty and nested containers, and the objects orjson is not given (they go the standard way)."""

import dataclasses
import json
import struct

import numpy as np
import pytest

from sselab.jsonsafe import dumps_json
from sselab.jsonsafe import json_safe


def _reference(obj):
    return json.dumps(json_safe(obj), indent=2, allow_nan=False)


def _floats(n, seed):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**63, n, dtype=np.int64) * rng.choice([1, -1], n)
    out = [struct.unpack("<d", struct.pack("<q", int(b)))[0] for b in bits]  # every exponent, nan and inf too
    out += [m * 10.0**e for e in range(-12, 20) for m in (1.0, -1.5, 9.999999999999998, 1.2345678901234567)]
    return out + [0.0, -0.0, 1e-4, 9.99999e-5, 1e-5, 1e16, 9999999999999998.0, 5e-324, float("inf"), float("nan")]


def test_floats_of_every_magnitude():
    values = _floats(20000, 1)
    obj = {"rows": values, "pairs": [{"x": v, "y": [v, 1]} for v in values[:2000]]}
    assert dumps_json(obj) == _reference(obj)


def test_strings_keys_and_numpy_values():
    text = "".join(map(chr, range(128))) + "Ω–χ² \u2028 😀 \x7f"
    obj = {
        text: [text, {"k": text}],
        "empty": [{}, [], [[]], {"a": {}}],
        "numpy": [np.float64(2.5e-7), np.float64("nan"), np.float32(0.1), np.int64(-3), np.bool_(True),
                  np.arange(3.0) * 1e-6, np.array([[1, 2]])],
        "plain": [True, False, None, 0, -1, 2**62, "a/b"],
        "tuple": (1.0, (2, "x")),
    }
    assert dumps_json(obj) == _reference(obj)
    assert dumps_json([obj, obj]) == _reference([obj, obj])


@dataclasses.dataclass
class _Point:
    x: float


class _Text(str):
    pass


@pytest.mark.parametrize("obj", [
    {1: 2.5, "a": 1e-7},  # non-str keys: json_safe makes them strings
    {"big": 2**70},  # beyond 64 bits
    {"sub": _Text("x"), "v": 1e-6},  # a str subclass
    3.5e-6,  # a lone number
])
def test_objects_orjson_is_not_given_write_the_same(obj):
    assert dumps_json(obj) == _reference(obj)


def test_unsupported_values_raise_as_before():
    with pytest.raises(TypeError):
        dumps_json({"p": _Point(1.0)})
    with pytest.raises(TypeError):
        _reference({"p": _Point(1.0)})
